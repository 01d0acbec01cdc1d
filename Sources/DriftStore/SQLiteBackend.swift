import DriftCore
import Foundation

/// The embedded backend: one SQLite file in WAL mode, written by one audit at a time (the
/// `AuditLock` flock serves every lock scope: SQLite has one writer anyway).
///
/// SQLite's dialect lives here and nowhere else: `BEGIN IMMEDIATE` so a writer waits for
/// another instead of failing half-way, `INSERT OR IGNORE`, `PRAGMA user_version` for the
/// schema version, WAL with `synchronous=NORMAL`. Opening creates the file mode 0600 and
/// applies pending migrations (`Schema`), each in its own transaction.
final class SQLiteBackend: StoreBackend {
    let database: SQLiteDatabase
    let path: String

    var location: String { path }

    init(path: String, busyTimeout: Double) throws {
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError(.open, path: path, operation: "creating the database directory", "\(error.localizedDescription)")
        }
        // Create the file ourselves so it is private from the first byte.
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor) }
        database = try SQLiteDatabase(path: path, busyTimeout: busyTimeout)
        let rows = try database.query("PRAGMA journal_mode=WAL", operation: "enabling WAL")
        if rows.first?.first?.string?.lowercased() != "wal" {
            throw StoreError(.open, path: path, operation: "enabling WAL", "SQLite refused WAL mode")
        }
        try database.execute("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL", operation: "configuring the connection")
        try migrate()
    }

    func transaction<T>(operation: String, _ body: () throws -> T) throws -> T {
        try database.transaction(operation: operation, body)
    }

    func schemaVersion() throws -> Int {
        Int(try database.query("PRAGMA user_version", operation: "reading the schema version").first?.first?.int ?? 0)
    }

    /// Applies migrations not yet recorded in `user_version`, each in its own transaction.
    private func migrate() throws {
        let version = try schemaVersion()
        if version > Schema.currentVersion {
            throw StoreError(.schemaTooNew, path: path, operation: "checking the schema",
                             "database schema \(version) is newer than this stackdrift understands (\(Schema.currentVersion))")
        }
        for (index, migration) in Schema.migrations.enumerated() where index >= version {
            let operation = "migrating to schema \(index + 1)"
            // A table rebuild must run with foreign keys off, which SQLite only allows outside a transaction.
            if case .rebuild = migration { try database.execute("PRAGMA foreign_keys=OFF", operation: operation) }
            defer { if case .rebuild = migration { try? database.execute("PRAGMA foreign_keys=ON", operation: operation) } }
            try database.transaction(operation: operation) {
                // Another process may have migrated while this one waited for the lock.
                guard try schemaVersion() == index else { return }
                switch migration {
                case .sql(let sql): try database.execute(sql, operation: operation)
                case .rebuild(let sql):
                    try database.execute(sql, operation: operation)
                    if let broken = try database.query("PRAGMA foreign_key_check", operation: operation).first {
                        throw StoreError(.corrupt, path: path, operation: operation,
                                         "table \(broken[0].string ?? "?") refers to missing rows after the rebuild")
                    }
                case .code(let convert): try convert(self)
                }
                try database.execute("PRAGMA user_version = \(index + 1)", operation: "recording schema \(index + 1)")
            }
        }
    }

    // MARK: Runs

    func insertRun(_ run: RunStart) throws -> Int64 {
        try database.query(
            """
            INSERT INTO runs (started_at, tool_version, auditor, inventory, architecture, status, redaction_key_id)
            VALUES (?, ?, ?, ?, ?, 'running', ?)
            """,
            [.text(run.startedAt), .text(run.toolVersion), run.auditor.sql, run.inventory.sql, run.architecture.sql,
             .text(run.redactionKeyID)],
            operation: "starting a run")
        return database.lastInsertRowID
    }

    func finishRun(_ id: Int64, _ finish: RunFinish) throws {
        try database.query(
            """
            UPDATE runs SET status = 'finished', finished_at = ?, exit_code = ?, hosts = ?, hosts_failed = ?,
                passed = ?, failed = ?, errors = ?, waived = ?, skipped = ?, upgrade_from = ?, upgrade_to = ?,
                upgrade_failed = ?, overview_id = ? WHERE id = ?
            """,
            [.text(finish.finishedAt), .integer(Int64(finish.exitCode)), .integer(Int64(finish.hosts)),
             .integer(Int64(finish.hostsFailed)), .integer(Int64(finish.passed)), .integer(Int64(finish.failed)),
             .integer(Int64(finish.errors)), .integer(Int64(finish.waived)), .integer(Int64(finish.skipped)),
             finish.upgradeFrom.sql, finish.upgradeTo.sql, .integer(Int64(finish.upgradeFailed)),
             finish.overview.map(SQLValue.integer) ?? .null, .integer(id)],
            operation: "finishing run \(id)")
    }

    /// The runs of one inventory: its own auditor's, and those stored before auditors were recorded.
    private static let ofInventory = "inventory IS ? AND (auditor IS NULL OR ? IS NULL OR auditor = ?)"

    private static func bindings(_ inventory: InventoryIdentity) -> [SQLValue] {
        [inventory.inventory.sql, inventory.auditor.sql, inventory.auditor.sql]
    }

    func markInterruptedRuns(of inventory: InventoryIdentity) throws -> Int {
        try database.query("UPDATE runs SET status = 'interrupted' WHERE status = 'running' AND \(Self.ofInventory)",
                           Self.bindings(inventory), operation: "marking interrupted runs")
        return Int(try database.query("SELECT changes()", operation: "marking interrupted runs").first?.first?.int ?? 0)
    }

    func runRows(limit: Int?, auditor: String?, inventory: String?) throws -> [RunSummary] {
        try database.query(
            """
            SELECT \(RunColumns.list) FROM runs WHERE (? IS NULL OR auditor = ?) AND (? IS NULL OR inventory = ?)
            ORDER BY id DESC LIMIT ?
            """, [auditor.sql, auditor.sql, inventory.sql, inventory.sql, .integer(Int64(limit ?? -1))],
            operation: "listing runs").map(RunColumns.summary)
    }

    func runRow(_ id: Int64) throws -> RunSummary? {
        try database.query("SELECT \(RunColumns.list) FROM runs WHERE id = ?", [.integer(id)], operation: "reading run \(id)")
            .first.map(RunColumns.summary)
    }

    func latestFinishedRun(before run: Int64?, of inventory: InventoryIdentity?) throws -> Int64? {
        guard let inventory else {
            return try database.query("SELECT max(id) FROM runs WHERE id < ? AND status = 'finished'", [.integer(run ?? Int64.max)],
                                      operation: "finding the latest run").first?.first?.int
        }
        return try database.query("SELECT max(id) FROM runs WHERE id < ? AND status = 'finished' AND \(Self.ofInventory)",
                                  [.integer(run ?? Int64.max)] + Self.bindings(inventory),
                                  operation: "finding the latest run of \(inventory)").first?.first?.int
    }

    func redactionKeyIDs() throws -> [String] {
        try database.query("SELECT DISTINCT redaction_key_id FROM runs", operation: "reading the runs' keys").compactMap { $0[0].string }
    }

    func redactionKeyID(run: Int64) throws -> String? {
        try database.query("SELECT redaction_key_id FROM runs WHERE id = ?", [.integer(run)],
                           operation: "reading run \(run)'s key").first?.first?.string
    }

    // MARK: Blobs

    func blobID(kind: BlobKind, hash: String) throws -> Int64? {
        try database.query("SELECT id FROM blobs WHERE kind = ? AND hash = ?", [.text(kind.rawValue), .text(hash)],
                           operation: "finding a \(kind.rawValue) blob").first?.first?.int
    }

    func insertBlob(kind: BlobKind, hash: String, size: Int, encoding: BlobEncoding, data: [UInt8]) throws -> Int64 {
        try database.query("INSERT INTO blobs (kind, hash, size, encoding, data) VALUES (?, ?, ?, ?, ?)",
                           [.text(kind.rawValue), .text(hash), .integer(Int64(size)), .text(encoding.rawValue), .blob(data)],
                           operation: "storing a \(kind.rawValue) blob")
        return database.lastInsertRowID
    }

    private static func blob(_ row: [SQLValue]) -> StoredBlob {
        StoredBlob(size: Int(row[0].int ?? 0), encoding: BlobEncoding(rawValue: row[1].string ?? "") ?? .raw, data: row[2].bytes ?? [])
    }

    func blob(id: Int64) throws -> StoredBlob? {
        try database.query("SELECT size, encoding, data FROM blobs WHERE id = ?", [.integer(id)], operation: "reading blob \(id)")
            .first.map(Self.blob)
    }

    func blob(kind: BlobKind, hash: String) throws -> StoredBlob? {
        try database.query("SELECT size, encoding, data FROM blobs WHERE kind = ? AND hash = ?", [.text(kind.rawValue), .text(hash)],
                           operation: "reading a \(kind.rawValue) blob").first.map(Self.blob)
    }

    func linkContents(manifest: Int64, contentHashes: [String]) throws {
        for hash in contentHashes {
            try database.query(
                """
                INSERT OR IGNORE INTO manifest_contents (manifest_id, content_id)
                SELECT ?, id FROM blobs WHERE kind = 'content' AND hash = ?
                """, [.integer(manifest), .text(hash)], operation: "linking manifest \(manifest)")
        }
    }

    func forEachBlob(_ body: (Int64, String, String, StoredBlob) throws -> Void) throws {
        let statement = try database.prepare("SELECT id, kind, hash, size, encoding, data FROM blobs ORDER BY id",
                                             operation: "reading every blob")
        try statement.bind([])
        while let row = try statement.step() {
            try body(row[0].int ?? 0, row[1].string ?? "", row[2].string ?? "", Self.blob(Array(row[3...5])))
        }
    }

    // MARK: Hosts of runs

    func hostID(named name: String) throws -> Int64 {
        let operation = "recording host \(name)"
        if let id = try database.query("SELECT id FROM hosts WHERE name = ?", [.text(name)], operation: operation).first?.first?.int {
            return id
        }
        try database.query("INSERT INTO hosts (name) VALUES (?)", [.text(name)], operation: operation)
        return database.lastInsertRowID
    }

    func insertRunHost(run: Int64, host: Int64, collected: Bool, manifest: Int64, findings: Int64) throws {
        try database.query(
            "INSERT INTO run_hosts (run_id, host_id, collected, manifest_id, findings_id) VALUES (?, ?, ?, ?, ?)",
            [.integer(run), .integer(host), .integer(collected ? 1 : 0), .integer(manifest), .integer(findings)],
            operation: "recording a host of run \(run)")
    }

    func setFleetFindings(run: Int64, host: Int64, findings: Int64) throws {
        try database.query("UPDATE run_hosts SET fleet_findings_id = ? WHERE run_id = ? AND host_id = ?",
                           [.integer(findings), .integer(run), .integer(host)], operation: "recording fleet checks of run \(run)")
    }

    func setEvaluation(run: Int64, host: Int64, key: String, evaluation: Int64) throws {
        try database.query("UPDATE run_hosts SET evaluation_key = ?, evaluation_id = ? WHERE run_id = ? AND host_id = ?",
                           [.text(key), .integer(evaluation), .integer(run), .integer(host)],
                           operation: "recording the evaluation of a host of run \(run)")
    }

    private static func storedHost(_ row: [SQLValue], run: Int64) -> StoredHost {
        StoredHost(name: row[0].string ?? "", id: row[1].int ?? 0, runID: row[2].int ?? run, collected: row[3].int == 1,
                   manifestID: row[4].int ?? 0, findingsID: row[5].int ?? 0, fleetFindingsID: row[6].int,
                   evaluationKey: row[7].string, evaluationID: row[8].int)
    }

    func runHosts(run: Int64) throws -> [StoredHost] {
        try database.query(
            """
            SELECT h.name, h.id, rh.run_id, rh.collected, rh.manifest_id, rh.findings_id, rh.fleet_findings_id,
                   rh.evaluation_key, rh.evaluation_id
            FROM run_hosts rh JOIN hosts h ON h.id = rh.host_id WHERE rh.run_id = ? ORDER BY h.name
            """, [.integer(run)], operation: "reading the hosts of run \(run)"
        ).map { Self.storedHost($0, run: run) }
    }

    func runHost(run: Int64, named name: String) throws -> StoredHost? {
        try database.query(
            """
            SELECT h.name, h.id, rh.run_id, rh.collected, rh.manifest_id, rh.findings_id, rh.fleet_findings_id,
                   rh.evaluation_key, rh.evaluation_id
            FROM run_hosts rh JOIN hosts h ON h.id = rh.host_id WHERE rh.run_id = ? AND h.name = ?
            """, [.integer(run), .text(name)], operation: "reading host \(name) of run \(run)"
        ).first.map { Self.storedHost($0, run: run) }
    }

    func previousRunHost(named name: String, before run: Int64, of inventory: InventoryIdentity) throws -> StoredHost? {
        try database.query(
            """
            SELECT h.name, h.id, rh.run_id, rh.collected, rh.manifest_id, rh.findings_id, rh.fleet_findings_id,
                   rh.evaluation_key, rh.evaluation_id
            FROM run_hosts rh JOIN hosts h ON h.id = rh.host_id JOIN runs r ON r.id = rh.run_id
            WHERE h.name = ? AND rh.run_id < ? AND rh.collected = 1 AND r.status = 'finished'
                AND r.inventory IS ? AND (r.auditor IS NULL OR ? IS NULL OR r.auditor = ?)
            ORDER BY rh.run_id DESC LIMIT 1
            """, [.text(name), .integer(run)] + Self.bindings(inventory), operation: "finding the previous run of \(name)"
        ).first.map { Self.storedHost($0, run: run) }
    }

    func runsOf(host name: String) throws -> [(id: Int64, startedAt: String)] {
        try database.query(
            """
            SELECT r.id, r.started_at FROM run_hosts rh JOIN hosts h ON h.id = rh.host_id JOIN runs r ON r.id = rh.run_id
            WHERE h.name = ? AND rh.collected = 1 AND r.status = 'finished' ORDER BY r.id
            """, [.text(name)], operation: "listing the runs of \(name)"
        ).map { ($0[0].int ?? 0, $0[1].string ?? "") }
    }

    func hostNames() throws -> [String] {
        try database.query("SELECT name FROM hosts ORDER BY name", operation: "listing hosts").compactMap { $0[0].string }
    }
}
