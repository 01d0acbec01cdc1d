import DriftCore
import DriftDiff
import Foundation

/// One host's entry in a stored run.
struct StoredHost {
    var name: String
    var runID: Int64
    var collected: Bool
    var manifestID: Int64
    var findingsID: Int64
}

/// A version of one file in a host's history: the run that first had it, and its content.
public struct FileVersion: Sendable, Hashable {
    public var runID: Int64
    public var startedAt: Date
    /// `nil` when the file was missing (or unreadable) from this run on.
    public var content: [UInt8]?
    public var status: String
}

extension SnapshotStore {
    // MARK: Reading runs

    func storedHosts(run: Int64, operation: String) throws -> [StoredHost] {
        try database.query(
            """
            SELECT h.name, rh.collected, rh.manifest_id, rh.findings_id FROM run_hosts rh JOIN hosts h ON h.id = rh.host_id
            WHERE rh.run_id = ? ORDER BY h.name
            """, [.integer(run)], operation: operation
        ).map { StoredHost(name: $0[0].string ?? "", runID: run, collected: $0[1].int == 1, manifestID: $0[2].int ?? 0,
                           findingsID: $0[3].int ?? 0) }
    }

    /// The host's latest collected entry in a finished run before `run`.
    func previousHost(_ name: String, before run: Int64, operation: String) throws -> StoredHost? {
        try database.query(
            """
            SELECT rh.run_id, rh.manifest_id, rh.findings_id FROM run_hosts rh
            JOIN hosts h ON h.id = rh.host_id JOIN runs r ON r.id = rh.run_id
            WHERE h.name = ? AND rh.run_id < ? AND rh.collected = 1 AND r.status = 'finished'
            ORDER BY rh.run_id DESC LIMIT 1
            """, [.text(name), .integer(run)], operation: operation
        ).first.map { StoredHost(name: name, runID: $0[0].int ?? 0, collected: true, manifestID: $0[1].int ?? 0,
                                 findingsID: $0[2].int ?? 0) }
    }

    func runRow(_ id: Int64, operation: String) throws -> [SQLValue] {
        guard let row = try database.query(
            """
            SELECT started_at, finished_at, tool_version, inventory, architecture, exit_code, status, upgrade_from, upgrade_to
            FROM runs WHERE id = ?
            """,
            [.integer(id)], operation: operation).first else {
            throw StoreError(.notFound, path: path, operation: operation, "there is no run \(id) (see 'stackdrift runs')")
        }
        return row
    }

    static func date(_ text: String?) -> Date {
        text.flatMap { try? Date($0, strategy: .iso8601) } ?? Date(timeIntervalSince1970: 0)
    }

    /// A stored run, rebuilt as reporters see it: hosts, files with their redacted contents,
    /// findings, and what changed since the run before it.
    public func loadRun(_ id: Int64) throws -> AuditRun {
        let operation = "reading run \(id)"
        let row = try runRow(id, operation: operation)
        guard row[6].string != "running" else {
            throw StoreError(.notFound, path: path, operation: operation, "run \(id) has not finished")
        }
        let reader = BlobReader(database: database, path: path)
        var hosts: [HostResult] = []
        var findings: [Finding] = []
        for stored in try storedHosts(run: id, operation: operation) {
            let manifest = try reader.manifest(id: stored.manifestID, operation: operation)
            var files: [FileResult] = []
            for file in manifest.files {
                files.append(FileResult(
                    path: file.path, status: FileResult.Status(rawValue: file.status) ?? .present,
                    format: file.format.flatMap(ConfigFormat.init(rawValue:)), reason: file.reason, line: file.line,
                    content: try file.content.flatMap { try reader.content(hash: $0, operation: operation) }))
            }
            hosts.append(HostResult(name: stored.name, roles: manifest.roles.compactMap(Role.init(rawValue:)),
                                    services: manifest.services.compactMap(GuideService.init(rawValue:)),
                                    error: manifest.error, errorKind: manifest.errorKind, files: files,
                                    legacyAlgorithms: manifest.legacyAlgorithms ?? []))
            findings += try reader.findings(id: stored.findingsID, operation: operation).map { $0.finding(host: stored.name) }
        }
        return AuditRun(id: id, startedAt: Self.date(row[0].string), finishedAt: Self.date(row[1].string),
                        toolVersion: row[2].string ?? "", inventory: row[3].string,
                        architecture: row[4].string.flatMap(NetworkingVariant.init(rawValue:)) ?? .neutron,
                        hosts: hosts, findings: findings.sorted(by: Finding.reportOrder), exitCode: Int(row[5].int ?? 0),
                        changes: try changes(for: id),
                        upgrade: row[7].string.flatMap { from in row[8].string.map { UpgradeTarget(from: from, to: $0) } })
    }

