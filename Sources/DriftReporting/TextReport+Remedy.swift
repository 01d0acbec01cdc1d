import DriftCore

/// Under a failing finding in the terminal summary, the change `stackdrift fix` proposes, as
/// `-`/`+` lines against the file's real lines; a manual step is not repeated (the finding's
/// message already says what is wrong, and `stackdrift fix` lists it).
extension TextReport {
    func remedyLines(_ finding: Finding) -> [String] {
        guard finding.status == .fail, let edits = finding.remedy?.edits, !edits.isEmpty else { return [] }
        var lines: [String] = []
        for edit in edits {
            lines.append("      fix: \(visible(edit.file)):\(edit.line) \(edit.action.words)")
            lines += edit.old.map { "        " + paint("-" + visible($0), .red) }
            lines += edit.addedLines.map { "        " + paint("+" + visible($0), .green) }
        }
        return lines
    }
}
