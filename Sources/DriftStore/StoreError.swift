/// A failure of the snapshot store, with the engine's own message (SQLite's, or the PostgreSQL server's).
package struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Kind: String, Sendable, Hashable {
        /// The database file cannot be opened or created.
        case open
        /// Another process holds the database longer than the wait allows.
        case busy
        /// The file is not a stackdrift database, or is damaged.
        case corrupt
        /// The database was written by a newer stackdrift.
        case schemaTooNew = "schema-too-new"
        /// A statement failed.
        case query
        /// The connection to the database server was lost (PostgreSQL); what was being written was rolled back.
        case connection
        /// The requested run does not exist.
        case notFound = "not-found"
        /// The file system holding the database is full (`ENOSPC`, `SQLITE_FULL`).
        case diskFull = "disk-full"
        /// The file system holding the database is mounted read-only (`EROFS`, `SQLITE_READONLY`).
        case readOnly = "read-only"
        /// The redaction key is gone while runs tagged with it remain (`RedactionKeySource`).
        case keyMissing = "key-missing"
    }

    package var kind: Kind
    /// What the store was doing, e.g. "inserting findings".
    package var operation: String
    package var message: String
    package var path: String

    package init(_ kind: Kind, path: String, operation: String, _ message: String) {
        self.kind = kind
        self.path = path
        self.operation = operation
        self.message = message
    }

    package var description: String { "\(path): \(operation): \(message)" + (advice.map { "; \($0)" } ?? "") }

    /// What to do, for the failures of the storage itself: each told once, in plain words.
    package var advice: String? {
        switch kind {
        case .diskFull: return "the disk holding the database is full: free space (or prune old runs), then audit again"
        case .readOnly: return "the file system holding the database is read-only: remount it read-write or give --db elsewhere"
        case .corrupt:
            return "the database file is damaged (truncated or overwritten): restore it from a backup, or start a new one with --db"
        default: return nil
        }
    }

    /// Whether the storage itself failed (full, read-only, damaged), rather than the command line.
    package var isStorageFailure: Bool { [.diskFull, .readOnly, .corrupt].contains(kind) }
}
