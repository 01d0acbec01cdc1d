import DriftCore

/// An Ansible inventory as its plugins build it: groups with their direct hosts, child groups
/// and variables, and hosts with their own variables, every definition with its file and line.
///
/// Filled by the INI, YAML and `ansible-inventory --list` JSON readers; `AnsibleImport` then
/// resolves membership and variable precedence the way Ansible does.
package struct AnsibleInventory: Sendable {
    package struct Group: Sendable {
        package var name: String
        /// Hosts listed in the group itself, in the order written.
        package var hosts: [String] = []
        /// The same, for membership tests in constant time (a 10,000-host range stays linear).
        var hostSet: Set<String> = []
        /// Groups listed as its children (`[name:children]`, `children:`), with where each is listed.
        package var children: [(name: String, at: SourceLocation)] = []
        package var vars: [String: AnsibleValue] = [:]
        package var definedAt: SourceLocation
    }

    package struct Host: Sendable {
        package var name: String
        package var vars: [String: AnsibleValue] = [:]
        package var definedAt: SourceLocation
    }

    /// Which reader made it, for the imported file's comment.
    package var kind: String
    /// What the reader could not read, reported with the importer's own findings so that one
    /// run names every mistake.
    package var problems: [Diagnostic] = []
    package var file: String
    package private(set) var groups: [String: Group] = [:]
    /// Group names in the order first seen.
    package private(set) var groupOrder: [String] = []
    package private(set) var hosts: [String: Host] = [:]
    /// Host names in the order first seen.
    package private(set) var hostOrder: [String] = []

    package init(kind: String, file: String) {
        self.kind = kind
        self.file = file
        addGroup("all", at: SourceLocation(file: file, line: 1))
    }

    /// Declares a group (again: a no-op but for the first location).
    package mutating func addGroup(_ name: String, at location: SourceLocation) {
        if groups[name] == nil {
            groups[name] = Group(name: name, definedAt: location)
            groupOrder.append(name)
        }
    }

    package func hasGroup(_ name: String) -> Bool { groups[name] != nil }

    /// Puts `host` in `group` (declaring both as needed) and sets its variables; later values win, as in Ansible.
    package mutating func addHost(_ host: String, to group: String, vars: [String: AnsibleValue], at location: SourceLocation) {
        addGroup(group, at: location)
        if hosts[host] == nil {
            hosts[host] = Host(name: host, definedAt: location)
            hostOrder.append(host)
        }
        hosts[host]!.vars.merge(vars) { _, new in new }
        if groups[group]!.hostSet.insert(host).inserted { groups[group]!.hosts.append(host) }
    }

    package mutating func setHostVars(_ host: String, _ vars: [String: AnsibleValue], at location: SourceLocation) {
        if hosts[host] == nil {
            hosts[host] = Host(name: host, definedAt: location)
            hostOrder.append(host)
        }
        hosts[host]!.vars.merge(vars) { _, new in new }
    }

    package mutating func setGroupVar(_ group: String, _ key: String, _ value: AnsibleValue, at location: SourceLocation) {
        addGroup(group, at: location)
        groups[group]!.vars[key] = value
    }

    package mutating func addChild(_ child: String, to parent: String, at location: SourceLocation) {
        addGroup(parent, at: location)
        addGroup(child, at: location)
        if !groups[parent]!.children.contains(where: { $0.name == child }) {
            groups[parent]!.children.append((child, location))
        }
    }
}
