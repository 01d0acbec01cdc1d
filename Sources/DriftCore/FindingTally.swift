/// Counts of some findings by status, and of the failing ones by severity: every report's
/// summary (the whole run, one host, one file, one rule, one category) is one of these.
///
/// Tallies add up (`merge`), so the audit counts each host's findings as the host is
/// evaluated and never needs the fleet's findings at once.
package struct FindingTally: Sendable, Hashable, Codable {
    package private(set) var total = 0
    private var statuses: [FindingStatus: Int] = [:]
    private var failing: [Severity: Int] = [:]

    package init() {}

    package init<Findings: Sequence>(_ findings: Findings) where Findings.Element == Finding {
        for finding in findings { add(finding) }
    }

    package mutating func add(_ finding: Finding) {
        total += 1
        statuses[finding.status, default: 0] += 1
        if finding.status == .fail { failing[finding.severity, default: 0] += 1 }
    }

    package mutating func merge(_ other: FindingTally) {
        total += other.total
        for (status, count) in other.statuses { statuses[status, default: 0] += count }
        for (severity, count) in other.failing { failing[severity, default: 0] += count }
    }

    package subscript(status: FindingStatus) -> Int { statuses[status] ?? 0 }

    /// Failing findings of one severity.
    package func failing(_ severity: Severity) -> Int { failing[severity] ?? 0 }

    /// The most severe failing finding's severity, `nil` when nothing fails.
    package var worstFailing: Severity? { Severity.allCases.last { failing($0) > 0 } }

    /// Failing or erroring: what a reader must act on.
    package var needingAttention: Int { self[.fail] + self[.error] }

    // Coded as plain objects keyed by status and severity names, so stored tallies read the
    // same whatever order a dictionary iterates in.
    private enum CodingKeys: String, CodingKey { case total, statuses, failing }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        total = try container.decode(Int.self, forKey: .total)
        let statuses = try container.decode([String: Int].self, forKey: .statuses)
        let failing = try container.decode([String: Int].self, forKey: .failing)
        for (name, count) in statuses { if let status = FindingStatus(rawValue: name) { self.statuses[status] = count } }
        for (name, count) in failing { if let severity = Severity(rawValue: name) { self.failing[severity] = count } }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(total, forKey: .total)
        try container.encode(Dictionary(uniqueKeysWithValues: statuses.map { ($0.key.rawValue, $0.value) }), forKey: .statuses)
        try container.encode(Dictionary(uniqueKeysWithValues: failing.map { ($0.key.rawValue, $0.value) }), forKey: .failing)
    }
}

extension FindingTally {
    /// The total, then a count per status and per severity in declaration order. Only what the
    /// same version of the tool wrote is read back (stored evaluations are keyed by version).
    package func write(to writer: inout CompactWriter) {
        writer.count(total)
        for status in FindingStatus.allCases { writer.count(statuses[status] ?? 0) }
        for severity in Severity.allCases { writer.count(failing[severity] ?? 0) }
    }

    package init(reading reader: inout CompactReader) throws(CompactCodingError) {
        total = try reader.count()
        for status in FindingStatus.allCases {
            let count = try reader.count()
            if count > 0 { statuses[status] = count }
        }
        for severity in Severity.allCases {
            let count = try reader.count()
            if count > 0 { failing[severity] = count }
        }
    }
}
