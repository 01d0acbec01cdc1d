import DriftCore
import Foundation

extension PostgreSQLBackend {
    // MARK: Writers

    /// Session advisory locks in stackdrift's space: an audit holds the history key shared and
    /// its inventory's key exclusive; prune and copy hold the history key exclusive. A killed
    /// auditor's session ends and the server drops its locks with it.
    func lock(_ scope: StoreLockScope, wait: Double, onWait: (String) -> Void) throws -> AnyObject {
        let deadline = Date().addingTimeInterval(max(0, wait))
        var told = false
        func take(_ key: LockKey, shared: Bool, holder: () throws -> String) throws {
            let function = shared ? "pg_try_advisory_lock_shared" : "pg_try_advisory_lock"
            while try connection.query("SELECT \(function)($1::bigint::int4, $2::bigint::int4)", [.integer(key.space), .integer(key.id)],
                                       operation: "taking the lock of \(key.what)").first?.first?.int != 1 {
                let who = try holder()
                if Date() >= deadline {
                    throw StoreError(.busy, path: location, operation: "waiting for \(key.what)",
                                     "\(who) is writing \(key.what); waited \(Int(wait)) s "
                                     + "(raise --lock-timeout, or run them one after the other)")
                }
                if !told {
                    onWait("waiting for \(who) to finish with \(key.what) in \(location)")
                    told = true
                }
                usleep(100_000)
            }
        }
        let history = LockKey.history
        switch scope {
        case .history:
            try take(history, shared: false) { "\(try holders(of: history)) audit(s)" }
            return PostgreSQLLock(connection: connection, keys: [(history, false)])
        case .inventory(let inventory):
            try take(history, shared: true) { "prune or db copy" }
            let key = LockKey.inventory(inventory)
            do {
                try take(key, shared: false) { try runningAudit(of: inventory) }
            } catch {
                _ = try? connection.query("SELECT pg_advisory_unlock_shared($1::bigint::int4, $2::bigint::int4)",
                                          [.integer(history.space), .integer(history.id)], operation: "releasing a lock")
                throw error
            }
            return PostgreSQLLock(connection: connection, keys: [(history, true), (key, false)])
        }
    }

    func isLocked(_ scope: StoreLockScope) throws -> Bool {
        let key: LockKey
        switch scope {
        case .history: key = .history
        case .inventory(let inventory): key = .inventory(inventory)
        }
        return try holders(of: key) > 0
    }

    /// Sessions holding `key`, as `pg_locks` lists advisory locks taken with two int4 keys
    /// (classid, objid, objsubid 2; the keys read back as unsigned oids).
    private func holders(of key: LockKey) throws -> Int64 {
        try connection.query(
            """
            SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2
                AND classid::bigint = $1 AND objid::bigint = $2
            """, [.integer(Int64(UInt32(truncatingIfNeeded: key.space))), .integer(Int64(UInt32(bitPattern: Int32(truncatingIfNeeded: key.id))))],
            operation: "reading who holds \(key.what)").first?.first?.int ?? 0
    }

    /// "auditor 'region-b' (run 12, started …)", from the running run of the inventory.
    private func runningAudit(of inventory: InventoryIdentity) throws -> String {
        guard let row = try runRows(limit: 1, auditor: inventory.auditor, inventory: inventory.inventory).first,
              row.status == "running" else { return "another audit" }
        return "auditor '\(row.auditor ?? "?")' (run \(row.id), started \(row.startedAt))"
    }

    // MARK: Maintenance

    func pruneRows(cutoff: String) throws -> [(run: Int64, isOld: Bool, host: String?, manifest: Int64?)] {
        try connection.query(
            """
            SELECT r.id, r.started_at < $1, h.name, rh.manifest_id FROM runs r
            LEFT JOIN run_hosts rh ON rh.run_id = r.id LEFT JOIN hosts h ON h.id = rh.host_id
            WHERE r.status != 'running' ORDER BY r.id DESC
            """, [.text(cutoff)], operation: "listing runs to prune"
        ).compactMap { row in
            row[0].int.map { (run: $0, isOld: row[1].int == 1, host: row[2].string, manifest: row[3].int) }
        }
    }

