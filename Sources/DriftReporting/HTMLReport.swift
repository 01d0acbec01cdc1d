import DriftCore
import Foundation

/// The report a person reads: one self-contained HTML file (inline style sheet and script,
/// no fonts, images or requests) that opens offline in any browser and prints to PDF.
///
/// Top: the verdict, counts by status and severity, per host and per file, and what changed
/// since the previous run. Then, host by host and file by file, each failing check with
/// expected versus actual, the file's lines around it (from the run's redacted text), the
/// rule's rationale, guide reference and fix; waived checks with their reason and expiry;
/// collection errors; the passing and skipped checks, collapsed. Upgrade checks get a section
/// of their own. Every value is escaped (`HTMLWriter`); no secret is in the run to begin with.
package struct HTMLReport: Sendable {
    /// Why each rule exists, by rule id (`Rule.rationale`): rules are documentation the run
    /// does not carry, so whoever renders passes them in.
    package var rationales: [String: String]

    package init(rationales: [String: String] = [:]) {
        self.rationales = rationales
    }

    package func render(_ run: AuditRun) -> String {
        (try? String.report { try write(run, to: $0) }) ?? ""
    }

    /// Writes the page from the run's overview, then the details of only the hosts that need
    /// them (a failing, erroring or waived check, a host or file not collected): passing checks
    /// are counted, per host, file and rule, not listed, so a page of ten thousand hosts still
    /// opens in a browser. The JSON and JUnit reports list every check.
    package func write(_ run: any ReportableRun, to sink: any ReportSink) throws {
        var page = Page(run: run, rationales: rationales, text: ReportText(sink))
        try page.write()
    }
}

/// One rendering of one run.
struct Page {
    let run: any ReportableRun
    let header: RunHeader
    let overview: RunOverview
    let changes: RunChanges?
    let rationales: [String: String]
    let verdict: Verdict
    /// Findings failing now that did not fail in the previous run, by identity.
    let newlyFailing: Set<Finding.Identity>
    var html = HTMLWriter()
    var text: ReportText
    /// Each host's place in name order (1-based), for anchors.
    let hostNumbers: [String: Int]
    /// Hosts shown in detail.
    let detailed: Set<String>
    /// Files that get an article in the details, by category, host and path.
    let articles: Set<FileKey>
    /// Anchors of the diffs of changed files.
    let diffAnchors: [HostPath: String]
    /// Anchors of failing and erroring findings, for the summary's list of what needs attention.
    let findingAnchors: [Finding: String]

    init(run: any ReportableRun, rationales: [String: String], text: ReportText) {
        self.run = run
        header = run.header
        overview = run.overview
        changes = run.changes
        self.rationales = rationales
        self.text = text
        verdict = Verdict(header, overview)
        newlyFailing = Set(changes?.findings.filter { $0.kind == .new }.map(\.finding.identity) ?? [])
        hostNumbers = Dictionary(overview.hosts.enumerated().map { ($0.element.name, $0.offset + 1) }, uniquingKeysWith: { a, _ in a })
        detailed = Set(overview.hosts.filter(\.needsDetail).map(\.name))
        articles = Set((overview.attention + overview.waived).map { FileKey(category: $0.category, host: $0.host, path: $0.file) })
        var diffAnchors: [HostPath: String] = [:]
        for (index, change) in (changes?.files ?? []).enumerated() {
            diffAnchors[HostPath(host: change.host, path: change.path)] = "diff-\(index + 1)"
        }
        self.diffAnchors = diffAnchors
        // Numbered guide checks first, then upgrade checks, each in report order.
        var findingAnchors: [Finding: String] = [:]
        let ordered = overview.attention.filter { $0.category == .guide } + overview.attention.filter { $0.category == .upgrade }
        for finding in ordered where findingAnchors[finding] == nil {
            findingAnchors[finding] = "finding-\(findingAnchors.count + 1)"
        }
        self.findingAnchors = findingAnchors
    }

