import Foundation
import DriftCore

/// Which Ansible groups stand for which of the guide's node roles.
///
/// Built in: the guide's own role names, kolla-ansible's groups (`control`, `storage`,
/// `cinder-volume`, the `swift-*-server` groups) and OpenStack-Ansible's (`*_hosts` of
/// openstack_user_config, and the generated inventory's `nova_compute`, `cinder_volume`,
/// `swift_proxy`, …). Names compare ignoring case and `-` versus `_`, so kolla's
/// `cinder-volume` and OpenStack-Ansible's `cinder_volume` are one entry. `--role-map`
/// entries replace built-in ones for their group, and `GROUP=none` removes one.
package struct RoleMap: Sendable {
    /// A built-in entry, with whose group name it is.
    package struct Entry: Sendable {
        package var group: String
        package var role: Role
        package var source: String
    }

    package static let builtin: [Entry] = {
        var entries: [Entry] = Role.allCases.map { Entry(group: $0.rawValue, role: $0, source: "the guide") }
        let kolla: [(String, Role)] = [
            ("control", .controller), ("storage", .blockStorage), ("cinder-volume", .blockStorage),
            ("swift-proxy-server", .objectProxy), ("swift-account-server", .objectStorage),
            ("swift-container-server", .objectStorage), ("swift-object-server", .objectStorage),
        ]
        let openStackAnsible: [(String, Role)] = [
            ("shared-infra_hosts", .controller), ("os-infra_hosts", .controller), ("identity_hosts", .controller),
            ("network_hosts", .network), ("compute_hosts", .compute), ("nova_compute", .compute),
            ("storage_hosts", .blockStorage), ("swift-proxy_hosts", .objectProxy), ("swift_proxy", .objectProxy),
            ("swift_hosts", .objectStorage), ("swift_acc", .objectStorage), ("swift_cont", .objectStorage),
            ("swift_obj", .objectStorage),
        ]
        entries += kolla.map { Entry(group: $0.0, role: $0.1, source: "kolla-ansible") }
        entries += openStackAnsible.map { Entry(group: $0.0, role: $0.1, source: "OpenStack-Ansible") }
        return entries
    }()

    private var roles: [String: Role?]

    /// The built-in map with `overrides` (group → role, or `nil` to map the group to nothing).
    package init(overrides: [String: Role?] = [:], builtin: Bool = true) {
        var roles: [String: Role?] = [:]
        if builtin { for entry in Self.builtin { roles[Self.normalized(entry.group)] = entry.role } }
        for (group, role) in overrides { roles[Self.normalized(group)] = role }
        self.roles = roles
    }

    package func role(forGroup group: String) -> Role? { roles[Self.normalized(group)] ?? nil }

    /// Whether `group` is named in the map at all (mapped to a role or to nothing).
    package func names(_ group: String) -> Bool { roles[Self.normalized(group)] != nil }

    static func normalized(_ group: String) -> String {
        group.lowercased().replacingOccurrences(of: "-", with: "_")
    }

    /// Parses `GROUP=ROLE` (`ROLE` one of the guide's roles, or `none`).
    package static func parseOverride(_ text: String) throws(OverrideError) -> (String, Role?) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw OverrideError(message: "--role-map expects GROUP=ROLE, found '\(text)' (roles: \(Role.choices), none)")
        }
        let group = String(text[..<equals]), roleName = String(text[text.index(after: equals)...])
        if roleName == "none" { return (group, nil) }
        guard let role = Role(rawValue: roleName) else {
            throw OverrideError(message: "--role-map '\(text)': unknown role '\(roleName)' (valid: \(Role.choices), none)")
        }
        return (group, role)
    }

    package struct OverrideError: Error, Sendable, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }
}
