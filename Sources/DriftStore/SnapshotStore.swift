import DriftCore
import Foundation

/// The SQLite database holding every audit run: hosts, files (content stored
/// once per distinct redacted text), and findings.
///
/// Opening creates the file (mode 0600) and applies pending migrations; the
/// database runs in WAL mode and every run is written in transactions, so a
/// killed audit leaves earlier runs intact. Secrets are redacted before they
/// reach the store with a keyed tag whose key lives beside the database
/// (`<db>.key`, mode 0600), so the database alone reveals nothing about them.
public final class SnapshotStore {
    let database: SQLiteDatabase
    public let path: String
    /// Key for redaction tags; equal secrets get equal tags within one key.
    public let redactionKey: [UInt8]

    /// The default database: `$XDG_DATA_HOME/stackdrift/stackdrift.db`, else `~/.local/share/stackdrift/stackdrift.db`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base: String
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            base = home + "/.local/share"
        }
        return base + "/stackdrift/stackdrift.db"
    }

    /// Opens (creating if needed) the database at `path`; waits up to `busyTimeout` seconds for other writers.
    public init(path: String, busyTimeout: Double = 30) throws {
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
        redactionKey = try Self.loadOrCreateKey(at: path + ".key")
        try configure()
        try migrate()
    }

    private func configure() throws {
        let rows = try database.query("PRAGMA journal_mode=WAL", operation: "enabling WAL")
        if rows.first?.first?.string?.lowercased() != "wal" {
            throw StoreError(.open, path: path, operation: "enabling WAL", "SQLite refused WAL mode")
        }
        try database.execute("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL", operation: "configuring the connection")
    }

    /// Applies migrations not yet recorded in `user_version`, each in its own transaction.
    private func migrate() throws {
        let version = try schemaVersion()
        if version > Schema.currentVersion {
            throw StoreError(.schemaTooNew, path: path, operation: "checking the schema",
                             "database schema \(version) is newer than this stackdrift understands (\(Schema.currentVersion))")
        }
        for (index, migration) in Schema.migrations.enumerated() where index >= version {
            try database.transaction(operation: "migrating to schema \(index + 1)") {
                // Another process may have migrated while this one waited for the lock.
                guard try schemaVersion() == index else { return }
                switch migration {
                case .sql(let sql): try database.execute(sql, operation: "migrating to schema \(index + 1)")
                case .code(let convert): try convert(database)
                }
                try database.execute("PRAGMA user_version = \(index + 1)", operation: "recording schema \(index + 1)")
            }
        }
    }

    public func schemaVersion() throws -> Int {
        Int(try database.query("PRAGMA user_version", operation: "reading the schema version").first?.first?.int ?? 0)
    }

    /// Records that a run started; the row says `running` until `finishRun` commits.
    public func beginRun(startedAt: Date, toolVersion: String, inventory: String?, architecture: String?) throws -> Int64 {
        try database.transaction(operation: "starting a run") {
            try database.query(
                "INSERT INTO runs (started_at, tool_version, inventory, architecture, status, redaction_key_id) VALUES (?, ?, ?, ?, 'running', ?)",
                [.text(Self.timestamp(startedAt)), .text(toolVersion), inventory.sql, architecture.sql, .text(redactionKeyID)],
                operation: "starting a run")
            return database.lastInsertRowID
        }
    }

    /// Writes a run's hosts (their files, redacted contents and findings) and marks it
    /// finished, in one transaction: a run killed half-way leaves no trace but its
    /// `running` row, which the next audit marks `interrupted`.
    public func finishRun(_ id: Int64, _ run: AuditRun) throws {
        let operation = "storing run \(id)"
        let fault = StoreFault.fromEnvironment()
        try database.transaction(operation: operation) {
            let blobs = BlobWriter(database: database)
            var written = 0
            let findingsByHost = Dictionary(grouping: run.findings, by: \.host)
            for host in run.hosts {
                var files: [HostManifest.File] = []
                for file in host.files.sorted(by: { $0.path < $1.path }) {
                    var hash: String?
                    if let content = file.content {
                        hash = Digest.hex(Digest.sha256(content))
                        _ = try blobs.store(content, kind: .content, hash: hash, operation: operation)
                        written += 1
                        fault?.reached(rowsWritten: written)
                    }
                    files.append(HostManifest.File(path: file.path, status: file.status.rawValue, format: file.format?.rawValue,
                                                   reason: file.reason, line: file.line, content: hash))
                }
                let manifest = HostManifest(roles: host.roles.map(\.rawValue), services: host.services.map(\.rawValue),
                                            errorKind: host.errorKind, error: host.error, files: files,
                                            legacyAlgorithms: host.legacyAlgorithms.isEmpty ? nil : host.legacyAlgorithms)
                let findings = (findingsByHost[host.name] ?? []).sorted(by: Finding.reportOrder).map(FindingRecord.init)
                try blobs.recordHost(runID: id, host: host.name, manifest: manifest, findings: findings, operation: operation)
                written += 1
                fault?.reached(rowsWritten: written)
            }
            // The run's counts are the guide's; upgrade checks (`--upgrade-to`) are counted apart.
            let counts: [SQLValue] = [FindingStatus.pass, .fail, .error, .waived, .skipped].map {
                .integer(Int64(run.count($0, in: .guide)))
            }
            let upgrade: [SQLValue] = [run.upgrade.map(\.from).sql, run.upgrade.map(\.to).sql,
                                       .integer(Int64(run.count(.fail, in: .upgrade)))]
            let head: [SQLValue] = [.text(Self.timestamp(run.finishedAt)), .integer(Int64(run.exitCode)),
                                    .integer(Int64(run.hosts.count)), .integer(Int64(run.hosts.filter { !$0.collected }.count))]
            try database.query(
                """
                UPDATE runs SET status = 'finished', finished_at = ?, exit_code = ?, hosts = ?, hosts_failed = ?,
                    passed = ?, failed = ?, errors = ?, waived = ?, skipped = ?, upgrade_from = ?, upgrade_to = ?,
                    upgrade_failed = ? WHERE id = ?
                """,
                head + counts + upgrade + [.integer(id)],
                operation: "finishing run \(id)")
        }
    }

    /// Marks runs left `running` by a process that died as `interrupted`. Call only while
    /// holding the audit lock, when no other audit can be running.
    @discardableResult
    public func markInterruptedRuns() throws -> Int {
        try database.transaction(operation: "marking interrupted runs") {
            try database.query("UPDATE runs SET status = 'interrupted' WHERE status = 'running'", operation: "marking interrupted runs")
            return Int(try database.query("SELECT changes()", operation: "marking interrupted runs").first?.first?.int ?? 0)
        }
    }

    /// Every run, newest first.
    public func runs(limit: Int? = nil) throws -> [RunSummary] {
        try database.query(
            """
            SELECT id, started_at, finished_at, tool_version, inventory, status, exit_code, hosts, hosts_failed,
                   passed, failed, errors, waived, skipped, upgrade_to, upgrade_failed
            FROM runs ORDER BY id DESC LIMIT ?
            """, [.integer(Int64(limit ?? -1))], operation: "listing runs"
        ).map { row in
            RunSummary(id: row[0].int ?? 0, startedAt: row[1].string ?? "", finishedAt: row[2].string,
                       toolVersion: row[3].string ?? "", inventory: row[4].string, status: row[5].string ?? "",
                       exitCode: row[6].int.map(Int.init), hosts: Int(row[7].int ?? 0), hostsFailed: Int(row[8].int ?? 0),
                       passed: Int(row[9].int ?? 0), failed: Int(row[10].int ?? 0), errors: Int(row[11].int ?? 0),
                       waived: Int(row[12].int ?? 0), skipped: Int(row[13].int ?? 0),
                       upgradeTo: row[14].string, upgradeFailed: Int(row[15].int ?? 0))
        }
    }

    /// The newest finished run, if any.
    public func latestRunID() throws -> Int64? {
        try database.query("SELECT max(id) FROM runs WHERE status = 'finished'", operation: "finding the latest run").first?.first?.int
    }

    /// Stored (redacted) content of a file in a run, or `nil` if it was not present.
    public func content(run: Int64, host: String, path: String) throws -> [UInt8]? {
        let operation = "reading file content"
        guard let hash = try manifest(run: run, host: host)?.files.first(where: { $0.path == path })?.content else { return nil }
        return try BlobReader(database: database, path: self.path).content(hash: hash, operation: operation)
    }

    /// The host's manifest in a run, or `nil` when the run did not include the host.
    func manifest(run: Int64, host: String) throws -> HostManifest? {
        let operation = "reading host \(host) of run \(run)"
        guard let id = try database.query(
            "SELECT rh.manifest_id FROM run_hosts rh JOIN hosts h ON h.id = rh.host_id WHERE rh.run_id = ? AND h.name = ?",
            [.integer(run), .text(host)], operation: operation).first?.first?.int else { return nil }
        return try BlobReader(database: database, path: path).manifest(id: id, operation: operation)
    }

    /// Distinct file contents stored.
    public func contentCount() throws -> Int {
        Int(try database.query("SELECT count(*) FROM blobs WHERE kind = 'content'", operation: "counting contents").first?.first?.int ?? 0)
    }

    /// A short public name for the redaction key, so runs tagged under different keys are told apart.
    public var redactionKeyID: String {
        String(Digest.hex(Digest.sha256(Array("stackdrift-key-id".utf8) + redactionKey)).prefix(16))
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// Reads the key, or creates it atomically: written to a temporary file, then linked into
    /// place, so two audits starting together agree on one complete key.
    private static func loadOrCreateKey(at path: String) throws -> [UInt8] {
        if let data = FileManager.default.contents(atPath: path), data.count >= 32 { return Array(data) }
        let temporary = path + ".tmp.\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(.open, path: path, operation: "creating the redaction key", String(cString: strerror(errno)))
        }
        let key = Digest.randomBytes(32)
        let written = key.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        fsync(descriptor)
        close(descriptor)
        defer { unlink(temporary) }
        guard written == key.count else {
            throw StoreError(.open, path: path, operation: "writing the redaction key", String(cString: strerror(errno)))
        }
        if link(temporary, path) == 0 { return key }
        if errno == EEXIST, let data = FileManager.default.contents(atPath: path), data.count >= 32 { return Array(data) }
        throw StoreError(.open, path: path, operation: "installing the redaction key", String(cString: strerror(errno)))
    }
}
