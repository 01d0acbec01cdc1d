import DriftCore
import Foundation

/// What `prune` removed and kept.
package struct PruneReport: Sendable, Hashable {
    package var removedRuns: [Int64]
    /// Old runs kept because they hold the last stored copy of some host's file.
    package var keptForContent: [Int64]
    package var removedBlobs: Int
    package var bytesBefore: Int64
    package var bytesAfter: Int64
}

extension SnapshotStore {
    // MARK: prune

    /// Removes runs that started more than `keepDays` days before `now`, except what keeps
    /// the latest content of every file: for each host and path, the newest run in which the
    /// file was present stays, however old. Blobs no longer referenced are deleted. With
    /// `dryRun`, nothing is changed and the report says what would be.
    package func prune(keepDays: Int, now: Date = Date(), dryRun: Bool = false, vacuum: Bool = false) throws -> PruneReport {
        let operation = "pruning runs older than \(keepDays) days"
        let cutoff = Self.timestamp(now.addingTimeInterval(-Double(keepDays) * 86_400))
        let bytesBefore = try backend.fileBytes()
        var result = PruneReport(removedRuns: [], keptForContent: [], removedBlobs: 0, bytesBefore: bytesBefore, bytesAfter: bytesBefore)
        try backend.transaction(operation: operation) {
            // Newest first: the first run seen holding a host's path is that path's latest copy.
            var latestCopyHeld = Set<String>()
            var keep = Set<Int64>(), old = Set<Int64>()
            var manifests: [Int64: HostManifest] = [:]
            for row in try backend.pruneRows(cutoff: cutoff) {
                if row.isOld { old.insert(row.run) } else { keep.insert(row.run) }
                guard let host = row.host, let manifestID = row.manifest else { continue }
                if manifests[manifestID] == nil { manifests[manifestID] = try blobs.manifest(id: manifestID, operation: operation) }
                for file in manifests[manifestID]!.files where file.content != nil {
                    if latestCopyHeld.insert(host + "\u{0}" + file.path).inserted, row.isOld { keep.insert(row.run) }
                }
            }
            result.keptForContent = old.intersection(keep).sorted()
            result.removedRuns = old.subtracting(keep).sorted()
            guard !dryRun, !result.removedRuns.isEmpty else { return }
            try backend.deleteRuns(result.removedRuns)
            result.removedBlobs = try backend.collectGarbage()
        }
        if !dryRun, !result.removedRuns.isEmpty { try backend.compact(vacuum: vacuum) }
        result.bytesAfter = try backend.fileBytes()
        return result
    }

    /// Bytes the data occupies: pages in use after a checkpoint, free pages not counted.
    package func storedBytes() throws -> Int64 { try backend.storedBytes() }

    /// Stored blobs by kind (`content`, `manifest`, `findings`, `overview`): how many, and their stored bytes.
    package func blobStatistics() throws -> [String: (count: Int, bytes: Int64)] { try backend.blobStatistics() }

    /// The database file and its WAL, in bytes.
    package func fileBytes() throws -> Int64 { try backend.fileBytes() }

    // MARK: check

    /// What `stackdrift db check` found: problems (the engine's integrity and reference checks,
    /// the schema version, a replaced redaction key, and with `deep` every blob's hash
    /// recomputed) and notes (runs a killed audit left unfinished, which harm nothing).
    package func check(deep: Bool = false) throws -> (problems: [String], notes: [String]) {
        var problems = try backend.integrityProblems()
        var notes: [String] = []
        let version = try schemaVersion()
        if version != Schema.currentVersion { problems.append("schema version \(version), expected \(Schema.currentVersion)") }
        // A running run is alive while an audit holds its inventory's lock; otherwise its audit died.
        var live: [Int64] = [], dead: [Int64] = []
        for id in try backend.runIDs(status: "running") {
            guard let row = try backend.runRow(id) else { continue }
            if try backend.isLocked(.inventory(row.identity)) { live.append(id) } else { dead.append(id) }
        }
        func runs(_ ids: [Int64]) -> String { "run\(ids.count == 1 ? "" : "s") \(ids.map(String.init).joined(separator: ", "))" }
        if !live.isEmpty { notes.append("\(runs(live)) in progress (an audit holds the lock)") }
        if !dead.isEmpty {
            notes.append("\(runs(dead)) never finished (the audit was killed); earlier runs are intact, and the next audit "
                         + "of the same inventory marks \(dead.count == 1 ? "it" : "them") interrupted")
        }
        let interrupted = try backend.runIDs(status: "interrupted").count
        if interrupted > 0 { notes.append("\(interrupted) interrupted run\(interrupted == 1 ? "" : "s") (killed before finishing)") }
        if redactionKey.isEmpty, backend is SQLiteBackend, let tagged = try backend.redactionKeyIDs().first {
            // An SQLite history keeps its key beside it: gone, the next audit is refused.
            problems.append("runs tagged with redaction key \(tagged), but the key file beside the database is missing: "
                            + "restore it from a backup, or start a new key with 'stackdrift db rekey'")
        } else if redactionKey.isEmpty {
            notes.append("the runs' redaction key was not compared (give --key-file to check it)")
        } else if let other = try backend.redactionKeyIDs().first(where: { $0 != redactionKeyID }) {
            problems.append("runs tagged with redaction key \(other), not this database's key file (\(redactionKeyID)): "
                            + "secrets of those runs no longer compare with new ones")
        }
        if deep {
            try forEachBlob { id, kind, hash, bytes in
                switch bytes {
                case .success(let bytes):
                    if Digest.sha256Hex(bytes) != hash { problems.append("blob \(id) (\(kind)) does not match its hash") }
                case .failure(let error):
                    problems.append("\(error)")
                }
            }
        }
        return (problems, notes)
    }

    /// Every blob the database holds (file contents, host manifests, host findings, overviews),
    /// inflated: what `db check --deep` verifies and what an audit of the database for secrets
    /// must read, since deflated bytes hide their text from a plain search of the file.
    package func forEachBlob(_ body: (_ id: Int64, _ kind: String, _ hash: String,
                                     _ bytes: Result<[UInt8], StoreError>) throws -> Void) throws {
        try backend.forEachBlob { id, kind, hash, blob in
            let bytes: Result<[UInt8], StoreError>
            do {
                bytes = .success(try blobs.inflate(blob, operation: "reading every blob", what: "blob \(id)"))
            } catch let error as StoreError {
                bytes = .failure(error)
            }
            try body(id, kind, hash, bytes)
        }
    }
}
