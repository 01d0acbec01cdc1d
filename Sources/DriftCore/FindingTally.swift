import DriftCore

/// Counts of some findings by status, and of the failing ones by severity: every report's
/// summary (the whole run, one host, one file, one category) is one of these.
public struct FindingTally: Sendable, Hashable {
    public private(set) var total = 0
    private var statuses: [FindingStatus: Int] = [:]
    private var failing: [Severity: Int] = [:]

    public init<Findings: Sequence>(_ findings: Findings) where Findings.Element == Finding {
        for finding in findings { add(finding) }
    }

    public mutating func add(_ finding: Finding) {
        total += 1
        statuses[finding.status, default: 0] += 1
        if finding.status == .fail { failing[finding.severity, default: 0] += 1 }
    }

    public subscript(status: FindingStatus) -> Int { statuses[status] ?? 0 }

    /// Failing findings of one severity.
    public func failing(_ severity: Severity) -> Int { failing[severity] ?? 0 }

    /// The most severe failing finding's severity, `nil` when nothing fails.
    public var worstFailing: Severity? { Severity.allCases.last { failing($0) > 0 } }
}
