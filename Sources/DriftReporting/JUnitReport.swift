import DriftCore
import Foundation

/// JUnit XML for CI systems (Jenkins, GitLab, GitHub Actions reporters): one failing (or
/// erring) test case per problem, then one passing or skipped case per rule and host, named
/// after the rule with the host as its class, so a CI page lists `compute2 › nova.default.my_ip`.
///
/// A problem's case is named after its root's file and option (`/etc/mysql/my.cnf [mysqld]
/// bind-address`, a host's `(collection)`), with its host as the class; it fails when any of
/// its findings fails and errs when none could be judged, and its text says what to do, then
/// each finding with expected versus actual. The checks of a rule on a host that are in no
/// problem make one case: passed, or skipped when every check was skipped or waived (the
/// waiver's reason and expiry as the message). Each host collected whole also gets a passing
/// `(collection)` case. Guide checks and upgrade checks are separate test suites.
package enum JUnitReport {
    package static func render(_ run: AuditRun) -> String {
        (try? String.report { try write(run, to: $0) }) ?? ""
    }

    /// Writes the report host by host, holding one host's findings at a time: problems come from
    /// the overview, a first pass over the findings counts the rule cases (the suites'
    /// attributes come first in the file), then the collection cases are written from the
    /// hosts' standing and the rule cases from a second pass over the findings.
    package static func write(_ run: any ReportableRun, to sink: any ReportSink) throws {
        let header = run.header, overview = run.overview
        let index = ProblemIndex(overview)
        var counts: [FindingCategory: Counts] = [.guide: Counts(), .upgrade: Counts()]
        for problem in overview.problems { counts[problem.category]!.add(problemCase(problem, index).outcome) }
        let wholeHosts = overview.hosts.filter(collectedWhole)
        for _ in wholeHosts { counts[.guide]!.add(.passed) }
        try run.forEachHost(only: nil, parts: .findings) { _, findings in
            for category in FindingCategory.allCases {
                for testCase in ruleCases(findings.filter { $0.category == category }) { counts[category]!.add(testCase.outcome) }
            }
        }
        let suites = zip(suiteNames, FindingCategory.allCases).filter { counts[$0.1]!.tests > 0 }
        var all = Counts()
        for (_, category) in suites { all.merge(counts[category]!) }

        var text = ReportText(sink)
        text.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        text.append("<testsuites" + attributes([("name", "stackdrift")] + totals(all, header)) + ">\n")
        for (suite, category) in suites {
            text.append("  <testsuite" + attributes([("name", suite)] + totals(counts[category]!, header)) + ">\n")
            text.append("    <properties>\n")
            for (name, value) in [("run", header.id.map(String.init) ?? ""), ("tool_version", header.toolVersion),
                                  ("architecture", header.architecture.rawValue), ("inventory", header.inventory ?? "")] {
                text.append("      <property" + attributes([("name", name), ("value", value)]) + "/>\n")
            }
            text.append("    </properties>\n")
            for problem in overview.problems(category) { text.append(problemCase(problem, index).xml) }
            if category == .guide {
                for host in wholeHosts {
                    text.append(Case(host: host.name, name: "(collection)", file: nil, line: nil, outcome: .passed).xml)
                }
            }
            try run.forEachHost(only: nil, parts: .findings) { _, findings in
                for testCase in ruleCases(findings.filter { $0.category == category }) { text.append(testCase.xml) }
                try text.flushIfLarge()
            }
            text.append("  </testsuite>\n")
        }
        text.append("</testsuites>\n")
        try text.flush()
    }

    /// The suites, in the order they are written: guide checks (with the collection cases), upgrade checks.
    static let suiteNames = ["stackdrift.guide", "stackdrift.upgrade"]

    /// Cases by outcome, for a suite's attributes.
    struct Counts {
        var tests = 0, failures = 0, errors = 0, skipped = 0

        mutating func add(_ outcome: Case.Outcome) {
            tests += 1
            if outcome.isFailure { failures += 1 }
            if outcome.isError { errors += 1 }
            if outcome.isSkipped { skipped += 1 }
        }

        mutating func merge(_ other: Counts) {
            tests += other.tests
            failures += other.failures
            errors += other.errors
            skipped += other.skipped
        }
    }

    struct Case {
        enum Outcome {
            case passed
            case failure(message: String, body: String)
            case error(message: String, body: String)
            case skipped(message: String)

            var isFailure: Bool { if case .failure = self { return true } else { return false } }
            var isError: Bool { if case .error = self { return true } else { return false } }
            var isSkipped: Bool { if case .skipped = self { return true } else { return false } }
        }

        var host: String
        var name: String
        var file: String?
        var line: Int?
        var outcome: Outcome

        var xml: String {
            let open = "    <testcase" + JUnitReport.attributes([
                ("classname", host), ("name", name), ("file", file), ("line", line.map(String.init)),
            ])
            switch outcome {
            case .passed:
                return open + "/>\n"
            case .failure(let message, let body):
                return open + ">\n      <failure" + JUnitReport.attributes([("message", message), ("type", "drift")]) + ">"
                    + Markup.escaped(body) + "</failure>\n    </testcase>\n"
            case .error(let message, let body):
                return open + ">\n      <error" + JUnitReport.attributes([("message", message), ("type", "incomplete")]) + ">"
                    + Markup.escaped(body) + "</error>\n    </testcase>\n"
            case .skipped(let message):
                return open + ">\n      <skipped" + JUnitReport.attributes([("message", message)]) + "/>\n    </testcase>\n"
            }
        }
    }

    /// A host whose every file reached the audit: its `(collection)` case passes. (A host or file
    /// that could not be read is a problem, with a case of its own.)
    static func collectedWhole(_ host: RunOverview.Host) -> Bool {
        host.collected && host.files(.unreadable) + host.files(.unparseable) == 0
    }

    /// One case per problem: fails (or errs) with what to do, then each of its findings.
    static func problemCase(_ problem: Problem, _ index: ProblemIndex) -> Case {
        let name: String
        switch problem.kind {
        case .host: name = "(collection)"
        case .file: name = problem.file ?? "(file)"
        case .value: name = (problem.file ?? "") + (problem.subject.isEmpty ? "" : " " + problem.subject)
        }
        let consequences = index.consequenceSummary(of: problem)
        let message = problem.title + (consequences.map { "; " + $0 } ?? "")
        let body = "fix \(problem.place)" + (problem.subject.isEmpty ? "" : " " + problem.subject) + "\n"
            + "to do: \(problem.advice)\n" + index.findings(of: problem).map(describe).joined()
        return Case(host: problem.host, name: name, file: problem.file, line: problem.line,
                    outcome: problem.status == .fail ? .failure(message: message, body: body) : .error(message: message, body: body))
    }

    /// One case per rule and host for the checks in no problem (passing, skipped, waived), in host
    /// then rule order; a rule with a failing or erroring check on the host is its problem's case.
    static func ruleCases(_ findings: [Finding]) -> [Case] {
        let groups = Dictionary(grouping: findings) { HostRule(host: $0.host, rule: $0.rule) }
        return groups.keys.sorted().compactMap { key in
            let group = groups[key]!.sorted(by: Finding.reportOrder)
            guard !group.contains(where: \.needsAttention) else { return nil }
            let outcome: Case.Outcome = group.allSatisfy({ $0.status == .skipped || $0.status == .waived })
                ? .skipped(message: group.map(skipReason).joined(separator: "; ")) : .passed
            return Case(host: key.host, name: key.rule, file: group[0].file, line: group[0].line, outcome: outcome)
        }
    }

    struct HostRule: Hashable, Comparable {
        var host: String
        var rule: String

        static func < (lhs: HostRule, rhs: HostRule) -> Bool { (lhs.host, lhs.rule) < (rhs.host, rhs.rule) }
    }

    /// The failure text for one finding: where, expected versus actual, and what to do.
    static func describe(_ finding: Finding) -> String {
        var lines = [finding.location + (finding.subject.isEmpty ? "" : " " + finding.subject),
                     "  \(finding.status.rawValue) (\(finding.severity.rawValue)): \(finding.title)",
                     "  expected: \(finding.expected ?? "(nothing)")",
                     "  actual:   \(finding.actual ?? "(not set)")"]
        if finding.secret { lines.append("  (secret: values masked)") }
        lines.append("  \(finding.message)")
        if let waiver = finding.waiver, waiver.expired { lines.append("  waiver expired \(waiver.expires): \(waiver.reason)") }
        if let fix = finding.fix { lines.append("  fix: \(fix)") }
        if let guide = finding.guide { lines.append("  guide: \(guide)") }
        return lines.joined(separator: "\n") + "\n"
    }

    static func skipReason(_ finding: Finding) -> String {
        if finding.status == .waived, let waiver = finding.waiver {
            return "waived until \(waiver.expires): \(waiver.reason)"
        }
        return finding.message
    }

    static func attributes(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { name, value in value.map { " \(name)=\"\(Markup.attribute($0))\"" } }.joined()
    }

    /// The counts, duration and start time a `<testsuites>` or `<testsuite>` carries.
    static func totals(_ counts: Counts, _ run: RunHeader) -> [(String, String?)] {
        [("tests", String(counts.tests)), ("failures", String(counts.failures)),
         ("errors", String(counts.errors)), ("skipped", String(counts.skipped)),
         ("time", String(ReportTime.seconds(from: run.startedAt, to: run.finishedAt))),
         ("timestamp", JSONReport.timestamp(run.startedAt))]
    }
}
