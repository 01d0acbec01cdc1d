/// How the cloud's nodes find each other by name, as the inventory states it.
package enum NameResolution: String, Sendable, Hashable, CaseIterable {
    /// Every node's /etc/hosts names every node, as the guide sets it up (chapter 2).
    case hosts
    /// Names resolve through DNS (large clouds): /etc/hosts need not list the fleet, but no line
    /// of it may contradict the inventory.
    case dns

    package static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
