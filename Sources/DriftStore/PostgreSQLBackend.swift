import DriftCore
import Foundation

/// The shared backend: one PostgreSQL database written by several auditors at once.
///
/// PostgreSQL's dialect lives here and nowhere else: `$n` placeholders, `RETURNING id`,
/// `INSERT … ON CONFLICT DO NOTHING` so two auditors storing the same blob or host at once
/// both end with its one id, session advisory locks per inventory (`pg_advisory_lock`) that the
/// server drops with the session, and the version in a `schema_version` table. A transaction
/// that loses a deadlock to another auditor's (two hosts naming the same contents in another
/// order) is run again, up to three times.
final class PostgreSQLBackend: StoreBackend {
    let connection: PostgreSQLConnection
    let location: String

    /// The advisory lock space (classid) of stackdrift's locks: "SDRF" as four bytes.
    static let lockSpace: Int64 = 0x5344_5246
    /// Keys within the second space: the whole history (shared by audits, exclusive for prune
    /// and copy) and schema migrations.
    static let historyKey: Int64 = 1, migrationKey: Int64 = 2

    init(uri: String, location: String, applicationName: String = "stackdrift") throws {
        self.location = location
        connection = try PostgreSQLConnection(uri: uri, location: location, applicationName: applicationName)
        try connection.execute("SET client_min_messages = warning", operation: "configuring the connection")
        try migrate()
    }

