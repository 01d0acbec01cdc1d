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
        for (index, sql) in Schema.migrations.enumerated() where index >= version {
            try database.transaction(operation: "migrating to schema \(index + 1)") {
                // Another process may have migrated while this one waited for the lock.
                guard try schemaVersion() == index else { return }
                try database.execute(sql, operation: "migrating to schema \(index + 1)")
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

    /// Writes a run's hosts, files and findings and marks it finished, all in one transaction.
    public func finishRun(_ id: Int64, _ run: StoredRun) throws {
        try database.transaction(operation: "storing run \(id)") {
            let insertContent = try database.prepare(
                "INSERT OR IGNORE INTO contents (hash, size, data) VALUES (?, ?, ?)", operation: "storing file contents")
            let insertFile = try database.prepare(
                "INSERT INTO run_files (run_id, host, path, status, content_hash, error) VALUES (?, ?, ?, ?, ?, ?)",
                operation: "storing files")
            for file in run.files {
                var hash: String?
                if let content = file.content {
                    hash = Digest.hex(Digest.sha256(content))
                    try insertContent.run([.text(hash!), .integer(Int64(content.count)), .blob(content)])
                }
                try insertFile.run([.integer(id), .text(file.host), .text(file.path), .text(file.status.rawValue),
                                    hash.sql, file.error.sql])
            }
            let insertHost = try database.prepare(
                "INSERT INTO run_hosts (run_id, host, status, error_kind, error) VALUES (?, ?, ?, ?, ?)", operation: "storing hosts")
            for host in run.hosts {
                try insertHost.run([.integer(id), .text(host.name), .text(host.errorKind == nil ? "collected" : "failed"),
                                    host.errorKind.sql, host.error.sql])
            }
            let insertFinding = try database.prepare(
                """
                INSERT INTO findings (run_id, rule, host, file, section, key, status, severity, expected, actual, line, message)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, operation: "storing findings")
            for finding in run.findings {
                try insertFinding.run([
                    .integer(id), .text(finding.rule), .text(finding.host), .text(finding.file), finding.section.sql,
                    finding.key.sql, .text(finding.status.rawValue), .text(finding.severity.rawValue), finding.expected.sql,
                    finding.actual.sql, finding.line.sql, .text(finding.message),
                ])
            }
            try database.query("UPDATE runs SET status = 'finished', finished_at = ?, exit_code = ? WHERE id = ?",
                               [.text(Self.timestamp(run.finishedAt)), .integer(Int64(run.exitCode)), .integer(id)],
                               operation: "finishing run \(id)")
        }
    }

    /// Every run, newest first.
    public func runs() throws -> [RunSummary] {
        try database.query(
            "SELECT id, started_at, finished_at, tool_version, inventory, status, exit_code FROM runs ORDER BY id DESC",
            operation: "listing runs"
        ).map { row in
            RunSummary(id: row[0].int ?? 0, startedAt: row[1].string ?? "", finishedAt: row[2].string,
                       toolVersion: row[3].string ?? "", inventory: row[4].string, status: row[5].string ?? "",
                       exitCode: row[6].int.map(Int.init))
        }
    }

    /// Stored (redacted) content of a file in a run, or `nil` if it was not present.
    public func content(run: Int64, host: String, path: String) throws -> [UInt8]? {
        try database.query(
            "SELECT c.data FROM run_files f JOIN contents c ON c.hash = f.content_hash WHERE f.run_id = ? AND f.host = ? AND f.path = ?",
            [.integer(run), .text(host), .text(path)], operation: "reading file content"
        ).first?.first?.bytes
    }

    /// Distinct file contents stored.
    public func contentCount() throws -> Int {
        Int(try database.query("SELECT count(*) FROM contents", operation: "counting contents").first?.first?.int ?? 0)
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