    /// Moves what was written so far to the sink once there is enough of it.
    mutating func flush(force: Bool = false) throws {
        text.append(html.take())
        if force { try text.flush() } else { try text.flushIfLarge() }
    }

    mutating func write() throws {
        html.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        html.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        html.open("meta", [("http-equiv", "Content-Security-Policy"), ("content", HTMLReport.contentSecurityPolicy)])
        html.newline()
        html.open("meta", [("name", "generator"), ("content", "stackdrift \(header.toolVersion)")])
        html.newline()
        html.element("title", [], title)
        html.newline()
        html.raw("<style>")
        html.raw(HTMLReport.style)
        html.raw("</style>\n</head>\n<body>\n")
        writeHeader()
        html.raw("<main>\n")
        try writeSummary()
        writeFilter()
        try flush()
        try writeCategory(.guide, id: "findings", heading: "Findings")
        if overview.tally(.upgrade).total > 0 {
            try writeCategory(.upgrade, id: "upgrade", heading: "Upgrade checks",
                              intro: "What must change before upgrading to the next release; kept apart from drift from the guide.")
        }
        if let changes { writeFileChanges(changes) }
        html.raw("</main>\n")
        writeFooter()
        html.raw("<script>")
        html.raw(HTMLReport.script)
        html.raw("</script>\n</body>\n</html>\n")
        try flush(force: true)
    }

    var title: String {
        let first = verdict.parts[0]
        return "stackdrift: \(first.part.label): \(first.text)" + (header.id.map { " (run \($0))" } ?? "")
    }

    // MARK: Header and summary

    private mutating func writeHeader() {
        let tone = verdict.failing > 0 ? "drift" : verdict.incomplete ? "incomplete" : verdict.upgradeFailing > 0 ? "upgrade" : "ok"
        html.open("header", [("class", "page-head " + tone)])
        html.raw("<div>")
        html.element("p", [("class", "eyebrow")], "stackdrift audit" + (header.id.map { " · run \($0)" } ?? ""))
        html.raw("<h1>")
        for (index, part) in verdict.parts.enumerated() {
            if index > 0 { html.raw("<br>") }
            html.element("span", [("class", "verdict-line " + part.part.rawValue)]) { html in
                html.element("strong", [], part.part.label)
                html.text(": " + part.text)
            }
        }
        html.raw("</h1>")
        let failedHosts = overview.failedHosts
        var facts = ["\(overview.hosts.count) host\(overview.hosts.count == 1 ? "" : "s")"
                     + (failedHosts > 0 ? " (\(failedHosts) not collected)" : ""),
                     "\(header.architecture.rawValue) networking",
                     "started " + ReportTime.text(header.startedAt),
                     "took " + ReportTime.duration(from: header.startedAt, to: header.finishedAt),
                     "stackdrift \(header.toolVersion)",
                     "exit code \(header.exitCode)"]
        if let inventory = header.inventory { facts.append("inventory " + inventory) }
        html.element("p", [("class", "meta")], facts.joined(separator: " · "))
        html.raw("</div></header>\n")
    }

    private mutating func writeSummary() throws {
        html.raw("<section id=\"summary\">\n<h2>Summary</h2>\n")
        let tally = overview.tally(.guide)
        html.raw("<div class=\"cards\">")
        for status in Self.countedStatuses {
            html.element("div", [("class", "card " + status.rawValue)]) { html in
                html.element("span", [("class", "n")], String(tally[status]))
                html.text(Self.statusLabel(status))
            }
        }
        html.raw("</div>\n")
        html.element("p", [("class", "severities")]) { html in
            html.element("strong", [], "Failing by severity: ")
            for (index, severity) in Severity.allCases.reversed().enumerated() {
                if index > 0 { html.text(" · ") }
                html.element("span", [("class", "badge sev-" + severity.rawValue)], severity.rawValue)
                html.text(" \(tally.failing(severity))")
            }
            html.text(" — \(tally.total) checks in all")
        }
        html.newline()
        let upgradeTally = overview.tally(.upgrade)
        if upgradeTally.total > 0 {
            html.element("p", []) { html in
                html.element("strong", [], "Upgrade checks: ")
                html.text("\(upgradeTally[.fail]) fail, \(upgradeTally[.error]) error, \(upgradeTally[.waived]) waived, "
                          + "\(upgradeTally[.pass]) pass, \(upgradeTally[.skipped]) skipped ")
                html.element("a", [("href", "#upgrade")], "(below)")
            }
            html.newline()
        }
        writeAttention()
        if let changes { writeChangeSummary(changes) }
        try flush()
        try writeHostTable()
        writeFileTable()
        writeRuleTable()
        html.raw("</section>\n")
    }

