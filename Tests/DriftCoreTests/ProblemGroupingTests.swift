import DriftCore
import Foundation
import Testing

/// The grouping rules of `ProblemGrouping`, each on a run built by hand.
@Suite struct ProblemGroupingTests {
    static func finding(_ rule: String, host: String, file: String, section: String? = "DEFAULT", key: String?,
                        _ status: FindingStatus = .fail, _ severity: Severity = .medium, line: Int? = 3,
                        reference: ValuePlace? = nil, fix: String? = nil) -> Finding {
        var finding = Finding(rule: rule, title: "title of \(rule)", host: host, file: file, section: section, key: key,
                              status: status, severity: severity, expected: nil, actual: nil, line: line,
                              message: "message of \(rule)", guide: nil, fix: fix)
        finding.reference = reference
        return finding
    }

    static func overview(_ hosts: [HostResult], _ findings: [Finding]) -> RunOverview {
        var builder = RunOverview.Builder()
        for host in hosts { builder.add(host: host) }
        builder.add(findings)
        return builder.build()
    }

    static func host(_ name: String, _ files: [FileResult] = [], error: String? = nil) -> HostResult {
        HostResult(name: name, roles: [.compute], services: [], error: error, files: files)
    }

    @Test func aValueRuleAndAConsistencyCheckOnOneKeyAreOneProblem() {
        let overview = Self.overview([Self.host("c1")], [
            Self.finding("value", host: "c1", file: "/etc/a.conf", key: "k", .fail, .medium, fix: "set k = 1"),
            Self.finding("same", host: "c1", file: "/etc/a.conf", key: "k", .fail, .high),
            Self.finding("other", host: "c1", file: "/etc/a.conf", key: "j", .fail, .low),
        ])
        #expect(overview.problems.count == 2)
        let first = overview.problems[0]
        #expect(first.key == "k" && first.findings.count == 2 && first.severity == .high, "the highest of its findings")
        #expect(first.advice == "set k = 1", "the value rule speaks for the problem")
        #expect(!first.needsHuman)
    }

    @Test func aConsequenceMovesOnlyWhenItsReferenceFailsOnItsOwn() {
        let reference = ValuePlace(host: "db", file: "/etc/my.cnf", section: "mysqld", key: "bind-address", line: 4)
        let consequences = (1...3).map { index in
            Self.finding("connects", host: "c\(index)", file: "/etc/nova.conf", section: "database", key: "connection",
                         .fail, .critical, line: 9, reference: reference)
        }
        let root = Self.finding("bind", host: "db", file: "/etc/my.cnf", section: "mysqld", key: "bind-address", .fail, .high,
                                line: 4, fix: "set bind-address = 10.0.0.11")
        let hosts = ["db", "c1", "c2", "c3"].map { Self.host($0) }
        let broken = Self.overview(hosts, [root] + consequences)
        #expect(broken.problems.count == 1)
        let problem = broken.problems[0]
        #expect(problem.host == "db" && problem.key == "bind-address" && problem.line == 4)
        #expect(problem.severity == .critical && problem.consequences == 3)
        #expect(problem.hosts == ["db", "c1", "c2", "c3"])
        #expect(problem.findings == [root.id] + consequences.map(\.id))
        #expect(problem.advice.hasPrefix("set bind-address = 10.0.0.11; the 3 checks on 3 hosts"))

        // The reference passes: each differing URL is its own problem, rooted where it is.
        let right = Self.overview(hosts, consequences)
        #expect(right.problems.map(\.host) == ["c1", "c2", "c3"])
        #expect(right.problems.allSatisfy { $0.key == "connection" && $0.consequences == 0 })
    }

