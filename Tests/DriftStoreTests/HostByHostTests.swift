import DriftCore
@testable import DriftStore
import DriftTestSupport
import Foundation
import Testing

/// Runs written the way the audit pipeline writes them: each host as soon as it is evaluated,
/// the checks comparing hosts when the run finishes.
@Suite struct HostByHostTests {
    static let nova = "/etc/nova/nova.conf"

    static func host(_ name: String, content: String) -> HostResult {
        HostResult(name: name, roles: [.compute], services: [], files: [
            FileResult(path: nova, status: .parsed, format: .osloINI, content: Array(content.utf8)),
        ])
    }

    /// Begins a run, records each host with its own findings, then finishes it with the fleet's.
    static func audit(_ store: SnapshotStore, hosts: [HostResult], own: [Finding], fleet: [Finding], day: Double) throws -> Int64 {
        let started = Date(timeIntervalSince1970: 1_764_000_000 + day * 86_400)
        let id = try store.beginRun(startedAt: started, toolVersion: "test", inventory: "inv.yaml", architecture: "neutron")
        for host in hosts { try store.recordHost(run: id, host, findings: own.filter { $0.host == host.name }) }
        var builder = RunOverview.Builder()
        for host in hosts { builder.add(host: host) }
        builder.add(own)
        let fleetByHost = Dictionary(grouping: fleet, by: \.host)
        try store.finishRun(id, finishedAt: started, upgrade: nil,
                            fleetFindings: hosts.lazy.map { host in
                                let findings = fleetByHost[host.name] ?? []
                                builder.add(findings)
                                return SnapshotStore.PreparedFleetFindings(host: host.name, findings: findings)
                            },
                            summary: { let overview = builder.build(); return (overview, 1) })
        return id
    }

    /// A large content many hosts hold is prepared (hashed, deflated) once per run and stored
    /// once; small ones and other contents are each their own; every host reads its own back.
    @Test func aLargeSharedContentIsPreparedOnceAndReadsBackOnEveryHost() throws {
        let temporary = try TemporaryDatabase()
        let store = try SnapshotStore(path: temporary.path)
        let large = "[DEFAULT]\n" + (0..<2_000).map { "# a long comment line number \($0)\n" }.joined()
        #expect(large.utf8.count >= PreparedContents.minimumSize)
        let prepared = PreparedContents()
        let blobs = (0..<3).map { _ in prepared.blob(for: Array(large.utf8)) }
        #expect(Set(blobs.map(\.hash)).count == 1)
        #expect(blobs.allSatisfy { $0.data == blobs[0].data }, "the same deflated bytes, made once")
        #expect(prepared.blob(for: Array((large + "x\n").utf8)).hash != blobs[0].hash)

        let id = try store.beginRun(startedAt: Date(), toolVersion: "test", inventory: nil, architecture: "neutron")
        let names = ["c1", "c2", "c3"]
        for name in names {
            let host = Self.host(name, content: name == "c3" ? "[DEFAULT]\nmy_ip = c3\n" : large)
            try store.record(run: id, PreparedHost(host, findings: [], contents: prepared))
        }
        try store.finishRun(id, finishedAt: Date(), upgrade: nil, fleetFindings: [SnapshotStore.PreparedFleetFindings](),
                            summary: { (RunOverview.Builder().build(), 0) })
        #expect(try store.contentCount() == 2)
        #expect(try store.content(run: id, host: "c1", path: Self.nova) == Array(large.utf8))
        #expect(try store.content(run: id, host: "c2", path: Self.nova) == Array(large.utf8))
        #expect(try store.content(run: id, host: "c3", path: Self.nova) == Array("[DEFAULT]\nmy_ip = c3\n".utf8))
    }

