import DriftCore
import DriftStore
import DriftTestSupport
import Foundation
import Testing

/// A fresh database path in its own temporary directory, removed afterwards.
final class TemporaryDatabase {
    let directory: TemporaryDirectory
    var path: String { directory.path + "/audit.db" }

    init() throws { directory = try TemporaryDirectory(prefix: "stackdrift-db") }
}

private func finding(_ rule: String, host: String, status: FindingStatus) -> Finding {
    Finding(rule: rule, title: "t", host: host, file: "/etc/nova/nova.conf", section: "DEFAULT", key: "my_ip",
            status: status, severity: .high, expected: "10.0.0.31", actual: "10.0.0.32", line: 4, message: "m", guide: nil)
}

private func mode(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

@Suite struct SnapshotStoreTests {
    @Test func createsAPrivateDatabaseAtTheCurrentSchema() throws {
        let temporary = try TemporaryDatabase()
        let store = try SnapshotStore(path: temporary.path)
        #expect(try store.schemaVersion() >= 1)
        #expect(try mode(temporary.path) == 0o600)
        #expect(try mode(temporary.path + ".key") == 0o600)
        #expect(store.redactionKey.count == 32)
    }

    @Test func reopeningKeepsTheKeyAndTheRuns() throws {
        let temporary = try TemporaryDatabase()
        let first = try SnapshotStore(path: temporary.path)
        let id = try first.beginRun(startedAt: Date(), toolVersion: "test", inventory: "inv.yaml", architecture: "neutron")
        let key = first.redactionKey
        let second = try SnapshotStore(path: temporary.path)
        #expect(second.redactionKey == key)
        #expect(try second.runs().map(\.id) == [id])
        #expect(try second.runs().first?.status == "running")
    }

    @Test func storesARunWithFilesAndFindingsAndSharesIdenticalContent() throws {
        let temporary = try TemporaryDatabase()
        let store = try SnapshotStore(path: temporary.path)
        let id = try store.beginRun(startedAt: Date(), toolVersion: "test", inventory: nil, architecture: "neutron")
        let content = Array("[DEFAULT]\nmy_ip = <redacted:abc>\n".utf8)
        try store.finishRun(id, StoredRun(
            finishedAt: Date(), exitCode: 1,
            hosts: [StoredRun.Host(name: "c1"), StoredRun.Host(name: "c2"),
                    StoredRun.Host(name: "c3", errorKind: "refused", error: "connection refused")],
            files: [StoredRun.File(host: "c1", path: "/etc/nova/nova.conf", status: .present, content: content),
                    StoredRun.File(host: "c2", path: "/etc/nova/nova.conf", status: .present, content: content),
                    StoredRun.File(host: "c2", path: "/etc/hosts", status: .missing)],
            findings: [finding("a", host: "c1", status: .pass), finding("a", host: "c2", status: .fail)]))
        let run = try #require(try store.runs().first)
        #expect(run.status == "finished")
        #expect(run.exitCode == 1)
        #expect(try store.content(run: id, host: "c2", path: "/etc/nova/nova.conf") == content)
        #expect(try store.content(run: id, host: "c2", path: "/etc/hosts") == nil)
        #expect(try store.contentCount() == 1, "identical content is stored once")
    }

    @Test func refusesADatabaseFromANewerStackdrift() throws {
        let temporary = try TemporaryDatabase()
        _ = try SnapshotStore(path: temporary.path)
        try sqlite(temporary.path, "PRAGMA user_version = 999")
        do {
            _ = try SnapshotStore(path: temporary.path)
            Issue.record("expected schemaTooNew")
        } catch let error as StoreError {
            #expect(error.kind == .schemaTooNew)
        }
    }

    @Test func refusesAFileThatIsNotADatabase() throws {
        let temporary = try TemporaryDatabase()
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: temporary.path))
        do {
            _ = try SnapshotStore(path: temporary.path)
            Issue.record("expected an error")
        } catch let error as StoreError {
            #expect(error.kind == .corrupt)
        }
    }

    @Test func defaultPathFollowsXDG() {
        #expect(SnapshotStore.defaultPath(environment: ["XDG_DATA_HOME": "/data", "HOME": "/home/a"])
                == "/data/stackdrift/stackdrift.db")
        #expect(SnapshotStore.defaultPath(environment: ["HOME": "/home/a"]) == "/home/a/.local/share/stackdrift/stackdrift.db")
        #expect(SnapshotStore.defaultPath(environment: ["XDG_DATA_HOME": "relative", "HOME": "/home/a"])
                == "/home/a/.local/share/stackdrift/stackdrift.db")
    }
}

/// Runs SQL with the sqlite3 shell so the test does not go through the code under test.
func sqlite(_ path: String, _ sql: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", path, sql]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
}
