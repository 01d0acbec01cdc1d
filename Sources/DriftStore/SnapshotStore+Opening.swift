import DriftCore
import Foundation

/// What a command does with a history it opens.
package enum StoreAccess: Sendable {
    /// Writes runs (audit): the redaction key is needed, and must be the history's.
    case write
    /// Reads, checks or prunes: a PostgreSQL history opens without a key (its runs' tags are read, not made).
    case read
}

extension SnapshotStore {
    /// Opens (creating if needed) the history at `location`, with the redaction key from
    /// `keyFile` (see `RedactionKeySource`). Writing a shared history with a key other than the
    /// one its newest run was tagged with is refused: that auditor's tags would compare with
    /// nobody else's. `busyTimeout` is SQLite's wait for another writer.
    package static func open(_ location: StoreLocation, keyFile: String? = nil, access: StoreAccess,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            busyTimeout: Double = 30) throws -> SnapshotStore {
        let source = RedactionKeySource.resolve(for: location, keyFile: keyFile, environment: environment)
        let backend: any StoreBackend
        switch location {
        case .sqlite(let path):
            backend = try SQLiteBackend(path: path, busyTimeout: busyTimeout)
        case .postgresql(let uri):
            backend = try PostgreSQLBackend(uri: uri, location: location.description)
        }
        guard let source else {
            guard access == .read else {
                throw StoreError(.open, path: location.description, operation: "finding the redaction key",
                                 "a PostgreSQL history needs the redaction key its auditors share: give --key-file FILE "
                                 + "(or STACKDRIFT_KEY_FILE); the first audit creates it, then copy it (mode 0600) to every "
                                 + "other auditor of this history")
            }
            return SnapshotStore(backend: backend, redactionKey: [])
        }
        let key: [UInt8], created: Bool
        if location.isShared {
            // A shared history is given its key: a missing file is made, then checked against the
            // runs' key below (and removed again when it is not theirs).
            if let existing = try source.existingKey() { (key, created) = (existing, false) } else { (key, created) = (try source.create(), true) }
        } else {
            (key, created) = try source.custodyKey(backend: backend, database: location.description, forAuditing: access == .write)
        }
        let store = SnapshotStore(backend: backend, redactionKey: key)
        if created { store.createdKeyFile = source.path }
        if location.isShared, access == .write, let newest = try backend.runRows(limit: 1, auditor: nil, inventory: nil).first,
           newest.redactionKeyID != store.redactionKeyID {
            if created { unlink(source.path) }
            throw StoreError(.open, path: location.description, operation: "checking the redaction key",
                             (created ? "there is no key file at '\(source.path)'" : "the key in '\(source.path)' (id \(store.redactionKeyID))")
                             + " is not the key this history's runs are tagged with (id \(newest.redactionKeyID ?? "?")): copy the "
                             + "key file of an auditor that writes this history, so that one secret gets one tag")
        }
        return store
    }
}
