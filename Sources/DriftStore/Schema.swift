import DriftCore

/// The store's schema as an ordered list of migrations; `PRAGMA user_version`
/// records how many have been applied. Migrations are append-only: a released
/// migration is never edited, a change is a new one.
enum Schema {
    enum Migration: Sendable {
        case sql(String)
        /// SQL that rebuilds a table others refer to (SQLite cannot alter a CHECK): run with foreign
        /// keys off, then checked with `foreign_key_check` before the transaction commits.
        case rebuild(String)
        /// A migration that needs code (converting stored data); it runs in the migration's transaction.
        case code(@Sendable (SQLiteBackend) throws -> Void)
    }

    static let migrations: [Migration] = [
        // 1: runs, hosts and files per run, contents stored once by hash, findings.
        .sql("""
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
        """),
        // 2: everything content-addressed. A host's files (its manifest) and its findings are
        // blobs like file contents, so an unchanged host on an unchanged night costs one row of
        // four integers; blobs are deflated; runs keep their counts; interrupted runs are marked.
        .code(migrateToContentAddressedHosts),
        // 3: the upgrade a run checked for (`audit --upgrade-to`), so a stored run reports as it
        // ran, and its failing upgrade checks (the other counts are the guide's).
        .sql("""
        ALTER TABLE runs ADD COLUMN upgrade_from TEXT;
        ALTER TABLE runs ADD COLUMN upgrade_to TEXT;
        ALTER TABLE runs ADD COLUMN upgrade_failed INTEGER NOT NULL DEFAULT 0;
        """),
        // 4: runs stored host by host. A host's own checks are recorded as soon as it is
        // evaluated and the checks comparing it with the fleet when the run finishes, each a
        // finding set of its own; the run's overview (what reports show before any host's
        // details) is a blob too, so an unchanged night stores none of them again.
        .rebuild("""
        CREATE TABLE blobs_v4 (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('content', 'manifest', 'findings', 'overview')),
            hash TEXT NOT NULL,
            size INTEGER NOT NULL,
            encoding TEXT NOT NULL CHECK (encoding IN ('raw', 'deflate')),
            data BLOB NOT NULL,
            UNIQUE (kind, hash)
        );
        INSERT INTO blobs_v4 (id, kind, hash, size, encoding, data) SELECT id, kind, hash, size, encoding, data FROM blobs;
        DROP TABLE blobs;
        ALTER TABLE blobs_v4 RENAME TO blobs;
        ALTER TABLE run_hosts ADD COLUMN fleet_findings_id INTEGER REFERENCES blobs(id);
        ALTER TABLE runs ADD COLUMN overview_id INTEGER REFERENCES blobs(id);
        CREATE INDEX run_hosts_by_fleet_findings ON run_hosts (fleet_findings_id);
        """),
        // 5: what a host's evaluation needs again on a quiet night. Each host of a run keeps the
        // key of the evidence it was judged on (its files as read, its inventory entry, the rules,
        // the waivers, the fleet) and what it gave the fleet checks (an `evaluation` blob); the
        // next run takes a host with the same key from there instead of judging it again.
        .rebuild("""
        CREATE TABLE blobs_v5 (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('content', 'manifest', 'findings', 'overview', 'evaluation')),
            hash TEXT NOT NULL,
            size INTEGER NOT NULL,
            encoding TEXT NOT NULL CHECK (encoding IN ('raw', 'deflate')),
            data BLOB NOT NULL,
            UNIQUE (kind, hash)
        );
        INSERT INTO blobs_v5 (id, kind, hash, size, encoding, data) SELECT id, kind, hash, size, encoding, data FROM blobs;
        DROP TABLE blobs;
        ALTER TABLE blobs_v5 RENAME TO blobs;
        ALTER TABLE run_hosts ADD COLUMN evaluation_key TEXT;
        ALTER TABLE run_hosts ADD COLUMN evaluation_id INTEGER REFERENCES blobs(id);
        CREATE INDEX run_hosts_by_evaluation ON run_hosts (evaluation_id);
        """),
    ]

    static var currentVersion: Int { migrations.count }

    static let version2Tables = """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        tool_version TEXT NOT NULL,
        inventory TEXT,
        architecture TEXT,
        status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted')),
        exit_code INTEGER,
        redaction_key_id TEXT NOT NULL,
        hosts INTEGER NOT NULL DEFAULT 0,
        hosts_failed INTEGER NOT NULL DEFAULT 0,
        passed INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        waived INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE blobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('content', 'manifest', 'findings')),
        hash TEXT NOT NULL,
        size INTEGER NOT NULL,
        encoding TEXT NOT NULL CHECK (encoding IN ('raw', 'deflate')),
        data BLOB NOT NULL,
        UNIQUE (kind, hash)
    );
    CREATE TABLE manifest_contents (
        manifest_id INTEGER NOT NULL REFERENCES blobs(id),
        content_id INTEGER NOT NULL REFERENCES blobs(id),
        PRIMARY KEY (manifest_id, content_id)
    ) WITHOUT ROWID;
    CREATE INDEX manifest_contents_by_content ON manifest_contents (content_id);
    CREATE TABLE hosts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE run_hosts (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        host_id INTEGER NOT NULL REFERENCES hosts(id),
        collected INTEGER NOT NULL,
        manifest_id INTEGER NOT NULL REFERENCES blobs(id),
        findings_id INTEGER NOT NULL REFERENCES blobs(id),
        PRIMARY KEY (run_id, host_id)
    ) WITHOUT ROWID;
    CREATE INDEX run_hosts_by_host ON run_hosts (host_id, run_id);
    CREATE INDEX run_hosts_by_manifest ON run_hosts (manifest_id);
    CREATE INDEX run_hosts_by_findings ON run_hosts (findings_id);
    """

