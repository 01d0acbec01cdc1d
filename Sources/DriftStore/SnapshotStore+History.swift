import DriftCore
import DriftDiff
import Foundation

/// A version of one file in a host's history: the run that first had it, and its content.
package struct FileVersion: Sendable, Hashable {
    package var runID: Int64
    package var startedAt: Date
    /// `nil` when the file was missing (or unreadable) from this run on.
    package var content: [UInt8]?
    package var status: String
}

extension SnapshotStore {
    // MARK: Reading runs

    func runRow(_ id: Int64, operation: String) throws -> RunSummary {
        guard let row = try backend.runRow(id) else {
            throw StoreError(.notFound, path: path, operation: operation, "there is no run \(id) (see 'stackdrift runs')")
        }
        return row
    }

    /// A host's findings in a run: its own checks and those that compared it with the fleet.
    func findings(of host: StoredHost, operation: String) throws -> [Finding] {
        try Self.findings(of: try readFindings(of: host, operation: operation), location: blobs.backend.location, operation: operation)
    }

    /// A host's finding sets as stored, to be decoded by `findings(of:location:operation:)`.
    struct ReadFindings: Sendable {
        var host: String
        var own: BlobStore.ReadBlob
        var fleet: BlobStore.ReadBlob?
    }

    func readFindings(of host: StoredHost, operation: String) throws -> ReadFindings {
        ReadFindings(host: host.name, own: try blobs.read(id: host.findingsID, operation: operation),
                     fleet: try host.fleetFindingsID.map { try blobs.read(id: $0, operation: operation) })
    }

    /// The host's findings in report order; on any thread (no connection needed).
    static func findings(of read: ReadFindings, location: String, operation: String) throws -> [Finding] {
        var records = try BlobStore.findings(of: read.own, location: location, operation: operation)
        if let fleet = read.fleet { records += try BlobStore.findings(of: fleet, location: location, operation: operation) }
        return records.map { $0.finding(host: read.host) }.inReportOrder()
    }

    /// A stored host as reporters see it; file contents only when asked for.
    func result(of host: StoredHost, manifest: HostManifest, contents: Bool, operation: String) throws -> HostResult {
        var result = Self.result(of: host, manifest: manifest)
        guard contents else { return result }
        for (index, file) in manifest.files.enumerated() {
            result.files[index].content = try file.content.flatMap { try blobs.content(hash: $0, operation: operation) }
        }
        return result
    }

    /// A stored host as reporters see it, without file contents; on any thread (no connection needed).
    static func result(of host: StoredHost, manifest: HostManifest) -> HostResult {
        let files = manifest.files.map { file in
            FileResult(path: file.path, status: FileResult.Status(rawValue: file.status) ?? .present,
                       format: file.format.flatMap(ConfigFormat.init(rawValue:)), reason: file.reason, line: file.line,
                       content: nil)
        }
        return HostResult(name: host.name, roles: manifest.roles.compactMap(Role.init(rawValue:)),
                          services: manifest.services.compactMap(GuideService.init(rawValue:)),
                          error: manifest.error, errorKind: manifest.errorKind, files: files,
                          legacyAlgorithms: manifest.legacyAlgorithms ?? [])
    }

    /// A finished run, to report from host by host (`ReportableRun`).
    package func reader(run id: Int64) throws -> StoredRunReader {
        let operation = "reading run \(id)"
        let row = try runRow(id, operation: operation)
        guard row.status != "running" else {
            throw StoreError(.notFound, path: path, operation: operation, "run \(id) has not finished")
        }
        let header = RunHeader(id: id, startedAt: Self.date(row.startedAt), finishedAt: Self.date(row.finishedAt),
                               toolVersion: row.toolVersion, inventory: row.inventory,
                               architecture: row.architecture.flatMap(NetworkingVariant.init(rawValue:)) ?? .neutron,
                               exitCode: row.exitCode ?? 0,
                               upgrade: row.upgradeFrom.flatMap { from in row.upgradeTo.map { UpgradeTarget(from: from, to: $0) } })
        let hosts = try backend.runHosts(run: id)
        var overview: RunOverview?
        if let overviewID = row.overviewID {
            overview = RunOverview.stored(try blobs.bytes(id: overviewID, operation: operation))
        }
        return try StoredRunReader(store: self, header: header, hosts: hosts, overview: overview,
                                   changes: try changes(for: id, overview: overview))
    }

