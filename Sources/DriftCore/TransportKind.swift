/// How stackdrift reaches a host's files.
package enum TransportKind: String, Sendable, Codable, CaseIterable, Hashable {
    /// SSH through libssh2, in process.
    case ssh
    /// The system `ssh` client, for what libssh2 cannot do (certificates, ProxyJump).
    case openssh
    /// A directory holding a copy of the host's tree (`root:` in the inventory).
    case local

    package static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
