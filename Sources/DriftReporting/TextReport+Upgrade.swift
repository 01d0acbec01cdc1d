import DriftCore

/// The upgrade checks of a run with `--upgrade-to`, apart from guide drift: a count line, a
/// "before upgrading" block listing each change with what to write instead (the verdict line
/// is `Verdict`'s).
extension TextReport {
    /// `  upgrade: 70 to change before juno, 520 pass, 0 error, 0 waived, 3 skipped`; `nil` without upgrade checks.
    func upgradeCounts(_ header: RunHeader, _ overview: RunOverview) -> String? {
        guard let target = header.upgrade else { return nil }
        let tally = overview.tally(.upgrade)
        let count = { (status: FindingStatus) in tally[status] }
        return "  upgrade: \(paint("\(count(.fail)) to change", .magenta)) before \(visible(target.to)), "
            + "\(paint("\(count(.pass)) pass", .green)), \(paint("\(count(.error)) error", .yellow)), "
            + "\(count(.waived)) waived, \(count(.skipped)) skipped"
    }

    /// Each failing or erroring upgrade check with the fix, under a header naming the release.
    func upgradeBlock(_ header: RunHeader, _ overview: RunOverview) -> [String] {
        guard let target = header.upgrade else { return [] }
        let shown = overview.attention.filter { $0.category == .upgrade }.sorted(by: Finding.attentionOrder)
        guard !shown.isEmpty else { return [] }
        let hosts = Set(shown.map(\.host)).count
        var lines = ["", bold("Before upgrading to \(visible(target.to))") + " (from \(visible(target.from))): "
                     + "\(shown.count) change\(plural(shown.count)) on \(hosts) host\(plural(hosts))"]
        for finding in shown.prefix(maxFindings) {
            lines += describe(finding, failLabel: paint("CHANGE", .magenta))
            if let fix = finding.fix, finding.status == .fail { lines.append("      fix: \(visible(fix))") }
        }
        if shown.count > maxFindings {
            lines.append("      … and \(shown.count - maxFindings) more; the JSON report lists them all")
        }
        return lines
    }
}
