/// The guide's two networking architectures: chapter 8 configures nova.conf,
/// ml2_conf.ini and sysctl.conf differently for each, so rules must know which
/// one a cloud was built with.
package enum NetworkingVariant: String, Sendable, Codable, CaseIterable, Hashable {
    /// Three-node architecture with OpenStack Networking and the ML2 plug-in.
    case neutron
    /// Two-node architecture with legacy networking (FlatDHCPManager, multi-host).
    case novaNetwork = "nova-network"

    package static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
