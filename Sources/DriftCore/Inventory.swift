/// The fleet to audit: its networking variant, cloud-wide variables and hosts.
///
/// Built by `Inventory.load(path:)` from YAML; every field is validated before
/// anything is collected so a typo fails fast with file:line instead of at 3 a.m.
package struct Inventory: Sendable {
    package var architecture: NetworkingVariant
    /// How nodes resolve each other's names (`name_resolution:`; the guide's /etc/hosts by default).
    package var nameResolution: NameResolution
    /// Cloud-wide variables (`controller`, `controller_ip`, …), already merged into each host's `vars`.
    package var vars: [String: String]
    package var hosts: [InventoryHost]
    /// The file the inventory was read from, if any.
    package var sourceFile: String?

    package init(architecture: NetworkingVariant, nameResolution: NameResolution = .hosts, vars: [String: String] = [:],
                hosts: [InventoryHost], sourceFile: String? = nil) {
        self.architecture = architecture
        self.nameResolution = nameResolution
        self.vars = vars
        self.hosts = hosts
        self.sourceFile = sourceFile
    }

    /// The host of that name; a scan, for lookups of one host (the pipeline keeps a `FleetDirectory`).
    package func host(named name: String) -> InventoryHost? { hosts.first { $0.name == name } }
}
