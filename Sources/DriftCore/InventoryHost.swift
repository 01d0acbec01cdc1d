/// One node of the audited cloud, as the inventory describes it.
public struct InventoryHost: Sendable, Hashable, Identifiable {
    public var name: String
    public var roles: [Role]
    /// Optional services the host runs; `nil` means "detect from the files present".
    public var services: Set<GuideService>?
    /// Cloud-wide variables overlaid with this host's own (`management_ip`, `tunnel_ip`, …).
    public var vars: [String: String]
    public var connection: ConnectionSettings
    /// Where the host is defined, for errors about it.
    public var definedAt: SourceLocation?

    public var id: String { name }

    public init(
        name: String, roles: [Role], services: Set<GuideService>? = nil, vars: [String: String] = [:],
        connection: ConnectionSettings = ConnectionSettings(), definedAt: SourceLocation? = nil
    ) {
        self.name = name
        self.roles = roles
        self.services = services
        self.vars = vars
        self.connection = connection
        self.definedAt = definedAt
    }

    public func hasRole(_ role: Role) -> Bool { roles.contains(role) }
}
