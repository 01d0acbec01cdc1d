import DriftCore

/// The terminal summary an operator reads first: counts, what changed since the previous
/// run, then each problem (one root cause: the place to fix, what is wrong there, how many
/// checks elsewhere fail because of it, what to do), most severe first; with `verbose`, each
/// problem's findings nested under it. With `--upgrade-to`, the upgrade checks follow in a
/// block of their own, each with what to write instead. Values from hosts and rules are shown
/// with control characters made visible, so a config value cannot drive the terminal.
package struct TextReport: Sendable {
    /// Use ANSI colours (only on a terminal, never with `NO_COLOR`).
    package var color: Bool
    /// At most this many problems (and upgrade checks) are listed; the rest are counted.
    package var maxFindings: Int
    /// List every finding under its problem, not only the root's.
    package var verbose: Bool

    package init(color: Bool, maxFindings: Int = 100, verbose: Bool = false) {
        self.color = color
        self.maxFindings = maxFindings
        self.verbose = verbose
    }

    package func render(_ run: AuditRun) -> String {
        render(summaryOf: run)
    }

    /// The summary reads only the run's header, overview and changes: it costs the same for
    /// ten hosts as for ten thousand.
    package func render(summaryOf run: any ReportableRun) -> String {
        let header = run.header, overview = run.overview
        var lines: [String] = []
        let failedHosts = overview.hosts.filter { !$0.collected }
        let runLabel = header.id.map { " (run \($0))" } ?? ""
        lines.append(bold("stackdrift audit") + " of \(overview.hosts.count) host\(plural(overview.hosts.count)), "
                     + "\(header.architecture.rawValue) networking\(runLabel)")
        lines.append("  hosts:  \(overview.hosts.count - failedHosts.count) collected, \(failedHosts.count) failed")
        lines.append("  files:  \(overview.files(.parsed)) read, \(overview.files(.missing)) missing, "
                     + "\(overview.files(.unreadable)) unreadable, \(overview.files(.unparseable)) unparseable"
                     + notCollected(overview.files(.notCollected)))
        lines.append("  checks: " + counts(overview.tally(.guide)))
        let problems = overview.problems(.guide)
        lines.append("  problems: " + problemCounts(problems))
        if let counts = upgradeCounts(header, overview) { lines.append(counts) }
        if let changes = run.changes {
            lines.append("  since run \(changes.previousRunID) (\(ReportTime.text(changes.previousStartedAt))): "
                         + "problems " + problemChanges(changes) + "; checks "
                         + "\(changes.count(FindingChange.Kind.new)) newly failing, \(changes.count(FindingChange.Kind.fixed)) fixed, "
                         + "\(changes.count(FindingChange.Kind.stillFailing)) still failing; \(changes.count(FileChange.Kind.changed)) "
                         + "file\(plural(changes.count(FileChange.Kind.changed))) changed, "
                         + "\(changes.count(FileChange.Kind.new)) new, \(changes.count(.vanished)) vanished")
        }

        for line in hostFailures(overview) {
            lines.append("")
            lines.append(line)
        }
        let legacy = overview.hosts.filter { !$0.legacyAlgorithms.isEmpty }
        if !legacy.isEmpty { lines.append("") }
        for host in legacy {
            lines.append("note: \(visible(host.name)) may use legacy SSH algorithms (legacy: in the inventory): "
                         + visible(host.legacyAlgorithms.joined(separator: ", ")))
        }

        // Hosts not collected are their own problems, said above in the lines cron mails.
        let shown = problems.filter { $0.kind != .host }
        if !shown.isEmpty { lines.append("") }
        let index = ProblemIndex(overview)
        for problem in shown.prefix(maxFindings) {
            lines += describe(problem, index)
        }
        if shown.count > maxFindings {
            lines.append("      … and \(shown.count - maxFindings) more; the JSON report lists them all")
        }
        lines += upgradeBlock(header, overview)

        lines.append("")
        lines.append(verdict(header, overview))
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line per host that could not be collected, or only in part: what `--quiet` still
    /// prints, since cron mails nothing else. The error is shown with its control characters
    /// made visible: it may quote what the node's SSH server said.
    package func hostFailures(_ overview: RunOverview) -> [String] {
        overview.hosts.filter { !$0.collected }.map { host in
            paint("HOST FAILED", .yellow) + "  \(visible(host.name)): \(visible(host.error ?? "unknown error"))"
        }
    }

    /// ", 23 not collected" when a host's collection ended part-way; nothing otherwise.
    private func notCollected(_ count: Int) -> String {
        count == 0 ? "" : ", \(count) not collected"
    }

    private func counts(_ tally: FindingTally) -> String {
        "\(paint("\(tally[.pass]) pass", .green)), \(paint("\(tally[.fail]) fail", .red)), "
            + "\(paint("\(tally[.error]) error", .yellow)), \(tally[.waived]) waived, \(tally[.skipped]) skipped"
    }

    /// "1 new, 2 fixed, 3 still failing (1 waived, 1 unchecked)": not-fixed kinds only when there are any.
    func problemChanges(_ changes: RunChanges) -> String {
        var text = "\(changes.count(ProblemChange.Kind.new)) new, \(changes.count(ProblemChange.Kind.fixed)) fixed, "
            + "\(changes.count(ProblemChange.Kind.stillFailing)) still failing"
        let unsettled = [ProblemChange.Kind.waived, .unchecked].filter { changes.count($0) > 0 }
            .map { kind in "\(changes.count(kind)) \(kind == .waived ? "now waived" : "not checked this time")" }
        if !unsettled.isEmpty { text += " (" + unsettled.joined(separator: ", ") + ")" }
        return text
    }

    /// "9 (3 critical, 5 high, 1 medium)": problems by severity, most severe first.
    func problemCounts(_ problems: [Problem]) -> String {
        let bySeverity = Severity.allCases.reversed().compactMap { severity -> String? in
            let count = problems.count { $0.severity == severity }
            return count == 0 ? nil : "\(count) \(severity.rawValue)"
        }
        return "\(problems.count) to fix" + (bySeverity.isEmpty ? "" : " (" + bySeverity.joined(separator: ", ") + ")")
    }

    /// One problem: where to act, what is wrong there, what else fails because of it, what to do;
    /// with `verbose`, every finding it explains.
    func describe(_ problem: Problem, _ index: ProblemIndex) -> [String] {
        let label = problem.status == .fail ? paint("FAIL ", .red) : paint("ERROR", .yellow)
        let findings = index.findings(of: problem)
        var lines = ["\(label) \(pad(problem.severity.rawValue, 8)) fix \(visible(problem.place))"
                     + (problem.subject.isEmpty ? "" : ": " + visible(problem.subject))]
        if problem.kind == .value, let primary = findings.first {
            lines.append("      \(visible(problem.title)): \(visible(primary.message))  " + dim("(\(visible(primary.rule)))"))
            // The other checks of the same value, each in a line: they often say it more concretely.
            if !verbose {
                for other in findings.prefix(findings.count - problem.consequences).dropFirst() {
                    lines.append("      also: \(visible(other.message))  " + dim("(\(visible(other.rule)))"))
                }
            }
        } else {
            lines.append("      " + visible(problem.title))
        }
        if let consequences = index.consequenceSummary(of: problem) { lines.append("      " + visible(consequences)) }
        // A check without a fix has only its message to advise with, and that is shown above.
        if problem.kind != .value || problem.advice != findings.first?.message {
            lines.append("      to do: " + visible(problem.advice))
        }
        if verbose {
            for finding in findings { lines += describe(finding, failLabel: paint("FAIL ", .red)).map { "        " + $0 } }
        }
        return lines
    }

    /// One failing or erroring finding: where, what, and why.
    func describe(_ finding: Finding, failLabel: String) -> [String] {
        let label = finding.status == .fail ? failLabel : paint("ERROR", .yellow)
        return ["\(label) \(pad(finding.severity.rawValue, 8)) \(visible(finding.host))  \(visible(finding.location))  "
                + visible(finding.subject),
                "      \(visible(finding.message))  " + dim("(\(visible(finding.rule)))")] + remedyLines(finding)
    }

    private func verdict(_ header: RunHeader, _ overview: RunOverview) -> String {
        Verdict(header, overview).parts.map { part in
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
