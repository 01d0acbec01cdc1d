/// What every report shows before any host's details: each host's standing, counts per file,
/// per rule and per category, and the checks that need attention.
///
/// It grows with the fleet by one small row per host and with drift by one finding per
/// failing or erroring check, never with the number of passing checks, so the audit builds
/// it host by host (`Builder`) and the store keeps it with the run: reporters read it first
/// and then only the hosts they detail.
package struct RunOverview: Sendable, Hashable, Codable {
    /// One host's standing: whether it was collected, how its files fared, its checks' counts.
    package struct Host: Sendable, Hashable, Codable {
        package var name: String
        package var roles: [Role]
        package var services: [GuideService]
        package var error: String?
        package var errorKind: String?
        /// Files by status (`parsed`, `missing`, …).
        package var files: [String: Int]
        package var guide: FindingTally
        package var upgrade: FindingTally
        /// The SHA-1-era SSH algorithms the inventory let the audit use for this host.
        package var legacyAlgorithms: [String]
        /// Files collected as missing, unreadable or unparseable, in path order; `nil` when none
        /// (so a host with none encodes as it did before problems were grouped).
        package var fileFailures: [FileFailure]?

        package init(name: String, roles: [Role], services: [GuideService], error: String? = nil,
                    errorKind: String? = nil, files: [String: Int] = [:], guide: FindingTally = FindingTally(),
                    upgrade: FindingTally = FindingTally(), legacyAlgorithms: [String] = []) {
            self.legacyAlgorithms = legacyAlgorithms
            self.name = name
            self.roles = roles
            self.services = services
            self.error = error
            self.errorKind = errorKind
            self.files = files
            self.guide = guide
            self.upgrade = upgrade
        }

        package var collected: Bool { error == nil }

        package func files(_ status: FileResult.Status) -> Int { files[status.rawValue] ?? 0 }

        /// Whether a report must show this host in detail: a failing, erroring or waived check,
        /// or a host or file that could not be collected or parsed.
        package var needsDetail: Bool {
            !collected || guide.needingAttention + upgrade.needingAttention + guide[.waived] + upgrade[.waived] > 0
                || files(.unreadable) + files(.unparseable) > 0
        }
    }

    /// A file of a host that was asked for and is missing, unreadable or unparseable: what
    /// problem grouping needs to make one problem of the file instead of one per check.
    package struct FileFailure: Sendable, Hashable, Codable {
        package var path: String
        package var status: FileResult.Status
        /// Why it could not be read or parsed, already masked.
        package var reason: String?
        /// The offending line, for unparseable files.
        package var line: Int?

        package init(path: String, status: FileResult.Status, reason: String? = nil, line: Int? = nil) {
            self.path = path
            self.status = status
            self.reason = reason
            self.line = line
        }
    }

    /// Guide checks of one file path, across the hosts that have it.
    package struct File: Sendable, Hashable, Codable {
        package var path: String
        package var hosts: Int
        package var tally: FindingTally

        package init(path: String, hosts: Int, tally: FindingTally) {
            self.path = path
            self.hosts = hosts
            self.tally = tally
        }
    }

    /// One rule's checks across the fleet.
    package struct Rule: Sendable, Hashable, Codable {
        package var id: String
        package var title: String
        package var category: FindingCategory
        package var tally: FindingTally

        package init(id: String, title: String, category: FindingCategory, tally: FindingTally) {
            self.id = id
            self.title = title
            self.category = category
            self.tally = tally
        }
    }

    /// Every host, in name order.
    package var hosts: [Host]
    /// Failing and erroring findings of both categories, in report order.
    package var attention: [Finding]
    /// Waived findings (accepted deviations, shown with their reason and expiry), in report order.
    package var waived: [Finding]
    /// Guide checks per file path, in path order.
    package var files: [File]
    /// Checks per rule, in category then rule order.
    package var rules: [Rule]
    /// The attention findings grouped by root cause (`ProblemGrouping`), most severe first.
    package var problems: [Problem]

    /// `problems` defaults to grouping `attention` with the hosts' standing.
    package init(hosts: [Host], attention: [Finding], waived: [Finding] = [], files: [File], rules: [Rule],
                problems: [Problem]? = nil) {
        self.hosts = hosts
        self.attention = attention
        self.waived = waived
        self.files = files
        self.rules = rules
        self.problems = problems ?? ProblemGrouping.problems(attention: attention, hosts: hosts)
    }

    enum CodingKeys: String, CodingKey {
        case hosts, attention, waived, files, rules, problems
    }

    /// Overviews stored before problems were grouped have none: grouped on reading, from what they hold.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(hosts: try container.decode([Host].self, forKey: .hosts),
                  attention: try container.decode([Finding].self, forKey: .attention),
                  waived: try container.decodeIfPresent([Finding].self, forKey: .waived) ?? [],
                  files: try container.decode([File].self, forKey: .files),
                  rules: try container.decode([Rule].self, forKey: .rules),
                  problems: try container.decodeIfPresent([Problem].self, forKey: .problems))
    }

    /// Problems of one category, most severe first.
    package func problems(_ category: FindingCategory) -> [Problem] { problems.filter { $0.category == category } }

    /// Checks of one category over the whole run.
    package func tally(_ category: FindingCategory) -> FindingTally {
        var tally = FindingTally()
        for host in hosts { tally.merge(category == .guide ? host.guide : host.upgrade) }
        return tally
    }

    /// Files of every host with this status.
    package func files(_ status: FileResult.Status) -> Int { hosts.reduce(0) { $0 + $1.files(status) } }

    /// Files of every host.
    package var fileCount: Int { hosts.reduce(0) { $0 + $1.files.values.reduce(0, +) } }

    package var failedHosts: Int { hosts.count { !$0.collected } }

    /// One host's part of an overview: what adding the host and its own findings records.
    /// Kept with a host's stored evaluation, so a host reused from the store adds its part
    /// without decoding each of its findings.
    package struct HostPart: Sendable, Hashable, Codable {
        package var host: Host
        /// Failing and erroring findings, then waived ones, in report order.
        package var attention: [Finding]
        package var waived: [Finding]
        /// Guide checks per file path.
        package var files: [String: FindingTally]
        package var rules: [Rule]

        package init(host: Host, attention: [Finding], waived: [Finding], files: [String: FindingTally], rules: [Rule]) {
            self.host = host
            self.attention = attention
            self.waived = waived
            self.files = files
            self.rules = rules
        }
    }

    /// Accumulates an overview one host (and one batch of findings) at a time.
    package struct Builder: Sendable {
        private var hosts: [String: Host] = [:]
        private var attention: [Finding] = []
        private var waived: [Finding] = []
        private var files: [String: (hosts: Set<String>, tally: FindingTally)] = [:]
        private var rules: [RuleKey: (title: String, tally: FindingTally)] = [:]

        private struct RuleKey: Hashable {
            var category: FindingCategory
            var id: String
        }

        package init() {}

        /// A host as collected, with its files; its findings come through `add(_:)`.
        package mutating func add(host result: HostResult) {
            var counts: [String: Int] = [:]
            var failures: [FileFailure] = []
            // Only the failures are listed, by path: sorting the files themselves moved every file's
            // redacted content about (1.5 % of a first night's CPU).
            for file in result.files {
                counts[file.status.rawValue, default: 0] += 1
                if [.missing, .unreadable, .unparseable].contains(file.status) {
                    failures.append(FileFailure(path: file.path, status: file.status, reason: file.reason, line: file.line))
                }
            }
            failures.sort { $0.path < $1.path }
            var host = Host(name: result.name, roles: result.roles, services: result.services, error: result.error,
                            errorKind: result.errorKind, files: counts, legacyAlgorithms: result.legacyAlgorithms)
            host.fileFailures = failures.isEmpty ? nil : failures
            hosts[result.name] = host
        }

        /// Findings of hosts already added (a host's own checks, later its fleet checks).
        /// Findings come a host at a time (a host's own, or its fleet checks'), so each run of
        /// one host's findings looks its host up once, and each run of one file's names the host once.
        package mutating func add<Findings: Sequence>(_ findings: Findings) where Findings.Element == Finding {
            var iterator = findings.makeIterator()
            var next = iterator.next()
            while let first = next {
                let name = first.host
                var host = hosts.removeValue(forKey: name) ?? Host(name: name, roles: [], services: [])
                var lastFile: String?
                while let finding = next, finding.host == name {
                    if finding.category == .guide { host.guide.add(finding) } else { host.upgrade.add(finding) }
                    if finding.needsAttention { attention.append(finding) }
                    if finding.status == .waived { waived.append(finding) }
                    if finding.category == .guide {
                        // In report order a host's findings of one file come together: name the host once per run of them.
                        let named = finding.file == lastFile
                        lastFile = finding.file
                        Self.tally(finding, naming: named ? nil : name, in: &files[finding.file, default: ([], FindingTally())])
                    }
                    rules[RuleKey(category: finding.category, id: finding.rule), default: (finding.title, FindingTally())].tally.add(finding)
                    next = iterator.next()
                }
                hosts[name] = host
            }
        }

        private static func tally(_ finding: Finding, naming host: String?, in file: inout (hosts: Set<String>, tally: FindingTally)) {
            if let host { file.hosts.insert(host) }
            file.tally.add(finding)
        }

        /// Adds a host's part (`part(of:findings:)`): the same as adding the host and its own
        /// findings, except that counts of findings added for the host before it are kept.
        package mutating func add(_ part: HostPart) {
            let name = part.host.name
            var host = part.host
            if let earlier = hosts[name] {
                // Findings of the host came first (they make a placeholder row): keep their counts.
                host.guide.merge(earlier.guide)
                host.upgrade.merge(earlier.upgrade)
            }
            hosts[name] = host
            attention += part.attention
            waived += part.waived
            for (path, tally) in part.files {
                files[path, default: ([], FindingTally())].hosts.insert(name)
                files[path, default: ([], FindingTally())].tally.merge(tally)
            }
            for rule in part.rules {
                rules[RuleKey(category: rule.category, id: rule.id), default: (rule.title, FindingTally())].tally.merge(rule.tally)
            }
        }

        /// A host's part of an overview: what adding `result` and its own `findings` to a
        /// builder records, to be added to another with `add(_:)`.
        package static func part(of result: HostResult, findings: [Finding]) -> HostPart {
            var one = Builder()
            one.add(host: result)
            one.add(findings)
            return HostPart(
                host: one.hosts[result.name]!,
                attention: one.attention.inReportOrder(),
                waived: one.waived.inReportOrder(),
                files: one.files.mapValues(\.tally),
                rules: one.rules.map { Rule(id: $0.key.id, title: $0.value.title, category: $0.key.category, tally: $0.value.tally) }
                    .sorted { ($0.category.rawValue, $0.id) < ($1.category.rawValue, $1.id) })
        }

        package func build() -> RunOverview {
            RunOverview(
                hosts: hosts.values.sorted { $0.name < $1.name },
                attention: attention.sorted(by: Finding.reportOrder),
                waived: waived.sorted(by: Finding.reportOrder),
                files: files.map { File(path: $0.key, hosts: $0.value.hosts.count, tally: $0.value.tally) }.sorted { $0.path < $1.path },
                rules: rules.map { Rule(id: $0.key.id, title: $0.value.title, category: $0.key.category, tally: $0.value.tally) }
                    .sorted { ($0.category.rawValue, $0.id) < ($1.category.rawValue, $1.id) })
        }
    }
}
