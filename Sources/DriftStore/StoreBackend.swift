import DriftCore

/// What a history database must provide: rows and blobs, nothing else.
///
/// Everything that is history (content addressing, what changed since the previous run,
/// diffs, per-key history, retention policy, the secret-free encoding of runs) is written once,
/// in `SnapshotStore`, on top of this; a backend only stores and finds. Dialect (SQLite's
/// `BEGIN IMMEDIATE`, `INSERT OR IGNORE`, `PRAGMA user_version`) stays inside the backend.
/// Every method runs inside the caller's `transaction` when there is one.
package protocol StoreBackend: AnyObject {
    /// Where the data lives, for messages: a path, or a URL without its password.
    var location: String { get }

    /// Runs `body` as one transaction: all of it is stored, or none of it.
    func transaction<T>(operation: String, _ body: () throws -> T) throws -> T
    /// How many of the schema's migrations the database has.
    func schemaVersion() throws -> Int

    // MARK: Runs

    func insertRun(_ run: RunStart) throws -> Int64
    func finishRun(_ id: Int64, _ finish: RunFinish) throws
    /// Marks the inventory's `running` runs `interrupted`; returns how many. Called holding the
    /// inventory's lock, when none of them can be alive.
    func markInterruptedRuns(of inventory: InventoryIdentity) throws -> Int
    /// Newest first; only the runs of this auditor and this inventory when given.
    func runRows(limit: Int?, auditor: String?, inventory: String?) throws -> [RunSummary]
    func runRow(_ id: Int64) throws -> RunSummary?
    /// The newest finished run, before `run` when given, of the inventory when given.
    func latestFinishedRun(before run: Int64?, of inventory: InventoryIdentity?) throws -> Int64?
    /// The redaction key ids runs were tagged with.
    func redactionKeyIDs() throws -> [String]
    /// The redaction key id one run was tagged with.
    func redactionKeyID(run: Int64) throws -> String?

    // MARK: Blobs

    func blobID(kind: BlobKind, hash: String) throws -> Int64?
    func insertBlob(kind: BlobKind, hash: String, size: Int, encoding: BlobEncoding, data: [UInt8]) throws -> Int64
    func blob(id: Int64) throws -> StoredBlob?
    func blob(kind: BlobKind, hash: String) throws -> StoredBlob?
    /// Records that a manifest names these contents (for garbage collection).
    func linkContents(manifest: Int64, contentHashes: [String]) throws
    /// Every blob, in id order.
    func forEachBlob(_ body: (_ id: Int64, _ kind: String, _ hash: String, _ blob: StoredBlob) throws -> Void) throws

    // MARK: Hosts of runs

    func hostID(named name: String) throws -> Int64
    func insertRunHost(run: Int64, host: Int64, collected: Bool, manifest: Int64, findings: Int64) throws
    func setFleetFindings(run: Int64, host: Int64, findings: Int64) throws
    /// Records the key of the evidence a host was judged on and its evaluation blob.
    func setEvaluation(run: Int64, host: Int64, key: String, evaluation: Int64) throws
    /// The run's hosts in name order.
    func runHosts(run: Int64) throws -> [StoredHost]
    /// One host of a run, `nil` when the run did not include it.
    func runHost(run: Int64, named name: String) throws -> StoredHost?
    /// The host's newest collected entry in a finished run of `inventory` before `run`.
    func previousRunHost(named name: String, before run: Int64, of inventory: InventoryIdentity) throws -> StoredHost?
    /// Finished runs in which the host was collected, oldest first.
    func runsOf(host name: String) throws -> [(id: Int64, startedAt: String)]
    func hostNames() throws -> [String]

    // MARK: Writers

    /// Takes the right to write: one inventory's runs (audits of other inventories go on), or
    /// the whole history (`prune`, `db copy`: waits for every audit). Waits up to `wait` seconds,
    /// telling `onWait` once who holds it; throws `busy` naming the holder when the wait runs out.
    /// Released when the returned lock is, or when the process ends however it ends.
    func lock(_ scope: StoreLockScope, wait: Double, onWait: (String) -> Void) throws -> AnyObject
    /// Whether some process holds the lock of `scope` right now.
    func isLocked(_ scope: StoreLockScope) throws -> Bool

    // MARK: Copying

    /// Every row of `table` in id (key) order, `batch` rows at a time, columns as `table.columns` lists them.
    func forEachRow(of table: StoreTable, batch: Int, _ body: ([[SQLValue]]) throws -> Void) throws
    /// Inserts rows as read from another database, ids included.
    func insertRows(into table: StoreTable, _ rows: [[SQLValue]]) throws
    /// After rows were inserted with their ids: new rows get ids after the highest (PostgreSQL's sequences).
    func resumeIDs() throws

    // MARK: Maintenance

    /// Every finished or interrupted run with each of its hosts' manifests, newest run first;
    /// `isOld` when it started before `cutoff`.
    func pruneRows(cutoff: String) throws -> [(run: Int64, isOld: Bool, host: String?, manifest: Int64?)]
    func deleteRuns(_ ids: [Int64]) throws
    /// Deletes blobs and hosts no run references; returns how many rows went.
    func collectGarbage() throws -> Int
    /// Gives the space of deleted rows back (SQLite: checkpoint, and with `vacuum` a VACUUM).
    func compact(vacuum: Bool) throws
    /// The engine's own integrity checks and dangling references, as problems to report.
    func integrityProblems() throws -> [String]
    /// Ids of runs with this status.
    func runIDs(status: String) throws -> [Int64]
    /// Bytes the data occupies.
    func storedBytes() throws -> Int64
    /// The files (or server-side size) the database takes.
    func fileBytes() throws -> Int64
    /// Blobs by kind: how many, and their stored bytes.
    func blobStatistics() throws -> [String: (count: Int, bytes: Int64)]
}

