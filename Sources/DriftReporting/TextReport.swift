import DriftCore

/// The terminal summary an operator reads first: counts, what changed since the previous
/// run, then each failing or erroring check with host, file:line and expected versus
/// actual; with `--upgrade-to`, the upgrade checks follow in a block of their own, each with
/// what to write instead. Values from hosts and rules are shown with control characters made
/// visible, so a config value cannot drive the terminal.
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
                     + "\(files.filter { $0.status == .unparseable }.count) unparseable"
                     + notCollected(files))
        let guide = FindingTally(run.findings.filter { $0.category == .guide })
        lines.append("  checks: " + counts(guide))
        if let counts = upgradeCounts(run) { lines.append(counts) }
        if let changes = run.changes {
            lines.append("  since run \(changes.previousRunID) (\(ReportTime.text(changes.previousStartedAt))): "
                         + "\(changes.count(FindingChange.Kind.new)) newly failing, \(changes.count(.fixed)) fixed, "
                         + "\(changes.count(.stillFailing)) still failing; \(changes.count(FileChange.Kind.changed)) "
                         + "file\(plural(changes.count(FileChange.Kind.changed))) changed, "
                         + "\(changes.count(FileChange.Kind.new)) new, \(changes.count(.vanished)) vanished")
        }

        for line in hostFailures(run) {
            lines.append("")
            lines.append(line)
        }
        let legacy = run.hosts.filter { !$0.legacyAlgorithms.isEmpty }
        if !legacy.isEmpty { lines.append("") }
        for host in legacy {
            lines.append("note: \(visible(host.name)) may use legacy SSH algorithms (legacy: in the inventory): "
                         + visible(host.legacyAlgorithms.joined(separator: ", ")))
        }

        let shown = run.findings.filter { $0.category == .guide && $0.needsAttention }.sorted(by: Finding.attentionOrder)
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
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line per host that could not be collected, or only in part: what `--quiet` still
    /// prints, since cron mails nothing else. The error is shown with its control characters
    /// made visible: it may quote what the node's SSH server said.
    public func hostFailures(_ run: AuditRun) -> [String] {
        run.hosts.filter { !$0.collected }.map { host in
            paint("HOST FAILED", .yellow) + "  \(visible(host.name)): \(visible(host.error ?? "unknown error"))"
        }
    }

    /// ", 23 not collected" when a host's collection ended part-way; nothing otherwise.
    private func notCollected(_ files: [FileResult]) -> String {
        let count = files.filter { $0.status == .notCollected }.count
        return count == 0 ? "" : ", \(count) not collected"
    }

    private func counts(_ tally: FindingTally) -> String {
        "\(paint("\(tally[.pass]) pass", .green)), \(paint("\(tally[.fail]) fail", .red)), "
            + "\(paint("\(tally[.error]) error", .yellow)), \(tally[.waived]) waived, \(tally[.skipped]) skipped"
    }

    /// One failing or erroring finding: where, what, and why.
    func describe(_ finding: Finding, failLabel: String) -> [String] {
        let label = finding.status == .fail ? failLabel : paint("ERROR", .yellow)
        return ["\(label) \(pad(finding.severity.rawValue, 8)) \(visible(finding.host))  \(visible(finding.location))  "
                + visible(finding.subject),
                "      \(visible(finding.message))  " + dim("(\(visible(finding.rule)))")]
    }

    private func verdict(_ run: AuditRun) -> String {
        Verdict(run).parts.map { part in
            let colour: Colour = switch part.part {
            case .ok, .upgradeReady: .green
            case .incomplete: .yellow
            case .upgrade: .magenta
            case .drift: .red
            }
            return paint(part.part.label, colour) + ": " + visible(part.text)
        }.joined(separator: "\n")
    }

    /// Host and rule text with control characters shown, not obeyed; the report's own
    /// colour codes are added around it afterwards.
    func visible(_ text: String) -> String { VisibleText.make(text) }

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

extension Finding {
    /// `/etc/nova/nova.conf:12`, or the file alone when the check found no line.
    var location: String { line.map { "\(file):\($0)" } ?? file }

    /// `[DEFAULT] my_ip`: the section and key checked, as far as the finding has them.
    var subject: String { [section.map { "[\($0)]" }, key].compactMap { $0 }.joined(separator: " ") }

    /// Failing or erroring: what a reader must act on.
    var needsAttention: Bool { status == .fail || status == .error }

    /// Failing before erroring, most severe first, then report order.
    static func attentionOrder(_ lhs: Finding, _ rhs: Finding) -> Bool {
        if lhs.status != rhs.status { return lhs.status == .fail }
        if lhs.severity != rhs.severity { return lhs.severity > rhs.severity }
        return reportOrder(lhs, rhs)
    }
}
