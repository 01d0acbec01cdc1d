/// The store's schema as an ordered list of migrations; `PRAGMA user_version`
/// records how many have been applied. Migrations are append-only: a released
/// migration is never edited, a change is a new one.
enum Schema {
    static let migrations: [String] = [
        // 1: runs, hosts and files per run, contents stored once by hash, findings.
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            tool_version TEXT NOT NULL,
            inventory TEXT,
            architecture TEXT,
            status TEXT NOT NULL CHECK (status IN ('running', 'finished')),
            exit_code INTEGER,
            redaction_key_id TEXT NOT NULL
        );
        CREATE TABLE contents (
            hash TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            data BLOB NOT NULL
        );
        CREATE TABLE run_hosts (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('collected', 'failed')),
            error_kind TEXT,
            error TEXT,
            PRIMARY KEY (run_id, host)
        );
        CREATE TABLE run_files (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            path TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('present', 'missing', 'unreadable')),
            content_hash TEXT REFERENCES contents(hash),
            error TEXT,
            PRIMARY KEY (run_id, host, path)
        );
        CREATE INDEX run_files_by_host_path ON run_files (host, path, run_id);
        CREATE TABLE findings (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            rule TEXT NOT NULL,
            host TEXT NOT NULL,
            file TEXT NOT NULL,
            section TEXT,
            key TEXT,
            status TEXT NOT NULL,
            severity TEXT NOT NULL,
            expected TEXT,
            actual TEXT,
            line INTEGER,
            message TEXT NOT NULL
        );
        CREATE INDEX findings_by_run ON findings (run_id, host, rule);
        """,
    ]

    static var currentVersion: Int { migrations.count }
}
