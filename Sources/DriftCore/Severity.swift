/// How much a failing check matters, for sorting reports and gating CI.
package enum Severity: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    case info
    case low
    case medium
    case high
    case critical

    package static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    package static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
