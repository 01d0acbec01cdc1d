/// The fleet to audit: its networking variant, cloud-wide variables and hosts.
///
/// Built by `Inventory.load(path:)` from YAML; every field is validated before
/// anything is collected so a typo fails fast with file:line instead of at 3 a.m.
public struct Inventory: Sendable {
    public var architecture: NetworkingVariant
    /// Cloud-wide variables (`controller`, `controller_ip`, …), already merged into each host's `vars`.
    public var vars: [String: String]
    public var hosts: [InventoryHost]
    /// The file the inventory was read from, if any.
    public var sourceFile: String?

    public init(architecture: NetworkingVariant, vars: [String: String] = [:], hosts: [InventoryHost], sourceFile: String? = nil) {
        self.architecture = architecture
        self.vars = vars
        self.hosts = hosts
        self.sourceFile = sourceFile
    }

    public func host(named name: String) -> InventoryHost? { hosts.first { $0.name == name } }
}
