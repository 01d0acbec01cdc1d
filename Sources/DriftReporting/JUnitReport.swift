import DriftCore
import Foundation

/// JUnit XML for CI systems (Jenkins, GitLab, GitHub Actions reporters): one test case per
/// rule and host, named after the rule with the host as its class, so a CI page lists
/// `compute2 › nova.default.my_ip`.
///
/// A case fails when any of its findings fails, with expected versus actual for each in the
/// failure's text; errs when a check could not be evaluated; is skipped when every check was
/// skipped or waived (the waiver's reason and expiry as the message). Each host also gets a
/// `(collection)` case that errs when the host, or one of its files, could not be read.
/// Guide checks and upgrade checks are separate test suites.
public enum JUnitReport {
    public static func render(_ run: AuditRun) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let suites = [
            Suite(name: "stackdrift.guide", cases: collectionCases(run) + ruleCases(run.findings.filter { $0.category == .guide })),
            Suite(name: "stackdrift.upgrade", cases: ruleCases(run.findings.filter { $0.category == .upgrade })),
        ].filter { !$0.cases.isEmpty }
        let all = suites.flatMap(\.cases)
        xml += "<testsuites" + attributes([("name", "stackdrift")] + totals(all, run)) + ">\n"
        for suite in suites {
            xml += "  <testsuite" + attributes([("name", suite.name)] + totals(suite.cases, run)) + ">\n"
            xml += "    <properties>\n"
            for (name, value) in [("run", run.id.map(String.init) ?? ""), ("tool_version", run.toolVersion),
                                  ("architecture", run.architecture.rawValue), ("inventory", run.inventory ?? "")] {
                xml += "      <property" + attributes([("name", name), ("value", value)]) + "/>\n"
            }
            xml += "    </properties>\n"
            for testCase in suite.cases { xml += testCase.xml }
            xml += "  </testsuite>\n"
        }
        xml += "</testsuites>\n"
        return xml
    }

    struct Suite {
        var name: String
        var cases: [Case]
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

    /// One case per host: did its files reach the audit?
    static func collectionCases(_ run: AuditRun) -> [Case] {
        run.hosts.sorted { $0.name < $1.name }.map { host in
            var problems: [String] = []
            if let error = host.error { problems.append("host not collected (\(host.errorKind ?? "error")): \(error)") }
            for file in host.files.sorted(by: { $0.path < $1.path }) where file.status == .unreadable || file.status == .unparseable {
                problems.append("\(file.path)\(file.line.map { ":\($0)" } ?? ""): \(file.status.rawValue): \(file.reason ?? "no reason given")")
            }
            let outcome: Case.Outcome = problems.isEmpty ? .passed
                : .error(message: problems[0], body: problems.joined(separator: "\n") + "\n")
            return Case(host: host.name, name: "(collection)", file: nil, line: nil, outcome: outcome)
        }
    }

    /// One case per rule and host, in host then rule order.
    static func ruleCases(_ findings: [Finding]) -> [Case] {
        let groups = Dictionary(grouping: findings) { HostRule(host: $0.host, rule: $0.rule) }
        return groups.keys.sorted().map { key in
            let group = groups[key]!.sorted(by: Finding.reportOrder)
            let failing = group.filter { $0.status == .fail }, errors = group.filter { $0.status == .error }
            let first = (failing + errors).first ?? group[0]
            let outcome: Case.Outcome
            if !failing.isEmpty {
                outcome = .failure(message: failing[0].message, body: (failing + errors).map(describe).joined())
            } else if !errors.isEmpty {
                outcome = .error(message: errors[0].message, body: errors.map(describe).joined())
            } else if group.allSatisfy({ $0.status == .skipped || $0.status == .waived }) {
                outcome = .skipped(message: group.map(skipReason).joined(separator: "; "))
            } else {
                outcome = .passed
            }
            return Case(host: key.host, name: key.rule, file: first.file, line: first.line, outcome: outcome)
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
    static func totals(_ cases: [Case], _ run: AuditRun) -> [(String, String?)] {
        [("tests", String(cases.count)), ("failures", String(cases.count { $0.outcome.isFailure })),
         ("errors", String(cases.count { $0.outcome.isError })), ("skipped", String(cases.count { $0.outcome.isSkipped })),
         ("time", String(ReportTime.seconds(from: run.startedAt, to: run.finishedAt))),
         ("timestamp", JSONReport.timestamp(run.startedAt))]
    }
}
