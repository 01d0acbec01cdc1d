import DriftCore
import Foundation

/// The history of audit runs: hosts, files (each distinct redacted text stored once) and
/// findings, over a storage backend (`StoreBackend`; SQLite by default).
///
/// A run is written host by host as hosts are evaluated, each host in one transaction or, in an
/// audit (`hostsPerCommit`), a group of hosts in one; then finished in one more (the checks
/// comparing hosts with each other, the overview, the counts); a killed audit leaves earlier
/// runs intact and its own marked `running` until the next audit marks it `interrupted`.
/// Secrets are redacted before anything reaches the store, with a keyed tag whose key lives
/// beside the database (`<db>.key`, mode 0600), so the database alone reveals nothing about them.
package final class SnapshotStore {
    let backend: any StoreBackend
    let blobs: BlobStore
    /// Where the history lives (the SQLite file), for messages.
    package var path: String { backend.location }
    /// Key for redaction tags; equal secrets get equal tags within one key.
    package let redactionKey: [UInt8]
    /// The key file this process created (a first audit), so the operator can be told to share it.
    package internal(set) var createdKeyFile: String?
    /// Rows written in this process, for the crash tests' fault injection.
    private var rowsWritten = 0
    private let fault = StoreFault.fromEnvironment()

    /// How many hosts of a running run are committed together: 1 (each host in its own
    /// transaction) unless the caller asks for more. An audit asks for `hostsPerCommitInAudits`:
    /// a commit costs a dozen system calls and rewrites the pages it touched (at 10,000 hosts,
    /// 160,000 writes and 180,000 locks a night, on the store's one thread). A group is also
    /// committed by the first host written once the group is `commitAge` old, so hosts that
    /// arrive slowly (over SSH) are stored about as they come, and before the run is finished
    /// (`finishRun`).
    package var hostsPerCommit = 1
    package static let hostsPerCommitInAudits = 64
    static let commitAge = Duration.seconds(1)
    /// Hosts written but not yet committed, in the order written.
    private var pendingHosts: [(name: String, write: () throws -> Void)] = []
    private var pendingSince = ContinuousClock.now
    /// Why a group of hosts could not be committed. Its hosts are not stored, so the run can
    /// no longer be finished whole: every later write of a host, and `finishRun`, throws it.
    private var groupFailure: (any Error)?

    /// The default database: `$XDG_DATA_HOME/stackdrift/stackdrift.db`, else `~/.local/share/stackdrift/stackdrift.db`.
    package static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
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
    /// seconds for other writers. The redaction key comes from `keys` (by default `<path>.key`):
    /// created with a new database, but never silently replaced when it is gone while runs
    /// tagged with it remain, since every secret would then look changed ("20 files changed").
    /// Then an audit (`forAuditing`) is refused with `keyMissing`, saying how to restore it or
    /// start a new one (`db rekey`); reading the history needs no key.
    package convenience init(path: String, busyTimeout: Double = 30, keys: RedactionKeySource? = nil,
                            forAuditing: Bool = true) throws {
        let backend = try SQLiteBackend(path: path, busyTimeout: busyTimeout)
        let source = keys ?? RedactionKeySource(file: path + ".key")
        let key = try source.custodyKey(backend: backend, database: path, forAuditing: forAuditing).key
        self.init(backend: backend, redactionKey: key)
    }

    /// Starts a new redaction key for the database at `path` (`stackdrift db rekey`), replacing
    /// the key file whether or not it is still there. Runs keep the id of the key they were
    /// tagged with, so the first run under the new key compares its secrets with the last
    /// run's by presence only (`changes(for:)`), rather than reporting every secret as changed.
    /// Returns the ids of the new key and of the keys earlier runs were tagged with.
    package static func rekey(path: String, keys: RedactionKeySource? = nil) throws -> (new: String, earlier: [String]) {
        let backend = try SQLiteBackend(path: path, busyTimeout: 30)
        let source = keys ?? RedactionKeySource(file: path + ".key")
        let key = try source.replace()
        let store = SnapshotStore(backend: backend, redactionKey: key)
        return (store.redactionKeyID, try backend.redactionKeyIDs().filter { $0 != store.redactionKeyID })
    }

    package init(backend: any StoreBackend, redactionKey: [UInt8]) {
        self.backend = backend
        self.blobs = BlobStore(backend: backend)
        self.redactionKey = redactionKey
    }

    package func schemaVersion() throws -> Int { try backend.schemaVersion() }

    /// A short public name for the redaction key, so runs tagged under different keys are told apart.
    package var redactionKeyID: String {
        Digest.sha256Hex(Array("stackdrift-key-id".utf8) + redactionKey, length: 8)
    }

    // MARK: Writing a run

    /// Records that a run started; the row says `running` until `finishRun` commits.
    package func beginRun(startedAt: Date, toolVersion: String, auditor: String? = nil, inventory: String?,
                         architecture: String?) throws -> Int64 {
        try backend.transaction(operation: "starting a run") {
            try backend.insertRun(RunStart(startedAt: Self.timestamp(startedAt), toolVersion: toolVersion, auditor: auditor,
                                           inventory: inventory, architecture: architecture, redactionKeyID: redactionKeyID))
        }
    }

    /// Writes one host of a running run, in one transaction: its files' redacted contents, its
    /// manifest and the findings of its own checks. The host can be released afterwards.
    package func recordHost(run id: Int64, _ host: HostResult, findings: [Finding], evaluation: HostEvaluationRecord? = nil) throws {
        try record(run: id, PreparedHost(host, findings: findings, evaluation: evaluation))
    }

    /// Writes a host prepared (hashed, encoded, deflated) on the thread that evaluated it, so
    /// the one thread that writes to the store only writes.
    package func record(run id: Int64, _ host: PreparedHost) throws {
        try writeHost(host.name, run: id) { [self] in
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

    /// Writes one host of run `id` with the hosts pending (`hostsPerCommit`), committing them
    /// all when the group is full or old enough.
    func writeHost(_ name: String, run id: Int64, _ write: @escaping () throws -> Void) throws {
        if let groupFailure { throw groupFailure }
        if pendingHosts.isEmpty { pendingSince = .now }
        pendingHosts.append((name, write))
        if pendingHosts.count >= hostsPerCommit || ContinuousClock.now - pendingSince >= Self.commitAge {
            try commitPendingHosts(run: id)
        }
    }

    /// Commits the hosts written and not yet committed, in one transaction.
    func commitPendingHosts(run id: Int64) throws {
        if let groupFailure { throw groupFailure }
        guard let first = pendingHosts.first, let last = pendingHosts.last else { return }
        let group = pendingHosts
        pendingHosts = []
        let operation = group.count == 1 ? "storing host \(first.name) of run \(id)"
            : "storing \(group.count) hosts of run \(id) (\(first.name) to \(last.name))"
        do {
            try backend.transaction(operation: operation) {
                for host in group { try host.write() }
            }
        } catch {
            groupFailure = error
            throw error
        }
    }

    /// A host's findings of the checks that compared it with other hosts, made ready for
    /// `finishRun` off the store's thread (encoded, hashed and deflated, as `PreparedHost` is).
    package struct PreparedFleetFindings: Sendable {
        package let host: String
        let blob: PreparedBlob?

        package init(host: String, findings: [Finding]) {
            self.host = host
            blob = findings.isEmpty ? nil : PreparedBlob(FindingSetCodec.encode(findings))
        }
    }

    /// Finishes a run in one transaction: each host's fleet checks (the checks that compared
    /// it with other hosts, produced one host at a time), then the run's overview and exit code,
    /// which `summary` gives once every fleet finding has been written (so the caller can count
    /// them as they pass), and the run's counts.
    package func finishRun<FleetFindings: Sequence>(_ id: Int64, finishedAt: Date, upgrade: UpgradeTarget?,
                                                  fleetFindings: FleetFindings,
                                                  summary: () -> (overview: RunOverview, exitCode: Int)) throws
    where FleetFindings.Element == PreparedFleetFindings {
        try commitPendingHosts(run: id)
        try backend.transaction(operation: "finishing run \(id)") {
            for prepared in fleetFindings {
                guard let blob = prepared.blob else { continue }
                let findingsID = try blobs.store(blob, kind: .findings)
                try backend.setFleetFindings(run: id, host: try backend.hostID(named: prepared.host), findings: findingsID)
                wrote()
            }
            let (overview, exitCode) = summary()
            let overviewID = try blobs.store(overview.storedBytes, kind: .overview)
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
    package func finishRun(_ id: Int64, _ run: AuditRun) throws {
        let byHost = Dictionary(grouping: run.findings, by: \.host)
        for host in run.hosts { try recordHost(run: id, host, findings: byHost[host.name] ?? []) }
        try finishRun(id, finishedAt: run.finishedAt, upgrade: run.upgrade,
                      fleetFindings: [PreparedFleetFindings](), summary: { (run.overview, run.exitCode) })
    }

    func wrote() {
        rowsWritten += 1
        fault?.reached(rowsWritten: rowsWritten)
    }

    /// Marks the runs of `inventory` left `running` by a process that died as `interrupted`.
    /// Call only while holding the inventory's lock (`lock(inventory:)`), when none of them can
    /// be alive; other inventories' runs, live or dead, are left to their own next audit.
    @discardableResult
    package func markInterruptedRuns(of inventory: InventoryIdentity) throws -> Int {
        try backend.transaction(operation: "marking interrupted runs") { try backend.markInterruptedRuns(of: inventory) }
    }

    // MARK: Writers

    /// Takes the right to write runs of `inventory`: another audit of it waits (up to `wait`
    /// seconds, `onWait` told once who holds it), audits of other inventories go on. SQLite
    /// holds one flock for any writer; PostgreSQL a session advisory lock per inventory, which
    /// the server drops when the auditor's connection ends, however it ends.
    package func lock(inventory: InventoryIdentity, wait: Double, onWait: (String) -> Void = { _ in }) throws -> AnyObject {
        try backend.lock(.inventory(inventory), wait: wait, onWait: onWait)
    }

    /// Takes the right to change the whole history (prune): waits for every audit to finish.
    package func lockHistory(wait: Double, onWait: (String) -> Void = { _ in }) throws -> AnyObject {
        try backend.lock(.history, wait: wait, onWait: onWait)
    }

    // MARK: Reading runs

    /// Every run, newest first, each with its problem count read from its overview; only those
    /// of `auditor` and of `inventory` when given.
    package func runs(limit: Int? = nil, auditor: String? = nil, inventory: String? = nil) throws -> [RunSummary] {
        try backend.runRows(limit: limit, auditor: auditor, inventory: inventory).map { row in
            var row = row
            if let overview = row.overviewID {
                row.problems = RunOverview.stored(try blobs.bytes(id: overview, operation: "listing runs"))?.problems.count
            }
            return row
        }
    }

    /// The newest finished run, if any.
    package func latestRunID() throws -> Int64? { try backend.latestFinishedRun(before: nil, of: nil) }

    /// Stored (redacted) content of a file in a run, or `nil` if it was not present.
    package func content(run: Int64, host: String, path: String) throws -> [UInt8]? {
        guard let hash = try manifest(run: run, host: host)?.files.first(where: { $0.path == path })?.content else { return nil }
        return try blobs.content(hash: hash, operation: "reading file content")
    }

    /// The host's manifest in a run, or `nil` when the run did not include the host.
    func manifest(run: Int64, host: String) throws -> HostManifest? {
        guard let stored = try backend.runHost(run: run, named: host) else { return nil }
        return try blobs.manifest(id: stored.manifestID, operation: "reading host \(host) of run \(run)")
    }

    /// Distinct file contents stored.
    package func contentCount() throws -> Int { try backend.blobStatistics()["content"]?.count ?? 0 }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func date(_ text: String?) -> Date {
        text.flatMap { try? Date($0, strategy: .iso8601) } ?? Date(timeIntervalSince1970: 0)
    }
}

/// Key custody (`RedactionKeySource` is where the key file is): a key is created with a new
/// history, never silently replaced while runs tagged with it remain.
extension RedactionKeySource {
    package init(file path: String) {
        self.init(path: path, named: false)
    }

    /// The key for a store over `backend`: the file's; else a new one for a history with no
    /// tagged runs (`created`); else, for an audit, the refusal saying how to restore it or
    /// start a new key; a reader gets no key (it reads tags, it makes none).
    func custodyKey(backend: any StoreBackend, database: String, forAuditing: Bool) throws -> (key: [UInt8], created: Bool) {
        if let existing = try existingKey() { return (existing, false) }
        if let tagged = try backend.redactionKeyIDs().first {
            guard !forAuditing else { throw missing(tagged: tagged, database: database) }
            return ([], false)
        }
        return (try create(), true)
    }

    /// The key, or `nil` when the file does not exist; a file too short to be a key is an error.
    package func existingKey() throws -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) {
                throw StoreError(.open, path: path, operation: "reading the redaction key", "cannot read it (permissions?)")
            }
            return nil
        }
        guard data.count >= 32 else {
            throw StoreError(.corrupt, path: path, operation: "reading the redaction key",
                             "the key file holds \(data.count) bytes, not 32: restore it from a backup, or run 'stackdrift db rekey'")
        }
        return Array(data)
    }

    /// Creates the key atomically: written to a temporary file, then linked into place, so two
    /// audits starting together agree on one complete key.
    func create() throws -> [UInt8] {
        let (temporary, key) = try writeTemporary()
        defer { unlink(temporary) }
        if link(temporary, path) == 0 { return key }
        if errno == EEXIST, let existing = try existingKey() { return existing }
        throw StoreError(.open, path: path, operation: "installing the redaction key", String(cString: strerror(errno)))
    }

    /// A new key renamed over the old one (or into its empty place).
    func replace() throws -> [UInt8] {
        let (temporary, key) = try writeTemporary()
        guard rename(temporary, path) == 0 else {
            let failure = errno
            unlink(temporary)
            throw StoreError(.open, path: path, operation: "installing the new redaction key", String(cString: strerror(failure)))
        }
        return key
    }

    private func writeTemporary() throws -> (String, [UInt8]) {
        let temporary = path + ".tmp.\(getpid())"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(.open, path: path, operation: "creating the redaction key", String(cString: strerror(errno)))
        }
        let key = Digest.randomBytes(32)
        let written = key.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == key.count, synced else {
            unlink(temporary)
            throw StoreError(.open, path: path, operation: "writing the redaction key", String(cString: strerror(errno)))
        }
        return (temporary, key)
    }

    /// The refusal when the key is gone and runs were tagged with one.
    func missing(tagged keyID: String, database: String) -> StoreError {
        StoreError(.keyMissing, path: path, operation: "loading the redaction key",
                   "the redaction key is missing, but the database holds runs tagged with key \(keyID); restore '\(path)' "
                   + "from a backup (32 bytes, mode 0600), or start a new key with 'stackdrift db rekey --db \(database)' "
                   + "(the next run then compares secrets with earlier runs by presence only)")
    }
}