    /// A report reads hosts a batch ahead and decodes them on every core: the hosts before a
    /// damaged finding set still come, in order, and then the damage is an error naming the set.
    @Test(arguments: Backend.allCases) func aDamagedFindingSetStopsTheReadingAtItsHost(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        let names = (0..<150).map { String(format: "c%03d", $0) }
        let hosts = names.map { Self.host($0, content: "[DEFAULT]\nmy_ip = \($0)\n") }
        let own = names.map { name in
            Finding(rule: "nova.my_ip", title: "my_ip", host: name, file: Self.nova, section: "DEFAULT", key: "my_ip", status: .pass,
                    severity: .high, expected: name, actual: name, line: 2, message: "'my_ip' is '\(name)'", guide: nil)
        }
        let id = try Self.audit(store, hosts: hosts, own: own, fleet: [], day: 0)
        var read: [String] = []
        try store.reader(run: id).forEachHost(only: nil, parts: .findings) { result, findings in
            #expect(findings.map(\.host) == [result.name])
            read.append(result.name)
        }
        #expect(read == names)
        try Self.expectReadingStops(at: 100, of: names, damaging: "findings_id", parts: .findings, run: id, in: database)
    }

    /// Hosts' files read without their findings (the JSON report's `hosts` section) come back in
    /// order across batches, each host with its own manifest; a damaged manifest stops the
    /// reading at its host, after every host before it.
    @Test(arguments: Backend.allCases) func manifestsReadAheadComeInOrderAndADamagedOneStopsAtItsHost(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        let names = (0..<150).map { String(format: "c%03d", $0) }
        let id = try Self.audit(store, hosts: names.map { Self.host($0, content: "[DEFAULT]\nmy_ip = \($0)\n") },
                                own: [], fleet: [], day: 0)
        var read: [String] = []
        try store.reader(run: id).forEachHost(only: nil, parts: .files) { result, findings in
            #expect(result.files.map(\.path) == [Self.nova])
            #expect(result.files.allSatisfy { $0.content == nil })
            #expect(findings.isEmpty)
            read.append(result.name)
        }
        #expect(read == names)
        try Self.expectReadingStops(at: 100, of: names, damaging: "manifest_id", parts: .files, run: id, in: database)
    }

    /// An audit commits hosts in groups (`hostsPerCommit`): another connection sees a group's
    /// hosts once it is full, and the last, partial group when the run is finished.
    @Test(arguments: Backend.allCases) func hostsAreCommittedInGroupsAndTheLastOneWithTheFinish(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        store.hostsPerCommit = 2
        let id = try Self.begin(store)
        var committed: [Int] = []
        for name in ["c1", "c2", "c3"] {
            try store.recordHost(run: id, Self.host(name, content: "[DEFAULT]\nmy_ip = \(name)\n"), findings: [])
            committed.append(try database.count("run_hosts"))
        }
        #expect(committed == [0, 2, 2])
        try Self.finish(store, run: id)
        #expect(try database.count("run_hosts") == 3)
        var read: [String] = []
        try store.reader(run: id).forEachHost(only: nil, parts: .files) { result, _ in read.append(result.name) }
        #expect(read == ["c1", "c2", "c3"])
    }

    static func begin(_ store: SnapshotStore) throws -> Int64 {
        try store.beginRun(startedAt: Date(timeIntervalSince1970: 1_764_000_000), toolVersion: "test",
                           inventory: "inv.yaml", architecture: "neutron")
    }

    /// Finishes a run without fleet findings.
    static func finish(_ store: SnapshotStore, run id: Int64) throws {
        try store.finishRun(id, finishedAt: Date(timeIntervalSince1970: 1_764_000_000), upgrade: nil,
                            fleetFindings: [SnapshotStore.PreparedFleetFindings](),
                            summary: { (RunOverview.Builder().build(), 0) })
    }

