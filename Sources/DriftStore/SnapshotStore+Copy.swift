import DriftCore
import Foundation

extension SnapshotStore {
    /// Copies this history, row for row, into `target` (`stackdrift db copy`): SQLite into
    /// PostgreSQL when several auditors start sharing one history, or back. Run, blob and host
    /// ids are kept, so run 12 is run 12 in both and every reference holds; the blobs are
    /// copied as stored (their hashes and deflated bytes), so the copy's secrets are the same
    /// tags under the same key. `target` must hold no run and no blob. Both histories are
    /// locked whole while copying (no audit writes either), and the copy is one transaction:
    /// a copy cut short leaves the target empty. Returns the rows copied per table.
    package func copy(into target: SnapshotStore, wait: Double, onWait: (String) -> Void = { _ in }) throws -> [String: Int] {
        let operation = "copying \(path) into \(target.path)"
        guard try schemaVersion() == target.schemaVersion() else {
            throw StoreError(.open, path: target.path, operation: operation,
                             "the histories have schemas \(try schemaVersion()) and \(try target.schemaVersion())")
        }
        let sourceLock = try lockHistory(wait: wait, onWait: onWait)
        let targetLock = try target.lockHistory(wait: wait, onWait: onWait)
        defer { withExtendedLifetime((sourceLock, targetLock)) {} }
        let runs = try target.backend.runRows(limit: 1, auditor: nil, inventory: nil)
        let blobs = try target.backend.blobStatistics().values.map(\.count).reduce(0, +)
        guard runs.isEmpty, blobs == 0 else {
            throw StoreError(.open, path: target.path, operation: operation,
                             "the target already holds runs or blobs; copy into a new, empty database")
        }
        var copied: [String: Int] = [:]
        try target.backend.transaction(operation: operation) {
            for table in StoreTable.all {
                copied[table.name] = 0
                try backend.forEachRow(of: table, batch: 256) { rows in
                    try target.backend.insertRows(into: table, rows)
                    copied[table.name, default: 0] += rows.count
                }
            }
            try target.backend.resumeIDs()
        }
        return copied
    }
}

extension RedactionKeySource {
    /// Gives `target` the key of this file when it has none yet (a copied SQLite history keeps
    /// its key beside it); returns whether it did. The file is created mode 0600, never replaced.
    package func install(at target: String) throws -> Bool {
        guard let key = FileManager.default.contents(atPath: path), key.count >= 32 else { return false }
        let descriptor = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { return false }
            throw StoreError(.open, path: target, operation: "installing the redaction key", String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        let written = key.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == key.count, fsync(descriptor) == 0 else {
            unlink(target)
            throw StoreError(.open, path: target, operation: "installing the redaction key", String(cString: strerror(errno)))
        }
        return true
    }
}