    func deleteRuns(_ ids: [Int64]) throws {
        for run in ids { try connection.query("DELETE FROM runs WHERE id = $1", [.integer(run)], operation: "deleting runs") }
    }

    /// Deletes what no run references, in SQLite's order: finding sets, overviews and manifests
    /// first, then the contents only those manifests named, then hosts no run has.
    func collectGarbage() throws -> Int {
        let operation = "deleting unreferenced blobs"
        let statements = [
            """
            DELETE FROM blobs WHERE kind = 'findings' AND NOT EXISTS (SELECT 1 FROM run_hosts WHERE findings_id = blobs.id)
                AND NOT EXISTS (SELECT 1 FROM run_hosts WHERE fleet_findings_id = blobs.id)
            """,
            "DELETE FROM blobs WHERE kind = 'overview' AND NOT EXISTS (SELECT 1 FROM runs WHERE overview_id = blobs.id)",
            "DELETE FROM blobs WHERE kind = 'evaluation' AND NOT EXISTS (SELECT 1 FROM run_hosts WHERE evaluation_id = blobs.id)",
            """
            DELETE FROM manifest_contents WHERE NOT EXISTS (SELECT 1 FROM run_hosts WHERE manifest_id = manifest_contents.manifest_id)
            """,
            "DELETE FROM blobs WHERE kind = 'manifest' AND NOT EXISTS (SELECT 1 FROM run_hosts WHERE manifest_id = blobs.id)",
            "DELETE FROM blobs WHERE kind = 'content' AND NOT EXISTS (SELECT 1 FROM manifest_contents WHERE content_id = blobs.id)",
            "DELETE FROM hosts WHERE NOT EXISTS (SELECT 1 FROM run_hosts WHERE host_id = hosts.id)",
        ]
        var deleted: Int64 = 0
        for statement in statements {
            deleted += try connection.query("WITH gone AS (\(statement) RETURNING 1) SELECT count(*) FROM gone", operation: operation)
                .first?.first?.int ?? 0
        }
        return Int(deleted)
    }

    /// Plain VACUUM makes deleted rows' space reusable; `vacuum` (VACUUM FULL) rewrites the
    /// tables and gives it back to the file system. Neither may run in a transaction.
    func compact(vacuum: Bool) throws {
        let tables = StoreTable.all.map(\.name).joined(separator: ", ")
        try connection.execute(vacuum ? "VACUUM FULL \(tables)" : "VACUUM \(tables)", operation: "vacuuming after pruning")
    }

    /// PostgreSQL enforces the references itself; what is checked is what no constraint says:
    /// that references point at blobs of the right kind.
    func integrityProblems() throws -> [String] {
        let operation = "checking the database"
        var problems: [String] = []
        let checks: [(String, String)] = [
            ("manifest reference(s) to blobs that are not contents",
             "SELECT count(*) FROM manifest_contents mc JOIN blobs b ON b.id = mc.content_id WHERE b.kind != 'content'"),
            ("host entries whose manifest is not a manifest",
             "SELECT count(*) FROM run_hosts rh JOIN blobs b ON b.id = rh.manifest_id WHERE b.kind != 'manifest'"),
            ("host entries whose findings are not a finding set",
             """
             SELECT count(*) FROM run_hosts rh JOIN blobs b ON b.id = rh.findings_id OR b.id = rh.fleet_findings_id
             WHERE b.kind != 'findings'
             """),
            ("runs whose overview is not an overview",
             "SELECT count(*) FROM runs r JOIN blobs b ON b.id = r.overview_id WHERE b.kind != 'overview'"),
        ]
        for (what, sql) in checks {
            let count = try connection.query(sql, operation: operation).first?.first?.int ?? 0
            if count > 0 { problems.append("\(count) \(what)") }
        }
        return problems
    }

    func runIDs(status: String) throws -> [Int64] {
        try connection.query("SELECT id FROM runs WHERE status = $1 ORDER BY id", [.text(status)], operation: "listing \(status) runs")
            .compactMap { $0[0].int }
    }