    /// Every problem, most severe first: the place to fix, what is wrong there, what else fails
    /// because of it and what to do; its findings collapsed beneath, each linked to its details.
    private mutating func writeAttention() {
        guard !overview.problems.isEmpty else { return }
        let index = ProblemIndex(overview)
        let count = overview.problems.count
        html.raw("<h3 id=\"problems\">Needs attention</h3>\n")
        html.element("p", [("class", "muted")], "\(count) problem\(count == 1 ? "" : "s") to fix, most severe first; "
                     + "each is one root cause, with the checks it explains beneath it.")
        html.newline()
        html.raw("<ol class=\"causes\">\n")
        for problem in overview.problems {
            html.open("li", [("class", "cause " + problem.status.rawValue), ("id", problem.id),
                             ("data-severity", problem.severity.rawValue)])
            html.element("div", [("class", "cause-head")]) { html in
                html.element("span", [("class", "badge sev-" + problem.severity.rawValue)], problem.severity.rawValue)
                html.text(" ")
                Self.statusBadge(problem.status, &html)
                html.text(" ")
                html.element("strong", [], problem.title)
                if problem.category == .upgrade { html.text(" (upgrade)") }
            }
            html.element("p", [("class", "where")], "fix " + problem.place + (problem.subject.isEmpty ? "" : " · " + problem.subject))
            let findings = index.findings(of: problem)
            if problem.kind == .value, let primary = findings.first { html.element("p", [], primary.message) }
            if let consequences = index.consequenceSummary(of: problem) {
                html.element("p", [("class", "consequence")], consequences)
            }
            html.element("p", [("class", "advice")]) { html in
                html.element("strong", [], "To do: ")
                html.text(problem.advice)
            }
            if !findings.isEmpty {
                let hosts = Set(findings.map(\.host)).count
                html.raw("<details><summary>")
                html.text("\(findings.count) check\(findings.count == 1 ? "" : "s") on \(hosts) host\(hosts == 1 ? "" : "s")")
                html.raw("</summary>\n<table class=\"attention\"><thead><tr><th>severity</th><th>status</th><th>host</th><th>where</th><th>check</th></tr></thead>\n<tbody>\n")
                for finding in findings {
                    html.raw("<tr>")
                    html.element("td", []) { $0.element("span", [("class", "badge sev-" + finding.severity.rawValue)], finding.severity.rawValue) }
                    html.element("td", []) { Self.statusBadge(finding.status, &$0) }
                    html.element("td", [], finding.host)
                    html.element("td", [("class", "mono")], finding.file + (finding.line.map { ":\($0)" } ?? ""))
                    let anchor = findingAnchors[finding].map { "#" + $0 }
                    html.element("td", []) { $0.element("a", [("href", anchor)], finding.title) }
                    html.raw("</tr>\n")
                }
                html.raw("</tbody></table></details>\n")
            }
            html.raw("</li>\n")
        }
        html.raw("</ol>\n")
    }

