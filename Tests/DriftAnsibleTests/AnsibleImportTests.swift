import DriftAnsible
import DriftCore
import DriftTestSupport
import Foundation
import Testing

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

/// Imports a file with the built-in role map (plus `overrides`).
func importFile(_ path: String, overrides: [String: Role?] = [:], variables: Set<String> = []) throws -> AnsibleImport.Result {
    try AnsibleImport.run(try AnsibleImport.read(path: path),
                          options: .init(roleMap: RoleMap(overrides: overrides), requiredGroups: Array(overrides.keys),
                                         ruleVariables: variables, toolVersion: "test"))
}

/// Imports text written to a scratch file of that name (the name picks the format, as for Ansible).
func importText(_ text: String, named name: String = "hosts", overrides: [String: Role?] = [:],
                variables: Set<String> = []) throws -> AnsibleImport.Result {
    let scratch = try TemporaryDirectory(prefix: "stackdrift-import")
    return try importFile(try scratch.write(name, text), overrides: overrides, variables: variables)
}

/// The diagnostics an import throws, as "line: message".
func importErrors(_ text: String, named name: String = "hosts", overrides: [String: Role?] = [:]) -> [String] {
    do {
        _ = try importText(text, named: name, overrides: overrides)
        return []
    } catch let list as DiagnosticList {
        return list.diagnostics.map { "\($0.location.line): \($0.message)" }
    } catch {
        return ["unexpected \(error)"]
    }
}

func roles(_ result: AnsibleImport.Result) -> [String: [Role]] {
    Dictionary(uniqueKeysWithValues: result.hosts.map { ($0.name, $0.roles) })
}

@Suite struct AnsibleImportTests {
    static let kollaRoles: [String: [Role]] = [
        "control01": [.controller], "control02": [.controller], "control03": [.controller],
        "network01": [.network], "network02": [.network], "compute01": [.compute], "storage01": [.blockStorage],
    ]

    /// kolla-ansible's own example: its physical groups are the roles, its service groups (which
    /// nest control under cinder-volume's parent) do not add any, monitoring01 and the deployment
    /// host are left out with a note.
    @Test func kollaAnsiblesMultinodeImportsWithTheRightRoles() throws {
        let result = try importFile(fixtures + "/kolla-ansible/multinode")
        #expect(roles(result) == Self.kollaRoles)
        #expect(result.hosts.map(\.name) == ["control01", "control02", "control03", "network01", "network02", "compute01", "storage01"])
        #expect(result.notes.contains { $0.hasPrefix("left out 'localhost': ansible_connection=local") })
        #expect(result.notes.contains { $0.hasPrefix("left out 'monitoring01': in no group mapped to a role") })
        // An ordinary stackdrift inventory, naming where it came from.
        #expect(result.yaml.hasPrefix("# Imported by stackdrift test from \(fixtures)/kolla-ansible/multinode (Ansible INI inventory)."))
        let inventory = try Inventory.parse(result.yaml, file: "fleet.yaml", baseDirectory: "/")
        #expect(inventory.hosts.map(\.name) == result.hosts.map(\.name))
        #expect(inventory.host(named: "storage01")?.roles == [.blockStorage])
    }

    /// The same file through ansible-core's own reading (`ansible-inventory --list`) gives the same fleet.
    @Test func kollaAnsiblesMultinodeImportsAlikeFromAnsibleInventoryList() throws {
        guard RealAnsible.available() else { return }
        let scratch = try TemporaryDirectory(prefix: "stackdrift-ansible-list")
        let json = scratch.path + "/multinode.json"
        try RealAnsible.list(fixtures + "/kolla-ansible/multinode", into: json, scratch: scratch.path)
        let fromList = try importFile(json)
        let fromINI = try importFile(fixtures + "/kolla-ansible/multinode")
        #expect(fromList.yaml.contains("(ansible-inventory --list JSON)"))
        #expect(roles(fromList) == Self.kollaRoles)
        // The JSON lists groups alphabetically, so hosts come in another order; each is the same.
        #expect(fromList.hosts.sorted { $0.name < $1.name } == fromINI.hosts.sorted { $0.name < $1.name })
    }

    /// The all-in-one's single host connects locally but runs everything: it is the cloud, audited in place.
    @Test func kollaAnsiblesAllInOneIsTheLocalMachine() throws {
        let result = try importFile(fixtures + "/kolla-ansible/all-in-one")
        let host = try #require(result.hosts.first)
        #expect(result.hosts.count == 1)
        #expect(host.name == "localhost" && host.local)
        #expect(host.roles == [.controller, .network, .compute, .blockStorage])
        let inventory = try Inventory.parse(result.yaml, file: "fleet.yaml", baseDirectory: "/")
        #expect(inventory.hosts[0].connection.transport == .local && inventory.hosts[0].connection.root == "/")
    }

