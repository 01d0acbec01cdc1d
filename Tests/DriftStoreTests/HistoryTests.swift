@testable import DriftStore
import DriftCore
import DriftTestSupport
import Foundation
import Testing

private func host(_ name: String, _ files: [String: String?]) -> HostResult {
    HostResult(name: name, roles: [.compute], services: [], files: files.keys.sorted().map { path in
        if let text = files[path]! {
            return FileResult(path: path, status: .parsed, format: .osloINI, content: Array(text.utf8))
        }
        return FileResult(path: path, status: .missing, format: .osloINI)
    })
}

private let novaV1 = (1...20).map { "line \($0)" }.joined(separator: "\n") + "\nmy_ip = 10.0.0.31\n"
private let novaV2 = (1...20).map { "line \($0)" }.joined(separator: "\n") + "\nmy_ip = 10.0.0.32\n"

@Suite struct HistoryTests {
    @Test(arguments: Backend.allCases) func aChangedLineIsADiffAndFindingsAreNewFixedOrStillFailing(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        let first = try store.record(sampleRun(
            hosts: [host("c1", ["/etc/nova/nova.conf": novaV1, "/etc/hosts": "127.0.0.1 localhost\n", "/etc/gone": "x\n"])],
            findings: [finding("a", host: "c1", status: .fail), finding("b", host: "c1", status: .fail, key: "k"),
                       finding("c", host: "c1", status: .pass, key: "other")]))
        let second = try store.record(sampleRun(
            hosts: [host("c1", ["/etc/nova/nova.conf": novaV2, "/etc/hosts": "127.0.0.1 localhost\n", "/etc/gone": nil,
                                "/etc/new.conf": "[DEFAULT]\n"])],
            findings: [finding("a", host: "c1", status: .fail), finding("b", host: "c1", status: .pass, key: "k"),
                       finding("c", host: "c1", status: .fail, key: "other")],
            startedAt: Date(timeIntervalSince1970: 1_764_086_400)))

        let changes = try #require(try store.changes(for: second))
        #expect(changes.previousRunID == first)
        #expect(changes.files.map { "\($0.kind.rawValue) \($0.path)" } == [
            "vanished /etc/gone", "new /etc/new.conf", "changed /etc/nova/nova.conf",
        ])
        #expect(changes.unchangedFiles == 1)
        let diff = try #require(changes.files.first { $0.kind == .changed })
        #expect(diff.hunks.map(\.header) == ["@@ -18,4 +18,4 @@"])
        #expect(diff.hunks[0].lines.filter { $0.kind != .context }.map { "\($0.kind.marker)\($0.text)" }
                == ["-my_ip = 10.0.0.31", "+my_ip = 10.0.0.32"])
        #expect(changes.findings.map { "\($0.kind.rawValue) \($0.finding.rule)" }.sorted()
                == ["fixed b", "new c", "still-failing a"])

        // The same through diff(): between any two runs, one file or all.
        #expect(try store.diff(host: "c1", path: "/etc/nova/nova.conf", from: first, to: second).map(\.hunks) == [diff.hunks])
        #expect(try store.diff(host: "c1", path: "/etc/hosts", from: first, to: second).isEmpty)
        // And the history of the file: one version per change.
        let versions = try store.history(host: "c1", path: "/etc/nova/nova.conf")
        #expect(versions.map(\.runID) == [first, second])
        #expect(versions.map { $0.content.map { String(decoding: $0, as: UTF8.self) } } == [novaV1, novaV2])
        #expect(try store.history(host: "c1", path: "/etc/gone").map(\.status) == ["parsed", "missing"])
        #expect(try store.loadRun(second).changes == changes)
    }

    @Test(arguments: Backend.allCases) func upgradeChecksAreNotFixedByARunThatDidNotMakeThem(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        var upgrade = finding("juno.x", host: "c1", status: .fail, key: "glance_host")
        upgrade.category = .upgrade
        let files = host("c1", ["/etc/nova/nova.conf": novaV1])
        try store.record(sampleRun(hosts: [files], findings: [finding("a", host: "c1", status: .fail), upgrade]))
        let second = try store.record(sampleRun(hosts: [files], findings: [finding("a", host: "c1", status: .pass)]))
        #expect(try store.changes(for: second)?.findings.map { "\($0.kind.rawValue) \($0.finding.rule)" } == ["fixed a"])
    }

    @Test(arguments: Backend.allCases) func anUnchangedHostCostsOneRowOfReferences(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        let run = sampleRun(hosts: [host("c1", ["/etc/nova/nova.conf": novaV1]), host("c2", ["/etc/nova/nova.conf": novaV2])],
                            findings: [finding("a", host: "c1", status: .fail), finding("a", host: "c2", status: .pass)])
        try store.record(run)
        let blobs = try database.count("blobs")
        for _ in 0..<5 { try store.record(run) }
        #expect(try database.count("blobs") == blobs, "nothing new is stored for an unchanged night")
        #expect(try database.count("run_hosts") == 12)
        let changes = try #require(try store.changes(for: 6))
        #expect(changes.files.isEmpty && changes.unchangedFiles == 2)
        #expect(changes.findings.map(\.kind) == [.stillFailing])
    }

    @Test(arguments: Backend.allCases) func pruneKeepsTheLatestCopyOfEveryFile(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        let day = 86_400.0, start = Date(timeIntervalSince1970: 1_700_000_000)
        // Day 0: c1 and c2; days 1-9: c1 only, its nova.conf changing on day 5; c2 was retired.
        try store.record(sampleRun(hosts: [host("c1", ["/etc/nova/nova.conf": novaV1]), host("c2", ["/etc/hosts": "old\n"])],
                                   findings: [], startedAt: start))
        for index in 1...9 {
            try store.record(sampleRun(hosts: [host("c1", ["/etc/nova/nova.conf": index < 5 ? novaV1 : novaV2])], findings: [],
                                       startedAt: start.addingTimeInterval(Double(index) * day)))
        }
        let now = start.addingTimeInterval(10 * day)
        let dry = try store.prune(keepDays: 3, now: now, dryRun: true)
        #expect(dry.removedRuns == [2, 3, 4, 5, 6, 7])
        #expect(dry.keptForContent == [1], "run 1 holds the last copy of c2's /etc/hosts")
        #expect(try store.runs().count == 10, "a dry run changes nothing")

        let report = try store.prune(keepDays: 3, now: now)
        #expect(report.removedRuns == dry.removedRuns)
        #expect(try store.runs().map(\.id) == [10, 9, 8, 1])
        #expect(try store.content(run: 1, host: "c2", path: "/etc/hosts") == Array("old\n".utf8))
        #expect(try store.history(host: "c1", path: "/etc/nova/nova.conf").map(\.runID) == [1, 8])
        // Contents only the pruned runs held are gone; none that a kept run needs.
        #expect(try store.contentCount() == 3)
        #expect(try store.check(deep: true).problems.isEmpty)
    }

    @Test(arguments: Backend.allCases) func checkFindsTamperedBlobsAndNotesKilledRuns(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        try store.record(sampleRun(hosts: [host("c1", ["/etc/nova/nova.conf": novaV1])], findings: []))
        _ = try store.beginRun(startedAt: Date(), toolVersion: "test", inventory: nil, architecture: "neutron")
        let clean = try store.check(deep: true)
        #expect(clean.problems.isEmpty)
        #expect(clean.notes.first?.contains("run 2 never finished") == true)

        // A blob whose bytes no longer match its hash, and one that no longer inflates.
        try database.sql("UPDATE blobs SET hash = '00' || substr(hash, 3) WHERE kind = 'findings'")
        let zero = backend == .sqlite ? "X'00'" : "'\\x00'::bytea"
        try database.sql("UPDATE blobs SET data = \(zero) || data WHERE kind = 'content' AND encoding = 'deflate'")
        let damaged = try database.open().check(deep: true)
        #expect(damaged.problems.count == 2, "\(damaged.problems)")
        #expect(damaged.problems.contains { $0.contains("(findings) does not match its hash") })
        #expect(damaged.problems.contains { $0.contains("does not inflate") })
        #expect(try database.open().markInterruptedRuns(of: InventoryIdentity(auditor: nil, inventory: nil)) == 1)
    }

    @Test func aSchemaOneDatabaseIsMigratedWithItsRuns() throws {
        let temporary = try TemporaryDatabase()
        guard case .sql(let schemaOne) = Schema.migrations[0] else { Issue.record("migration 1 is SQL"); return }
        try sqlite(temporary.path, schemaOne + """
            ;
            INSERT INTO runs VALUES (1, '2026-01-01T02:00:00Z', '2026-01-01T02:00:05Z', '0.1.0', 'inv.yaml', 'neutron',
                                     'finished', 1, 'abc');
            INSERT INTO contents VALUES ('\(Digest.hex(Digest.sha256(Array(novaV1.utf8))))', \(novaV1.utf8.count), CAST('\(novaV1)' AS BLOB));
            INSERT INTO run_hosts VALUES (1, 'c1', 'collected', NULL, NULL), (1, 'c2', 'failed', 'refused', 'connection refused');
            INSERT INTO run_files VALUES (1, 'c1', '/etc/nova/nova.conf', 'present', '\(Digest.hex(Digest.sha256(Array(novaV1.utf8))))', NULL),
                                         (1, 'c1', '/etc/hosts', 'missing', NULL, NULL);
            INSERT INTO findings VALUES (1, 'nova.default.my_ip', 'c1', '/etc/nova/nova.conf', 'DEFAULT', 'my_ip', 'fail', 'high',
                                         '10.0.0.32', '10.0.0.31', 21, 'expected ''10.0.0.32''');
            PRAGMA user_version = 1;
            """)
        // Its runs were tagged with a key this test never had: read, not audited into (issue 20).
        let store = try SnapshotStore(path: temporary.path, forAuditing: false)
        #expect(try store.schemaVersion() == Schema.currentVersion)
        let run = try store.loadRun(1)
        #expect(run.hosts.map(\.name) == ["c1", "c2"])
        #expect(run.hosts[1].errorKind == "refused")
        #expect(run.hosts[0].files.map(\.path) == ["/etc/hosts", "/etc/nova/nova.conf"])
        #expect(run.hosts[0].files[1].content == Array(novaV1.utf8))
        #expect(run.findings.map { "\($0.rule) \($0.status.rawValue) \($0.line ?? 0)" } == ["nova.default.my_ip fail 21"])
        #expect(try store.runs().first?.failed == 1)
        // The fixture's run was tagged under a key this database's key file is not: check says so, and nothing else.
        let problems = try store.check(deep: true).problems
        #expect(problems.count == 1 && problems[0].contains("runs tagged with redaction key abc"), "\(problems)")
    }
}
