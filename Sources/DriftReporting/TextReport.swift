import DriftCore

/// The terminal summary an operator reads first: counts, then each failing or
/// erroring check with host, file:line and expected versus actual; with `--upgrade-to`, the
/// upgrade checks follow in a block of their own, each with what to write instead.
public struct TextReport: Sendable {
    /// Use ANSI colours (only on a terminal, never with `NO_COLOR`).
    public var color: Bool
    /// At most this many findings are listed; the rest are counted.
    public var maxFindings: Int

    public init(color: Bool, maxFindings: Int = 100) {
        self.color = color
        self.maxFindings = maxFindings
    }

    public func render(_ run: AuditRun) -> String {
        var lines: [String] = []
        let files = run.hosts.flatMap(\.files)
        let failedHosts = run.hosts.filter { !$0.collected }
        let runLabel = run.id.map { " (run \($0))" } ?? ""
        lines.append(bold("stackdrift audit") + " of \(run.hosts.count) host\(plural(run.hosts.count)), "
                     + "\(run.architecture.rawValue) networking\(runLabel)")
        lines.append("  hosts:  \(run.hosts.count - failedHosts.count) collected, \(failedHosts.count) failed")
        lines.append("  files:  \(files.filter { $0.status == .parsed }.count) read, "
                     + "\(files.filter { $0.status == .missing }.count) missing, "
                     + "\(files.filter { $0.status == .unreadable }.count) unreadable, "
                     + "\(files.filter { $0.status == .unparseable }.count) unparseable")
        let guide = { (status: FindingStatus) in run.count(status, in: .guide) }
        lines.append("  checks: \(paint("\(guide(.pass)) pass", .green)), \(paint("\(guide(.fail)) fail", .red)), "
                     + "\(paint("\(guide(.error)) error", .yellow)), \(guide(.waived)) waived, "
                     + "\(guide(.skipped)) skipped")
        if let counts = upgradeCounts(run) { lines.append(counts) }

        for host in failedHosts {
            lines.append("")
            lines.append(paint("HOST FAILED", .yellow) + "  \(host.name): \(host.error ?? "unknown error")")
        }

        let shown = Self.failingFirst(run.findings.filter { $0.category == .guide })
        if !shown.isEmpty { lines.append("") }
        for finding in shown.prefix(maxFindings) {
            lines += describe(finding, failLabel: paint("FAIL ", .red))
        }
        if shown.count > maxFindings {
            lines.append("      … and \(shown.count - maxFindings) more; the JSON report lists them all")
        }
        lines += upgradeBlock(run)

        lines.append("")
        lines.append(verdict(run))
        if let upgrade = upgradeVerdict(run) { lines.append(upgrade) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Failing and erroring findings, failures first, most severe first, then in report order.
    static func failingFirst(_ findings: [Finding]) -> [Finding] {
        findings
            .filter { $0.status == .fail || $0.status == .error }
            .sorted { lhs, rhs in
                if lhs.status != rhs.status { return lhs.status == .fail }
                if lhs.severity != rhs.severity { return lhs.severity > rhs.severity }
                return Finding.reportOrder(lhs, rhs)
            }
    }

    /// One failing or erroring finding: where, what, and why.
    func describe(_ finding: Finding, failLabel: String) -> [String] {
        let label = finding.status == .fail ? failLabel : paint("ERROR", .yellow)
        let place = finding.line.map { "\(finding.file):\($0)" } ?? finding.file
        let what = [finding.section.map { "[\($0)]" }, finding.key].compactMap { $0 }.joined(separator: " ")
        return ["\(label) \(pad(finding.severity.rawValue, 8)) \(finding.host)  \(place)  \(what)",
                "      \(finding.message)  " + dim("(\(finding.rule))")]
    }

    private func verdict(_ run: AuditRun) -> String {
        let failing = run.count(.fail, in: .guide)
        let incomplete = run.count(.error) > 0 || run.hosts.contains { !$0.collected }
            || run.hosts.contains { $0.files.contains { $0.status == .unreadable } }
        var parts: [String] = []
        if failing > 0 {
            let hosts = Set(run.findings.filter { $0.status == .fail && $0.category == .guide }.map(\.host)).count
            parts.append(paint("DRIFT", .red) + ": \(failing) failing check\(plural(failing)) on \(hosts) host\(plural(hosts))")
        }
        if incomplete { parts.append(paint("INCOMPLETE", .yellow) + ": some hosts, files or checks could not be evaluated") }
        if parts.isEmpty { parts.append(paint("OK", .green) + ": no drift from the guide") }
        return parts.joined(separator: "\n")
    }

    enum Colour: String {
        case red = "31", green = "32", yellow = "33", magenta = "35"
    }

    func paint(_ text: String, _ colour: Colour) -> String {
        color ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }

    func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    func dim(_ text: String) -> String { color ? "\u{1B}[2m\(text)\u{1B}[0m" : text }
    private func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
    func plural(_ count: Int) -> String { count == 1 ? "" : "s" }
}