    private mutating func writeHostTable() throws {
        html.raw("<h3>By host</h3>\n<table class=\"hosts\"><thead><tr><th>host</th><th>roles</th><th>collection</th>")
        Self.countHeaders(&html)
        html.raw("<th>worst</th></tr></thead>\n<tbody>\n")
        for host in overview.hosts {
            html.raw("<tr>")
            let anchor = detailed.contains(host.name) ? "#" + hostAnchor(host.name) : nil
            html.element("td", []) { html in
                if let anchor {
                    html.element("a", [("href", anchor)], host.name)
                } else {
                    html.text(host.name)
                }
            }
            html.element("td", [], host.roles.map(\.rawValue).joined(separator: ", "))
            let legacy = host.legacyAlgorithms.isEmpty ? "" : " (legacy SSH: \(host.legacyAlgorithms.joined(separator: ", ")))"
            html.element("td", host.collected ? [] : [("class", "bad")],
                         (host.collected ? "collected" : "failed: \(host.errorKind ?? "error")") + legacy)
            Self.countCells(host.guide, &html)
            writeWorst(host.guide)
            html.raw("</tr>\n")
            try flush()
        }
        html.raw("</tbody></table>\n")
    }

    private mutating func writeFileTable() {
        guard !overview.files.isEmpty else { return }
        html.raw("<h3>By file</h3>\n<table class=\"files\"><thead><tr><th>file</th><th class=\"n\">hosts</th>")
        Self.countHeaders(&html)
        html.raw("<th>worst</th></tr></thead>\n<tbody>\n")
        for file in overview.files {
            html.raw("<tr>")
            html.element("td", [("class", "mono")], file.path)
            html.element("td", [("class", "n")], String(file.hosts))
            Self.countCells(file.tally, &html)
            writeWorst(file.tally)
            html.raw("</tr>\n")
        }
        html.raw("</tbody></table>\n")
    }

    /// Every guide rule that ran, with its outcomes across the fleet: the compliance view, which
    /// costs a row per rule however many hosts there are.
    private mutating func writeRuleTable() {
        let rules = overview.rules.filter { $0.category == .guide }
        guard !rules.isEmpty else { return }
        html.raw("<details class=\"rules\"><summary>")
        html.text("By rule: \(rules.count) rule\(rules.count == 1 ? "" : "s") checked")
        html.raw("</summary>\n<table class=\"rules\"><thead><tr><th>rule</th><th>check</th>")
        Self.countHeaders(&html)
        html.raw("<th>worst</th></tr></thead>\n<tbody>\n")
        for rule in rules {
            html.raw("<tr>")
            html.element("td", []) { $0.element("code", [], rule.id) }
            html.element("td", [], rule.title)
            Self.countCells(rule.tally, &html)
            writeWorst(rule.tally)
            html.raw("</tr>\n")
        }
        html.raw("</tbody></table></details>\n")
    }

    private mutating func writeWorst(_ tally: FindingTally) {
        html.element("td", []) { html in
            if let worst = tally.worstFailing {
                html.element("span", [("class", "badge sev-" + worst.rawValue)], worst.rawValue)
            }
        }
    }

    static let countedStatuses: [FindingStatus] = [.fail, .error, .waived, .pass, .skipped]
    /// The statuses the details list one by one (passing and skipped checks are counted).
    static let listedStatuses: [FindingStatus] = [.fail, .error, .waived]

    static func countHeaders(_ html: inout HTMLWriter) {
        for status in countedStatuses { html.element("th", [("class", "n")], status.rawValue) }
    }

    static func countCells(_ tally: FindingTally, _ html: inout HTMLWriter) {
        for status in countedStatuses {
            let count = tally[status]
            let style = count == 0 ? "n zero" : (status == .fail || status == .error) ? "n bad" : "n"
            html.element("td", [("class", style)], String(count))
        }
    }

    static func statusLabel(_ status: FindingStatus) -> String {
        switch status {
        case .fail: return "failing"
        case .error: return "could not be checked"
        case .waived: return "waived"
        case .pass: return "passing"
        case .skipped: return "not applicable"
        }
    }

