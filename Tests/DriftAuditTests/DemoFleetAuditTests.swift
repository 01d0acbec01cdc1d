import DriftAudit
import DriftCore
import DriftReporting
import DriftRules
import DriftSamples
import DriftStore
import DriftTestSupport
import DriftTransport
import Foundation
import Testing

/// The repository's demo fleet, audited through the library as the CLI does.
enum DemoFleet {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/demo").path
    static let inventory = root + "/inventory.yaml"


    static func auditor(inventory path: String = inventory, upgradeTo: String? = nil) throws -> Auditor {
        let inventory = try Inventory.load(path: path)
        let rules = try RuleSet.load(directories: [try BuiltinRules.directory()], upgradeTo: upgradeTo)
        return Auditor(inventory: inventory, ruleSet: rules,
                       collector: Collector(transports: Auditor.defaultTransports(), jobs: 4),
                       toolVersion: "test", clock: { Date(timeIntervalSince1970: 1_764_000_000) })
    }

    static func audit(store: SnapshotStore, inventory path: String = inventory, upgradeTo: String? = nil) throws -> Auditor.Outcome {
        try auditor(inventory: path, upgradeTo: upgradeTo).run(store: store)
    }

    /// The demo audited into a scratch database and read back whole.
    static func run(inventory path: String = inventory, upgradeTo: String? = nil) throws -> AuditRun {
        try auditor(inventory: path, upgradeTo: upgradeTo).scratchRun()
    }
}

extension Auditor {
    /// Audits into a database of its own (with a fixed redaction key, so reports of one state
    /// are byte-identical) and reads the run back whole.
    func scratchRun() throws -> AuditRun {
        let scratch = try TemporaryDirectory(prefix: "audit")
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: scratch.path + "/history.db.key"))
        let store = try SnapshotStore(path: scratch.path + "/history.db")
        let outcome = try run(store: store)
        if let error = outcome.storeError { throw error }
        return try store.loadRun(outcome.header.id!)
    }
}

@Suite struct DemoFleetAuditTests {
    @Test func findsEachDeliberateDrift() throws {
        let run = try DemoFleet.run()
        let failing = Set(run.findings.filter { $0.status == .fail }.map { "\($0.host) \($0.rule)" })
        #expect(failing == [
            "controller nova.default.neutron_admin_password.placeholder",
            "controller consistency.neutron-password.same",
            "controller messaging.rabbit_password.same",
            "network ml2.securitygroup.enable_security_group",
            "compute2 nova.default.vncserver_proxyclient_address",
            "compute2 consistency.nova.vncserver_proxyclient_address.unique",
            "compute2 nova.default.linuxnet_interface_driver",
            "compute2 nova.default.notification_driver.ceilometer",
            "compute2 ml2.ml2_type_gre.tunnel_id_ranges",
            "compute2 consistency.ml2.tunnel_id_ranges.same",
            "compute2 consistency.ceilometer.metering_secret.same",
            "block1 lvm.devices.filter.reject-rest",
        ])
        #expect(run.exitCode == AuditExitCode.drift.rawValue.asInt)
    }

    @Test func compute1IsBuiltExactlyAsTheGuideSays() throws {
        let run = try DemoFleet.run()
        let compute1 = run.findings.filter { $0.host == "compute1" }
        #expect(compute1.filter { $0.status == .pass }.count > 60)
        #expect(compute1.allSatisfy { $0.status == .pass || $0.status == .skipped },
                "\(compute1.filter { $0.status != .pass && $0.status != .skipped })")
        // Skipped only where the guide's step does not apply: no dashboard here, and VT-x present.
        #expect(Set(compute1.filter { $0.status == .skipped }.map(\.rule))
                == ["dashboard.allowed_hosts", "dashboard.openstack_host", "nova-compute.libvirt.virt_type.qemu"])
        #expect(run.hosts.first { $0.name == "compute1" }?.services == [.telemetry], "detected from ceilometer.conf")
    }

    @Test func findingsPointAtTheOffendingLine() throws {
        let run = try DemoFleet.run()
        let finding = try #require(run.findings.first {
            $0.host == "compute2" && $0.rule == "nova.default.vncserver_proxyclient_address"
        })
        let lines = try String(contentsOfFile: DemoFleet.root + "/trees/compute2/etc/nova/nova.conf", encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[try #require(finding.line) - 1] == "vncserver_proxyclient_address = 10.0.0.31")
    }

    @Test func neitherTheReportNorTheDatabaseHoldsASecret() throws {
        let temporary = try TemporaryDirectory()
        let directory = temporary.path
        let store = try SnapshotStore(path: directory + "/audit.db")
        let outcome = try DemoFleet.audit(store: store)
        #expect(outcome.storeError == nil)
        let run = try store.loadRun(outcome.header.id!)
        let json = JSONReport.render(run) + TextReport(color: false).render(run)
        // Checkpoint the WAL so every page is in the files we grep.
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).map { directory + "/" + $0 }
        var stored = Data()
        for file in files { stored += FileManager.default.contents(atPath: file) ?? Data() }
        // The redacted texts reports may quote.
        let quoted = run.hosts.flatMap(\.files).compactMap(\.content).map { String(decoding: $0, as: UTF8.self) }
        #expect(quoted.count > 40)
        // And every blob inflated: contents, manifests and findings are deflated in the file,
        // where a plain search could not see a secret.
        var blobs: [String] = []
        try store.forEachBlob { _, _, _, bytes in blobs.append(String(decoding: try bytes.get(), as: UTF8.self)) }
        #expect(blobs.count > 50 && blobs.contains { $0.contains("<redacted:") })
        for secret in DemoFleetSecrets.all {
            #expect(!blobs.contains { $0.contains(secret) }, "'\(secret)' is in a stored blob")
            #expect(!json.contains(secret), "'\(secret)' leaked into a report")
            #expect(!quoted.contains { $0.contains(secret) }, "'\(secret)' is in a file's redacted text")
            #expect(stored.range(of: Data(secret.utf8)) == nil, "'\(secret)' leaked into the database")
        }
        let stats = try store.runs()
        #expect(stats.count == 1 && stats[0].status == "finished")
    }

    @Test func exitCodesFollowTheContract() {
        func host(_ name: String, error: String? = nil, files: [FileResult] = []) -> HostResult {
            HostResult(name: name, roles: [.compute], services: [], error: error, files: files)
        }
        func finding(_ status: FindingStatus) -> Finding {
            Finding(rule: "r", title: "t", host: "h", file: "/f", section: nil, key: "k", status: status,
                    severity: .low, expected: nil, actual: nil, line: nil, message: "", guide: nil)
        }
        #expect(AuditExitCode.of(hosts: [host("a")], findings: [finding(.pass), finding(.skipped)]) == .clean)
        #expect(AuditExitCode.of(hosts: [host("a")], findings: [finding(.pass), finding(.fail)]) == .drift)
        #expect(AuditExitCode.of(hosts: [host("a")], findings: [finding(.fail), finding(.error)]) == .incomplete)
        #expect(AuditExitCode.of(hosts: [host("a", error: "refused")], findings: [finding(.fail)]) == .incomplete)
        let unreadable = host("a", files: [FileResult(path: "/f", status: .unreadable, format: nil)])
        #expect(AuditExitCode.of(hosts: [unreadable], findings: []) == .incomplete)
    }
}

