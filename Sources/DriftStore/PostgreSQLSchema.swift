/// The store's schema in PostgreSQL: the tables and columns of SQLite's `Schema` at the same
/// version, in PostgreSQL's types, with the version in a `schema_version` table.
///
/// PostgreSQL histories began at schema 5, so its first migration creates that schema whole;
/// every later change is appended here and to `Schema.migrations` under the same number (a
/// test compares the two backends' tables column by column). Integers are `bigint` throughout
/// so that one binary encoding serves every parameter; blobs are `bytea` stored without
/// PostgreSQL's own compression, being deflated already.
enum PostgreSQLSchema {
    /// (the version a migration brings the database to, its SQL), in order.
    static let migrations: [(version: Int, sql: String)] = [
        (5, """
        CREATE TABLE blobs (
            id bigserial PRIMARY KEY,
            kind text NOT NULL CHECK (kind IN ('content', 'manifest', 'findings', 'overview')),
            hash text NOT NULL,
            size bigint NOT NULL,
            encoding text NOT NULL CHECK (encoding IN ('raw', 'deflate')),
            data bytea NOT NULL,
            UNIQUE (kind, hash)
        );
        ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL;
        CREATE TABLE runs (
            id bigserial PRIMARY KEY,
            started_at text NOT NULL,
            finished_at text,
            tool_version text NOT NULL,
            inventory text,
            architecture text,
            status text NOT NULL CHECK (status IN ('running', 'finished', 'interrupted')),
            exit_code bigint,
            redaction_key_id text NOT NULL,
            hosts bigint NOT NULL DEFAULT 0,
            hosts_failed bigint NOT NULL DEFAULT 0,
            passed bigint NOT NULL DEFAULT 0,
            failed bigint NOT NULL DEFAULT 0,
            errors bigint NOT NULL DEFAULT 0,
            waived bigint NOT NULL DEFAULT 0,
            skipped bigint NOT NULL DEFAULT 0,
            upgrade_from text,
            upgrade_to text,
            upgrade_failed bigint NOT NULL DEFAULT 0,
            overview_id bigint REFERENCES blobs(id),
            auditor text
        );
        CREATE INDEX runs_by_inventory ON runs (inventory, auditor, id);
        CREATE TABLE manifest_contents (
            manifest_id bigint NOT NULL REFERENCES blobs(id),
            content_id bigint NOT NULL REFERENCES blobs(id),
            PRIMARY KEY (manifest_id, content_id)
        );
        CREATE INDEX manifest_contents_by_content ON manifest_contents (content_id);
        CREATE TABLE hosts (
            id bigserial PRIMARY KEY,
            name text NOT NULL UNIQUE
        );
        CREATE TABLE run_hosts (
            run_id bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            host_id bigint NOT NULL REFERENCES hosts(id),
            collected bigint NOT NULL,
            manifest_id bigint NOT NULL REFERENCES blobs(id),
            findings_id bigint NOT NULL REFERENCES blobs(id),
            fleet_findings_id bigint REFERENCES blobs(id),
            PRIMARY KEY (run_id, host_id)
        );
        CREATE INDEX run_hosts_by_host ON run_hosts (host_id, run_id);
        CREATE INDEX run_hosts_by_manifest ON run_hosts (manifest_id);
        CREATE INDEX run_hosts_by_findings ON run_hosts (findings_id);
        CREATE INDEX run_hosts_by_fleet_findings ON run_hosts (fleet_findings_id);
        """),
        (6, """
        ALTER TABLE blobs DROP CONSTRAINT blobs_kind_check;
        ALTER TABLE blobs ADD CONSTRAINT blobs_kind_check
            CHECK (kind IN ('content', 'manifest', 'findings', 'overview', 'evaluation'));
        ALTER TABLE run_hosts ADD COLUMN evaluation_key text;
        ALTER TABLE run_hosts ADD COLUMN evaluation_id bigint REFERENCES blobs(id);
        CREATE INDEX run_hosts_by_evaluation ON run_hosts (evaluation_id);
        """),
    ]

    static var currentVersion: Int { migrations.last?.version ?? 0 }
}