    // MARK: Changes between runs

    /// What changed in `run` since each of its hosts' previous collected run: files new,
    /// changed (with line diffs) or vanished, and findings new, fixed or still failing.
    /// `nil` when no finished run came before.
    public func changes(for run: Int64) throws -> RunChanges? {
        let operation = "comparing run \(run) with the previous one"
        guard let previous = try database.query("SELECT max(id) FROM runs WHERE id < ? AND status = 'finished'",
                                                [.integer(run)], operation: operation).first?.first?.int else { return nil }
        let previousStarted = Self.date(try runRow(previous, operation: operation)[0].string)
        let reader = BlobReader(database: database, path: path)
        var files: [FileChange] = []
        var unchanged = 0
        var findingChanges: [FindingChange] = []
        for host in try storedHosts(run: run, operation: operation) where host.collected {
            let now = try reader.manifest(id: host.manifestID, operation: operation)
            let nowFindings = try reader.findings(id: host.findingsID, operation: operation).map { $0.finding(host: host.name) }
            guard let before = try previousHost(host.name, before: run, operation: operation) else {
                files += now.files.filter { $0.content != nil }.map { FileChange(host: host.name, path: $0.path, kind: .new) }
                findingChanges += nowFindings.filter { $0.status == .fail }.map { FindingChange(kind: .new, finding: $0) }
                continue
            }
            let then = before.manifestID == host.manifestID ? now : try reader.manifest(id: before.manifestID, operation: operation)
            let (changed, same) = try compare(then, now, host: host.name, reader: reader, operation: operation)
            files += changed
            unchanged += same
            let thenFindings = before.findingsID == host.findingsID
                ? nowFindings : try reader.findings(id: before.findingsID, operation: operation).map { $0.finding(host: host.name) }
            findingChanges += Self.compare(thenFindings, nowFindings)
        }
        return RunChanges(previousRunID: previous, previousStartedAt: previousStarted, files: files, unchangedFiles: unchanged,
                          findings: findingChanges.sorted { Finding.reportOrder($0.finding, $1.finding) })
    }

    /// File statuses that say nothing about a file's content: it could not be read, or its
    /// host's collection ended before it was asked for.
    static let unknownStatuses: Set<String> = [FileResult.Status.unreadable.rawValue, FileResult.Status.notCollected.rawValue]

