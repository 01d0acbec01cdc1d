import DriftCore

/// The findings part of the page: host by host, file by file.
extension Page {
    /// The hosts that need a closer look, host by host and file by file: read one at a time.
    mutating func writeCategory(_ category: FindingCategory, id: StaticString, heading: String, intro: String? = nil) throws {
        html.open("section", [("id", id.description)])
        html.newline()
        html.element("h2", [], heading)
        if let intro { html.element("p", [("class", "muted")], intro) }
        // Collection problems belong to the guide's section; the upgrade section shows the hosts it has checks to show for.
        let shown = overview.hosts.filter { host in
            guard detailed.contains(host.name) else { return false }
            let tally = category == .guide ? host.guide : host.upgrade
            return tally.needingAttention + tally[.waived] > 0
                || (category == .guide && (!host.collected || host.files(.unreadable) + host.files(.unparseable) > 0))
        }
        if shown.isEmpty {
            let tally = overview.tally(category)
            html.element("p", [], tally.total == 0 && overview.hosts.isEmpty ? "No checks ran."
                         : "Nothing to show: \(tally[.pass]) checks pass and \(tally[.skipped]) do not apply (see the tables above).")
        } else if shown.count < overview.hosts.count {
            html.element("p", [("class", "muted")], "\(overview.hosts.count - shown.count) of the \(overview.hosts.count) hosts "
                         + "have nothing to show here: every check there passes or does not apply.")
        }
        html.newline()
        let standing = Dictionary(shown.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        try run.forEachHost(only: Set(standing.keys), parts: .all) { result, findings in
            writeHost(result, standing: standing[result.name]!, findings: findings.filter { $0.category == category },
                      category: category)
            try flush()
        }
        html.raw("</section>\n")
    }

    private mutating func writeHost(_ result: HostResult, standing: RunOverview.Host, findings: [Finding],
                                    category: FindingCategory) {
        let name = result.name
        let isGuide = category == .guide
        html.open("section", [("class", "host"), ("id", isGuide ? hostAnchor(name) : nil), ("data-group", "")])
        html.raw("<div class=\"host-head\">")
        html.element("h3", [], name)
        html.element("span", [("class", "muted")], result.roles.map(\.rawValue).joined(separator: ", ")
                     + (result.services.isEmpty ? "" : " · runs " + result.services.map(\.rawValue).joined(separator: ", ")))
        writeTallyBadges(isGuide ? standing.guide : standing.upgrade)
        html.raw("</div>\n")

        if isGuide, let error = result.error {
            html.element("div", [("class", "problem"), ("data-finding", "collection"), ("data-host", name), ("data-status", "error")]) { html in
                html.element("strong", [], "Not collected" + (result.errorKind.map { " (\($0))" } ?? "") + ": ")
                html.text(error)
                if !result.files.isEmpty {
                    html.text(" — the files read before the failure were still checked.")
                }
            }
            html.newline()
        }

        let excerpts = FileExcerpt.Source(host: result)
        let listed = findings.filter { Self.listedStatuses.contains($0.status) }
        let byFile = Dictionary(grouping: listed, by: \.file)
        // Files that could not be read or parsed are shown even when no check names them.
        let problemFiles = isGuide ? result.files.filter { $0.status == .unreadable || $0.status == .unparseable }.map(\.path) : []
        let files = Dictionary(result.files.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        for path in Set(byFile.keys).union(problemFiles).sorted() {
            writeFile(FileKey(category: category, host: name, path: path), result: files[path], findings: byFile[path] ?? [],
                      excerpts: excerpts)
        }
        let quiet = FindingTally(findings.filter { !Self.listedStatuses.contains($0.status) })
        if quiet.total > 0 {
            let parts = [quiet[.pass] > 0 ? "\(quiet[.pass]) pass" : nil, quiet[.skipped] > 0 ? "\(quiet[.skipped]) do not apply" : nil]
            html.element("p", [("class", "quiet")], "Also on this host: \(quiet.total) check\(quiet.total == 1 ? "" : "s") not listed ("
                         + parts.compactMap { $0 }.joined(separator: ", ") + "); the JSON and JUnit reports list every check.")
        }
        html.raw("</section>\n")
    }

    private mutating func writeFile(_ file: FileKey, result: FileResult?, findings: [Finding], excerpts: FileExcerpt.Source) {
        html.open("article", [("class", "file"), ("id", fileAnchor(file)), ("data-group", "")])
        html.raw("<div class=\"file-head\">")
        html.element("h4", [], file.path)
        if let result {
            html.element("span", [("class", "muted")], [result.format?.rawValue, result.status.rawValue].compactMap { $0 }.joined(separator: " · "))
        }
        writeTallyBadges(FindingTally(findings))
        if let diff = diffAnchors[HostPath(host: file.host, path: file.path)], let changes,
           let index = Int(diff.dropFirst("diff-".count)), changes.files.indices.contains(index - 1) {
            let change = changes.files[index - 1]
            html.element("a", [("href", "#" + diff), ("class", "no-print")], "\(change.kind.rawValue) since run \(changes.previousRunID)")
        }
        html.raw("</div>\n<div class=\"file-body\">\n")

        if let result, result.status == .unreadable || result.status == .unparseable {
            writeFileProblem(host: file.host, result, excerpts: excerpts)
        }
        for finding in findings { writeFinding(finding, excerpts: excerpts) }
        html.raw("</div></article>\n")
    }

    private mutating func writeFileProblem(host: String, _ result: FileResult, excerpts: FileExcerpt.Source) {
        html.element("div", [("class", "problem"), ("data-finding", "collection"), ("data-host", host), ("data-status", "error")]) { html in
            html.element("strong", [], (result.status == .unreadable ? "Could not be read" : "Could not be parsed")
                         + (result.line.map { " at line \($0)" } ?? "") + ": ")
            html.text(result.reason ?? "no reason given")
        }
        html.newline()
        if let line = result.line, let lines = excerpts.lines(host: host, path: result.path),
           let excerpt = FileExcerpt.Source.excerpt(lines, around: line) {
            writeExcerpt(excerpt)
        }
    }

    private mutating func writeFinding(_ finding: Finding, excerpts: FileExcerpt.Source) {
        html.open("div", [("id", findingAnchors[finding])] + findingAttributes(finding, class: "finding " + finding.status.rawValue))
        html.raw("<div class=\"finding-head\">")
        Self.statusBadge(finding.status, &html)
        html.element("span", [("class", "badge sev-" + finding.severity.rawValue)], finding.severity.rawValue)
        if newlyFailing.contains(finding.identity), let changes {
            html.element("span", [("class", "badge st-new")], "new since run \(changes.previousRunID)")
        }
        html.element("span", [("class", "title")], finding.title)
        html.element("code", [], finding.rule)
        html.raw("</div>\n")
        html.element("p", [("class", "where")], Self.place(finding))
        html.element("p", [("class", "message")], finding.message)
        if finding.expected != nil || finding.actual != nil { writeValues(finding) }
        if let waiver = finding.waiver { writeWaiver(waiver, status: finding.status) }
        if let excerpt = excerpts.excerpt(for: finding) { writeExcerpt(excerpt) }
        writeExplanation(finding)
        html.raw("</div>\n")
    }

    private mutating func writeValues(_ finding: Finding) {
        html.raw("<dl class=\"values\">")
        for (label, value) in [("expected", finding.expected), ("found", finding.actual)] {
            html.element("dt", [], label)
            html.element("dd", []) { html in
                if let value {
                    html.element("code", finding.secret ? [("class", "masked")] : [], value)
                } else {
                    html.element("span", [("class", "unset")], label == "found" ? "not set" : "—")
                }
            }
        }
        html.raw("</dl>\n")
        if finding.secret {
            html.element("p", [("class", "note")], "Secret option: the value is never shown. <secret> means it is set; "
                         + "<secret A>, <secret B> tell equal values from different ones across files.")
        }
    }

    private mutating func writeWaiver(_ waiver: WaiverNote, status: FindingStatus) {
        html.element("div", [("class", "waiver")]) { html in
            html.element("strong", [], waiver.expired ? "Waiver expired on \(waiver.expires): " : "Waived until \(waiver.expires): ")
            html.text(waiver.reason)
            html.element("span", [("class", "note")], " (waiver at \(waiver.definedAt))")
        }
        html.newline()
    }

    private mutating func writeExcerpt(_ excerpt: FileExcerpt) {
        if let section = excerpt.sectionLine {
            html.element("p", [("class", "note")], "Not set in the file; its section begins at line \(section):")
        }
        html.raw("<table class=\"excerpt\"><tbody>")
        for line in excerpt.lines {
            html.open("tr", line.highlighted ? [("class", "hit")] : [])
            html.element("td", [("class", "ln")], String(line.number))
            html.element("td", [], line.text)
            html.raw("</tr>")
        }
        html.raw("</tbody></table>\n")
    }

    private mutating func writeExplanation(_ finding: Finding) {
        let rationale = rationales[finding.rule].flatMap { $0.isEmpty ? nil : $0 }
        guard rationale != nil || finding.guide != nil || finding.fix != nil else { return }
        html.raw("<dl class=\"explain\">")
        if let rationale { html.element("dt", [], "Why"); html.element("dd", [], rationale) }
        if let guide = finding.guide { html.element("dt", [], "Guide"); html.element("dd", [], guide.description) }
        if let fix = finding.fix { html.element("dt", [], "Fix"); html.element("dd", []) { $0.element("code", [], fix) } }
        html.raw("</dl>\n")
    }

    private func findingAttributes(_ finding: Finding, class name: String?) -> [HTMLWriter.Attribute] {
        [("class", name), ("data-finding", "check"), ("data-host", finding.host),
         ("data-severity", finding.severity.rawValue), ("data-status", finding.status.rawValue)]
    }

    static func statusBadge(_ status: FindingStatus, _ html: inout HTMLWriter) {
        html.element("span", [("class", "badge st-" + status.rawValue)], status.rawValue)
    }

    private mutating func writeTallyBadges(_ tally: FindingTally) {
        for status in Self.countedStatuses where tally[status] > 0 {
            html.element("span", [("class", "badge st-" + status.rawValue)], "\(tally[status]) \(status.rawValue)")
        }
    }

    /// `[DEFAULT] my_ip, line 12`; `key not set` when the check found no line.
    static func place(_ finding: Finding) -> String {
        var parts: [String] = []
        if !finding.subject.isEmpty { parts.append(finding.subject) }
        if let line = finding.line { parts.append("line \(line)") }
        return parts.joined(separator: ", ")
    }
}
