import Foundation

extension SQLiteBackend {
    func pruneRows(cutoff: String) throws -> [(run: Int64, isOld: Bool, host: String?, manifest: Int64?)] {
        try database.query(
            """
            SELECT r.id, r.started_at < ?, h.name, rh.manifest_id FROM runs r
            LEFT JOIN run_hosts rh ON rh.run_id = r.id LEFT JOIN hosts h ON h.id = rh.host_id
            WHERE r.status != 'running' ORDER BY r.id DESC
            """, [.text(cutoff)], operation: "listing runs to prune"
        ).compactMap { row in
            row[0].int.map { (run: $0, isOld: row[1].int == 1, host: row[2].string, manifest: row[3].int) }
        }
    }

    func deleteRuns(_ ids: [Int64]) throws {
        let delete = try database.prepare("DELETE FROM runs WHERE id = ?", operation: "deleting runs")
        for run in ids { try delete.run([.integer(run)]) }
    }

    /// Deletes blobs no run references any more: finding sets, overviews and manifests
    /// first, then the contents only those manifests named, then hosts no run has.
    func collectGarbage() throws -> Int {
        let operation = "collecting garbage"
        let before = try database.query("SELECT total_changes()", operation: operation).first?.first?.int ?? 0
        try database.execute("""
            DELETE FROM blobs WHERE kind = 'findings' AND id NOT IN (SELECT findings_id FROM run_hosts)
                AND id NOT IN (SELECT fleet_findings_id FROM run_hosts WHERE fleet_findings_id IS NOT NULL);
            DELETE FROM blobs WHERE kind = 'overview' AND id NOT IN (SELECT overview_id FROM runs WHERE overview_id IS NOT NULL);
            DELETE FROM blobs WHERE kind = 'evaluation'
                AND id NOT IN (SELECT evaluation_id FROM run_hosts WHERE evaluation_id IS NOT NULL);
            CREATE TEMP TABLE dead_manifests AS
                SELECT id FROM blobs WHERE kind = 'manifest' AND id NOT IN (SELECT manifest_id FROM run_hosts);
            DELETE FROM manifest_contents WHERE manifest_id IN (SELECT id FROM dead_manifests);
            DELETE FROM blobs WHERE id IN (SELECT id FROM dead_manifests);
            DROP TABLE dead_manifests;
            DELETE FROM blobs WHERE kind = 'content' AND id NOT IN (SELECT content_id FROM manifest_contents);
            DELETE FROM hosts WHERE id NOT IN (SELECT host_id FROM run_hosts);
            """, operation: operation)
        let after = try database.query("SELECT total_changes()", operation: operation).first?.first?.int ?? 0
        return Int(after - before)
    }

    func compact(vacuum: Bool) throws {
        try database.execute("PRAGMA wal_checkpoint(TRUNCATE)", operation: "checkpointing after pruning")
        if vacuum { try database.execute("VACUUM", operation: "vacuuming after pruning") }
    }

    func integrityProblems() throws -> [String] {
        let operation = "checking the database"
        var problems: [String] = []
        let integrity = try database.query("PRAGMA integrity_check", operation: operation).compactMap { $0.first?.string }
        if integrity != ["ok"] { problems += integrity.map { "integrity: \($0)" } }
        for row in try database.query("PRAGMA foreign_key_check", operation: operation) {
            problems.append("foreign key: table \(row[0].string ?? "?") row \(row[1].int ?? 0) refers to a missing \(row[2].string ?? "?") row")
        }
        let orphans = try database.query(
            "SELECT count(*) FROM manifest_contents WHERE content_id NOT IN (SELECT id FROM blobs WHERE kind = 'content')",
            operation: operation).first?.first?.int ?? 0
        if orphans > 0 { problems.append("\(orphans) manifest reference\(orphans == 1 ? "" : "s") to missing contents") }
        return problems
    }

    func runIDs(status: String) throws -> [Int64] {
        try database.query("SELECT id FROM runs WHERE status = ? ORDER BY id", [.text(status)], operation: "listing \(status) runs")
            .compactMap { $0[0].int }
    }

    func storedBytes() throws -> Int64 {
        let operation = "measuring the database"
        try database.execute("PRAGMA wal_checkpoint(TRUNCATE)", operation: operation)
        func pragma(_ name: String) throws -> Int64 {
            try database.query("PRAGMA \(name)", operation: operation).first?.first?.int ?? 0
        }
        let used = try pragma("page_count") - pragma("freelist_count")
        return try used * pragma("page_size")
    }

    func fileBytes() throws -> Int64 {
        var total: Int64 = 0
        for file in [path, path + "-wal"] {
            if let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber { total += size.int64Value }
        }
        return total
    }

    func blobStatistics() throws -> [String: (count: Int, bytes: Int64)] {
        var result: [String: (count: Int, bytes: Int64)] = [:]
        for row in try database.query("SELECT kind, count(*), sum(length(data)) FROM blobs GROUP BY kind", operation: "counting blobs") {
            result[row[0].string ?? ""] = (Int(row[1].int ?? 0), row[2].int ?? 0)
        }
        return result
    }
}
