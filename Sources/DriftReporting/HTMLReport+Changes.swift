import DriftCore

/// What changed since the previous run: a summary at the top, line diffs at the bottom.
extension Page {
    mutating func writeChangeSummary(_ changes: RunChanges) {
        html.element("h3", [], "Since run \(changes.previousRunID) (" + ReportTime.text(changes.previousStartedAt) + ")")
        html.element("p", [("class", "changes-line")]) { html in
            html.element("strong", [], "Problems: ")
            html.text("\(changes.count(ProblemChange.Kind.new)) new · \(changes.count(ProblemChange.Kind.fixed)) fixed · "
                      + "\(changes.count(ProblemChange.Kind.stillFailing)) still failing")
            for kind in [ProblemChange.Kind.waived, .unchecked] where changes.count(kind) > 0 {
                html.text(" · \(changes.count(kind)) \(kind == .waived ? "now waived" : "not checked this time")")
            }
        }
        html.element("p", [("class", "changes-line")]) { html in
            html.element("strong", [], "Checks: ")
            html.text("\(changes.count(FindingChange.Kind.new)) newly failing · \(changes.count(FindingChange.Kind.fixed)) fixed · "
                      + "\(changes.count(FindingChange.Kind.stillFailing)) still failing")
        }
        html.element("p", [("class", "changes-line")]) { html in
            html.element("strong", [], "Files: ")
            html.text("\(changes.count(FileChange.Kind.changed)) changed · \(changes.count(FileChange.Kind.new)) new · "
                      + "\(changes.count(.vanished)) vanished · \(changes.unchangedFiles) unchanged")
            if !changes.files.isEmpty {
                html.text(" ")
                html.element("a", [("href", "#changes"), ("class", "no-print")], "(diffs below)")
            }
        }
        html.newline()
        let unsettled = changes.problems.filter { $0.kind == .fixed || $0.kind == .waived || $0.kind == .unchecked }
        if !unsettled.isEmpty {
            html.element("h4", [], "Problems settled or not checked")
            html.raw("<ul class=\"plain\">")
            for change in unsettled {
                html.element("li", []) { html in
                    Self.statusBadge(change.kind == .fixed ? .pass : change.kind == .waived ? .waived : .skipped, &html)
                    html.text(" ")
                    html.element("span", [("class", "mono")], change.problem.place)
                    html.text(" — " + change.problem.title + (change.reason.map { " (\($0))" } ?? ""))
                }
            }
            html.raw("</ul>\n")
        }
        for (kind, heading) in [(FindingChange.Kind.new, "Newly failing"), (.fixed, "Fixed")] {
            let listed = changes.findings.filter { $0.kind == kind }
            guard !listed.isEmpty else { continue }
            html.element("h4", [], heading)
            html.raw("<ul class=\"plain\">")
            for change in listed { writeChangedFinding(change.finding) }
            html.raw("</ul>\n")
        }
    }

    private mutating func writeChangedFinding(_ finding: Finding) {
        let anchor = fileAnchor(FileKey(category: finding.category, host: finding.host, path: finding.file))
        html.element("li", []) { html in
            let place = finding.host + " " + finding.file + (finding.line.map { ":\($0)" } ?? "")
            if let anchor {
                html.element("a", [("href", "#" + anchor), ("class", "mono")], place)
            } else {
                html.element("span", [("class", "mono")], place)
            }
            html.text(" — ")
            html.element("span", [("class", "badge sev-" + finding.severity.rawValue)], finding.severity.rawValue)
            html.text(" " + finding.title + " ")
            html.element("code", [("class", "muted")], finding.rule)
        }
    }

    mutating func writeFileChanges(_ changes: RunChanges) {
        html.raw("<section id=\"changes\">\n")
        html.element("h2", [], "Changes since run \(changes.previousRunID)")
        if changes.files.isEmpty {
            html.element("p", [], "No file changed since run \(changes.previousRunID) (\(changes.unchangedFiles) unchanged).")
        }
        for change in changes.files {
            html.open("details", [("class", "diff"), ("id", diffAnchors[HostPath(host: change.host, path: change.path)]),
                                  ("data-finding", "diff"), ("data-host", change.host)])
            html.element("summary", []) { html in
                html.element("span", [("class", "badge " + Self.changeStyle(change.kind))], change.kind.rawValue)
                html.text(" " + change.host + " ")
                html.element("code", [], change.path)
                let lines = change.hunks.flatMap(\.lines)
                let added = lines.filter { $0.kind == .added }.count, removed = lines.filter { $0.kind == .removed }.count
                if change.kind == .changed { html.text(" (+\(added) −\(removed))") }
            }
            if change.hunks.isEmpty {
                html.element("p", [("class", "note")], change.kind == .vanished ? "The file is gone from the host."
                             : change.kind == .new ? "The file was not there in run \(changes.previousRunID)." : "No line differs.")
            } else {
                writeHunks(change.hunks)
            }
            html.raw("</details>\n")
        }
        html.raw("</section>\n")
    }

    private mutating func writeHunks(_ hunks: [DiffHunk]) {
        html.raw("<table class=\"diff\"><tbody>")
        for hunk in hunks {
            html.raw("<tr class=\"hunk\"><td class=\"ln\"></td><td class=\"ln\"></td>")
            html.element("td", [], hunk.header)
            html.raw("</tr>\n")
            for line in hunk.lines {
                html.open("tr", [("class", line.kind.rawValue)])
                html.element("td", [("class", "ln")], line.oldLine.map(String.init) ?? "")
                html.element("td", [("class", "ln")], line.newLine.map(String.init) ?? "")
                html.element("td", [], String(line.kind.marker) + line.text)
                html.raw("</tr>\n")
            }
        }
        html.raw("</tbody></table>\n")
    }

    private static func changeStyle(_ kind: FileChange.Kind) -> String {
        switch kind {
        case .changed: return "st-error"
        case .new: return "st-pass"
        case .vanished: return "st-fail"
        }
    }
}
