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
    /// Marks `running` runs `interrupted`; returns how many.
    func markInterruptedRuns() throws -> Int
    /// Newest first.
    func runRows(limit: Int?) throws -> [RunSummary]
    func runRow(_ id: Int64) throws -> RunSummary?
    /// The newest finished run, before `run` when given.
    func latestFinishedRun(before run: Int64?) throws -> Int64?
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
    /// The run's hosts in name order.
    func runHosts(run: Int64) throws -> [StoredHost]
    /// One host of a run, `nil` when the run did not include it.
    func runHost(run: Int64, named name: String) throws -> StoredHost?
    /// The host's newest collected entry in a finished run before `run`.
    func previousRunHost(named name: String, before run: Int64) throws -> StoredHost?
    /// Finished runs in which the host was collected, oldest first.
    func runsOf(host name: String) throws -> [(id: Int64, startedAt: String)]
    func hostNames() throws -> [String]

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

    package init(name: String, id: Int64, runID: Int64, collected: Bool, manifestID: Int64, findingsID: Int64,
                 fleetFindingsID: Int64?) {
        self.name = name
        self.id = id
        self.runID = runID
        self.collected = collected
        self.manifestID = manifestID
        self.findingsID = findingsID
        self.fleetFindingsID = fleetFindingsID
    }
}