extension Int32 {
    var asInt: Int { Int(self) }
}

@Suite struct UnparseableFileTests {
    @Test func anUnparseableFileIsRecordedAndTheRestOfTheAuditGoesOn() throws {
        let scratch = try TemporaryDirectory(prefix: "audit-broken")
        let base = DemoFleet.root + "/trees/compute1"
        for path in ["/etc/nova/nova.conf", "/etc/neutron/plugins/ml2/ml2_conf.ini"] {
            try scratch.write("compute1" + path, try String(contentsOfFile: base + path, encoding: .utf8))
        }
        try scratch.write("compute1/etc/neutron/plugins/ml2/ml2_conf.ini", "[ml2]\ntype_drivers gre\n")
        let inventory = try Inventory.parse("""
        architecture: neutron
        vars: {controller: controller}
        hosts:
          - {name: compute1, transport: local, root: \(scratch.path)/compute1, roles: [compute], services: [],
             vars: {management_ip: 10.0.0.31, tunnel_ip: 10.0.1.31}}
        """, file: "inventory.yaml", baseDirectory: "/")
        let auditor = Auditor(inventory: inventory, ruleSet: try RuleSet.load(directories: [try BuiltinRules.directory()]),
                              collector: Collector(transports: Auditor.defaultTransports(), jobs: 1))
        let run = try auditor.scratchRun()
        let file = try #require(run.hosts.first?.files.first { $0.path == "/etc/neutron/plugins/ml2/ml2_conf.ini" })
        #expect(file.status == .unparseable)
        #expect(file.line == 2)
        let ml2 = run.findings.filter { $0.file == "/etc/neutron/plugins/ml2/ml2_conf.ini" }
        #expect(!ml2.isEmpty && ml2.allSatisfy { $0.status == .error })
        #expect(run.findings.filter { $0.file == "/etc/nova/nova.conf" }.allSatisfy { $0.status == .pass || $0.status == .skipped })
        #expect(run.exitCode == Int(AuditExitCode.incomplete.rawValue))
    }
}

/// Reports are written host by host from the stored run; they must say exactly what the run
/// read back whole says, in every format, with history.
@Suite struct StreamedReportTests {
    @Test func everyFormatStreamedFromTheStoreEqualsTheWholeRun() throws {
        let scratch = try TemporaryDirectory(prefix: "streamed")
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: scratch.path + "/history.db.key"))
        let store = try SnapshotStore(path: scratch.path + "/history.db")
        let previous = try DemoFleetCopy(from: DemoFleet.root)
        try previous.replaceLine(host: "compute1", path: "/etc/nova/nova.conf", "my_ip = 10.0.0.31", with: "my_ip = 10.0.0.131")
        _ = try DemoFleet.audit(store: store, inventory: previous.inventory)
        // The same inventory again, as it is: a run follows the previous run of its own inventory.
        try previous.replaceLine(host: "compute1", path: "/etc/nova/nova.conf", "my_ip = 10.0.0.131", with: "my_ip = 10.0.0.31")
        let outcome = try DemoFleet.audit(store: store, inventory: previous.inventory)
        let stored = try #require(outcome.stored)
        let whole = try store.loadRun(outcome.header.id!)
        #expect(whole.changes?.findings.contains { $0.kind == .fixed } == true, "the history is part of what is compared")
        let options = ReportFormat.Options(rationales: try RuleSet.load(directories: [try BuiltinRules.directory()]).rationales)
        for format in ReportFormat.allCases {
            let sink = StringSink()
            try format.write(stored, options: options, to: sink)
            #expect(sink.text == format.render(whole, options: options), "\(format.rawValue)")
        }
        // What the audit counted host by host is what the store gives back.
        #expect(stored.overview == whole.overview)
        #expect(outcome.overview == whole.overview)
        #expect(outcome.header.exitCode == whole.exitCode)
    }
}
