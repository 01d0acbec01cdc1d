import DriftCore

/// What every host's evaluation may know about the rest of the fleet without seeing its files:
/// the inventory's names and management addresses, and how names resolve there.
///
/// Built once per audit, so evaluating a host never scans the fleet (a lookup per resolved
/// name made consistency checks quadratic in the fleet's size).
package struct FleetDirectory: Sendable {
    /// Every host with a `management_ip`, in inventory order: the names each node must resolve.
    package let named: [(name: String, address: String)]
    package let nameResolution: NameResolution
    private let addressByName: [String: String]
    private let position: [String: Int]
    /// Places in `named` by canonical name (several when names differ only in case).
    private let namedByCanonicalName: [String: [Int]]
    /// How each file content many hosts share resolves the fleet's names (with an /etc/hosts
    /// listing every node, on every node, each host looked every name up in its own copy: a
    /// hundred million lookups at 10,000 nodes); bounded in the names kept.
    let nameChecks = BoundedMemo<SharedQuestion, HostNameResolution>(capacity: 1 << 20)

    package init(hosts: [InventoryHost], nameResolution: NameResolution = .hosts) {
        named = hosts.compactMap { host in host.vars["management_ip"].map { (host.name, $0) } }
        self.nameResolution = nameResolution
        // Names compare as the resolver compares them (case, a trailing dot), so a lookup never scans the fleet.
        addressByName = Dictionary(named.map { (NodeResolver.canonicalName($0.name), $0.address) }, uniquingKeysWith: { first, _ in first })
        position = Dictionary(hosts.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { first, _ in first })
        namedByCanonicalName = Dictionary(grouping: named.indices, by: { [named] in NodeResolver.canonicalName(named[$0].name) })
    }

    /// The places in `named` of the fleet names a resolver would take `name` for (the same
    /// name up to case and a trailing dot), in inventory order.
    package func namedPlaces(matching name: String) -> [Int] { namedByCanonicalName[NodeResolver.canonicalName(name)] ?? [] }

    package init(inventory: Inventory) {
        self.init(hosts: inventory.hosts, nameResolution: inventory.nameResolution)
    }

    /// The management address the inventory gives a host name.
    package func managementAddress(of name: String) -> String? { addressByName[NodeResolver.canonicalName(name)] }

    /// A name's address per the inventory, as `host` sees it: a fleet host of that name's
    /// `management_ip`, or `controller_ip` for the host's `controller` variable.
    package func address(of name: String, for host: InventoryHost) -> (address: String, how: String)? {
        let wanted = NodeResolver.canonicalName(name)
        if let address = addressByName[wanted] { return (address, "the inventory's management_ip of \(name)") }
        if let controller = host.vars["controller"], NodeResolver.canonicalName(controller) == wanted,
           let address = host.vars["controller_ip"] {
            return (address, "the inventory's controller_ip")
        }
        return nil
    }

    /// A host's place in the inventory: fleet checks list hosts in this order, whatever order
    /// they were evaluated in.
    package func index(of name: String) -> Int { position[name] ?? Int.max }
}