    /// The store's tables with their indexes and out-of-line (TOAST) storage.
    func storedBytes() throws -> Int64 {
        let sizes = (StoreTable.all.map(\.name) + ["schema_version"]).map { "pg_total_relation_size('\($0)')" }
        return try connection.query("SELECT (\(sizes.joined(separator: " + ")))::bigint", operation: "measuring the database")
            .first?.first?.int ?? 0
    }

    /// What the history takes on the server: its tables (not the catalogs every database has).
    func fileBytes() throws -> Int64 { try storedBytes() }

    func blobStatistics() throws -> [String: (count: Int, bytes: Int64)] {
        var result: [String: (count: Int, bytes: Int64)] = [:]
        for row in try connection.query("SELECT kind, count(*), sum(octet_length(data))::bigint FROM blobs GROUP BY kind",
                                         operation: "counting blobs") {
            result[row[0].string ?? ""] = (Int(row[1].int ?? 0), row[2].int ?? 0)
        }
        return result
    }

    // MARK: Copying

    /// Keyset pages: rows after the last key read, so the server never holds a cursor open.
    func forEachRow(of table: StoreTable, batch: Int, _ body: ([[SQLValue]]) throws -> Void) throws {
        let keyIndexes = table.key.map { table.columns.firstIndex(of: $0)! }
        let keys = table.key.joined(separator: ", ")
        let placeholders = table.key.indices.map { "$\($0 + 1)::bigint" }.joined(separator: ", ")
        let sql = "SELECT \(table.columns.joined(separator: ", ")) FROM \(table.name) WHERE (\(keys)) > (\(placeholders)) "
            + "ORDER BY \(keys) LIMIT \(batch)"
        var after = [SQLValue](repeating: .integer(Int64.min), count: table.key.count)
        while true {
            let rows = try connection.query(sql, after, operation: "reading \(table.name)")
            guard let last = rows.last else { return }
            try body(rows)
            after = keyIndexes.map { last[$0] }
        }
    }

    func insertRows(into table: StoreTable, _ rows: [[SQLValue]]) throws {
        let placeholders = table.columns.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
        let sql = "INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) VALUES (\(placeholders))"
        for row in rows { try connection.query(sql, row, operation: "copying \(table.name)") }
    }

    func resumeIDs() throws {
        for table in ["blobs", "runs", "hosts"] {
            try connection.query(
                "SELECT setval(pg_get_serial_sequence('\(table)', 'id'), coalesce(max(id), 0) + 1, false) FROM \(table)",
                operation: "resuming the ids of \(table)")
        }
    }
}

/// A key in stackdrift's advisory lock space, with what it protects for messages.
struct LockKey {
    var space: Int64
    var id: Int64
    var what: String

    static let history = LockKey(space: PostgreSQLBackend.lockSpace + 1, id: PostgreSQLBackend.historyKey, what: "the history")

    /// An inventory's key: the first four bytes of the SHA-256 of its identity. Two inventories
    /// sharing a key only wait for each other; nothing else depends on it.
    static func inventory(_ inventory: InventoryIdentity) -> LockKey {
        let digest = Digest.sha256(Array(inventory.lockKey.utf8))
        let id = digest.prefix(4).reduce(Int32(0)) { $0 << 8 | Int32($1) }
        return LockKey(space: PostgreSQLBackend.lockSpace, id: Int64(id), what: "\(inventory)")
    }
}

/// Advisory locks held by one session, released when this is (or with the session).
final class PostgreSQLLock {
    private let connection: PostgreSQLConnection
    private let keys: [(key: LockKey, shared: Bool)]

    init(connection: PostgreSQLConnection, keys: [(LockKey, Bool)]) {
        self.connection = connection
        self.keys = keys.map { (key: $0.0, shared: $0.1) }
    }

    deinit {
        for (key, shared) in keys.reversed() {
            _ = try? connection.query("SELECT \(shared ? "pg_advisory_unlock_shared" : "pg_advisory_unlock")($1::bigint::int4, $2::bigint::int4)",
                                      [.integer(key.space), .integer(key.id)], operation: "releasing the lock of \(key.what)")
        }
    }
}
