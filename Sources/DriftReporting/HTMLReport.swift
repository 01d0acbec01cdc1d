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
public struct HTMLReport: Sendable {
    /// Why each rule exists, by rule id (`Rule.rationale`): rules are documentation the run
    /// does not carry, so whoever renders passes them in.
    public var rationales: [String: String]

    public init(rationales: [String: String] = [:]) {
        self.rationales = rationales
    }

    public func render(_ run: AuditRun) -> String {
        var page = Page(run: run, rationales: rationales)
        page.write()
        return page.html.output
    }
}

/// One rendering of one run.
struct Page {
    let run: AuditRun
    let rationales: [String: String]
    let verdict: Verdict
    let excerpts: FileExcerpt.Source
    let guide: [Finding]
    let upgrade: [Finding]
    /// Findings failing now that did not fail in the previous run, by identity.
    let newlyFailing: Set<Finding.Identity>
    var html = HTMLWriter()
    /// Anchors of file articles, for links from the summary.
    let fileAnchors: [FileKey: String]
    /// Anchors of the diffs of changed files.
    let diffAnchors: [HostPath: String]
    /// Anchors of failing and erroring findings, for the summary's list of what needs attention.
    let findingAnchors: [Finding: String]

    init(run: AuditRun, rationales: [String: String]) {
        self.run = run
        self.rationales = rationales
        verdict = Verdict(run)
        excerpts = FileExcerpt.Source(run)
        let findings = run.findings.sorted(by: Finding.reportOrder)
        guide = findings.filter { $0.category == .guide }
        upgrade = findings.filter { $0.category == .upgrade }
        newlyFailing = Set(run.changes?.findings.filter { $0.kind == .new }.map(\.finding.identity) ?? [])
        // Numbered before writing, so the summary can link to articles written after it.
        var fileAnchors: [FileKey: String] = [:]
        for finding in guide + upgrade {
            let file = FileKey(category: finding.category, host: finding.host, path: finding.file)
            if fileAnchors[file] == nil { fileAnchors[file] = "file-\(fileAnchors.count + 1)" }
        }
        self.fileAnchors = fileAnchors
        var diffAnchors: [HostPath: String] = [:]
        for (index, change) in (run.changes?.files ?? []).enumerated() {
            diffAnchors[HostPath(host: change.host, path: change.path)] = "diff-\(index + 1)"
        }
        self.diffAnchors = diffAnchors
        var findingAnchors: [Finding: String] = [:]
        for finding in (guide + upgrade).filter(\.needsAttention) where findingAnchors[finding] == nil {
            findingAnchors[finding] = "finding-\(findingAnchors.count + 1)"
        }
        self.findingAnchors = findingAnchors
    }

    mutating func write() {
        html.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        html.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        html.open("meta", [("http-equiv", "Content-Security-Policy"), ("content", HTMLReport.contentSecurityPolicy)])
        html.newline()
        html.open("meta", [("name", "generator"), ("content", "stackdrift \(run.toolVersion)")])
        html.newline()
        html.element("title", [], title)
        html.newline()
        html.raw("<style>")
        html.raw(HTMLReport.style)
        html.raw("</style>\n</head>\n<body>\n")
        writeHeader()
        html.raw("<main>\n")
        writeSummary()
        writeFilter()
        writeCategory(guide, id: "findings", heading: "Findings", empty: "No checks ran.")
        if !upgrade.isEmpty {
            writeCategory(upgrade, id: "upgrade", heading: "Upgrade checks",
                          intro: "What must change before upgrading to the next release; kept apart from drift from the guide.",
                          empty: "")
        }
        if let changes = run.changes { writeFileChanges(changes) }
        html.raw("</main>\n")
        writeFooter()
        html.raw("<script>")
        html.raw(HTMLReport.script)
        html.raw("</script>\n</body>\n</html>\n")
    }

    var title: String {
        let first = verdict.parts[0]
        return "stackdrift: \(first.part.label): \(first.text)" + (run.id.map { " (run \($0))" } ?? "")
    }

    // MARK: Header and summary

    private mutating func writeHeader() {
        let tone = verdict.failing > 0 ? "drift" : verdict.incomplete ? "incomplete" : verdict.upgradeFailing > 0 ? "upgrade" : "ok"
        html.open("header", [("class", "page-head " + tone)])
        html.raw("<div>")
        html.element("p", [("class", "eyebrow")], "stackdrift audit" + (run.id.map { " · run \($0)" } ?? ""))
        html.raw("<h1>")
        for (index, part) in verdict.parts.enumerated() {
            if index > 0 { html.raw("<br>") }
            html.element("span", [("class", "verdict-line " + part.part.rawValue)]) { html in
                html.element("strong", [], part.part.label)
                html.text(": " + part.text)
            }
        }
        html.raw("</h1>")
        let failedHosts = run.hosts.filter { !$0.collected }.count
        var facts = ["\(run.hosts.count) host\(run.hosts.count == 1 ? "" : "s")"
                     + (failedHosts > 0 ? " (\(failedHosts) not collected)" : ""),
                     "\(run.architecture.rawValue) networking",
                     "started " + ReportTime.text(run.startedAt),
                     "took " + ReportTime.duration(from: run.startedAt, to: run.finishedAt),
                     "stackdrift \(run.toolVersion)",
                     "exit code \(run.exitCode)"]
        if let inventory = run.inventory { facts.append("inventory " + inventory) }
        html.element("p", [("class", "meta")], facts.joined(separator: " · "))
        html.raw("</div></header>\n")
    }