    /// Host sections are numbered by the host's place in the run, sorted by name.
    func hostAnchor(_ name: String) -> String {
        "host-\(hostNumbers[name] ?? overview.hosts.count + 1)"
    }

    /// A file's article: `file-3-etc-nova-nova.conf` (`upgrade-file-…` among upgrade checks), from
    /// the host's number and the path, so the summary can link to an article written later.
    func fileAnchor(_ file: FileKey) -> String? {
        guard articles.contains(file), detailed.contains(file.host) else { return nil }
        var path = ""
        for scalar in file.path.unicodeScalars {
            if scalar.properties.isASCIIHexDigit || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "." || scalar == "_" {
                path.unicodeScalars.append(scalar)
            } else if scalar == "/" || scalar == "-" {
                path += "-"
            } else {
                path += "~" + String(scalar.value, radix: 16)
            }
        }
        return (file.category == .upgrade ? "upgrade-" : "") + "file-\(hostNumbers[file.host] ?? 0)" + path
    }

    // MARK: Filter and footer

    private mutating func writeFilter() {
        html.raw("<form id=\"filter\" class=\"filter\" hidden>\n")
        html.raw("<label>Host <select name=\"host\"><option value=\"\">all hosts</option>")
        for host in overview.hosts where detailed.contains(host.name) {
            html.element("option", [("value", host.name)], host.name)
        }
        html.raw("</select></label>\n<fieldset><legend>Severity</legend>")
        for severity in Severity.allCases.reversed() {
            html.element("label", []) { html in
                html.open("input", [("type", "checkbox"), ("name", "severity"), ("value", severity.rawValue), ("checked", "")])
                html.text(" " + severity.rawValue)
            }
        }
        html.raw("</fieldset>\n<fieldset><legend>Status</legend>")
        for status in Self.listedStatuses {
            html.element("label", []) { html in
                html.open("input", [("type", "checkbox"), ("name", "status"), ("value", status.rawValue), ("checked", "")])
                html.text(" " + status.rawValue)
            }
        }
        html.raw("</fieldset>\n<button type=\"button\" name=\"reset\">Show all</button>")
        html.raw("<button type=\"button\" name=\"expand\">Expand all</button>")
        html.raw("<button type=\"button\" name=\"collapse\">Collapse all</button>\n")
        html.raw("<output id=\"shown\"></output>\n</form>\n")
    }

    private mutating func writeFooter() {
        html.raw("<footer>\n")
        html.element("p", [], "Generated by stackdrift \(header.toolVersion) from run "
                     + (header.id.map(String.init) ?? "(not stored)") + ", finished " + ReportTime.text(header.finishedAt) + ".")
        html.element("p", [], "Secret values never appear in this report: a secret option shows as <secret> "
                     + "(equal letters, <secret A>, mean equal values across files), and quoted lines show "
                     + "<redacted:…> tags, equal for equal secrets.")
        html.raw("</footer>\n")
    }
}

/// One file of one host.
struct HostPath: Hashable {
    var host: String
    var path: String
}

/// One file of one host within a category's section of the page.
struct FileKey: Hashable {
    var category: FindingCategory
    var host: String
    var path: String
}

/// Dates and durations as reports print them: UTC, to the second.
enum ReportTime {
    /// `2025-11-24 16:00:00 UTC`.
    static func text(_ date: Date) -> String {
        date.formatted(.iso8601).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }

    /// `2 s`, `3 min 5 s`.
    static func duration(from start: Date, to end: Date) -> String {
        let seconds = self.seconds(from: start, to: end)
        return seconds < 60 ? "\(seconds) s" : "\(seconds / 60) min \(seconds % 60) s"
    }

    /// Whole seconds between two times as reports print them (to the second, as the JSON
    /// report and the database keep them), so a stored run's report matches the audit's.
    static func seconds(from start: Date, to end: Date) -> Int {
        max(0, Int(end.timeIntervalSince1970.rounded(.down) - start.timeIntervalSince1970.rounded(.down)))
    }
}