    private func compare(_ then: HostManifest, _ now: HostManifest, host: String, reader: BlobReader,
                         operation: String) throws -> (changes: [FileChange], unchanged: Int) {
        let old = Dictionary(then.files.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let new = Dictionary(now.files.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var changes: [FileChange] = []
        var unchanged = 0
        for path in Set(old.keys).union(new.keys).sorted() {
            let oldHash = old[path]?.content, newHash = new[path]?.content
            // A file that could not be read (or was not collected) now says nothing about whether it changed.
            if let status = new[path]?.status, Self.unknownStatuses.contains(status) { continue }
            switch (oldHash, newHash) {
            case (nil, nil):
                continue
            case (nil, _?):
                changes.append(FileChange(host: host, path: path, kind: .new))
            case (_?, nil):
                // Vanished: collected and missing now. A file no longer asked for (its service
                // went away from the inventory, say) is not a change of the host.
                if new[path] != nil { changes.append(FileChange(host: host, path: path, kind: .vanished)) }
            case (let a?, let b?) where a == b:
                unchanged += 1
            case (let a?, let b?):
                let before = try reader.content(hash: a, operation: operation) ?? []
                let after = try reader.content(hash: b, operation: operation) ?? []
                changes.append(FileChange(host: host, path: path, kind: .changed, hunks: LineDiff.hunks(old: before, new: after)))
            }
        }
        return (changes, unchanged)
    }

    /// Findings compared by what they are about (`Finding.Identity`). Only categories
    /// both runs checked are compared: upgrade checks of a run with `--upgrade-to` are not
    /// "fixed" by a run without it.
    static func compare(_ allThen: [Finding], _ allNow: [Finding]) -> [FindingChange] {
        let common = Set(allThen.map(\.category)).intersection(allNow.map(\.category)).union([.guide])
        let then = allThen.filter { common.contains($0.category) }, now = allNow.filter { common.contains($0.category) }
        let failingThen = Dictionary(then.filter { $0.status == .fail }.map { ($0.identity, $0) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<Finding.Identity>()
        var changes: [FindingChange] = []
        for finding in now where finding.status == .fail {
            let id = finding.identity
            guard seen.insert(id).inserted else { continue }
            changes.append(FindingChange(kind: failingThen[id] == nil ? .new : .stillFailing, finding: finding))
        }
        let failingNow = Set(now.filter { $0.status == .fail }.map(\.identity))
        for (id, finding) in failingThen where !failingNow.contains(id) {
            changes.append(FindingChange(kind: .fixed, finding: finding))
        }
        return changes
    }
}

extension SnapshotStore {
    // MARK: diff and history

    /// Runs in which the host was collected, oldest first, with their start times.
    public func runs(of host: String) throws -> [(id: Int64, startedAt: Date)] {
        try database.query(
            """
            SELECT r.id, r.started_at FROM run_hosts rh JOIN hosts h ON h.id = rh.host_id JOIN runs r ON r.id = rh.run_id
            WHERE h.name = ? AND rh.collected = 1 AND r.status = 'finished' ORDER BY r.id
            """, [.text(host)], operation: "listing the runs of \(host)"
        ).map { ($0[0].int ?? 0, Self.date($0[1].string)) }
    }

    /// The paths a host's manifest lists in a run, with their stored contents' presence.
    public func files(run: Int64, host: String) throws -> [String] {
        try manifest(run: run, host: host)?.files.filter { $0.content != nil }.map(\.path) ?? []
    }

    /// Every host the store has seen.
    public func hostNames() throws -> [String] {
        try database.query("SELECT name FROM hosts ORDER BY name", operation: "listing hosts").compactMap { $0[0].string }
    }

    /// The changes of a host's files between two runs (`path` limits it to one file).
    public func diff(host: String, path: String?, from: Int64, to: Int64) throws -> [FileChange] {
        let operation = "comparing \(host) between runs \(from) and \(to)"
        guard let old = try manifest(run: from, host: host) else {
            throw StoreError(.notFound, path: self.path, operation: operation, "run \(from) did not include host '\(host)'")
        }
        guard let new = try manifest(run: to, host: host) else {
            throw StoreError(.notFound, path: self.path, operation: operation, "run \(to) did not include host '\(host)'")
        }
        let reader = BlobReader(database: database, path: self.path)
        func only(_ manifest: HostManifest) -> HostManifest {
            guard let path else { return manifest }
            var copy = manifest
            copy.files = manifest.files.filter { $0.path == path }
            return copy
        }
        return try compare(only(old), only(new), host: host, reader: reader, operation: operation).changes
    }

    /// The versions of one file on a host: one entry per run where its content (or its
    /// presence) changed, oldest first.
    public func history(host: String, path: String) throws -> [FileVersion] {
        let operation = "reading the history of \(host):\(path)"
        let reader = BlobReader(database: database, path: self.path)
        var versions: [FileVersion] = []
        var lastKey: String?
        for run in try runs(of: host) {
            guard let manifest = try manifest(run: run.id, host: host),
                  let file = manifest.files.first(where: { $0.path == path }) else { continue }
            if Self.unknownStatuses.contains(file.status) { continue }
            let key = file.content ?? "absent"
            guard key != lastKey else { continue }
            lastKey = key
            versions.append(FileVersion(runID: run.id, startedAt: run.startedAt,
                                        content: try file.content.flatMap { try reader.content(hash: $0, operation: operation) },
                                        status: file.status))
        }
        return versions
    }
}