    /// A group that cannot be committed is not stored, so the run cannot be finished whole:
    /// the error comes back from every later write and from the finish, and no host of the
    /// group is left half-written.
    @Test(arguments: Backend.allCases) func aGroupThatFailsToCommitFailsTheRestOfTheRun(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        store.hostsPerCommit = 3
        let id = try Self.begin(store)
        // The engine itself refuses one host's row, as a full disk or a lost server would refuse a write.
        switch backend {
        case .sqlite:
            try database.sql("""
                CREATE TRIGGER refuse BEFORE INSERT ON run_hosts
                WHEN (SELECT name FROM hosts WHERE id = NEW.host_id) = 'c2' BEGIN SELECT RAISE(ABORT, 'refused'); END
                """)
        case .postgresql:
            try database.sql("""
                CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                IF (SELECT name FROM hosts WHERE id = NEW.host_id) = 'c2' THEN RAISE EXCEPTION 'refused'; END IF;
                RETURN NEW; END $$;
                CREATE TRIGGER refuse BEFORE INSERT ON run_hosts FOR EACH ROW EXECUTE FUNCTION refuse();
                """)
        }
        try store.recordHost(run: id, Self.host("c1", content: "[DEFAULT]\n"), findings: [])
        try store.recordHost(run: id, Self.host("c2", content: "[DEFAULT]\n"), findings: [])
        #expect(throws: StoreError.self) {
            try store.recordHost(run: id, Self.host("c3", content: "[DEFAULT]\n"), findings: [])
        }
        #expect(throws: StoreError.self) {
            try store.recordHost(run: id, Self.host("c4", content: "[DEFAULT]\n"), findings: [])
        }
        #expect(throws: StoreError.self) {
            try Self.finish(store, run: id)
        }
        #expect(try database.count("run_hosts") == 0)
        #expect(try database.count("runs WHERE status = 'running'") == 1)
    }

    /// Damages one host's blob (`column` of `run_hosts`: a zero byte put before its data), then
    /// reads the run's `parts` again: every host before it comes, in order, then a `StoreError`.
    static func expectReadingStops(at position: Int, of names: [String], damaging column: String, parts: HostParts,
                                   run id: Int64, in database: TestStore) throws {
        let zero = database.backend == .sqlite ? "X'00'" : "'\\x00'::bytea"
        try database.sql("""
            UPDATE blobs SET data = \(zero) || data WHERE id = (SELECT \(column) FROM run_hosts
            WHERE host_id = (SELECT id FROM hosts WHERE name = '\(names[position])'))
            """)
        var read: [String] = []
        #expect(throws: StoreError.self) {
            try database.open().reader(run: id).forEachHost(only: nil, parts: parts) { result, _ in read.append(result.name) }
        }
        #expect(read == Array(names.prefix(position)))
    }

    /// The overview is stored in the compact layout and reads back whole; an overview stored
    /// as JSON (before it) still reads; a damaged one is refused.
    @Test func theStoredOverviewReadsBackAsItWasAndJSONOnesStillRead() {
        var builder = RunOverview.Builder()
        builder.add(host: Self.host("c1", content: "[DEFAULT]\n"))
        builder.add(host: HostResult(name: "c2", roles: [.compute], services: [], files: [
            FileResult(path: Self.nova, status: .unparseable, format: .osloINI, reason: "line 3: expected a key", line: 3)]))
        builder.add(host: HostResult(name: "c3/slash", roles: [.controller], services: [], error: "refused", errorKind: "connect", files: []))
        var waived = finding("nova.my_ip", host: "c1", status: .waived)
        waived.message = "accepted \"until\" 2027/01"
        builder.add([finding("nova.my_ip", host: "c1", status: .fail), finding("my_ip.unique", host: "c1", status: .pass), waived])
        let overview = builder.build()
        #expect(!overview.problems.isEmpty && !overview.waived.isEmpty && overview.hosts.count == 3)
        let bytes = overview.storedBytes
        #expect(RunOverview.stored(bytes) == overview)
        #expect(RunOverview.stored(bytes)?.storedBytes == bytes, "the same overview, the same bytes")
        #expect(RunOverview.stored(CanonicalJSON.encode(overview)) == overview)
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 89)) {
            #expect(RunOverview.stored(Array(bytes.prefix(length))) == nil, "cut at \(length)")
        }
        #expect(RunOverview.stored(bytes + [0]) == nil)
    }

    /// A host's manifest is stored compact and reads back whole; one stored as JSON still reads.
    @Test func aStoredManifestReadsBackAsItWasAndJSONOnesStillRead() {
        let manifest = HostManifest(
            roles: ["compute"], services: ["telemetry"], errorKind: "dropped", error: "connection dropped while reading 'é'",
            files: [HostManifest.File(path: Self.nova, status: "parsed", format: "oslo-ini", reason: nil, line: nil, content: "ab12"),
                    HostManifest.File(path: "/etc/hosts", status: "unparseable", format: "hosts", reason: "bad", line: 3, content: nil)],
            legacyAlgorithms: ["ssh-rsa"])
        let bytes = manifest.storedBytes
        #expect(HostManifest.stored(bytes) == manifest)
        #expect(HostManifest.stored(CanonicalJSON.encode(manifest)) == manifest)
        var plain = manifest
        plain.legacyAlgorithms = nil
        #expect(HostManifest.stored(plain.storedBytes) == plain, "no legacy algorithms stays nil")
        for length in 0..<bytes.count { #expect(HostManifest.stored(Array(bytes.prefix(length))) == nil) }
        #expect(HostManifest.stored(bytes + [1]) == nil)
    }

    /// A reused host adds its stored part of the overview instead of its findings: the
    /// overview must be the one adding each host and its findings gives, whatever the order.
    @Test func hostPartsAddUpToTheOverviewOfTheirHostsAndFindings() {
        let hosts = [Self.host("c1", content: "[DEFAULT]\n"), Self.host("c2", content: "[DEFAULT]\n"),
                     HostResult(name: "c3", roles: [.controller], services: [], files: [
                        FileResult(path: Self.nova, status: .unparseable, format: .osloINI, reason: "expected a key", line: 3)])]
        let own = [finding("nova.my_ip", host: "c1", status: .fail), finding("nova.other", host: "c1", status: .pass),
                   finding("nova.my_ip", host: "c2", status: .waived), finding("nova.my_ip", host: "c3", status: .error)]
        let fleet = [finding("my_ip.unique", host: "c2", status: .fail)]
        var direct = RunOverview.Builder()
        for host in hosts {
            direct.add(host: host)
            direct.add(own.filter { $0.host == host.name })
        }
        direct.add(fleet)
        var byParts = RunOverview.Builder()
        for host in hosts.reversed() {
            byParts.add(RunOverview.Builder.part(of: host, findings: own.filter { $0.host == host.name }))
        }
        byParts.add(fleet)
        #expect(byParts.build() == direct.build())
        #expect(direct.build().attention.count == 3 && direct.build().waived.count == 1)
    }

    /// An unchanged host's failing findings are read from the overview only when its previous
    /// collected run is the run whose problems are compared: here the run between collected
    /// the host in part and failed a check that passes again now, with the very finding set of
    /// the run before it. The problem is fixed, not "not checked".
    @Test(arguments: Backend.allCases) func aProblemOfAPartlyCollectedRunIsFixedWhenTheCheckPassesAgain(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        let whole = Self.host("c1", content: "[DEFAULT]\nmy_ip = 10.0.0.31\n")
        var partial = whole
        partial.error = "the host's collection ended after 10 s"
        partial.errorKind = "timeout"
        _ = try Self.audit(store, hosts: [whole], own: [finding("nova.my_ip", host: "c1", status: .pass)], fleet: [], day: 0)
        let cut = try Self.audit(store, hosts: [partial], own: [finding("nova.my_ip", host: "c1", status: .fail)], fleet: [], day: 1)
        #expect(try store.reader(run: cut).overview.problems.flatMap(\.findings).count == 1)
        let again = try Self.audit(store, hosts: [whole], own: [finding("nova.my_ip", host: "c1", status: .pass)], fleet: [], day: 2)
        let changes = try #require(try store.reader(run: again).changes)
        #expect(changes.previousRunID == cut)
        // The failing check's problem, and the host's partial collection, are both fixed.
        #expect(changes.problems.count == 2 && changes.problems.allSatisfy { $0.kind == .fixed }, "\(changes.problems)")
    }

    @Test(arguments: Backend.allCases) func aHostsOwnAndFleetFindingsAreOneSetWhenRead(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        let hosts = [Self.host("c1", content: "[DEFAULT]\nmy_ip = 10.0.0.31\n"), Self.host("c2", content: "[DEFAULT]\nmy_ip = 10.0.0.31\n")]
        let own = [finding("nova.my_ip", host: "c1", status: .pass), finding("nova.my_ip", host: "c2", status: .fail)]
        let fleet = [finding("my_ip.unique", host: "c1", status: .pass), finding("my_ip.unique", host: "c2", status: .fail)]
        let id = try Self.audit(store, hosts: hosts, own: own, fleet: fleet, day: 0)

        let run = try store.loadRun(id)
        #expect(run.findings == (own + fleet).sorted(by: Finding.reportOrder))
        #expect(run.exitCode == 1)
        let reader = try store.reader(run: id)
        #expect(reader.overview.tally(.guide)[.fail] == 2 && reader.overview.hosts.map(\.name) == ["c1", "c2"])
        #expect(reader.overview.attention.map(\.rule) == ["my_ip.unique", "nova.my_ip"])
        let listed = try #require(store.runs().first)
        #expect(listed.status == "finished" && listed.failed == 2 && listed.passed == 2 && listed.hosts == 2)
        // Read host by host, only the parts asked for.
        var seen: [String] = []
        try reader.forEachHost(only: ["c2"], parts: .findings) { result, findings in
            seen.append(result.name)
            #expect(result.files.isEmpty, "no manifest was asked for")
            #expect(findings.map(\.rule) == ["my_ip.unique", "nova.my_ip"])
        }
        #expect(seen == ["c2"])
    }

    /// A second night of the same state stores no blob again and reports nothing new, fixed
    /// or changed: each host's own and fleet finding sets are the very blobs of the night before.
    @Test(arguments: Backend.allCases) func anUnchangedNightStoresNothingNewAndSeesNoChange(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        let hosts = [Self.host("c1", content: "[DEFAULT]\nmy_ip = 10.0.0.31\n"), Self.host("c2", content: "[DEFAULT]\nmy_ip = 10.0.0.31\n")]
        let own = [finding("nova.my_ip", host: "c2", status: .fail)]
        let fleet = [finding("my_ip.unique", host: "c2", status: .fail)]
        _ = try Self.audit(store, hosts: hosts, own: own, fleet: fleet, day: 0)
        let blobs = try store.blobStatistics().values.map(\.count).reduce(0, +)
        let second = try Self.audit(store, hosts: hosts, own: own, fleet: fleet, day: 1)
        #expect(try store.blobStatistics().values.map(\.count).reduce(0, +) == blobs)
        let changes = try #require(try store.changes(for: second))
        #expect(changes.files.isEmpty && changes.unchangedFiles == 2)
        #expect(changes.findings.map(\.kind) == [.stillFailing, .stillFailing])

        // The fleet check fixed on the third night is "fixed", the host's own check still fails.
        let third = try Self.audit(store, hosts: hosts, own: own, fleet: [finding("my_ip.unique", host: "c2", status: .pass)], day: 2)
        let fixed = try #require(try store.changes(for: third)).findings
        #expect(fixed.map { "\($0.kind.rawValue) \($0.finding.rule)" }.sorted() == ["fixed my_ip.unique", "still-failing nova.my_ip"])
    }

    /// An audit killed after some hosts were stored leaves a `running` run that reports nothing
    /// and is never the "previous run" of the next.
    @Test(arguments: Backend.allCases) func aRunThatNeverFinishedIsNeverThePreviousRun(_ backend: Backend) throws {
        guard let database = try TestStore(backend) else { return }
        let store = try database.open()
        let first = try Self.audit(store, hosts: [Self.host("c1", content: "a\n")], own: [], fleet: [], day: 0)
        let killed = try store.beginRun(startedAt: Date(), toolVersion: "test", inventory: nil, architecture: nil)
        try store.recordHost(run: killed, Self.host("c1", content: "b\n"), findings: [])
        #expect(throws: StoreError.self) { _ = try store.reader(run: killed) }
        #expect(try store.markInterruptedRuns(of: InventoryIdentity(auditor: nil, inventory: nil)) == 1)
        let third = try Self.audit(store, hosts: [Self.host("c1", content: "c\n")], own: [], fleet: [], day: 2)
        #expect(try store.changes(for: third)?.previousRunID == first)
        #expect(try store.changes(for: third)?.files.map(\.kind) == [.changed])
        #expect(try store.check().problems.isEmpty)
    }
}
