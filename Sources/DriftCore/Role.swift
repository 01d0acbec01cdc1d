/// A node role from the guide's example architectures; rules select hosts by role.
package enum Role: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    case controller
    case network
    case compute
    case blockStorage = "block-storage"
    case objectProxy = "object-proxy"
    case objectStorage = "object-storage"

    package static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The spellings a user may write, for "valid choices" in error messages.
    package static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
