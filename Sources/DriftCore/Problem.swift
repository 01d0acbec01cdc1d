/// One thing to fix: a root (the place to change), and every failing or erroring finding
/// that fixing it settles. Reports list problems, not findings, so an operator reads each
/// cause once, most severe first, with its consequences counted under it.
///
/// Every failing or erroring finding of a run belongs to exactly one problem (`findings`);
/// a host that could not be collected is a problem without findings. A problem carries what a
/// remedy needs: its root (host, file, line, section, key), the findings it explains, and
/// whether a person must act (`needsHuman`) or a secret must be written (`secret`).
package struct Problem: Sendable, Hashable, Codable {
    package enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A value to change: the checks judging one option on one host, and the checks
        /// elsewhere that compared with it (its consequences).
        case value
        /// A file missing, unreadable or unparseable: every check that reads it, inside.
        case file
        /// A host that could not be collected, or only in part.
        case host
    }

    /// Stable from run to run for the same root (`p-` and 12 hex digits), whatever its line.
    package var id: String
    package var kind: Kind
    package var category: FindingCategory
    /// What is wrong, in the words of the check at the root ("MySQL listens on the management address").
    package var title: String
    /// The highest of its findings' severities: a cause is never rated below its consequences.
    package var severity: Severity
    /// `fail` when any of its findings fails; `error` when none could be judged (and for a host).
    package var status: FindingStatus
    package var host: String
    package var file: String?
    package var line: Int?
    package var section: String?
    package var key: String?
    /// What to do, said once: the root's fix, and that the consequences need nothing of their own.
    package var advice: String
    /// Every host with a finding in the problem (the root's first), so "affects 21 hosts" is counted, not guessed.
    package var hosts: [String]
    /// Ids (`Finding.id`) of the findings it explains: those at the root first, then its consequences.
    package var findings: [String]
    /// How many of `findings` are at other places than the root (checks that compared with it).
    package var consequences: Int
    /// The file's status, for a file problem (`missing`, `unreadable`, `unparseable`).
    package var fileStatus: FileResult.Status?
    /// No edit can be written from what the run knows: a host or file that was not read, a check
    /// that could not be judged, or a root without a fix.
    package var needsHuman: Bool
    /// The value to write is secret: the run never holds it, so a person or a vault must supply it.
    package var secret: Bool

    package init(id: String, kind: Kind, category: FindingCategory, title: String, severity: Severity, status: FindingStatus,
                host: String, file: String?, line: Int?, section: String?, key: String?, advice: String, hosts: [String],
                findings: [String], consequences: Int, fileStatus: FileResult.Status? = nil, needsHuman: Bool, secret: Bool) {
        self.id = id
        self.kind = kind
        self.category = category
        self.title = title
        self.severity = severity
        self.status = status
        self.host = host
        self.file = file
        self.line = line
        self.section = section
        self.key = key
        self.advice = advice
        self.hosts = hosts
        self.findings = findings
        self.consequences = consequences
        self.fileStatus = fileStatus
        self.needsHuman = needsHuman
        self.secret = secret
    }

    /// `/etc/mysql/my.cnf:24`, the file alone without a line, or nothing for a host problem.
    package var location: String? { file.map { path in line.map { "\(path):\($0)" } ?? path } }

    /// `[mysqld] bind-address`, as far as the root has them.
    package var subject: String { [section.map { "[\($0)]" }, key].compactMap { $0 }.joined(separator: " ") }

    /// "fix /etc/mysql/my.cnf:24 on controller": where to act, in one phrase.
    package var place: String {
        switch kind {
        case .host: return "host \(host)"
        case .file, .value: return "\(location ?? "") on \(host)"
        }
    }

    /// Most severe first; among equals the one explaining most (hosts, then findings), then by place.
    package static func order(_ lhs: Problem, _ rhs: Problem) -> Bool {
        if lhs.category != rhs.category { return lhs.category == .guide }
        if lhs.severity != rhs.severity { return lhs.severity > rhs.severity }
        if lhs.status != rhs.status { return lhs.status == .fail }
        if lhs.hosts.count != rhs.hosts.count { return lhs.hosts.count > rhs.hosts.count }
        if lhs.findings.count != rhs.findings.count { return lhs.findings.count > rhs.findings.count }
        return (lhs.host, lhs.file ?? "", lhs.line ?? 0, lhs.subject, lhs.id) < (rhs.host, rhs.file ?? "", rhs.line ?? 0, rhs.subject, rhs.id)
    }

    /// The id of a problem rooted at this place: kind, category, host, file, section and key.
    static func id(kind: Kind, category: FindingCategory, host: String, file: String?, section: String?, key: String?,
                   line: Int?) -> String {
        var text = [kind.rawValue, category.rawValue, host, file ?? "\u{1}", section ?? "\u{1}", key ?? "\u{1}"]
        if kind == .value, key == nil { text.append(line.map(String.init) ?? "-") }
        return "p-" + Digest.sha256Hex(Array(text.joined(separator: "\u{0}").utf8), length: 6)
    }
}

/// A problem's findings looked up by id, for reports that show them under it.
package struct ProblemIndex: Sendable {
    /// The problem each attention finding belongs to, by finding id.
    package let problemOf: [String: String]
    /// Attention findings by id.
    package let findings: [String: Finding]

    package init(_ overview: RunOverview) {
        var problemOf: [String: String] = [:]
        for problem in overview.problems {
            for finding in problem.findings { problemOf[finding] = problem.id }
        }
        self.problemOf = problemOf
        findings = Dictionary(overview.attention.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The problem's findings, root first, as they were listed.
    package func findings(of problem: Problem) -> [Finding] { problem.findings.compactMap { findings[$0] } }

    /// "10 checks on 6 hosts (Services connect to the address MySQL listens on)": what else the root breaks; `nil` without consequences.
    package func consequenceSummary(of problem: Problem) -> String? {
        guard problem.consequences > 0 else { return nil }
        let consequences = findings(of: problem).suffix(problem.consequences)
        let hosts = Set(consequences.map(\.host)).count
        var titles: [String] = []
        for finding in consequences where !titles.contains(finding.title) { titles.append(finding.title) }
        let shown = titles.prefix(3).joined(separator: "; ") + (titles.count > 3 ? "; and \(titles.count - 3) more" : "")
        return "\(problem.consequences) check\(problem.consequences == 1 ? "" : "s") on \(hosts) host\(hosts == 1 ? "" : "s") "
            + "fail because of it (\(shown))"
    }
}