/// The kinds of blob a history keeps.
package enum BlobKind: String, Sendable, CaseIterable {
    /// A file's redacted text.
    case content
    /// A host's files in a run.
    case manifest
    /// A host's findings in a run (its own checks, or its fleet checks).
    case findings
    /// A run's overview (`RunOverview`).
    case overview
    /// What a host gave the fleet checks, kept so an unchanged host need not be judged again
    /// (opaque to the store: the auditor encodes it).
    case evaluation
}

package enum BlobEncoding: String, Sendable {
    case raw, deflate
}

/// A blob as stored: `data` is `size` bytes once decoded by `encoding`.
package struct StoredBlob: Sendable {
    package var size: Int
    package var encoding: BlobEncoding
    package var data: [UInt8]

    package init(size: Int, encoding: BlobEncoding, data: [UInt8]) {
        self.size = size
        self.encoding = encoding
        self.data = data
    }
}

/// What `beginRun` records.
package struct RunStart: Sendable {
    package var startedAt: String
    package var toolVersion: String
    package var auditor: String?
    package var inventory: String?
    package var architecture: String?
    package var redactionKeyID: String
}

/// What finishing a run records in its row.
package struct RunFinish: Sendable {
    package var finishedAt: String
    package var exitCode: Int
    package var hosts: Int
    package var hostsFailed: Int
    /// Guide checks by status: pass, fail, error, waived, skipped.
    package var passed, failed, errors, waived, skipped: Int
    package var upgradeFrom: String?
    package var upgradeTo: String?
    package var upgradeFailed: Int
    package var overview: Int64?
}

/// One host's entry in a stored run.
package struct StoredHost: Sendable {
    package var name: String
    package var id: Int64
    package var runID: Int64
    package var collected: Bool
    package var manifestID: Int64
    /// The host's own checks.
    package var findingsID: Int64
    /// The checks that compared it with the fleet; `nil` until the run finished (or for runs
    /// stored before schema 4, whose findings are all in `findingsID`).
    package var fleetFindingsID: Int64?
    /// The key of the evidence the host was judged on, and what it gave the fleet checks;
    /// `nil` for runs stored before schema 5 and for hosts that cannot be reused (not collected).
    package var evaluationKey: String?
    package var evaluationID: Int64?

    package init(name: String, id: Int64, runID: Int64, collected: Bool, manifestID: Int64, findingsID: Int64,
                 fleetFindingsID: Int64?, evaluationKey: String? = nil, evaluationID: Int64? = nil) {
        self.name = name
        self.id = id
        self.runID = runID
        self.collected = collected
        self.manifestID = manifestID
        self.findingsID = findingsID
        self.fleetFindingsID = fleetFindingsID
        self.evaluationKey = evaluationKey
        self.evaluationID = evaluationID
    }
}

/// Which runs follow one another: those of one inventory made by one auditor. "The previous
/// run" and "interrupted" are judged within it, and its runs are written one at a time, so an
/// auditor never compares with, nor marks interrupted, another auditor's runs. Runs stored
/// before auditors were recorded (`auditor` NULL) belong to every auditor of their inventory.
package struct InventoryIdentity: Sendable, Hashable, CustomStringConvertible {
    /// Who audits (`--auditor`, by default the machine's host name).
    package var auditor: String?
    /// The inventory file's absolute path on the auditor's machine.
    package var inventory: String?

    package init(auditor: String?, inventory: String?) {
        self.auditor = auditor
        self.inventory = inventory
    }

    /// The text locks are keyed by.
    var lockKey: String { (auditor ?? "") + "\u{0}" + (inventory ?? "") }

    package var description: String {
        "inventory '\(inventory ?? "(none)")' of auditor '\(auditor ?? "(any)")'"
    }
}

/// What a writer locks.
package enum StoreLockScope: Sendable, Hashable {
    /// One inventory's runs (an audit).
    case inventory(InventoryIdentity)
    /// The whole history (prune, copy).
    case history
}

/// A table as `db copy` moves it: the same name and columns in every backend.
package struct StoreTable: Sendable, Hashable {
    package var name: String
    package var columns: [String]
    /// The columns rows are ordered by.
    package var key: [String]

    /// Parents before children, so references hold at every step of a copy.
    package static let all: [StoreTable] = [
        StoreTable(name: "blobs", columns: ["id", "kind", "hash", "size", "encoding", "data"], key: ["id"]),
        StoreTable(name: "runs", columns: [
            "id", "started_at", "finished_at", "tool_version", "auditor", "inventory", "architecture", "status", "exit_code",
            "redaction_key_id", "hosts", "hosts_failed", "passed", "failed", "errors", "waived", "skipped", "upgrade_from",
            "upgrade_to", "upgrade_failed", "overview_id",
        ], key: ["id"]),
        StoreTable(name: "hosts", columns: ["id", "name"], key: ["id"]),
        StoreTable(name: "manifest_contents", columns: ["manifest_id", "content_id"], key: ["manifest_id", "content_id"]),
        StoreTable(name: "run_hosts", columns: [
            "run_id", "host_id", "collected", "manifest_id", "findings_id", "fleet_findings_id", "evaluation_key", "evaluation_id",
        ], key: ["run_id", "host_id"]),
    ]
}
