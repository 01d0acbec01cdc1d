import DriftCore
@testable import DriftStore
import DriftTestSupport
import Foundation
import Testing

/// A fresh database path in its own temporary directory, removed afterwards.
final class TemporaryDatabase {
    let directory: TemporaryDirectory
    var path: String { directory.path + "/audit.db" }

    init() throws { directory = try TemporaryDirectory(prefix: "stackdrift-db") }
}

func finding(_ rule: String, host: String, status: FindingStatus, key: String = "my_ip") -> Finding {
    var finding = Finding(rule: rule, title: "t", host: host, file: "/etc/nova/nova.conf", section: "DEFAULT", key: key,
                          status: status, severity: .high, expected: "10.0.0.31", actual: "10.0.0.32", line: 4, message: "m",
                          guide: GuideReference(chapter: 7, section: "Configure a compute node", step: "3"), fix: "set it",
                          secret: false)
    if status == .waived {
        finding.waiver = WaiverNote(reason: "CHG-1", expires: "2099-01-01", expired: false,
                                    definedAt: SourceLocation(file: "w.yaml", line: 2, column: 5))
    }
    return finding
}

/// A finished run as the auditor hands it over.
func sampleRun(hosts: [HostResult], findings: [Finding], startedAt: Date = Date(timeIntervalSince1970: 1_764_000_000)) -> AuditRun {
    AuditRun(id: nil, startedAt: startedAt, finishedAt: startedAt.addingTimeInterval(2), toolVersion: "test",
             inventory: "inv.yaml", architecture: .neutron, hosts: hosts, findings: findings.sorted(by: Finding.reportOrder),
             exitCode: findings.contains { $0.status == .fail } ? 1 : 0)
}

extension SnapshotStore {
    /// Begins and finishes a run, as an audit does.
    @discardableResult
    func record(_ run: AuditRun) throws -> Int64 {
        let id = try beginRun(startedAt: run.startedAt, toolVersion: run.toolVersion, inventory: run.inventory,
                              architecture: run.architecture.rawValue)
        try finishRun(id, run)
        return id
    }
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

    @Test(arguments: Backend.allCases) func reopeningKeepsTheKeyAndTheRuns(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let first = try database.open()
        let id = try first.beginRun(startedAt: Date(), toolVersion: "test", inventory: "inv.yaml", architecture: "neutron")
        let key = first.redactionKey
        let second = try database.open()
        #expect(second.redactionKey == key)
        #expect(try second.runs().map(\.id) == [id])
        #expect(try second.runs().first?.status == "running")
    }

    @Test(arguments: Backend.allCases) func storesARunWithFilesAndFindingsAndSharesIdenticalContent(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        let content = Array("[DEFAULT]\nmy_ip = <redacted:abc>\n".utf8)
        let run = sampleRun(hosts: [
            HostResult(name: "c1", roles: [.compute], services: [.telemetry], files: [
                FileResult(path: "/etc/nova/nova.conf", status: .parsed, format: .osloINI, content: content)]),
            HostResult(name: "c2", roles: [.compute], services: [], files: [
                FileResult(path: "/etc/nova/nova.conf", status: .parsed, format: .osloINI, content: content),
                FileResult(path: "/etc/hosts", status: .missing, format: .hosts)]),
            HostResult(name: "c3", roles: [.compute], services: [], error: "connection refused", errorKind: "refused", files: [],
                       legacyAlgorithms: ["host key ssh-rsa"]),
            // Cut off part-way: a file never asked for keeps its status.
            HostResult(name: "c4", roles: [.compute], services: [], error: "connection dropped", errorKind: "dropped", files: [
                FileResult(path: "/etc/hosts", status: .notCollected, format: .hosts)]),
        ], findings: [finding("a", host: "c1", status: .pass), finding("a", host: "c2", status: .fail)])
        let id = try store.record(run)
        let summary = try #require(try store.runs().first)
        #expect(summary.status == "finished" && summary.exitCode == 1)
        #expect(summary.hosts == 4 && summary.hostsFailed == 2 && summary.passed == 1 && summary.failed == 1)
        #expect(try store.content(run: id, host: "c2", path: "/etc/nova/nova.conf") == content)
        #expect(try store.content(run: id, host: "c2", path: "/etc/hosts") == nil)
        #expect(try store.contentCount() == 1, "identical content is stored once")

        // The stored run renders again as it was: hosts (with their legacy algorithms and not-collected
        // files), files with contents, findings.
        let loaded = try store.loadRun(id)
        // Hosts by name and files by path, as stored.
        #expect(loaded.hosts == run.hosts.sorted { $0.name < $1.name }.map { host in
            var sorted = host
            sorted.files.sort { $0.path < $1.path }
            return sorted
        })
        #expect(loaded.findings == run.findings)
        #expect(loaded.exitCode == 1 && loaded.toolVersion == "test" && loaded.architecture == .neutron)
        #expect(loaded.changes == nil, "the first run has nothing to compare with")
    }

    @Test(arguments: Backend.allCases) func refusesADatabaseFromANewerStackdrift(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        _ = try database.open()
        try database.sql(backend == .sqlite ? "PRAGMA user_version = 999" : "INSERT INTO schema_version (version) VALUES (999)")
        do {
            _ = try database.open()
            Issue.record("expected schemaTooNew")
        } catch let error as StoreError {
            #expect(error.kind == .schemaTooNew)
            #expect(error.message.hasPrefix("database schema 999 is newer than this stackdrift understands (\(Schema.currentVersion))"))
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
