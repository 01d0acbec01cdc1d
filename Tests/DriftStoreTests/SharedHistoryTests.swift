import DriftCore
@testable import DriftStore
import DriftTestSupport
import Foundation
import Testing

/// One history, several auditors: runs follow their own inventory's, locks are per inventory,
/// a killed or cut-off auditor leaves nothing half-written, and the two backends keep one schema.
@Suite struct SharedHistoryTests {
    static let regionA = InventoryIdentity(auditor: "auditor-a", inventory: "/etc/stackdrift/fleet.yaml")
    static let regionB = InventoryIdentity(auditor: "auditor-b", inventory: "/etc/stackdrift/fleet.yaml")

    static func host(_ name: String, _ text: String) -> HostResult {
        HostResult(name: name, roles: [.compute], services: [], files: [
            FileResult(path: "/etc/nova/nova.conf", status: .parsed, format: .osloINI, content: Array(text.utf8)),
        ])
    }

    /// A whole run of `inventory`, as an audit writes it.
    @discardableResult
    static func audit(_ store: SnapshotStore, _ inventory: InventoryIdentity, hosts: [HostResult], day: Double) throws -> Int64 {
        let run = sampleRun(hosts: hosts, findings: [], startedAt: Date(timeIntervalSince1970: 1_764_000_000 + day * 86_400))
        let id = try store.beginRun(startedAt: run.startedAt, toolVersion: "test", auditor: inventory.auditor,
                                    inventory: inventory.inventory, architecture: "neutron")
        try store.finishRun(id, run)
        return id
    }

    @Test(arguments: Backend.allCases) func theRunBeforeIsTheSameAuditorsRunOfTheSameInventory(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        let first = try Self.audit(store, Self.regionA, hosts: [Self.host("c1", "a\n")], day: 0)
        // Another auditor with the same inventory path, other hosts, in between.
        _ = try Self.audit(store, Self.regionB, hosts: [Self.host("c9", "z\n")], day: 0.5)
        let second = try Self.audit(store, Self.regionA, hosts: [Self.host("c1", "b\n")], day: 1)
        let changes = try #require(try store.changes(for: second))
        #expect(changes.previousRunID == first)
        #expect(changes.files.map(\.kind) == [.changed])
        #expect(try store.runs(auditor: "auditor-b").count == 1)
        #expect(try store.runs(inventory: "/etc/stackdrift/fleet.yaml").map(\.auditor) == ["auditor-a", "auditor-b", "auditor-a"])
    }

    @Test(arguments: Backend.allCases) func onlyTheNextRunOfTheSameInventoryMarksAKilledRunInterrupted(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        let killedA = try store.beginRun(startedAt: Date(), toolVersion: "test", auditor: Self.regionA.auditor,
                                         inventory: Self.regionA.inventory, architecture: nil)
        let deadB = try store.beginRun(startedAt: Date(), toolVersion: "test", auditor: Self.regionB.auditor,
                                       inventory: Self.regionB.inventory, architecture: nil)
        #expect(try store.markInterruptedRuns(of: Self.regionB) == 1, "B's own earlier run")
        #expect(try store.runs().first { $0.id == killedA }?.status == "running", "A's run is A's to judge")
        #expect(try store.markInterruptedRuns(of: Self.regionA) == 1)
        #expect(try store.runs().map(\.status) == ["interrupted", "interrupted"])
        #expect(try store.runs().first { $0.id == deadB }?.status == "interrupted")
    }

    @Test func oneInventoryIsWrittenByOneAuditAtATimeAndOthersGoOn() throws {
        guard let database = try TestStore(.postgresql) else { return }
        let first = try database.open(), second = try database.open()
        let held = try first.lock(inventory: Self.regionA, wait: 0)
        var waited: [String] = []
        do {
            _ = try second.lock(inventory: Self.regionA, wait: 0.3) { waited.append($0) }
            Issue.record("a second audit of the same inventory got the lock")
        } catch let error as StoreError {
            #expect(error.kind == .busy)
            #expect(error.message.contains("is writing inventory '/etc/stackdrift/fleet.yaml' of auditor 'auditor-a'"), "\(error)")
        }
        #expect(waited.count == 1)
        // Another inventory goes on; prune waits for both.
        let other = try second.lock(inventory: Self.regionB, wait: 0)
        let third = try database.open()
        #expect(throws: StoreError.self) { _ = try third.lockHistory(wait: 0.2) }
        #expect(try third.backend.isLocked(.inventory(Self.regionA)))
        withExtendedLifetime((held, other)) {}
    }

    @Test func aKilledAuditorsLocksGoWithItsSession() throws {
        guard let database = try TestStore(.postgresql) else { return }
        var killed: SnapshotStore? = try database.open()
        var lock: AnyObject? = try killed!.lock(inventory: Self.regionA, wait: 0)
        let run = try killed!.beginRun(startedAt: Date(), toolVersion: "test", auditor: Self.regionA.auditor,
                                       inventory: Self.regionA.inventory, architecture: nil)
        let pid = (killed!.backend as! PostgreSQLBackend).connection.backendPID
        let next = try database.open()
        #expect(try next.check().notes.contains { $0.contains("run \(run) in progress") })
        // The server ends the session, as when the auditor's machine dies.
        try database.server!.psql("postgres", "SELECT pg_terminate_backend(\(pid))")
        // The server needs a moment to end the session and drop its locks.
        let deadline = Date().addingTimeInterval(10)
        while try next.backend.isLocked(.inventory(Self.regionA)), Date() < deadline { usleep(50_000) }
        #expect(try next.check().notes.contains { $0.contains("run \(run) never finished") })
        _ = try next.lock(inventory: Self.regionA, wait: 5)
        #expect(try next.markInterruptedRuns(of: Self.regionA) == 1)
        lock = nil
        killed = nil
        _ = lock
    }

