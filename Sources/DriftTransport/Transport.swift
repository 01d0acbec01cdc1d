import DriftCore

/// A way of reading files from hosts: local directory trees, SSH through
/// libssh2, or the system ssh client.
///
/// Calls are synchronous and may block (libssh2 is a blocking C library); the
/// `Collector` runs them on its own threads so Swift's cooperative pool is never starved.
package protocol Transport: Sendable {
    /// Opens one session to the host, reused for all its files.
    func connect(to host: InventoryHost) throws(TransportError) -> any TransportSession
}

/// An open connection to one host. Used from one thread at a time.
package protocol TransportSession: AnyObject {
    /// Reads a whole file; a missing file is `.missing`, not an error.
    func read(_ path: String, limit: Int) -> FileRead
    /// Lists a directory's entry names (for MySQL's `!includedir`).
    func list(_ directory: String) -> DirectoryListing
    /// The path `path` names once every symbolic link in it is followed (`realpath(3)`), found
    /// without reading the file: an include is read only when this stays inside its confinement.
    func resolve(_ path: String) -> PathResolution
    /// Releases the connection; reads after closing fail.
    func close()
}

/// The result of reading one file.
package enum FileRead: Sendable, Hashable {
    case content([UInt8])
    case missing
    case failed(TransportError)
}

/// The result of listing a directory.
package enum DirectoryListing: Sendable, Hashable {
    case entries([String])
    case missing
    case failed(TransportError)
}

/// Where a path leads once its symbolic links are followed.
package enum PathResolution: Sendable, Hashable {
    case resolved(String)
    case missing
    case failed(TransportError)
}