    /// Converts schema 1 (rows per file and per finding) to content-addressed hosts.
    static func migrateToContentAddressedHosts(_ backend: SQLiteBackend) throws {
        let operation = "migrating to schema 2"
        let database = backend.database
        // Schema 1's tables step aside (their references follow the renames), the new ones take the names.
        try database.execute("""
            ALTER TABLE runs RENAME TO runs_v1;
            ALTER TABLE run_hosts RENAME TO run_hosts_v1;
            ALTER TABLE run_files RENAME TO run_files_v1;
            ALTER TABLE findings RENAME TO findings_v1;
            ALTER TABLE contents RENAME TO contents_v1;
            """, operation: operation)
        try database.execute(version2Tables, operation: operation)
        try database.execute("""
            INSERT INTO runs (id, started_at, finished_at, tool_version, inventory, architecture, status, exit_code,
                              redaction_key_id)
            SELECT id, started_at, finished_at, tool_version, inventory, architecture, status, exit_code, redaction_key_id
            FROM runs_v1;
            INSERT INTO blobs (kind, hash, size, encoding, data) SELECT 'content', hash, size, 'raw', data FROM contents_v1;
            INSERT INTO hosts (name) SELECT DISTINCT host FROM run_hosts_v1 ORDER BY host;
            """, operation: operation)
        let blobs = BlobStore(backend: backend)
        let hosts = try database.query("SELECT run_id, host, error_kind, error FROM run_hosts_v1 ORDER BY run_id, host",
                                       operation: operation)
        for row in hosts {
            guard let runID = row[0].int, let host = row[1].string else { continue }
            let files = try database.query(
                "SELECT path, status, content_hash, error FROM run_files_v1 WHERE run_id = ? AND host = ? ORDER BY path",
                [.integer(runID), .text(host)], operation: operation
            ).map { file in
                HostManifest.File(path: file[0].string ?? "", status: file[1].string ?? "",
                                  format: nil, reason: file[3].string, line: nil, content: file[2].string)
            }
            let manifest = HostManifest(roles: [], services: [], errorKind: row[2].string, error: row[3].string, files: files)
            let findings = try database.query(
                """
                SELECT rule, file, section, key, status, severity, expected, actual, line, message FROM findings_v1
                WHERE run_id = ? AND host = ? ORDER BY file, line, rule
                """, [.integer(runID), .text(host)], operation: operation
            ).map { finding in
                FindingRecord(Finding(
                    rule: finding[0].string ?? "", title: finding[0].string ?? "", host: host, file: finding[1].string ?? "",
                    section: finding[2].string, key: finding[3].string,
                    status: FindingStatus(rawValue: finding[4].string ?? "") ?? .error,
                    severity: Severity(rawValue: finding[5].string ?? "") ?? .medium, expected: finding[6].string,
                    actual: finding[7].string, line: finding[8].int.map(Int.init), message: finding[9].string ?? "", guide: nil))
            }
            try blobs.recordHost(run: runID, name: host, manifest: manifest, findings: findings)
        }
        try database.execute("""
            UPDATE runs SET
                hosts = (SELECT count(*) FROM run_hosts_v1 WHERE run_id = runs.id),
                hosts_failed = (SELECT count(*) FROM run_hosts_v1 WHERE run_id = runs.id AND status = 'failed'),
                passed = (SELECT count(*) FROM findings_v1 WHERE run_id = runs.id AND status = 'pass'),
                failed = (SELECT count(*) FROM findings_v1 WHERE run_id = runs.id AND status = 'fail'),
                errors = (SELECT count(*) FROM findings_v1 WHERE run_id = runs.id AND status = 'error'),
                waived = (SELECT count(*) FROM findings_v1 WHERE run_id = runs.id AND status = 'waived'),
                skipped = (SELECT count(*) FROM findings_v1 WHERE run_id = runs.id AND status = 'skipped');
            DROP TABLE findings_v1;
            DROP TABLE run_files_v1;
            DROP TABLE run_hosts_v1;
            DROP TABLE contents_v1;
            DROP TABLE runs_v1;
            """, operation: operation)
    }
}
