/// A failure of the snapshot store, with the engine's own message (SQLite's, or the PostgreSQL server's).
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
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
    }

    public var kind: Kind
    /// What the store was doing, e.g. "inserting findings".
    public var operation: String
    public var message: String
    public var path: String

    public init(_ kind: Kind, path: String, operation: String, _ message: String) {
        self.kind = kind
        self.path = path
        self.operation = operation
        self.message = message
    }

    public var description: String { "\(path): \(operation): \(message)" }
}
