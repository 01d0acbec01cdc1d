@testable import DriftAudit
import DriftCore
@testable import DriftReporting
import DriftRules
@testable import DriftStore
import DriftTestSupport
import DriftTransport
import Foundation
import Testing

/// A quiet night's reuse and the number of threads change what an audit costs, never what it
/// says: the stored runs and every report are the same bytes whichever way they were made.
@Suite struct ReuseEquivalenceTests {
    /// The demo fleet copied where a test may change it between nights.
    struct Fleet {
        let directory: TemporaryDirectory
        var inventory: String { directory.path + "/demo/inventory.yaml" }

        init() throws {
            directory = try TemporaryDirectory(prefix: "reuse-fleet")
            try FileManager.default.copyItem(atPath: DemoFleet.root, toPath: directory.path + "/demo")
        }

        /// Another compute node, a copy of `tree`'s files with addresses of its own in the inventory.
        func addCompute(_ name: String, copying tree: String, address: Int) throws {
            try FileManager.default.copyItem(atPath: directory.path + "/demo/trees/" + tree,
                                             toPath: directory.path + "/demo/trees/" + name)
            let entry = """
                  - name: \(name)
                    root: trees/\(name)
                    roles: [compute]
                    vars: {management_ip: 10.0.0.\(address), tunnel_ip: 10.0.1.\(address)}

                """
            let handle = try #require(FileHandle(forWritingAtPath: inventory))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(entry.utf8))
            try handle.close()
        }

