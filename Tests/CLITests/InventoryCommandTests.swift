import DriftTestSupport
import Foundation
import Testing

@Suite struct InventoryCommandTests {
    static let kolla = ExternalProgram.packageRoot + "/Tests/DriftAnsibleTests/Fixtures/kolla-ansible/multinode"

    @Test func importWritesAnInventoryThatShowAccepts() throws {
        let scratch = try Scratch(prefix: "stackdrift-cli-import")
        let output = scratch.path + "/fleet.yaml"
        let imported = try CLI.run(["inventory", "import", Self.kolla, "-o", output, "--role-map", "monitoring=compute"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stderr.contains("note: left out 'localhost': ansible_connection=local"))
        #expect(imported.stderr.contains("8 hosts written to \(output)"))
        let shown = try CLI.run(["inventory", "show", output, "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
        let hosts = try #require(object?["hosts"] as? [[String: Any]])
        #expect(hosts.count == 8)
        let monitoring = try #require(hosts.first { $0["name"] as? String == "monitoring01" })
        #expect(monitoring["roles"] as? [String] == ["compute"])
        #expect((monitoring["files"] as? [[String: Any]])?.contains { $0["path"] as? String == "/etc/nova/nova.conf" } == true)
        #expect(monitoring["services"] is NSNull, "left to detection")
    }

    @Test func importMistakesExit64NamingEachOne() throws {
        let scratch = try Scratch(prefix: "stackdrift-cli-import")
        let hosts = try scratch.write("hosts", "[compute]\nc1 ansible_port=0\n[a:children]\nb\n")
        let result = try CLI.run(["inventory", "import", hosts])
        #expect(result.status == 64)
        #expect(result.stderr.contains("\(hosts):4: error: section [a:children] names group 'b', which is never declared"),
                "\(result.stderr)")
        #expect(result.stderr.contains("\(hosts):2: error: host 'c1': ansible_port '0' is not a port number (1 to 65535)"))
        let badMap = try CLI.run(["inventory", "import", hosts, "--role-map", "compute=hypervisor"])
        #expect(badMap.status == 64)
        #expect(badMap.stderr.contains("unknown role 'hypervisor' (valid: controller, network, compute, block-storage, "
                                       + "object-proxy, object-storage, none)"), "\(badMap.stderr)")
    }

    @Test func sudoersForOneHostOrAnUnknownOne() throws {
        let scratch = try Scratch(prefix: "stackdrift-cli-sudoers")
        let fleet = try scratch.write("fleet.yaml", """
        architecture: neutron
        defaults: {user: audit, sudo: true, cat_path: /bin/cat}
        hosts:
          - {name: c1, roles: [compute], services: []}
          - {name: n1, roles: [network], sudo: false}
        """)
        let one = try CLI.run(["inventory", "sudoers", fleet, "--host", "c1"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout.contains("\naudit ALL=(root) NOPASSWD: /bin/cat -- /etc/ceilometer/ceilometer.conf, \\\n"))
        #expect(one.stdout.contains("\n    /bin/cat -- /etc/hosts, \\\n"))
        #expect(one.stdout.contains("    /bin/cat -- /proc/cpuinfo\n"))
        #expect(!one.stdout.contains("n1"))
        let all = try CLI.run(["inventory", "sudoers", fleet])
        #expect(all.stdout.contains("# No sudoers line needed (sudo: false, files read over SFTP as the login user): n1"))
        let unknown = try CLI.run(["inventory", "sudoers", fleet, "--host", "c9"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("no host 'c9' in \(fleet) (hosts: c1, n1)"))
    }

    @Test func showReportsEveryInventoryMistakeAtOnce() throws {
        let scratch = try Scratch(prefix: "stackdrift-cli-show")
        let fleet = try scratch.write("fleet.yaml", "architecture: neutron\nhosts:\n  - {name: a, roles: [x]}\n  - {name: b, roles: [compute], port: 0}\n")
        let result = try CLI.run(["inventory", "show", fleet])
        #expect(result.status == 64)
        #expect(result.stderr.contains("fleet.yaml:3:"), "\(result.stderr)")
        #expect(result.stderr.contains("fleet.yaml:4:"), "\(result.stderr)")
        #expect(result.stderr.contains("2 errors"))
    }
}
