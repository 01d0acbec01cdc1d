/// A failure of the snapshot store, with SQLite's own message.
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
        /// The requested run does not exist.
        case notFound = "not-found"
        /// The redaction key is gone while runs tagged with it remain (`RedactionKeySource`).
        case keyMissing = "key-missing"
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