        func edit(_ path: String, replacing old: String, with new: String) throws {
            let file = directory.path + "/demo/trees/" + path
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text.contains(old), "\(path) has no '\(old)' to replace")
            try text.replacingOccurrences(of: old, with: new).write(toFile: file, atomically: true, encoding: .utf8)
        }
    }

    /// A database with a fixed redaction key, so two databases tag equal secrets alike.
    static func store(in directory: TemporaryDirectory, _ name: String) throws -> SnapshotStore {
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: directory.path + "/\(name).db.key"))
        return try SnapshotStore(path: directory.path + "/\(name).db")
    }

    static func audit(_ fleet: Fleet, into store: SnapshotStore, jobs: Int, reuse: Bool, day: Double,
                      sharesFiles: Bool = true) throws -> Auditor.Outcome {
        var auditor = Auditor(inventory: try Inventory.load(path: fleet.inventory),
                              ruleSet: try RuleSet.load(directories: [try BuiltinRules.directory()]),
                              collector: Collector(transports: Auditor.defaultTransports(), jobs: jobs),
                              toolVersion: "test", clock: { Date(timeIntervalSince1970: 1_764_000_000 + day * 86_400) })
        auditor.reuse = reuse
        auditor.sharesFiles = sharesFiles
        let outcome = try auditor.run(store: store)
        if let error = outcome.storeError { throw error }
        return outcome
    }

    /// Everything a stored run holds, host by host in name order, as bytes: the run's row, each
    /// host's manifest, own and fleet finding sets, evaluation key and evaluation, the overview,
    /// and every file content a manifest names.
    static func dump(_ store: SnapshotStore, run: Int64) throws -> [String] {
        var lines: [String] = []
        let row = try #require(try store.backend.runRow(run))
        lines.append("run \(row.id) \(row.status) exit \(row.exitCode ?? -1) hosts \(row.hosts) failed \(row.failed) "
                     + "passed \(row.passed) errors \(row.errors) skipped \(row.skipped) waived \(row.waived)")
        func blob(_ id: Int64?) throws -> String {
            guard let id else { return "-" }
            let bytes = try store.blobs.bytes(id: id, operation: "dump")
            // Binary blobs (finding sets, evaluations) whole: decoding them as UTF-8 would make
            // different invalid sequences the same replacement character.
            return String(bytes: bytes, encoding: .utf8) ?? "base64 " + Data(bytes).base64EncodedString()
        }
        for host in try store.backend.runHosts(run: run) {
            lines.append("host \(host.name) collected \(host.collected) key \(host.evaluationKey ?? "-")")
            lines.append("  manifest " + (try blob(host.manifestID)))
            lines.append("  findings " + (try blob(host.findingsID)))
            lines.append("  fleet " + (try blob(host.fleetFindingsID)))
            lines.append("  evaluation " + (try blob(host.evaluationID)))
            for file in try store.blobs.manifest(id: host.manifestID, operation: "dump").files {
                guard let hash = file.content else { continue }
                let content = try #require(try store.blobs.content(hash: hash, operation: "dump"))
                lines.append("  content \(file.path) " + String(decoding: content, as: UTF8.self))
            }
        }
        lines.append("overview " + (try blob(row.overviewID)))
        return lines
    }

    /// Every report of a stored run, as the audit writes them.
    static func reports(_ store: SnapshotStore, run: Int64) throws -> [ReportFormat: String] {
        let reader = try store.reader(run: run)
        var reports: [ReportFormat: String] = [:]
        for format in ReportFormat.allCases {
            reports[format] = try String.report { try format.write(reader, to: $0) }
        }
        return reports
    }

    static func expectSame(_ left: SnapshotStore, _ right: SnapshotStore, run: Int64) throws {
        let (leftDump, rightDump) = (try dump(left, run: run), try dump(right, run: run))
        #expect(leftDump.count == rightDump.count)
        for (index, (a, b)) in zip(leftDump, rightDump).enumerated() where a != b {
            Issue.record("run \(run), line \(index) of the stored run differs:\n\(a.prefix(300))\n\(b.prefix(300))")
            break
        }
        let (leftReports, rightReports) = (try reports(left, run: run), try reports(right, run: run))
        for format in ReportFormat.allCases {
            #expect(leftReports[format] == rightReports[format], "the \(format) report of run \(run) differs")
            #expect(leftReports[format]?.isEmpty == false)
        }
    }

    @Test func quietNightsAndThreadsChangeNoByteOfTheStoredRunsOrReports() throws {
        let fleet = try Fleet()
        let scratch = try TemporaryDirectory(prefix: "reuse-stores")
        let reusing = try Self.store(in: scratch, "reusing")
        let judging = try Self.store(in: scratch, "judging")

        // Night 1: nothing to reuse yet; four threads against one.
        let first = try Self.audit(fleet, into: reusing, jobs: 4, reuse: true, day: 0)
        _ = try Self.audit(fleet, into: judging, jobs: 1, reuse: false, day: 0)
        #expect(first.reusedHosts == 0)
        try Self.expectSame(reusing, judging, run: 1)

        // Night 2: nothing changed. Every host is reused, and the run says what a full audit says.
        let quiet = try Self.audit(fleet, into: reusing, jobs: 4, reuse: true, day: 1)
        _ = try Self.audit(fleet, into: judging, jobs: 1, reuse: false, day: 1)
        #expect(quiet.reusedHosts == quiet.overview.hosts.count)
        try Self.expectSame(reusing, judging, run: 2)

        // Night 3: one compute copies the other's my_ip (a fleet check fails on the copy) and the
        // controller's hosts file changes; the other hosts are reused and still take part in the fleet checks.
        try fleet.edit("compute2/etc/nova/nova.conf", replacing: "my_ip = 10.0.0.32", with: "my_ip = 10.0.0.31")
        try fleet.edit("controller/etc/hosts", replacing: "controller", with: "controller controller.example.org")
        let drifted = try Self.audit(fleet, into: reusing, jobs: 4, reuse: true, day: 2)
        let judged = try Self.audit(fleet, into: judging, jobs: 1, reuse: false, day: 2)
        #expect(drifted.reusedHosts == drifted.overview.hosts.count - 2)
        // compute1 was reused, yet its value took part: the copy is told from the original.
        #expect(drifted.overview.attention.contains {
            $0.host == "compute2" && $0.rule == "consistency.nova.my_ip.unique" && $0.message.contains("compute1's value")
        })
        #expect(judged.overview.attention.map(\.rule) == drifted.overview.attention.map(\.rule))
        try Self.expectSame(reusing, judging, run: 3)
    }

    /// Files many hosts hold the same (the demo's ntp.conf on six nodes, one neutron.conf on every
    /// compute) are parsed, redacted, prepared and value-checked once per content: the stored
    /// runs and reports are the bytes of an audit that handles every host's files for it alone,
    /// on a night with drift in a shared file as on one without.
    @Test func sharedFilesChangeNoByteOfTheStoredRunsOrReports() throws {
        let fleet = try Fleet()
        // Four computes, so that a shared outcome is taken by hosts other than the one that made it:
        // compute3 and compute4 hold compute2's nova.conf, whose my_ip is compute2's.
        try fleet.addCompute("compute3", copying: "compute2", address: 33)
        try fleet.addCompute("compute4", copying: "compute2", address: 34)
        let scratch = try TemporaryDirectory(prefix: "shared-files")
        let sharing = try Self.store(in: scratch, "sharing")
        let alone = try Self.store(in: scratch, "alone")
        let first = try Self.audit(fleet, into: sharing, jobs: 4, reuse: false, day: 0)
        _ = try Self.audit(fleet, into: alone, jobs: 1, reuse: false, day: 0, sharesFiles: false)
        try Self.expectSame(sharing, alone, run: 1)
        let myIP = first.overview.attention.filter { $0.rule == "nova.default.my_ip" }.map(\.host)
        #expect(myIP == ["compute3", "compute4"], "one nova.conf, judged with each host's own management_ip")

        // Every compute's neutron.conf drifts alike, to the controller's address; compute2's /etc/hosts
        // puts controller elsewhere, so there alone the address is another host.
        for compute in ["compute1", "compute2", "compute3", "compute4"] {
            try fleet.edit("\(compute)/etc/neutron/neutron.conf", replacing: "auth_host = controller", with: "auth_host = 10.0.0.11")
        }
        try fleet.edit("compute2/etc/hosts", replacing: "10.0.0.11", with: "10.0.0.12")
        let drifted = try Self.audit(fleet, into: sharing, jobs: 4, reuse: false, day: 1)
        _ = try Self.audit(fleet, into: alone, jobs: 1, reuse: false, day: 1, sharesFiles: false)
        try Self.expectSame(sharing, alone, run: 2)
        let authHost = drifted.overview.attention.filter { $0.rule == "neutron.keystone_authtoken.auth_host" }.map(\.host)
        #expect(authHost == ["compute2"], "\(drifted.overview.attention.map { "\($0.host) \($0.rule)" })")
    }

    /// A reused host whose stored evaluation is damaged (it does not inflate) is judged again
    /// from what was collected: the night finishes, the host is recorded once, and every report
    /// says what a night without reuse says. (Its evaluation is not stored again:
    /// the same bytes would name the damaged blob; `db check` reports it.)
    @Test func aDamagedStoredEvaluationIsJudgedAgain() throws {
        let fleet = try Fleet()
        let scratch = try TemporaryDirectory(prefix: "reuse-damaged")
        let reusing = try Self.store(in: scratch, "reusing")
        let judging = try Self.store(in: scratch, "judging")
        _ = try Self.audit(fleet, into: reusing, jobs: 2, reuse: true, day: 0)
        _ = try Self.audit(fleet, into: judging, jobs: 1, reuse: false, day: 0)
        let damaged = try #require(try reusing.backend.runHosts(run: 1).first { $0.name == "compute1" })
        try sqlite(scratch.path + "/reusing.db",
                   "UPDATE blobs SET data = X'00' || data WHERE id = \(try #require(damaged.evaluationID))")

        let night = try Self.audit(fleet, into: reusing, jobs: 2, reuse: true, day: 1)
        _ = try Self.audit(fleet, into: judging, jobs: 1, reuse: false, day: 1)
        #expect(night.reusedHosts == night.overview.hosts.count - 1)
        #expect(try reusing.backend.runHosts(run: 2).map(\.name) == (try judging.backend.runHosts(run: 2)).map(\.name))
        let (left, right) = (try Self.reports(reusing, run: 2), try Self.reports(judging, run: 2))
        for format in ReportFormat.allCases {
            #expect(left[format] == right[format], "the \(format) report differs")
        }
    }

    @Test func aStoredEvaluationReadsBackAsWrittenAndADamagedOneIsRefused() throws {
        let fleet = try Fleet()
        let scratch = try TemporaryDirectory(prefix: "reuse-codec")
        let store = try Self.store(in: scratch, "history")
        _ = try Self.audit(fleet, into: store, jobs: 2, reuse: true, day: 0)
        let overview = try store.reader(run: 1).overview
        var observations = 0, attention = 0
        for host in try store.backend.runHosts(run: 1) {
            let bytes = try store.blobs.bytes(id: try #require(host.evaluationID), operation: "test")
            let evaluation = try #require(StoredEvaluation(bytes: bytes), "\(host.name)")
            #expect(evaluation.bytes == bytes, "\(host.name): decoding and encoding again changes the blob")
            // The run's overview adds the fleet checks' findings to each host's tallies, not its files or services.
            let standing = try #require(overview.hosts.first { $0.name == host.name })
            #expect(standing.files == evaluation.overview.host.files && standing.services == evaluation.overview.host.services
                    && standing.fileFailures == evaluation.overview.host.fileFailures)
            #expect(evaluation.overview.attention.allSatisfy { $0.host == host.name })
            observations += evaluation.observations.count
            attention += evaluation.overview.attention.count
            // Cut anywhere, or with a byte more, the blob is refused, never read as something else.
            for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
                #expect(StoredEvaluation(bytes: Array(bytes.prefix(length))) == nil, "\(host.name) cut at \(length)")
            }
            #expect(StoredEvaluation(bytes: bytes + [0]) == nil)
        }
        // The demo fleet gives the fleet checks values and has failing checks of its own hosts.
        #expect(observations > 0 && attention > 0)
    }

    @Test func aChangedRuleSetOrInventoryEntryIsJudgedAgain() throws {
        let fleet = try Fleet()
        let scratch = try TemporaryDirectory(prefix: "reuse-keys")
        let store = try Self.store(in: scratch, "history")
        _ = try Self.audit(fleet, into: store, jobs: 2, reuse: true, day: 0)

        // A host's own variable changes its checks' expectations: that host alone is judged again.
        let inventory = try String(contentsOfFile: fleet.inventory, encoding: .utf8)
        try inventory.replacingOccurrences(of: "tunnel_ip: 10.0.1.32", with: "tunnel_ip: 10.0.1.33")
            .write(toFile: fleet.inventory, atomically: true, encoding: .utf8)
        let edited = try Self.audit(fleet, into: store, jobs: 2, reuse: true, day: 1)
        // Every host reads the inventory's names and addresses (name and consistency checks): all are judged.
        #expect(edited.reusedHosts == 0)

        let again = try Self.audit(fleet, into: store, jobs: 2, reuse: true, day: 2)
        #expect(again.reusedHosts == again.overview.hosts.count)

        // A run without reuse still keys its hosts, so the night after it can reuse them.
        _ = try Self.audit(fleet, into: store, jobs: 2, reuse: false, day: 3)
        let after = try Self.audit(fleet, into: store, jobs: 2, reuse: true, day: 4)
        #expect(after.reusedHosts == after.overview.hosts.count)
    }
}
