import DriftCore
import DriftStore

/// The stored runs `stackdrift report` renders: a thin adapter over the snapshot store's
/// `latestRunID()` and `loadRun(_:)` (the run history, issue 6), so `report` has one seam.
struct RunArchive {
    let store: SnapshotStore

    /// The newest finished run.
    func latestRunID() throws -> Int64? {
        // TEMPORARY until SnapshotStore.latestRunID() lands (issue 6): replace with `try store.latestRunID()`.
        try store.runs().first { $0.status == "finished" }?.id
    }

    /// The run as it was audited: hosts, files with their redacted text, findings, changes.
    func loadRun(_ id: Int64) throws -> AuditRun {
        // TEMPORARY until SnapshotStore.loadRun(_:) lands (issue 6): replace with `try store.loadRun(id)`.
        throw StoreError(.query, path: store.path, operation: "loading run \(id)",
                         "this build cannot rebuild stored runs yet (SnapshotStore.loadRun is not merged)")
    }
}
