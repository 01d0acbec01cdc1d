import DriftCore
import Foundation

/// The history of audit runs: hosts, files (each distinct redacted text stored once) and
/// findings, over a storage backend (`StoreBackend`; SQLite by default).
///
/// A run is written host by host, each host in one transaction as soon as it is evaluated,
/// then finished in one more (the checks comparing hosts with each other, the overview, the
/// counts); a killed audit leaves earlier runs intact and its own marked `running` until the
/// next audit marks it `interrupted`. Secrets are redacted before anything reaches the store,
/// with a keyed tag whose key lives beside the database (`<db>.key`, mode 0600), so the
/// database alone reveals nothing about them.
public final class SnapshotStore {
    let backend: any StoreBackend
    let blobs: BlobStore
    /// Where the history lives (the SQLite file), for messages.
    public var path: String { backend.location }
    /// Key for redaction tags; equal secrets get equal tags within one key.
    public let redactionKey: [UInt8]
    /// The key file this process created (a first audit), so the operator can be told to share it.
    public internal(set) var createdKeyFile: String?
    /// Rows written in this process, for the crash tests' fault injection.
    private var rowsWritten = 0
    private let fault = StoreFault.fromEnvironment()

    /// The default database: `$XDG_DATA_HOME/stackdrift/stackdrift.db`, else `~/.local/share/stackdrift/stackdrift.db`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base: String
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            base = home + "/.local/share"
        }
        return base + "/stackdrift/stackdrift.db"
    }

    /// Opens (creating if needed) the SQLite database at `path`; waits up to `busyTimeout`
    /// seconds for other writers.
    public convenience init(path: String, busyTimeout: Double = 30) throws {
        let backend = try SQLiteBackend(path: path, busyTimeout: busyTimeout)
        self.init(backend: backend, redactionKey: try RedactionKeyFile.loadOrCreate(at: path + ".key"))
    }

    package init(backend: any StoreBackend, redactionKey: [UInt8]) {
        self.backend = backend
        self.blobs = BlobStore(backend: backend)
        self.redactionKey = redactionKey
    }

    public func schemaVersion() throws -> Int { try backend.schemaVersion() }

    /// A short public name for the redaction key, so runs tagged under different keys are told apart.
    public var redactionKeyID: String {
        String(Digest.hex(Digest.sha256(Array("stackdrift-key-id".utf8) + redactionKey)).prefix(16))
    }

    // MARK: Writing a run

    /// Records that a run started; the row says `running` until `finishRun` commits.
    public func beginRun(startedAt: Date, toolVersion: String, auditor: String? = nil, inventory: String?,
                         architecture: String?) throws -> Int64 {
        try backend.transaction(operation: "starting a run") {
            try backend.insertRun(RunStart(startedAt: Self.timestamp(startedAt), toolVersion: toolVersion, auditor: auditor,
                                           inventory: inventory, architecture: architecture, redactionKeyID: redactionKeyID))
        }
    }

    /// Writes one host of a running run, in one transaction: its files' redacted contents, its
    /// manifest and the findings of its own checks. The host can be released afterwards.
    public func recordHost(run id: Int64, _ host: HostResult, findings: [Finding], evaluation: HostEvaluationRecord? = nil) throws {
        try record(run: id, PreparedHost(host, findings: findings, evaluation: evaluation))
    }

    /// Writes a host prepared (hashed, encoded, deflated) on the thread that evaluated it, so
    /// the one thread that writes to the store only writes.
    public func record(run id: Int64, _ host: PreparedHost) throws {
        try backend.transaction(operation: "storing host \(host.name) of run \(id)") {
            for content in host.contents {
                _ = try blobs.store(content, kind: .content)
                wrote()
            }
            let hostID = try blobs.recordHost(run: id, name: host.name, manifest: host.manifest, collected: host.collected,
                                              contentHashes: host.contents.map(\.hash), findings: host.findings)
            if let evaluation = host.evaluation {
                try backend.setEvaluation(run: id, host: hostID, key: evaluation.key,
                                          evaluation: try blobs.store(evaluation.blob, kind: .evaluation))
            }
            wrote()
        }
    }

    /// Finishes a run in one transaction: each host's fleet checks (the checks that compared
    /// it with other hosts, produced one host at a time), then the run's overview and exit code,
    /// which `summary` gives once every fleet finding has been written (so the caller can count
    /// them as they pass), and the run's counts.
    public func finishRun<FleetFindings: Sequence>(_ id: Int64, finishedAt: Date, upgrade: UpgradeTarget?,
                                                  fleetFindings: FleetFindings,
                                                  summary: () -> (overview: RunOverview, exitCode: Int)) throws
    where FleetFindings.Element == (host: String, findings: [Finding]) {
        try backend.transaction(operation: "finishing run \(id)") {
            for (host, findings) in fleetFindings where !findings.isEmpty {
                let findingsID = try blobs.store(CanonicalJSON.encode(findings.sorted(by: Finding.reportOrder).map(FindingRecord.init)),
                                                 kind: .findings)
                try backend.setFleetFindings(run: id, host: try backend.hostID(named: host), findings: findingsID)
                wrote()
            }
            let (overview, exitCode) = summary()
            let overviewID = try blobs.store(CanonicalJSON.encode(overview), kind: .overview)
            // The run's counts are the guide's; upgrade checks (`--upgrade-to`) are counted apart.
            let guide = overview.tally(.guide)
            try backend.finishRun(id, RunFinish(
                finishedAt: Self.timestamp(finishedAt), exitCode: exitCode, hosts: overview.hosts.count,
                hostsFailed: overview.failedHosts, passed: guide[.pass], failed: guide[.fail], errors: guide[.error],
                waived: guide[.waived], skipped: guide[.skipped], upgradeFrom: upgrade?.from, upgradeTo: upgrade?.to,
                upgradeFailed: overview.tally(.upgrade)[.fail], overview: overviewID))
        }
    }

    /// Writes a whole run held in memory (tests, benchmarks): every host, then the finish.
    public func finishRun(_ id: Int64, _ run: AuditRun) throws {
        let byHost = Dictionary(grouping: run.findings, by: \.host)
        for host in run.hosts { try recordHost(run: id, host, findings: byHost[host.name] ?? []) }
        try finishRun(id, finishedAt: run.finishedAt, upgrade: run.upgrade,
                      fleetFindings: [(host: String, findings: [Finding])](), summary: { (run.overview, run.exitCode) })
    }

    func wrote() {
        rowsWritten += 1
        fault?.reached(rowsWritten: rowsWritten)
    }

    /// Marks the runs of `inventory` left `running` by a process that died as `interrupted`.
    /// Call only while holding the inventory's lock (`lock(inventory:)`), when none of them can
    /// be alive; other inventories' runs, live or dead, are left to their own next audit.
    @discardableResult
    public func markInterruptedRuns(of inventory: InventoryIdentity) throws -> Int {
        try backend.transaction(operation: "marking interrupted runs") { try backend.markInterruptedRuns(of: inventory) }
    }

    // MARK: Writers

    /// Takes the right to write runs of `inventory`: another audit of it waits (up to `wait`
    /// seconds, `onWait` told once who holds it), audits of other inventories go on. SQLite
    /// holds one flock for any writer; PostgreSQL a session advisory lock per inventory, which
    /// the server drops when the auditor's connection ends, however it ends.
    public func lock(inventory: InventoryIdentity, wait: Double, onWait: (String) -> Void = { _ in }) throws -> AnyObject {
        try backend.lock(.inventory(inventory), wait: wait, onWait: onWait)
    }

    /// Takes the right to change the whole history (prune): waits for every audit to finish.
    public func lockHistory(wait: Double, onWait: (String) -> Void = { _ in }) throws -> AnyObject {
        try backend.lock(.history, wait: wait, onWait: onWait)
    }

    // MARK: Reading runs

    /// Every run, newest first, each with its problem count read from its overview; only those
    /// of `auditor` and of `inventory` when given.
    public func runs(limit: Int? = nil, auditor: String? = nil, inventory: String? = nil) throws -> [RunSummary] {
        try backend.runRows(limit: limit, auditor: auditor, inventory: inventory).map { row in
            var row = row
            if let overview = row.overviewID {
                row.problems = CanonicalJSON.decode(RunOverview.self, from: try blobs.bytes(id: overview, operation: "listing runs"))?
                    .problems.count
            }
            return row
        }
    }

    /// The newest finished run, if any.
    public func latestRunID() throws -> Int64? { try backend.latestFinishedRun(before: nil, of: nil) }

    /// Stored (redacted) content of a file in a run, or `nil` if it was not present.
    public func content(run: Int64, host: String, path: String) throws -> [UInt8]? {
        guard let hash = try manifest(run: run, host: host)?.files.first(where: { $0.path == path })?.content else { return nil }
        return try blobs.content(hash: hash, operation: "reading file content")
    }

    /// The host's manifest in a run, or `nil` when the run did not include the host.
    func manifest(run: Int64, host: String) throws -> HostManifest? {
        guard let stored = try backend.runHost(run: run, named: host) else { return nil }
        return try blobs.manifest(id: stored.manifestID, operation: "reading host \(host) of run \(run)")
    }

    /// Distinct file contents stored.
    public func contentCount() throws -> Int { try backend.blobStatistics()["content"]?.count ?? 0 }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func date(_ text: String?) -> Date {
        text.flatMap { try? Date($0, strategy: .iso8601) } ?? Date(timeIntervalSince1970: 0)
    }
}

/// The redaction key kept in a file beside the database (mode 0600).
enum RedactionKeyFile {
    /// Reads the key, or creates it atomically: written to a temporary file, then linked into
    /// place, so two audits starting together agree on one complete key.
    static func loadOrCreate(at path: String) throws -> [UInt8] {
        if let data = FileManager.default.contents(atPath: path), data.count >= 32 { return Array(data) }
        let temporary = path + ".tmp.\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(.open, path: path, operation: "creating the redaction key", String(cString: strerror(errno)))
        }
        let key = Digest.randomBytes(32)
        let written = key.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        fsync(descriptor)
        close(descriptor)
        defer { unlink(temporary) }
        guard written == key.count else {
            throw StoreError(.open, path: path, operation: "writing the redaction key", String(cString: strerror(errno)))
        }
        if link(temporary, path) == 0 { return key }
        if errno == EEXIST, let data = FileManager.default.contents(atPath: path), data.count >= 32 { return Array(data) }
        throw StoreError(.open, path: path, operation: "installing the redaction key", String(cString: strerror(errno)))
    }
}