    /// A stored run, whole, as reporters see it: hosts, files with their redacted contents,
    /// findings, and what changed since the run before it. For small runs and tests; reports
    /// of large runs read host by host through `reader(run:)`.
    package func loadRun(_ id: Int64) throws -> AuditRun {
        let reader = try reader(run: id)
        var hosts: [HostResult] = []
        var findings: [Finding] = []
        try reader.forEachHost(only: nil, parts: .all) { host, hostFindings in
            hosts.append(host)
            findings += hostFindings
        }
        let header = reader.header
        return AuditRun(id: id, startedAt: header.startedAt, finishedAt: header.finishedAt, toolVersion: header.toolVersion,
                        inventory: header.inventory, architecture: header.architecture, hosts: hosts,
                        findings: findings.sorted(by: Finding.reportOrder), exitCode: header.exitCode,
                        changes: reader.changes, upgrade: header.upgrade)
    }

    // MARK: Changes between runs

    /// What changed in `run` since each of its hosts' previous collected run: files new,
    /// changed (with line diffs) or vanished, and findings new, fixed or still failing.
    /// `nil` when no finished run came before. A host whose files and findings are the very
    /// blobs of its previous run costs two id comparisons and its manifest's file count: its
    /// failing findings are the overview's (`overview`, the run's own when the caller has read it).
    package func changes(for run: Int64, overview current: RunOverview? = nil) throws -> RunChanges? {
        let operation = "comparing run \(run) with the previous one"
        let inventory = try runRow(run, operation: operation).identity
        guard let previous = try backend.latestFinishedRun(before: run, of: inventory) else { return nil }
        let previousRow = try runRow(previous, operation: operation)
        let previousStarted = Self.date(previousRow.startedAt)
        // Problems are compared when both runs stored an overview (schema 4 on).
        func overview(_ id: Int64?) throws -> RunOverview? {
            try id.flatMap { RunOverview.stored(try blobs.bytes(id: $0, operation: operation)) }
        }
        let overviews = [try overview(previousRow.overviewID), try current ?? overview(try runRow(run, operation: operation).overviewID)]
        // A host's failing and erroring findings, as the run's overview holds them: all that an
        // unchanged host's comparison reads, without decoding its finding sets.
        let attention = overviews[1].map { Dictionary(grouping: $0.attention, by: \.host) }
        // The current status of the findings the previous run's problems explained: all "fixed" needs.
        let wanted = Set(overviews[0]?.problems.flatMap(\.findings) ?? [])
        var statuses: [String: FindingStatus] = [:]
        var files: [FileChange] = []
        var unchanged = 0
        var findingChanges: [FindingChange] = []
        let keyNow = try backend.redactionKeyID(run: run)
        for host in try backend.runHosts(run: run) where host.collected {
            let now = try blobs.manifest(id: host.manifestID, operation: operation)
            let before = try backend.previousRunHost(named: host.name, before: run, of: inventory)
            let sameFindings = before.map { $0.findingsID == host.findingsID && $0.fleetFindingsID == host.fleetFindingsID } ?? false
            // The very finding sets of the previous run: only their failing and erroring findings
            // can be new, still failing or explain a problem, and the overview has them. Only when
            // that run is the one whose problems are compared (`previous`): after a run that
            // collected the host in part, a finding of its problems may pass now, which only the
            // whole set says.
            let current: [Finding]
            if sameFindings, before?.runID == previous, let attention {
                current = attention[host.name] ?? []
            } else {
                current = try findings(of: host, operation: operation)
            }
            if !wanted.isEmpty {
                for finding in current where wanted.contains(finding.id) { statuses[finding.id] = finding.status }
            }
            guard let before else {
                files += now.files.filter { $0.content != nil }.map { FileChange(host: host.name, path: $0.path, kind: .new) }
                findingChanges += current.filter { $0.status == .fail }.map { FindingChange(kind: .new, finding: $0) }
                continue
            }
            if before.manifestID == host.manifestID {
                unchanged += now.files.count { $0.content != nil && !Self.unknownStatuses.contains($0.status) }
            } else {
                let then = try blobs.manifest(id: before.manifestID, operation: operation)
                let keyBreak = try backend.redactionKeyID(run: before.runID) != keyNow
                let (changed, same) = try compare(then, now, host: host.name, acrossKeyBreak: keyBreak, operation: operation)
                files += changed
                unchanged += same
            }
            if sameFindings {
                // Compared with themselves, without reading them twice.
                findingChanges += Self.compare(current, current)
            } else {
                findingChanges += Self.compare(try findings(of: before, operation: operation), current)
            }
        }
        var problems: [ProblemChange] = []
        if let then = overviews[0], let now = overviews[1] {
            problems = ProblemChange.compare(previous: then, current: now, statuses: statuses)
        }
        return RunChanges(previousRunID: previous, previousStartedAt: previousStarted, files: files, unchangedFiles: unchanged,
                          findings: findingChanges.sorted { Finding.reportOrder($0.finding, $1.finding) }, problems: problems)
    }