    @Test func anUnreadableFileIsOneProblemThatSaysHowToGrantAccess() throws {
        let file = FileResult(path: "/etc/nova/nova.conf", status: .unreadable, format: .osloINI, reason: "permission denied")
        let overview = Self.overview([Self.host("c1", [file])], [
            Self.finding("a", host: "c1", file: file.path, key: "a", .error, .high, line: nil),
            Self.finding("b", host: "c1", file: file.path, key: "b", .error, .low, line: nil),
        ])
        let problem = try #require(overview.problems.first)
        #expect(overview.problems.count == 1)
        #expect(problem.kind == .file && problem.fileStatus == .unreadable && problem.status == .error)
        #expect(problem.title == "cannot read '/etc/nova/nova.conf'" && problem.findings.count == 2 && problem.severity == .high)
        #expect(problem.advice.contains("'sudo: true'") && problem.advice.contains("'stackdrift inventory sudoers'")
                && problem.advice.contains("permission denied"))
        #expect(problem.needsHuman)
    }

    @Test func aMissingFileNoCheckNeedsIsNoProblem() {
        let marker = FileResult(path: "/etc/heat/heat.conf", status: .missing, format: .osloINI)
        #expect(Self.overview([Self.host("c1", [marker])], []).problems.isEmpty)
    }

    @Test func aHostNotCollectedIsOneProblemAndItsFilesNotReadAreNeverMissing() throws {
        let partial = Self.host("c2", [
            FileResult(path: "/etc/hosts", status: .parsed, format: .hosts),
            FileResult(path: "/etc/nova/nova.conf", status: .notCollected, format: .osloINI),
        ], error: "connection dropped")
        let overview = Self.overview([Self.host("c1", error: "connection refused"), partial], [])
        #expect(overview.problems.map(\.kind) == [.host, .host])
        let refused = try #require(overview.problems.first { $0.host == "c1" })
        #expect(refused.title == "host could not be collected" && refused.advice.hasPrefix("connection refused"))
        let dropped = try #require(overview.problems.first { $0.host == "c2" })
        #expect(dropped.title == "collection ended part-way: 1 file not read")
    }

    @Test func idsAreStableWhenTheLineMoves() {
        let before = Self.finding("r", host: "c1", file: "/etc/a.conf", key: "k", line: 3)
        let after = Self.finding("r", host: "c1", file: "/etc/a.conf", key: "k", line: 30)
        #expect(before.id == after.id)
        let problems = [before, after].map { Self.overview([Self.host("c1")], [$0]).problems[0] }
        #expect(problems[0].id == problems[1].id && problems[0].line != problems[1].line)
        // Checks of no key (a program's refusals) are told apart by their line.
        #expect(Self.finding("p", host: "c1", file: "/f", key: nil, line: 3).id != Self.finding("p", host: "c1", file: "/f", key: nil, line: 4).id)
    }

    @Test func anOverviewStoredBeforeProblemsIsGroupedOnReading() throws {
        let overview = Self.overview([Self.host("c1")], [Self.finding("r", host: "c1", file: "/etc/a.conf", key: "k")])
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(overview)) as? [String: Any])
        #expect(object.removeValue(forKey: "problems") != nil)
        let json = try JSONSerialization.data(withJSONObject: object)
        let decoded = try JSONDecoder().decode(RunOverview.self, from: json)
        #expect(decoded.problems == overview.problems)
    }
}

/// A host's row in the overview counts its files by status and lists the failing ones by path,
/// whatever order they were collected in.
@Suite struct OverviewHostRowTests {
    @Test func failingFilesAreListedByPathAndEveryFileCounted() throws {
        let files = [
            FileResult(path: "/etc/nova/nova.conf", status: .parsed, format: .osloINI),
            FileResult(path: "/etc/sysctl.conf", status: .unparseable, format: .sysctl, reason: "bad line", line: 3),
            FileResult(path: "/etc/hosts", status: .missing, format: .hosts),
            FileResult(path: "/etc/ntp.conf", status: .parsed, format: .ntp),
            FileResult(path: "/etc/neutron/neutron.conf", status: .unreadable, format: .osloINI, reason: "permission denied"),
        ]
        for order in [files, files.reversed()] {
            let result = HostResult(name: "compute1", roles: [.compute], services: [], files: order)
            let host = RunOverview.Builder.part(of: result, findings: []).host
            #expect(host.fileFailures?.map(\.path) == ["/etc/hosts", "/etc/neutron/neutron.conf", "/etc/sysctl.conf"])
            #expect(host.fileFailures?.last?.line == 3 && host.fileFailures?.last?.reason == "bad line")
            #expect(host.files == ["parsed": 2, "missing": 1, "unreadable": 1, "unparseable": 1])
        }
    }
}
