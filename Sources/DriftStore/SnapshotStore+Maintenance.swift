import DriftCore
import Foundation

/// What `prune` removed and kept.
public struct PruneReport: Sendable, Hashable {
    public var removedRuns: [Int64]
    /// Old runs kept because they hold the last stored copy of some host's file.
    public var keptForContent: [Int64]
    public var removedBlobs: Int
    public var bytesBefore: Int64
    public var bytesAfter: Int64
}

extension SnapshotStore {
    // MARK: prune

    /// Removes runs that started more than `keepDays` days before `now`, except what keeps
    /// the latest content of every file: for each host and path, the newest run in which the
    /// file was present stays, however old. Blobs no longer referenced are deleted. With
    /// `dryRun`, nothing is changed and the report says what would be.
    public func prune(keepDays: Int, now: Date = Date(), dryRun: Bool = false, vacuum: Bool = false) throws -> PruneReport {
        let operation = "pruning runs older than \(keepDays) days"
        let cutoff = Self.timestamp(now.addingTimeInterval(-Double(keepDays) * 86_400))
        let bytesBefore = try fileBytes()
        let reader = BlobReader(database: database, path: path)
        var result = PruneReport(removedRuns: [], keptForContent: [], removedBlobs: 0, bytesBefore: bytesBefore, bytesAfter: bytesBefore)
        try database.transaction(operation: operation) {
            // Newest first: the first run seen holding a host's path is that path's latest copy.
            let rows = try database.query(
                """
                SELECT r.id, r.started_at < ?, h.name, rh.manifest_id FROM runs r
                LEFT JOIN run_hosts rh ON rh.run_id = r.id LEFT JOIN hosts h ON h.id = rh.host_id
                WHERE r.status != 'running' ORDER BY r.id DESC
                """, [.text(cutoff)], operation: operation)
            var latestCopyHeld = Set<String>()
            var keep = Set<Int64>(), old = Set<Int64>()
            var manifests: [Int64: HostManifest] = [:]
            for row in rows {
                guard let run = row[0].int else { continue }
                let isOld = row[1].int == 1
                if isOld { old.insert(run) } else { keep.insert(run) }
                guard let host = row[2].string, let manifestID = row[3].int else { continue }
                if manifests[manifestID] == nil { manifests[manifestID] = try reader.manifest(id: manifestID, operation: operation) }
                for file in manifests[manifestID]!.files where file.content != nil {
                    if latestCopyHeld.insert(host + "\u{0}" + file.path).inserted, isOld { keep.insert(run) }
                }
            }
            result.keptForContent = old.intersection(keep).sorted()
            result.removedRuns = old.subtracting(keep).sorted()
            guard !dryRun, !result.removedRuns.isEmpty else { return }
            let delete = try database.prepare("DELETE FROM runs WHERE id = ?", operation: operation)
            for run in result.removedRuns { try delete.run([.integer(run)]) }
            result.removedBlobs = try collectGarbage(operation: operation)
        }
        if !dryRun, !result.removedRuns.isEmpty {
            try database.execute("PRAGMA wal_checkpoint(TRUNCATE)", operation: "checkpointing after pruning")
            if vacuum { try database.execute("VACUUM", operation: "vacuuming after pruning") }
        }
        result.bytesAfter = try fileBytes()
        return result
    }

    /// Deletes blobs no run references any more: finding sets and manifests first, then
    /// the contents only those manifests named.
    private func collectGarbage(operation: String) throws -> Int {
        try database.execute("""
            DELETE FROM blobs WHERE kind = 'findings' AND id NOT IN (SELECT findings_id FROM run_hosts);
            CREATE TEMP TABLE dead_manifests AS
                SELECT id FROM blobs WHERE kind = 'manifest' AND id NOT IN (SELECT manifest_id FROM run_hosts);
            DELETE FROM manifest_contents WHERE manifest_id IN (SELECT id FROM dead_manifests);
            DELETE FROM blobs WHERE id IN (SELECT id FROM dead_manifests);
            DROP TABLE dead_manifests;
            DELETE FROM blobs WHERE kind = 'content' AND id NOT IN (SELECT content_id FROM manifest_contents);
            DELETE FROM hosts WHERE id NOT IN (SELECT host_id FROM run_hosts);
            """, operation: operation)
        return Int(try database.query("SELECT total_changes()", operation: operation).first?.first?.int ?? 0)
    }

    /// Bytes the data occupies: pages in use after a checkpoint, free pages not counted.
    public func storedBytes() throws -> Int64 {
        let operation = "measuring the database"
        try database.execute("PRAGMA wal_checkpoint(TRUNCATE)", operation: operation)
        func pragma(_ name: String) throws -> Int64 {
            try database.query("PRAGMA \(name)", operation: operation).first?.first?.int ?? 0
        }
        let used = try pragma("page_count") - pragma("freelist_count")
        return try used * pragma("page_size")
    }