    /// OpenStack-Ansible's generated inventory (its dynamic script's JSON): the physical hosts get
    /// roles from the *_hosts and service groups; the LXC containers are in no mapped group.
    @Test func openStackAnsiblesGeneratedInventoryImportsItsHosts() throws {
        let result = try importFile(fixtures + "/openstack-ansible/openstack_inventory.test.json")
        #expect(roles(result) == ["compute1": [.compute], "infra1": [.controller, .network], "storage1": [.blockStorage]])
        let addresses = Dictionary(uniqueKeysWithValues: result.hosts.map { ($0.name, $0.address) })
        #expect(addresses == ["compute1": "172.29.236.12", "infra1": "172.29.236.11", "storage1": "172.29.236.13"])
        #expect(result.notes.contains { $0.contains("'infra1-keystone-container-60e8b8b2'") || $0.contains("and 3 more") })
    }

    @Test func connectionVariablesBecomeConnectionFields() throws {
        let result = try importText("""
        [compute]
        compute[1:2] ansible_host=10.0.0.3[1:2]
        compute3 ansible_host=10.0.0.33 ansible_port=2222 ansible_user=audit ansible_ssh_private_key_file=~/.ssh/audit ansible_become=yes
        compute4:2200

        [compute:vars]
        ansible_user=ops
        """)
        let hosts = Dictionary(uniqueKeysWithValues: result.hosts.map { ($0.name, $0) })
        #expect(hosts["compute1"]?.address == "10.0.0.3[1:2]", "a value is not a pattern: Ansible keeps it as written")
        #expect(hosts["compute3"]?.address == "10.0.0.33")
        #expect(hosts["compute3"]?.port == 2222)
        #expect(hosts["compute3"]?.user == "audit", "host variables beat group variables")
        #expect(hosts["compute3"]?.identity == "~/.ssh/audit")
        #expect(hosts["compute3"]?.sudo == true)
        #expect(hosts["compute1"]?.user == "ops")
        #expect(hosts["compute4"]?.port == 2200)
        let inventory = try Inventory.parse(result.yaml, file: "fleet.yaml", baseDirectory: "/srv")
        #expect(inventory.host(named: "compute3")?.connection.sudo == true)
        #expect(inventory.host(named: "compute3")?.connection.port == 2222)
    }

