import DriftAudit
import DriftCore
import DriftReporting
import DriftRules
import DriftSamples
import DriftStore
import DriftTestSupport
import Foundation
import Testing

/// The demo fleet grown by `count` compute nodes made from compute1's tree (its addresses
/// and name replaced by each node's own), named through DNS so no /etc/hosts must list them.
func grownDemoFleet(computes count: Int) throws -> DemoFleetCopy {
    let copy = try DemoFleetCopy(from: DemoFleet.root)
    var inventory = try String(contentsOfFile: copy.inventory, encoding: .utf8)
    inventory = inventory.replacingOccurrences(of: "architecture: neutron\n", with: "architecture: neutron\nname_resolution: dns\n")
    let manager = FileManager.default
    let template = copy.root + "/trees/compute1"
    for number in 1...count {
        let name = "compute\(100 + number)", address = "10.0.0.\(100 + number)", tunnel = "10.0.1.\(100 + number)"
        let tree = copy.root + "/trees/" + name
        try manager.copyItem(atPath: template, toPath: tree)
        for case let relative as String in manager.enumerator(atPath: tree)! {
            let path = tree + "/" + relative
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let edited = text.replacingOccurrences(of: "10.0.0.31", with: address).replacingOccurrences(of: "10.0.1.31", with: tunnel)
                .replacingOccurrences(of: "\tcompute1\n", with: "\t\(name)\n")
            try edited.write(toFile: path, atomically: true, encoding: .utf8)
        }
        inventory += """
          - name: \(name)
            root: trees/\(name)
            roles: [compute]
            vars: {management_ip: \(address), tunnel_ip: \(tunnel)}

        """
    }
    try inventory.write(toFile: copy.inventory, atomically: true, encoding: .utf8)
    return copy
}

@Suite struct ProblemFleetTests {
    static let bindAddress = "/etc/mysql/conf.d/mysqld_openstack.cnf"
    static let connectRule = "database.mysql-listens-where-services-connect"