    /// Stored blobs by kind (`content`, `manifest`, `findings`): how many, and their stored bytes.
    public func blobStatistics() throws -> [String: (count: Int, bytes: Int64)] {
        var result: [String: (count: Int, bytes: Int64)] = [:]
        for row in try database.query("SELECT kind, count(*), sum(length(data)) FROM blobs GROUP BY kind", operation: "counting blobs") {
            result[row[0].string ?? ""] = (Int(row[1].int ?? 0), row[2].int ?? 0)
        }
        return result
    }

    /// The database file and its WAL, in bytes.
    public func fileBytes() throws -> Int64 {
        var total: Int64 = 0
        for file in [path, path + "-wal"] {
            if let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber { total += size.int64Value }
        }
        return total
    }

    // MARK: check

    /// What `stackdrift db check` found: problems (SQLite's integrity and foreign-key checks,
    /// the schema version, references to missing blobs, a replaced redaction key, and with
    /// `deep` every blob's hash recomputed) and notes (runs a killed audit left unfinished,
    /// which harm nothing).
    public func check(deep: Bool = false) throws -> (problems: [String], notes: [String]) {
        let operation = "checking the database"
        var problems: [String] = []
        var notes: [String] = []
        let integrity = try database.query("PRAGMA integrity_check", operation: operation).compactMap { $0.first?.string }
        if integrity != ["ok"] { problems += integrity.map { "integrity: \($0)" } }
        for row in try database.query("PRAGMA foreign_key_check", operation: operation) {
            problems.append("foreign key: table \(row[0].string ?? "?") row \(row[1].int ?? 0) refers to a missing \(row[2].string ?? "?") row")
        }
        let version = try schemaVersion()
        if version != Schema.currentVersion { problems.append("schema version \(version), expected \(Schema.currentVersion)") }
        let running = try database.query("SELECT id FROM runs WHERE status = 'running'", operation: operation).compactMap { $0[0].int }
        if !running.isEmpty {
            let runs = "run\(running.count == 1 ? "" : "s") \(running.map(String.init).joined(separator: ", "))"
            notes.append(AuditLock.isHeld(database: path) ? "\(runs) in progress (an audit holds the lock)"
                         : "\(runs) never finished (the audit was killed); earlier runs are intact, and the next audit marks "
                           + "\(running.count == 1 ? "it" : "them") interrupted")
        }
        let interrupted = try database.query("SELECT count(*) FROM runs WHERE status = 'interrupted'", operation: operation)
            .first?.first?.int ?? 0
        if interrupted > 0 { notes.append("\(interrupted) interrupted run\(interrupted == 1 ? "" : "s") (killed before finishing)") }
        let orphans = try database.query(
            "SELECT count(*) FROM manifest_contents WHERE content_id NOT IN (SELECT id FROM blobs WHERE kind = 'content')",
            operation: operation).first?.first?.int ?? 0
        if orphans > 0 { problems.append("\(orphans) manifest reference\(orphans == 1 ? "" : "s") to missing contents") }
        let keyIDs = try database.query("SELECT DISTINCT redaction_key_id FROM runs", operation: operation).compactMap { $0[0].string }
        if let other = keyIDs.first(where: { $0 != redactionKeyID }) {
            problems.append("runs tagged with redaction key \(other), not this database's key file (\(redactionKeyID)): "
                            + "secrets of those runs no longer compare with new ones")
        }
        if deep {
            try forEachBlob { id, kind, hash, bytes in
                switch bytes {
                case .success(let bytes):
                    if Digest.hex(Digest.sha256(bytes)) != hash { problems.append("blob \(id) (\(kind)) does not match its hash") }
                case .failure(let error):
                    problems.append("\(error)")
                }
            }
        }
        return (problems, notes)
    }

    /// Every blob the database holds (file contents, host manifests, host findings), inflated:
    /// what `db check --deep` verifies and what an audit of the database for secrets must read,
    /// since deflated bytes hide their text from a plain search of the file.
    public func forEachBlob(_ body: (_ id: Int64, _ kind: String, _ hash: String,
                                     _ bytes: Result<[UInt8], StoreError>) throws -> Void) throws {
        let operation = "reading every blob"
        let statement = try database.prepare("SELECT id, kind, hash, size, encoding, data FROM blobs ORDER BY id", operation: operation)
        try statement.bind([])
        while let row = try statement.step() {
            let id = row[0].int ?? 0
            let bytes: Result<[UInt8], StoreError>
            do {
                bytes = .success(try BlobReader.inflate([row[3], row[4], row[5]], path: path, operation: operation, what: "blob \(id)"))
            } catch let error as StoreError {
                bytes = .failure(error)
            }
            try body(id, row[1].string ?? "", row[2].string ?? "", bytes)
        }
    }
}