    @Test func aJinjaValueIsRefusedNamingHostAndVariable() {
        let errors = importErrors("""
        [compute]
        compute1 ansible_host="{{ lookup('env', 'NODE') }}"
        compute2 ansible_user='{{ admin_user }}'
        """)
        #expect(errors == [
            "2: host 'compute1': ansible_host is a Jinja template '{{ lookup('env', 'NODE') }}', which only Ansible can "
                + "evaluate; write the value itself in the imported inventory",
            "3: host 'compute2': ansible_user is a Jinja template '{{ admin_user }}', which only Ansible can evaluate; "
                + "write the value itself in the imported inventory",
        ], "\(errors)")
    }

    @Test func aHostInTwoRoleGroupsGetsBothRolesOnce() throws {
        let result = try importText("""
        [controller]
        aio
        [compute]
        aio
        [nova_compute:children]
        compute
        """)
        #expect(roles(result) == ["aio": [.controller, .compute]])
    }

    @Test func aChildGroupOutsideTheMapInheritsItsParentsRoleAndAMappedChildKeepsItsOwn() throws {
        let result = try importText("""
        [kvm]
        kvm1
        [storage]
        stor1
        [compute:children]
        kvm
        storage
        """)
        #expect(roles(result) == ["kvm1": [.compute], "stor1": [.blockStorage]])
    }

    @Test func theRoleMapCanBeExtendedAndEntriesRemoved() throws {
        let result = try importText("[db]\ndb1\n[storage]\nstor1\n[compute]\nc1\n",
                                    overrides: ["db": .controller, "storage": nil])
        #expect(roles(result) == ["db1": [.controller], "c1": [.compute]])
        #expect(result.notes.contains { $0.hasPrefix("left out 'stor1'") })
    }

    @Test func aRoleMapForAGroupTheInventoryLacksIsAnError() {
        #expect(importErrors("[compute]\nc1\n", overrides: ["compte": .compute]).first?
            .contains("--role-map names group 'compte', which the inventory does not have (groups: compute)") == true)
    }

    @Test func cyclesInChildrenAreRefusedWithTheirPath() {
        let errors = importErrors("""
        [a:children]
        b
        [b:children]
        c
        [c:children]
        a
        [c]
        c1
        """)
        #expect(errors == ["6: group 'a' is its own descendant: a → b → c → a (Ansible refuses this loop too)"], "\(errors)")
        #expect(importErrors("[a:children]\na\n[a]\nh\n") == ["2: group 'a' is its own descendant: a → a (Ansible refuses this loop too)"])
    }

    @Test func undeclaredGroupsAreRefusedAsAnsibleRefusesThem() {
        let errors = importErrors("""
        [compute]
        c1
        [cloud:children]
        compute
        nosuchgroup
        [ghost:vars]
        x=1
        """)
        #expect(errors == [
            "5: section [cloud:children] names group 'nosuchgroup', which is never declared",
            "6: section [ghost:vars] is for group 'ghost', which is never declared",
        ], "\(errors)")
    }

    @Test func everyMistakeIsReportedOnce() {
        let errors = importErrors("""
        [compute]
        c[1:]
        c2 ansible_port=99999
        c3 novalue
        [weird:kind]
        """)
        #expect(errors == [
            "2: host range '[1:]' must specify an end value",
            "4: expected key=value host variable, found 'novalue'",
            "5: section '[weird:kind]' has unknown type 'kind' (valid: children, vars)",
            "3: host 'c2': ansible_port '99999' is not a port number (1 to 65535)",
        ], "\(errors)")
    }

    /// 10,000 hosts from one range: every one imported, the output an inventory `audit` reads.
    @Test func tenThousandHostsFromARange() throws {
        let result = try importText("[compute]\ncompute[00001:10000] ansible_user=audit\n[compute:vars]\nansible_become=true\n")
        #expect(result.hosts.count == 10_000)
        #expect(result.hosts.allSatisfy { $0.roles == [.compute] && $0.user == "audit" && $0.sudo })
        let inventory = try Inventory.parse(result.yaml, file: "fleet.yaml", baseDirectory: "/")
        #expect(inventory.hosts.count == 10_000)
        #expect(inventory.hosts.last?.name == "compute10000")
    }

    @Test func yamlInventoriesReadAsAnsiblesPluginReadsThem() throws {
        let result = try importText("""
        all:
          vars: {ansible_user: ops}
          children:
            openstack:
              children:
                controller:
                  hosts:
                    ctl1: {ansible_host: 10.0.0.11, management_ip: 10.0.0.11}
                compute:
                  hosts:
                    cmp[1:2]:
                  vars: {ansible_become: true, ansible_user: nova-audit}
        """, named: "inventory.yml", variables: ["management_ip", "controller"])
        #expect(roles(result) == ["ctl1": [.controller], "cmp1": [.compute], "cmp2": [.compute]])
        let hosts = Dictionary(uniqueKeysWithValues: result.hosts.map { ($0.name, $0) })
        #expect(hosts["ctl1"]?.user == "ops" && hosts["cmp1"]?.user == "nova-audit")
        #expect(hosts["cmp2"]?.sudo == true && hosts["ctl1"]?.sudo == false)
        #expect(hosts["ctl1"]?.vars == ["management_ip": "10.0.0.11"], "a rule variable set in Ansible is carried over")
    }

    /// Variable precedence against ansible-core's own: a variable set at every level, the
    /// connection values Ansible computes for each host, compared with the import's.
    @Test func variablePrecedenceMatchesAnsiblesHostvars() throws {
        guard RealAnsible.available() else { return }
        let scratch = try TemporaryDirectory(prefix: "stackdrift-precedence")
        let ini = try scratch.write("hosts", """
        [all:vars]
        ansible_user=from-all
        ansible_port=2200
        [compute]
        c1
        c2 ansible_user=from-host
        c3
        [compute:vars]
        ansible_user=from-compute
        [kvm:children]
        compute
        [kvm:vars]
        ansible_user=from-kvm-parent
        ansible_become=yes
        [zz_first_by_depth]
        c3
        [zz_first_by_depth:vars]
        ansible_port=2201
        [aa_same_depth]
        c3
        [aa_same_depth:vars]
        ansible_port=2202
        """)
        let json = scratch.path + "/list.json"
        try RealAnsible.list(ini, into: json, scratch: scratch.path)
        let hostvars = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json)))
            as? [String: Any])?["_meta"] as? [String: Any])["hostvars"] as? [String: [String: Any]]
        let result = try importFile(ini)
        for host in result.hosts {
            let theirs = try #require(hostvars?[host.name])
            #expect(host.user == theirs["ansible_user"] as? String, "\(host.name)")
            let port = (theirs["ansible_port"] as? Int).flatMap { $0 == 22 ? nil : $0 }
            #expect(host.port == port, "\(host.name)")
            #expect(host.sudo == ((theirs["ansible_become"] as? String).map { $0 == "yes" } ?? false), "\(host.name)")
        }
        #expect(result.hosts.count == 3)
    }
}