    /// File statuses that say nothing about a file's content: it could not be read, or its
    /// host's collection ended before it was asked for.
    static let unknownStatuses: Set<String> = [FileResult.Status.unreadable.rawValue, FileResult.Status.notCollected.rawValue]

    /// `acrossKeyBreak`: the two runs' secrets were tagged under different redaction keys (`db
    /// rekey`), so their tags cannot be compared: every tag is read as the same `<redacted>`, and
    /// a file whose only differences were tags is unchanged.
    private func compare(_ then: HostManifest, _ now: HostManifest, host: String, acrossKeyBreak: Bool = false,
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
                var before = try blobs.content(hash: a, operation: operation) ?? []
                var after = try blobs.content(hash: b, operation: operation) ?? []
                if acrossKeyBreak {
                    before = Self.untagged(before)
                    after = Self.untagged(after)
                    if before == after {
                        unchanged += 1
                        continue
                    }
                }
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
    package func runs(of host: String) throws -> [(id: Int64, startedAt: Date)] {
        try backend.runsOf(host: host).map { ($0.id, Self.date($0.startedAt)) }
    }

    /// The paths a host's manifest lists in a run, with their stored contents' presence.
    package func files(run: Int64, host: String) throws -> [String] {
        try manifest(run: run, host: host)?.files.filter { $0.content != nil }.map(\.path) ?? []
    }

    /// Every host the store has seen.
    package func hostNames() throws -> [String] { try backend.hostNames() }

    /// The changes of a host's files between two runs (`path` limits it to one file).
    package func diff(host: String, path: String?, from: Int64, to: Int64) throws -> [FileChange] {
        let operation = "comparing \(host) between runs \(from) and \(to)"
        guard let old = try manifest(run: from, host: host) else {
            throw StoreError(.notFound, path: self.path, operation: operation, "run \(from) did not include host '\(host)'")
        }
        guard let new = try manifest(run: to, host: host) else {
            throw StoreError(.notFound, path: self.path, operation: operation, "run \(to) did not include host '\(host)'")
        }
        let keyBreak = try backend.redactionKeyID(run: from) != backend.redactionKeyID(run: to)
        func only(_ manifest: HostManifest) -> HostManifest {
            guard let path else { return manifest }
            var copy = manifest
            copy.files = manifest.files.filter { $0.path == path }
            return copy
        }
        return try compare(only(old), only(new), host: host, acrossKeyBreak: keyBreak, operation: operation).changes
    }

    /// Content with every redaction tag (`<redacted:` 12 hex digits `>`) read as `<redacted>`.
    static func untagged(_ bytes: [UInt8]) -> [UInt8] {
        let prefix = Array("<redacted:".utf8)
        guard bytes.count >= prefix.count else { return bytes }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == prefix[0], index + prefix.count + 13 <= bytes.count,
               bytes[index..<(index + prefix.count)].elementsEqual(prefix),
               bytes[index + prefix.count + 12] == UInt8(ascii: ">") {
                result += Array("<redacted>".utf8)
                index += prefix.count + 13
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return result
    }

    /// The versions of one file on a host: one entry per run where its content (or its
    /// presence) changed, oldest first.
    package func history(host: String, path: String) throws -> [FileVersion] {
        let operation = "reading the history of \(host):\(path)"
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
                                        content: try file.content.flatMap { try blobs.content(hash: $0, operation: operation) },
                                        status: file.status))
        }
        return versions
    }
}
