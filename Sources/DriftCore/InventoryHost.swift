/// One node of the audited cloud, as the inventory describes it.
package struct InventoryHost: Sendable, Hashable, Identifiable {
    package var name: String
    package var roles: [Role]
    /// Optional services the host runs; `nil` means "detect from the files present".
    package var services: Set<GuideService>?
    /// Cloud-wide variables overlaid with this host's own (`management_ip`, `tunnel_ip`, …).
    package var vars: [String: String]
    package var connection: ConnectionSettings
    /// Where the host is defined, for errors about it.
    package var definedAt: SourceLocation?

    package var id: String { name }

    package init(
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

    package func hasRole(_ role: Role) -> Bool { roles.contains(role) }
}