    func transaction<T>(operation: String, _ body: () throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                return try connection.transaction(operation: operation, body)
            } catch let error as StoreError where error.kind == .busy && attempt < 3 {
                attempt += 1
            }
        }
    }

    func schemaVersion() throws -> Int {
        Int(try connection.query("SELECT coalesce(max(version), 0) FROM schema_version", operation: "reading the schema version")
            .first?.first?.int ?? 0)
    }

    /// Applies pending migrations in one transaction, under an advisory lock so that two auditors
    /// opening a new database together create it once.
    private func migrate() throws {
        try connection.transaction(operation: "checking the schema") {
            try connection.query("SELECT pg_advisory_xact_lock($1::bigint::int4, $2::bigint::int4)",
                                 [.integer(Self.lockSpace + 1), .integer(Self.migrationKey)], operation: "checking the schema")
            try connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version bigint NOT NULL)",
                                   operation: "checking the schema")
            let version = try schemaVersion()
            if version > PostgreSQLSchema.currentVersion {
                throw StoreError(.schemaTooNew, path: location, operation: "checking the schema",
                                 "database schema \(version) is newer than this stackdrift understands "
                                 + "(\(PostgreSQLSchema.currentVersion)); upgrade stackdrift on this auditor")
            }
            for migration in PostgreSQLSchema.migrations where migration.version > version {
                let operation = "migrating to schema \(migration.version)"
                try connection.execute(migration.sql, operation: operation)
                try connection.query("INSERT INTO schema_version (version) VALUES ($1)", [.integer(Int64(migration.version))],
                                     operation: operation)
            }
        }
    }

    // MARK: Runs

    func insertRun(_ run: RunStart) throws -> Int64 {
        try connection.query(
            """
            INSERT INTO runs (started_at, tool_version, auditor, inventory, architecture, status, redaction_key_id)
            VALUES ($1, $2, $3, $4, $5, 'running', $6) RETURNING id
            """,
            [.text(run.startedAt), .text(run.toolVersion), run.auditor.sql, run.inventory.sql, run.architecture.sql,
             .text(run.redactionKeyID)],
            operation: "starting a run").first?.first?.int ?? 0
    }

    func finishRun(_ id: Int64, _ finish: RunFinish) throws {
        try connection.query(
            """
            UPDATE runs SET status = 'finished', finished_at = $1, exit_code = $2, hosts = $3, hosts_failed = $4,
                passed = $5, failed = $6, errors = $7, waived = $8, skipped = $9, upgrade_from = $10, upgrade_to = $11,
                upgrade_failed = $12, overview_id = $13 WHERE id = $14
            """,
            [.text(finish.finishedAt), .integer(Int64(finish.exitCode)), .integer(Int64(finish.hosts)),
             .integer(Int64(finish.hostsFailed)), .integer(Int64(finish.passed)), .integer(Int64(finish.failed)),
             .integer(Int64(finish.errors)), .integer(Int64(finish.waived)), .integer(Int64(finish.skipped)),
             finish.upgradeFrom.sql, finish.upgradeTo.sql, .integer(Int64(finish.upgradeFailed)),
             finish.overview.map(SQLValue.integer) ?? .null, .integer(id)],
            operation: "finishing run \(id)")
    }

    /// The runs of one inventory (`$1` its path, `$2` its auditor): its own auditor's, and those
    /// stored before auditors were recorded.
    private static func ofInventory(_ table: String = "", first: Int) -> String {
        "\(table)inventory IS NOT DISTINCT FROM $\(first)::text AND ($\(first + 1)::text IS NULL OR \(table)auditor IS NULL "
            + "OR \(table)auditor = $\(first + 1)::text)"
    }

    func markInterruptedRuns(of inventory: InventoryIdentity) throws -> Int {
        try connection.query(
            "UPDATE runs SET status = 'interrupted' WHERE status = 'running' AND \(Self.ofInventory(first: 1)) RETURNING id",
            [inventory.inventory.sql, inventory.auditor.sql], operation: "marking interrupted runs").count
    }

    func runRows(limit: Int?, auditor: String?, inventory: String?) throws -> [RunSummary] {
        try connection.query(
            """
            SELECT \(RunColumns.list) FROM runs WHERE ($1::text IS NULL OR auditor = $1::text)
                AND ($2::text IS NULL OR inventory = $2::text) ORDER BY id DESC LIMIT $3::bigint
            """, [auditor.sql, inventory.sql, limit.sql], operation: "listing runs").map(RunColumns.summary)
    }

    func runRow(_ id: Int64) throws -> RunSummary? {
        try connection.query("SELECT \(RunColumns.list) FROM runs WHERE id = $1", [.integer(id)], operation: "reading run \(id)")
            .first.map(RunColumns.summary)
    }

    func latestFinishedRun(before run: Int64?, of inventory: InventoryIdentity?) throws -> Int64? {
        guard let inventory else {
            return try connection.query("SELECT max(id) FROM runs WHERE id < $1 AND status = 'finished'",
                                        [.integer(run ?? Int64.max)], operation: "finding the latest run").first?.first?.int
        }
        return try connection.query(
            "SELECT max(id) FROM runs WHERE id < $1 AND status = 'finished' AND \(Self.ofInventory(first: 2))",
            [.integer(run ?? Int64.max), inventory.inventory.sql, inventory.auditor.sql],
            operation: "finding the latest run of \(inventory)").first?.first?.int
    }

    func redactionKeyIDs() throws -> [String] {
        try connection.query("SELECT DISTINCT redaction_key_id FROM runs", operation: "reading the runs' keys").compactMap { $0[0].string }
    }

    func redactionKeyID(run: Int64) throws -> String? {
        try connection.query("SELECT redaction_key_id FROM runs WHERE id = $1", [.integer(run)],
                             operation: "reading run \(run)'s key").first?.first?.string
    }

    // MARK: Blobs

    func blobID(kind: BlobKind, hash: String) throws -> Int64? {
        try connection.query("SELECT id FROM blobs WHERE kind = $1 AND hash = $2", [.text(kind.rawValue), .text(hash)],
                             operation: "finding a \(kind.rawValue) blob").first?.first?.int
    }

    /// Another auditor may store the same blob at the same moment: the second insert waits for
    /// the first to commit, does nothing, and both use the one row.
    func insertBlob(kind: BlobKind, hash: String, size: Int, encoding: BlobEncoding, data: [UInt8]) throws -> Int64 {
        let operation = "storing a \(kind.rawValue) blob"
        if let id = try connection.query(
            """
            INSERT INTO blobs (kind, hash, size, encoding, data) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (kind, hash) DO NOTHING RETURNING id
            """, [.text(kind.rawValue), .text(hash), .integer(Int64(size)), .text(encoding.rawValue), .blob(data)],
            operation: operation).first?.first?.int {
            return id
        }
        guard let id = try blobID(kind: kind, hash: hash) else {
            throw StoreError(.query, path: location, operation: operation, "the blob stored by another auditor vanished")
        }
        return id
    }

    private static func blob(_ row: [SQLValue]) -> StoredBlob {
        StoredBlob(size: Int(row[0].int ?? 0), encoding: BlobEncoding(rawValue: row[1].string ?? "") ?? .raw, data: row[2].bytes ?? [])
    }

    func blob(id: Int64) throws -> StoredBlob? {
        try connection.query("SELECT size, encoding, data FROM blobs WHERE id = $1", [.integer(id)], operation: "reading blob \(id)")
            .first.map(Self.blob)
    }

    func blob(kind: BlobKind, hash: String) throws -> StoredBlob? {
        try connection.query("SELECT size, encoding, data FROM blobs WHERE kind = $1 AND hash = $2",
                             [.text(kind.rawValue), .text(hash)], operation: "reading a \(kind.rawValue) blob").first.map(Self.blob)
    }

    func linkContents(manifest: Int64, contentHashes: [String]) throws {
        for hash in contentHashes {
            try connection.query(
                """
                INSERT INTO manifest_contents (manifest_id, content_id)
                SELECT $1, id FROM blobs WHERE kind = 'content' AND hash = $2 ON CONFLICT DO NOTHING
                """, [.integer(manifest), .text(hash)], operation: "linking manifest \(manifest)")
        }
    }

    /// Page by page, so that a large history never sits in memory whole.
    func forEachBlob(_ body: (Int64, String, String, StoredBlob) throws -> Void) throws {
        var after: Int64 = 0
        while true {
            let rows = try connection.query(
                "SELECT id, kind, hash, size, encoding, data FROM blobs WHERE id > $1 ORDER BY id LIMIT 256", [.integer(after)],
                operation: "reading every blob")
            for row in rows { try body(row[0].int ?? 0, row[1].string ?? "", row[2].string ?? "", Self.blob(Array(row[3...5]))) }
            guard let last = rows.last?[0].int else { return }
            after = last
        }
    }

    // MARK: Hosts of runs

    func hostID(named name: String) throws -> Int64 {
        let operation = "recording host \(name)"
        if let id = try connection.query("SELECT id FROM hosts WHERE name = $1", [.text(name)], operation: operation).first?.first?.int {
            return id
        }
        if let id = try connection.query("INSERT INTO hosts (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id",
                                         [.text(name)], operation: operation).first?.first?.int {
            return id
        }
        guard let id = try connection.query("SELECT id FROM hosts WHERE name = $1", [.text(name)], operation: operation).first?.first?.int
        else { throw StoreError(.query, path: location, operation: operation, "the host stored by another auditor vanished") }
        return id
    }

    func insertRunHost(run: Int64, host: Int64, collected: Bool, manifest: Int64, findings: Int64) throws {
        try connection.query(
            "INSERT INTO run_hosts (run_id, host_id, collected, manifest_id, findings_id) VALUES ($1, $2, $3, $4, $5)",
            [.integer(run), .integer(host), .integer(collected ? 1 : 0), .integer(manifest), .integer(findings)],
            operation: "recording a host of run \(run)")
    }

    func setFleetFindings(run: Int64, host: Int64, findings: Int64) throws {
        try connection.query("UPDATE run_hosts SET fleet_findings_id = $1 WHERE run_id = $2 AND host_id = $3",
                             [.integer(findings), .integer(run), .integer(host)], operation: "recording fleet checks of run \(run)")
    }

    func setEvaluation(run: Int64, host: Int64, key: String, evaluation: Int64) throws {
        try connection.query("UPDATE run_hosts SET evaluation_key = $1, evaluation_id = $2 WHERE run_id = $3 AND host_id = $4",
                             [.text(key), .integer(evaluation), .integer(run), .integer(host)],
                             operation: "recording the evaluation of a host of run \(run)")
    }

    private static let hostColumns = "h.name, h.id, rh.run_id, rh.collected, rh.manifest_id, rh.findings_id, rh.fleet_findings_id, "
        + "rh.evaluation_key, rh.evaluation_id"

    private static func storedHost(_ row: [SQLValue], run: Int64) -> StoredHost {
        StoredHost(name: row[0].string ?? "", id: row[1].int ?? 0, runID: row[2].int ?? run, collected: row[3].int == 1,
                   manifestID: row[4].int ?? 0, findingsID: row[5].int ?? 0, fleetFindingsID: row[6].int,
                   evaluationKey: row[7].string, evaluationID: row[8].int)
    }

    /// Host names sort by code point, as SQLite's default collation does, whatever the database's locale.
    func runHosts(run: Int64) throws -> [StoredHost] {
        try connection.query(
            """
            SELECT \(Self.hostColumns) FROM run_hosts rh JOIN hosts h ON h.id = rh.host_id
            WHERE rh.run_id = $1 ORDER BY h.name COLLATE "C"
            """, [.integer(run)], operation: "reading the hosts of run \(run)"
        ).map { Self.storedHost($0, run: run) }
    }

    func runHost(run: Int64, named name: String) throws -> StoredHost? {
        try connection.query(
            """
            SELECT \(Self.hostColumns) FROM run_hosts rh JOIN hosts h ON h.id = rh.host_id WHERE rh.run_id = $1 AND h.name = $2
            """, [.integer(run), .text(name)], operation: "reading host \(name) of run \(run)"
        ).first.map { Self.storedHost($0, run: run) }
    }

    func previousRunHost(named name: String, before run: Int64, of inventory: InventoryIdentity) throws -> StoredHost? {
        try connection.query(
            """
            SELECT \(Self.hostColumns) FROM run_hosts rh JOIN hosts h ON h.id = rh.host_id JOIN runs r ON r.id = rh.run_id
            WHERE h.name = $1 AND rh.run_id < $2 AND rh.collected = 1 AND r.status = 'finished' AND \(Self.ofInventory("r.", first: 3))
            ORDER BY rh.run_id DESC LIMIT 1
            """, [.text(name), .integer(run), inventory.inventory.sql, inventory.auditor.sql],
            operation: "finding the previous run of \(name)"
        ).first.map { Self.storedHost($0, run: run) }
    }

    func runsOf(host name: String) throws -> [(id: Int64, startedAt: String)] {
        try connection.query(
            """
            SELECT r.id, r.started_at FROM run_hosts rh JOIN hosts h ON h.id = rh.host_id JOIN runs r ON r.id = rh.run_id
            WHERE h.name = $1 AND rh.collected = 1 AND r.status = 'finished' ORDER BY r.id
            """, [.text(name)], operation: "listing the runs of \(name)"
        ).map { ($0[0].int ?? 0, $0[1].string ?? "") }
    }

    func hostNames() throws -> [String] {
        try connection.query("SELECT name FROM hosts ORDER BY name COLLATE \"C\"", operation: "listing hosts").compactMap { $0[0].string }
    }
}