    private mutating func writeSummary() {
        html.raw("<section id=\"summary\">\n<h2>Summary</h2>\n")
        let tally = FindingTally(guide)
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
        if !upgrade.isEmpty {
            let upgradeTally = FindingTally(upgrade)
            html.element("p", []) { html in
                html.element("strong", [], "Upgrade checks: ")
                html.text("\(upgradeTally[.fail]) fail, \(upgradeTally[.error]) error, \(upgradeTally[.waived]) waived, "
                          + "\(upgradeTally[.pass]) pass, \(upgradeTally[.skipped]) skipped ")
                html.element("a", [("href", "#upgrade")], "(below)")
            }
            html.newline()
        }
        writeAttention()
        if let changes = run.changes { writeChangeSummary(changes) }
        writeHostTable()
        writeFileTable()
        html.raw("</section>\n")
    }

    /// Every failing and erroring check, most severe first, each linked to its details.
    private mutating func writeAttention() {
        let listed = (guide + upgrade).filter(\.needsAttention).sorted(by: Finding.attentionOrder)
        guard !listed.isEmpty else { return }
        html.raw("<h3>Needs attention</h3>\n<table class=\"attention\"><thead><tr><th>severity</th><th>status</th><th>host</th><th>where</th><th>check</th></tr></thead>\n<tbody>\n")
        for finding in listed {
            html.raw("<tr>")
            html.element("td", []) { $0.element("span", [("class", "badge sev-" + finding.severity.rawValue)], finding.severity.rawValue) }
            html.element("td", []) { Self.statusBadge(finding.status, &$0) }
            html.element("td", [], finding.host)
            html.element("td", [("class", "mono")], finding.file + (finding.line.map { ":\($0)" } ?? ""))
            html.element("td", []) { html in
                html.element("a", [("href", findingAnchors[finding].map { "#" + $0 })], finding.title)
                if finding.category == .upgrade { html.text(" (upgrade)") }
            }
            html.raw("</tr>\n")
        }
        html.raw("</tbody></table>\n")
    }

    private mutating func writeHostTable() {
        html.raw("<h3>By host</h3>\n<table class=\"hosts\"><thead><tr><th>host</th><th>roles</th><th>collection</th>")
        Self.countHeaders(&html)
        html.raw("<th>worst</th></tr></thead>\n<tbody>\n")
        for host in run.hosts.sorted(by: { $0.name < $1.name }) {
            let tally = FindingTally(guide.filter { $0.host == host.name })
            html.raw("<tr>")
            html.element("td", []) { html in
                html.element("a", [("href", "#" + Self.hostAnchor(host.name, in: run))], host.name)
            }
            html.element("td", [], host.roles.map(\.rawValue).joined(separator: ", "))
            let legacy = host.legacyAlgorithms.isEmpty ? "" : " (legacy SSH: \(host.legacyAlgorithms.joined(separator: ", ")))"
            html.element("td", host.collected ? [] : [("class", "bad")],
                         (host.collected ? "collected" : "failed: \(host.errorKind ?? "error")") + legacy)
            Self.countCells(tally, &html)
            writeWorst(tally)
            html.raw("</tr>\n")
        }
        html.raw("</tbody></table>\n")
    }

    private mutating func writeFileTable() {
        var byPath: [String: (hosts: Set<String>, tally: FindingTally)] = [:]
        for finding in guide {
            byPath[finding.file, default: ([], FindingTally([]))].hosts.insert(finding.host)
            byPath[finding.file, default: ([], FindingTally([]))].tally.add(finding)
        }
        guard !byPath.isEmpty else { return }
        html.raw("<h3>By file</h3>\n<table class=\"files\"><thead><tr><th>file</th><th class=\"n\">hosts</th>")
        Self.countHeaders(&html)
        html.raw("<th>worst</th></tr></thead>\n<tbody>\n")
        for (path, entry) in byPath.sorted(by: { $0.key < $1.key }) {
            html.raw("<tr>")
            html.element("td", [("class", "mono")], path)
            html.element("td", [("class", "n")], String(entry.hosts.count))
            Self.countCells(entry.tally, &html)
            writeWorst(entry.tally)
            html.raw("</tr>\n")
        }
        html.raw("</tbody></table>\n")
    }

    private mutating func writeWorst(_ tally: FindingTally) {
        html.element("td", []) { html in
            if let worst = tally.worstFailing {
                html.element("span", [("class", "badge sev-" + worst.rawValue)], worst.rawValue)
            }
        }
    }

    static let countedStatuses: [FindingStatus] = [.fail, .error, .waived, .pass, .skipped]

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
    static func hostAnchor(_ name: String, in run: AuditRun) -> String {
        "host-\((run.hosts.map(\.name).sorted().firstIndex(of: name) ?? run.hosts.count) + 1)"
    }

    // MARK: Filter and footer

    private mutating func writeFilter() {
        html.raw("<form id=\"filter\" class=\"filter\" hidden>\n")
        html.raw("<label>Host <select name=\"host\"><option value=\"\">all hosts</option>")
        for name in Set(run.hosts.map(\.name) + run.findings.map(\.host)).sorted() {
            html.element("option", [("value", name)], name)
        }
        html.raw("</select></label>\n<fieldset><legend>Severity</legend>")
        for severity in Severity.allCases.reversed() {
            html.element("label", []) { html in
                html.open("input", [("type", "checkbox"), ("name", "severity"), ("value", severity.rawValue), ("checked", "")])
                html.text(" " + severity.rawValue)
            }
        }
        html.raw("</fieldset>\n<fieldset><legend>Status</legend>")
        for status in Self.countedStatuses {
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
        html.element("p", [], "Generated by stackdrift \(run.toolVersion) from run "
                     + (run.id.map(String.init) ?? "(not stored)") + ", finished " + ReportTime.text(run.finishedAt) + ".")
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
