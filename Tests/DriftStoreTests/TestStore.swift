@testable import DriftStore
import DriftTestSupport
import Foundation
import Testing

/// The engines the store's suite runs against: every history test runs on each.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgresql

    var testDescription: String { rawValue }
}

/// A fresh, empty history on one backend: an SQLite file in a temporary directory, or a new
/// database in the throwaway PostgreSQL cluster, with a key file beside it either way.
final class TestStore {
    let backend: Backend
    let directory: TemporaryDirectory
    let location: StoreLocation
    let server: PostgreSQLTestServer?
    /// The PostgreSQL database's name.
    let database: String?

    /// `nil` when PostgreSQL is wanted and missing (an issue when tools are required, a skip otherwise).
    init?(_ backend: Backend, sourceLocation: SourceLocation = #_sourceLocation) throws {
        self.backend = backend
        directory = try TemporaryDirectory(prefix: "stackdrift-db")
        switch backend {
        case .sqlite:
            server = nil
            database = nil
            location = .sqlite(path: directory.path + "/audit.db")
        case .postgresql:
            guard let server = PostgreSQLTestServer.shared(sourceLocation: sourceLocation) else { return nil }
            let database = try server.createDatabase()
            self.server = server
            self.database = database
            location = .postgresql(uri: server.url(database))
        }
    }

    /// The key file: beside an SQLite database, given to a PostgreSQL one.
    var keyFile: String { directory.path + (backend == .sqlite ? "/audit.db.key" : "/history.key") }

    /// Opens the history, as a new process would.
    func open(access: StoreAccess = .write) throws -> SnapshotStore {
        try SnapshotStore.open(location, keyFile: backend == .sqlite ? nil : keyFile, access: access, environment: [:])
    }

    /// Runs SQL with the engine's own client (Python's sqlite3, psql), not through the code under test.
    func sql(_ statement: String) throws {
        switch backend {
        case .sqlite:
            guard case .sqlite(let path) = location else { return }
            try sqlite(path, statement)
        case .postgresql:
            try server!.psql(database!, statement)
        }
    }

    /// Rows in a table, counted by the engine's own client.
    func count(_ table: String) throws -> Int {
        switch backend {
        case .sqlite:
            guard case .sqlite(let path) = location else { return -1 }
            let output = try ExternalProgram.run("/usr/bin/env", ["python3", "-c",
                "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])",
                path, "SELECT count(*) FROM \(table)"])
            return Int(String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        case .postgresql:
            return Int(try server!.psql(database!, "SELECT count(*) FROM \(table)").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
    }
}