    /// The auditor's connection is cut while it stores a host: that host's transaction is gone
    /// whole, the hosts before it are intact, and the run is interrupted by the next audit.
    @Test func aDroppedConnectionLeavesNoHalfWrittenHost() throws {
        guard let database = try TestStore(.postgresql) else { return }
        let store = try database.open()
        let id = try store.beginRun(startedAt: Date(), toolVersion: "test", auditor: Self.regionA.auditor,
                                    inventory: Self.regionA.inventory, architecture: nil)
        try store.recordHost(run: id, Self.host("c1", "one\n"), findings: [])
        let pid = (store.backend as! PostgreSQLBackend).connection.backendPID
        try database.server!.psql("postgres", "SELECT pg_terminate_backend(\(pid))")
        do {
            try store.recordHost(run: id, Self.host("c2", "two\n"), findings: [])
            Issue.record("a host was stored over a terminated connection")
        } catch let error as StoreError {
            #expect(error.kind == .connection, "\(error)")
        }
        let after = try database.open()
        #expect(try database.count("run_hosts") == 1)
        #expect(try after.content(run: id, host: "c1", path: "/etc/nova/nova.conf") == Array("one\n".utf8))
        #expect(try after.content(run: id, host: "c2", path: "/etc/nova/nova.conf") == nil)
        #expect(try after.markInterruptedRuns(of: Self.regionA) == 1)
        #expect(try after.check(deep: true).problems.isEmpty)
    }

    @Test func aSharedHistoryNeedsTheKeyItsRunsWereTaggedWith() throws {
        guard let database = try TestStore(.postgresql) else { return }
        do {
            _ = try SnapshotStore.open(database.location, keyFile: nil, access: .write, environment: [:])
            Issue.record("a PostgreSQL history was written without a key file")
        } catch let error as StoreError {
            #expect(error.message.contains("give --key-file FILE (or STACKDRIFT_KEY_FILE)"))
        }
        let first = try database.open()
        try Self.audit(first, Self.regionA, hosts: [Self.host("c1", "a\n")], day: 0)
        // The same key from the environment is the same history; a new key file is refused and not left behind.
        let shared = try SnapshotStore.open(database.location, access: .write, environment: ["STACKDRIFT_KEY_FILE": database.keyFile])
        #expect(shared.redactionKey == first.redactionKey)
        let stray = database.directory.path + "/other.key"
        do {
            _ = try SnapshotStore.open(database.location, keyFile: stray, access: .write, environment: [:])
            Issue.record("an auditor with another key was let in")
        } catch let error as StoreError {
            #expect(error.message.contains("there is no key file at '\(stray)'"))
            #expect(error.message.contains("is not the key this history's runs are tagged with (id \(first.redactionKeyID))"))
        }
        #expect(!FileManager.default.fileExists(atPath: stray))
        // Reading needs no key.
        #expect(try SnapshotStore.open(database.location, access: .read, environment: [:]).runs().count == 1)
    }

    @Test func aPasswordInTheURLIsRefusedWithoutRepeatingIt() {
        for url in ["postgresql://audit:hunter2@db.example.net/stackdrift", "postgres://db.example.net/h?password=hunter2&sslmode=require"] {
            do {
                _ = try StoreLocation(url)
                Issue.record("'\(url)' was accepted")
            } catch let error as StoreError {
                #expect(!error.description.contains("hunter2"))
                #expect(error.message.contains("PGPASSWORD or a password file"))
            } catch {
                Issue.record("\(error)")
            }
        }
        #expect((try? StoreLocation("postgresql://audit@db.example.net:5433/stackdrift?sslmode=verify-full"))?.isShared == true)
        #expect((try? StoreLocation("/var/lib/stackdrift/audit.db")) == .sqlite(path: "/var/lib/stackdrift/audit.db"))
    }

    /// Both backends have the same tables with the same columns, read from each engine's catalog.
    @Test func bothBackendsHaveOneSchema() throws {
        guard let sqlite = try TestStore(.sqlite), let postgresql = try TestStore(.postgresql) else { return }
        let sqliteStore = try sqlite.open(), postgresqlStore = try postgresql.open()
        #expect(try sqliteStore.schemaVersion() == postgresqlStore.schemaVersion())
        let sqliteDatabase = (sqliteStore.backend as! SQLiteBackend).database
        var sqliteColumns: [String: Set<String>] = [:]
        for table in try sqliteDatabase.query("SELECT name FROM sqlite_master WHERE type = 'table'", operation: "test") {
            let name = table[0].string!
            sqliteColumns[name] = Set(try sqliteDatabase.query("SELECT name FROM pragma_table_info(?)", [.text(name)], operation: "test")
                .map { $0[0].string! })
        }
        var postgresqlColumns: [String: Set<String>] = [:]
        for line in try postgresql.server!.psql(postgresql.database!, """
            SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'public'
            """).split(separator: "\n") {
            let parts = line.split(separator: ".")
            postgresqlColumns[String(parts[0]), default: []].insert(String(parts[1]))
        }
        postgresqlColumns["schema_version"] = nil  // SQLite keeps the version in PRAGMA user_version
        #expect(sqliteColumns == postgresqlColumns)
        #expect(Set(StoreTable.all.map(\.name)) == Set(sqliteColumns.keys))
        for table in StoreTable.all { #expect(Set(table.columns) == sqliteColumns[table.name], "\(table.name)") }
    }
}
