import DriftAudit
import DriftCore
import DriftReporting
import DriftRules
import DriftStore
import DriftTransport
import Foundation

/// The sample reports committed in `Reports/`: the demo fleet (`Examples/demo`) audited with a
/// fixed clock, tool version and redaction key, so the same trees and rules give the same bytes.
/// `swift run stackdrift-samples` writes them; a test fails when the committed ones are stale.
///
/// The demo is audited twice into a scratch database: first a copy with one line different
/// (compute2's console address still correct), then the demo as it is, so the sample shows
/// what changed since the previous run as soon as the store computes it (issue 6).
package enum SampleReports {
    /// Each sample's path in the repository and its format.
    package static let samples: [(path: String, format: ReportFormat)] = [
        ("Reports/sample-report.html", .html),
        ("Reports/sample-report.json", .json),
    ]

    /// 2025-11-24 16:00:00 UTC; the previous run a day earlier.
    package static let clock = Date(timeIntervalSince1970: 1_764_000_000)
    package static let toolVersion = "sample"
    package static let redactionKey = [UInt8](repeating: 7, count: 32)
    /// The inventory as the samples name it: relative to the repository, not the scratch copy.
    package static let inventory = "Examples/demo/inventory.yaml"

    /// The line that differs in the previous run.
    static let previousState = (host: "compute2", path: "/etc/nova/nova.conf",
                                line: "vncserver_proxyclient_address = 10.0.0.31",
                                before: "vncserver_proxyclient_address = 10.0.0.32")

    /// The demo's latest run, with the previous one in the same store, read back whole.
    package static func run(packageRoot: String) throws -> AuditRun {
        try withLatestRun(packageRoot: packageRoot) { store, id in
            var run = try store.loadRun(id)
            run.inventory = inventory
            return run
        }
    }

    /// Every sample's path (relative to the repository) and text, rendered from the stored run
    /// exactly as an audit writes its reports.
    package static func render(packageRoot: String) throws -> [(path: String, text: String)] {
        let rules = try RuleSet.load(directories: [packageRoot + "/Rules"])
        let options = ReportFormat.Options(rationales: rules.rationales)
        return try withLatestRun(packageRoot: packageRoot) { store, id in
            let stored = SamplesRun(stored: try store.reader(run: id))
            return try samples.map { sample in
                let sink = StringSink()
                try sample.format.write(stored, options: options, to: sink)
                return (sample.path, sink.text)
            }
        }
    }

    /// Audits the previous state and the demo as it is into a scratch database, and gives the
    /// store and the latest run's id to `body` while the database exists.
    static func withLatestRun<T>(packageRoot: String, _ body: (SnapshotStore, Int64) throws -> T) throws -> T {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("stackdrift-samples-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // The store keeps its key beside the database; placed first, it is the one used.
        try Data(redactionKey).write(to: URL(fileURLWithPath: scratch + "/stackdrift.db.key"))
        let store = try SnapshotStore(path: scratch + "/stackdrift.db")
        let rules = try RuleSet.load(directories: [packageRoot + "/Rules"])

        // One copy of the fleet, as one inventory: a run follows the previous run of its own inventory.
        let fleet = try DemoFleetCopy(from: packageRoot + "/Examples/demo")
        try fleet.replaceLine(host: previousState.host, path: previousState.path, previousState.line, with: previousState.before)
        _ = try audit(inventory: fleet.inventory, rules: rules, store: store, at: clock.addingTimeInterval(-86_400))
        try fleet.replaceLine(host: previousState.host, path: previousState.path, previousState.before, with: previousState.line)
        return try body(store, try audit(inventory: fleet.inventory, rules: rules, store: store, at: clock))
    }

    /// Audits into the store; returns the run's id.
    static func audit(inventory path: String, rules: RuleSet, store: SnapshotStore, at date: Date) throws -> Int64 {
        let auditor = Auditor(inventory: try Inventory.load(path: path), ruleSet: rules,
                              collector: Collector(transports: Auditor.defaultTransports(), jobs: 4),
                              toolVersion: toolVersion, clock: { date })
        let outcome = try auditor.run(store: store)
        if let error = outcome.storeError { throw error }
        return outcome.header.id!
    }
}

/// The stored run as the samples name it: the inventory relative to the repository, not the scratch copy.
private struct SamplesRun: ReportableRun {
    let stored: StoredRunReader

    var header: RunHeader {
        var header = stored.header
        header.inventory = SampleReports.inventory
        return header
    }

    var overview: RunOverview { stored.overview }
    var changes: RunChanges? { stored.changes }

    func forEachHost(only: Set<String>?, parts: HostParts, _ body: (HostResult, [Finding]) throws -> Void) throws {
        try stored.forEachHost(only: only, parts: parts, body)
    }
}