    /// The issue's example: MySQL on the controller listens on 127.0.0.1, so every service's
    /// `[database] connection` (correctly naming the controller) fails its consistency check.
    /// The report must lead with the one my.cnf line, once, naming every host it breaks.
    @Test func oneControllerValueBreakingTwentyTwoHostsIsOneProblemListedFirst() throws {
        let fleet = try grownDemoFleet(computes: 22)
        try fleet.replaceLine(host: "controller", path: Self.bindAddress, "bind-address = 10.0.0.11", with: "bind-address = 127.0.0.1")
        let run = try DemoFleet.run(inventory: fleet.inventory)
        let overview = run.overview
        let connecting = run.findings.filter { $0.rule == Self.connectRule && $0.status == .fail }
        let connectingHosts = Set(connecting.map(\.host))
        #expect(connectingHosts.count >= 23, "every compute and the controller connect to the database: \(connectingHosts.sorted())")

        let first = try #require(overview.problems.first)
        #expect(first.kind == .value)
        #expect([first.host, first.file, first.section, first.key] == ["controller", Self.bindAddress, "mysqld", "bind-address"])
        #expect(first.line == 3)
        #expect(first.severity == .critical, "as severe as the consequences it causes")
        #expect(first.consequences == connecting.count)
        #expect(Set(first.findings).isSuperset(of: connecting.map(\.id)))
        #expect(Set(first.hosts) == connectingHosts.union(["controller"]))
        #expect(first.hosts.first == "controller")
        #expect(first.advice.contains("bind-address") && first.advice.contains("change nothing there"), "\(first.advice)")
        // Said once: no other problem holds a connection check, or is rooted at a connection URL.
        #expect(overview.problems.dropFirst().allSatisfy { problem in
            problem.key != "connection" && !problem.findings.contains { id in connecting.contains { $0.id == id } }
        })
        let text = TextReport(color: false).render(run)
        let firstProblem = try #require(text.components(separatedBy: "\n").first { $0.hasPrefix("FAIL ") })
        #expect(firstProblem.contains("\(Self.bindAddress):3 on controller"), "\(firstProblem)")
    }

    /// The demo's nine deliberate drifts (Examples/demo/README.md) are nine problems, each with
    /// its value rule and consistency checks inside, rooted at the drifted line.
    @Test func eachDeliberateDriftOfTheDemoIsOneProblem() throws {
        let overview = try DemoFleet.run().overview
        let roots = overview.problems.map { "\($0.host) \($0.file ?? "") \($0.subject) \($0.findings.count)" }
        #expect(roots == [
            "controller /etc/nova/nova.conf [DEFAULT] neutron_admin_password 2",
            "compute2 /etc/ceilometer/ceilometer.conf [publisher] metering_secret 1",
            "controller /etc/cinder/cinder.conf [DEFAULT] rabbit_password 1",
            "compute2 /etc/neutron/plugins/ml2/ml2_conf.ini [ml2_type_gre] tunnel_id_ranges 2",
            "compute2 /etc/nova/nova.conf [DEFAULT] vncserver_proxyclient_address 2",
            "block1 /etc/lvm/lvm.conf [devices] filter 1",
            "compute2 /etc/nova/nova.conf [DEFAULT] linuxnet_interface_driver 1",
            "network /etc/neutron/plugins/ml2/ml2_conf.ini [securitygroup] enable_security_group 1",
            "compute2 /etc/nova/nova.conf [DEFAULT] notification_driver 1",
        ])
        let secret = try #require(overview.problems.first { $0.key == "metering_secret" })
        #expect(secret.secret && secret.severity == .critical)
        #expect(overview.problems.allSatisfy { $0.consequences == 0 && $0.hosts.count == 1 })
    }

    /// History in problems: fixed only when the checks ran and passed. Between two audits of the
    /// demo, network's security groups are turned back on (fixed), block1's LVM filter is waived
    /// (not fixed: waived), and compute2 leaves the inventory (its five problems: not checked).
    @Test func historyCountsProblemsAndFixedMeansCheckedAndPassing() throws {
        let fleet = try DemoFleetCopy(from: DemoFleet.root)
        let scratch = try TemporaryDirectory(prefix: "problem-history")
        let store = try SnapshotStore(path: scratch.path + "/history.db")
        let first = try DemoFleet.audit(store: store, inventory: fleet.inventory)
        #expect(first.changes == nil)

        try fleet.replaceLine(host: "network", path: "/etc/neutron/plugins/ml2/ml2_conf.ini",
                              "enable_security_group = False", with: "enable_security_group = True")
        let inventory = try String(contentsOfFile: fleet.inventory, encoding: .utf8)
        let compute2 = try #require(inventory.range(of: "  - name: compute2\n"))
        let block1 = try #require(inventory.range(of: "  - name: block1\n"))
        try (String(inventory[..<compute2.lowerBound]) + String(inventory[block1.lowerBound...]))
            .write(toFile: fleet.inventory, atomically: true, encoding: .utf8)
        let waivers = try scratch.write("waivers.yaml", """
            waivers:
              - {rule: lvm.devices.filter.reject-rest, host: block1, reason: CHG-1 disks moving, expires: 2099-12-31}

            """)
        var auditor = try DemoFleet.auditor(inventory: fleet.inventory)
        auditor.waivers = try WaiverSet.load(path: waivers, rules: auditor.ruleSet)
        let second = try auditor.run(store: store)
        let changes = try #require(second.changes)
        func keys(_ kind: ProblemChange.Kind) -> [String] {
            changes.problems.filter { $0.kind == kind }.map { "\($0.problem.host) \($0.problem.key ?? "")" }.sorted()
        }
        #expect(keys(.fixed) == ["network enable_security_group"])
        #expect(keys(.waived) == ["block1 filter"])
        #expect(keys(.unchecked) == ["compute2 linuxnet_interface_driver", "compute2 metering_secret", "compute2 notification_driver",
                                     "compute2 tunnel_id_ranges", "compute2 vncserver_proxyclient_address"])
        #expect(changes.problems.filter { $0.kind == .unchecked }.allSatisfy { $0.reason == "host compute2 was not in this run" })
        #expect(keys(.stillFailing) == ["controller neutron_admin_password", "controller rabbit_password"])
        #expect(keys(.new).isEmpty)
        #expect(try store.runs().map(\.problems) == [2, 9], "stackdrift runs: problems per run, newest first")
    }

    /// Whatever the fleet, each failing or erroring finding is in exactly one problem.
    @Test func everyAttentionFindingIsInExactlyOneProblem() throws {
        let fleet = try grownDemoFleet(computes: 3)
        try fleet.replaceLine(host: "controller", path: Self.bindAddress, "bind-address = 10.0.0.11", with: "bind-address = 127.0.0.1")
        try FileManager.default.removeItem(atPath: fleet.root + "/trees/compute101/etc/nova/nova.conf")
        let overview = try DemoFleet.run(inventory: fleet.inventory).overview
        let listed = overview.problems.flatMap(\.findings)
        #expect(listed.count == Set(listed).count, "no finding in two problems")
        #expect(Set(listed) == Set(overview.attention.map(\.id)))
        #expect(overview.attention.count == Set(overview.attention.map(\.id)).count, "finding ids are unique in a run")
        let missing = try #require(overview.problems.first { $0.kind == .file && $0.host == "compute101" })
        #expect(missing.file == "/etc/nova/nova.conf" && missing.fileStatus == .missing && missing.title.contains("does not exist"))
        #expect(missing.findings.count > 10, "every check of the file is inside its one problem")
    }
}
