import DriftCore

/// The findings part of the page: host by host, file by file.
extension Page {
    mutating func writeCategory(_ findings: [Finding], id: StaticString, heading: String, intro: String? = nil,
                                empty: String) {
        html.open("section", [("id", id.description)])
        html.newline()
        html.element("h2", [], heading)
        if let intro { html.element("p", [("class", "muted")], intro) }
        if findings.isEmpty, run.hosts.isEmpty { html.element("p", [], empty) }
        html.newline()
        let isGuide = findings.first?.category ?? .guide == .guide
        let byHost = Dictionary(grouping: findings, by: \.host)
        // Every host of the run in the guide section (collection errors belong there); in the
        // upgrade section only the hosts it has checks for.
        let names = Set(byHost.keys).union(isGuide ? run.hosts.map(\.name) : []).sorted()
        for name in names {
            writeHost(name, result: run.hosts.first { $0.name == name }, findings: byHost[name] ?? [], isGuide: isGuide)
        }
        html.raw("</section>\n")
    }

    private mutating func writeHost(_ name: String, result: HostResult?, findings: [Finding], isGuide: Bool) {
        html.open("section", [("class", "host"), ("id", isGuide ? Self.hostAnchor(name, in: run) : nil), ("data-group", "")])
        html.raw("<div class=\"host-head\">")
        html.element("h3", [], name)
        if let result {
            html.element("span", [("class", "muted")], result.roles.map(\.rawValue).joined(separator: ", ")
                         + (result.services.isEmpty ? "" : " · runs " + result.services.map(\.rawValue).joined(separator: ", ")))
        }
        writeTallyBadges(FindingTally(findings))
        html.raw("</div>\n")

        if isGuide, let result, let error = result.error {
            html.element("div", [("class", "problem"), ("data-finding", "collection"), ("data-host", name), ("data-status", "error")]) { html in
                html.element("strong", [], "Not collected" + (result.errorKind.map { " (\($0))" } ?? "") + ": ")
                html.text(error)
                if !result.files.isEmpty {
                    html.text(" — the files read before the failure were still checked.")
                }
            }
            html.newline()
        }

        let byFile = Dictionary(grouping: findings, by: \.file)
        // Files that could not be read or parsed are shown even when no check names them.
        let problemFiles = isGuide ? (result?.files ?? []).filter { $0.status == .unreadable || $0.status == .unparseable }.map(\.path) : []
        for path in Set(byFile.keys).union(problemFiles).sorted() {
            writeFile(host: name, path: path, result: result?.files.first { $0.path == path }, findings: byFile[path] ?? [])
        }
        html.raw("</section>\n")
    }

    private mutating func writeFile(host: String, path: String, result: FileResult?, findings: [Finding]) {
        let category = findings.first?.category ?? .guide
        html.open("article", [("class", "file"), ("id", fileAnchors[FileKey(category: category, host: host, path: path)]),
                              ("data-group", "")])
        html.raw("<div class=\"file-head\">")
        html.element("h4", [], path)
        if let result {
            html.element("span", [("class", "muted")], [result.format?.rawValue, result.status.rawValue].compactMap { $0 }.joined(separator: " · "))
        }
        writeTallyBadges(FindingTally(findings))
        if let diff = diffAnchors[HostPath(host: host, path: path)], let changes = run.changes,
           let change = changes.files.first(where: { $0.host == host && $0.path == path }) {
            html.element("a", [("href", "#" + diff), ("class", "no-print")], "\(change.kind.rawValue) since run \(changes.previousRunID)")
        }
        html.raw("</div>\n<div class=\"file-body\">\n")

        if let result, result.status == .unreadable || result.status == .unparseable {
            writeFileProblem(host: host, result)
        }
        let attention = findings.filter { $0.status == .fail || $0.status == .error || $0.status == .waived }
        for finding in attention { writeFinding(finding) }
        let quiet = findings.filter { $0.status == .pass || $0.status == .skipped }
        if !quiet.isEmpty { writeQuietChecks(quiet) }
        html.raw("</div></article>\n")
    }

    private mutating func writeFileProblem(host: String, _ result: FileResult) {
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

    private mutating func writeFinding(_ finding: Finding) {
        html.open("div", [("id", findingAnchors[finding])] + findingAttributes(finding, class: "finding " + finding.status.rawValue))
        html.raw("<div class=\"finding-head\">")
        Self.statusBadge(finding.status, &html)
        html.element("span", [("class", "badge sev-" + finding.severity.rawValue)], finding.severity.rawValue)
        if newlyFailing.contains(finding.identity), let changes = run.changes {
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

    private mutating func writeQuietChecks(_ findings: [Finding]) {
        let tally = FindingTally(findings)
        let summary = [tally[.pass] > 0 ? "\(tally[.pass]) passing" : nil,
                       tally[.skipped] > 0 ? "\(tally[.skipped]) not applicable" : nil].compactMap { $0 }
        html.raw("<details class=\"checks\" data-group>")
        html.element("summary", [], summary.joined(separator: ", ") + " check" + (findings.count == 1 ? "" : "s"))
        html.raw("<table class=\"checks\"><tbody>\n")
        for finding in findings {
            html.open("tr", findingAttributes(finding, class: nil))
            html.element("td", []) { Self.statusBadge(finding.status, &$0) }
            html.element("td", [("class", "mono")], Self.place(finding))
            html.element("td", []) { html in
                html.text(finding.title)
                if finding.status == .skipped {
                    html.raw("<br>")
                    html.element("span", [("class", "note")], finding.message)
                }
            }
            html.element("td", []) { $0.element("code", [], finding.rule) }
            html.raw("</tr>\n")
        }
        html.raw("</tbody></table></details>\n")
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
