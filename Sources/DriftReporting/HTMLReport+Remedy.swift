import DriftCore

/// Under a failing finding, the change `stackdrift fix` proposes: its `-`/`+` lines against the
/// file's real lines (table.diff, as the changes since the previous run), or the manual step.
extension Page {
    mutating func writeRemedy(_ finding: Finding) {
        guard finding.status == .fail, let remedy = finding.remedy else { return }
        switch remedy {
        case .manual(let instruction):
            html.element("p", [("class", "remedy manual"), ("data-remedy", "manual")], "Left to you: " + instruction)
        case .edits(let edits):
            html.element("p", [("class", "remedy"), ("data-remedy", "edits")], "Proposed change (stackdrift fix):")
            html.raw("<table class=\"diff remedy\"><tbody>")
            for edit in edits {
                html.raw("<tr class=\"hunk\">")
                html.element("td", [("class", "ln")], "")
                html.element("td", [], "\(edit.file):\(edit.line) \(edit.action.words)")
                html.raw("</tr>")
                for (offset, line) in edit.old.enumerated() {
                    html.raw("<tr class=\"removed\">")
                    html.element("td", [("class", "ln")], String(edit.line + offset))
                    html.element("td", [], "-" + line)
                    html.raw("</tr>")
                }
                for line in edit.addedLines {
                    html.raw("<tr class=\"added\">")
                    html.element("td", [("class", "ln")], "")
                    html.element("td", [], "+" + line)
                    html.raw("</tr>")
                }
            }
            html.raw("</tbody></table>\n")
        }
    }
}
