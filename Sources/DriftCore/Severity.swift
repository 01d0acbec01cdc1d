/// How much a failing check matters, for sorting reports and gating CI.
public enum Severity: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    case info
    case low
    case medium
    case high
    case critical

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    public static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
