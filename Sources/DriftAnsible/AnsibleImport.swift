import DriftCore
import Foundation

/// Turns an Ansible inventory into a stackdrift inventory: hosts with the roles their groups
/// map to, the connection variables Ansible would use, and a comment naming the source, for
/// the operator to review and keep.
///
/// Membership and variables follow Ansible: a host is in each group it is listed in and in
/// every ancestor of those; group variables apply from the shallowest group to the deepest
/// (then `ansible_group_priority`, then name), host variables last. A host's roles come from
/// the nearest mapped groups: walking up from each group it is listed in, a group in the role
/// map gives its role and ends that walk, so `[compute:children] kvm` gives kvm's hosts
/// `compute`, while kolla-ansible's `control` hosts stay controllers although `control` is a
/// child of `cinder-volume`'s parent `cinder`.
package enum AnsibleImport {
    package struct Options: Sendable {
        package var roleMap: RoleMap
        /// Groups named by `--role-map`, which must exist in the inventory (a typo would map nothing).
        package var requiredGroups: [String]
        package var architecture: NetworkingVariant
        /// Variables the rules read (`management_ip`, …): carried over when the inventory sets them.
        package var ruleVariables: Set<String>
        package var toolVersion: String

        package init(roleMap: RoleMap = RoleMap(), requiredGroups: [String] = [], architecture: NetworkingVariant = .neutron,
                    ruleVariables: Set<String> = [], toolVersion: String = "") {
            self.roleMap = roleMap
            self.requiredGroups = requiredGroups
            self.architecture = architecture
            self.ruleVariables = ruleVariables
            self.toolVersion = toolVersion
        }
    }

    package struct ImportedHost: Sendable, Equatable {
        package var name: String
        package var roles: [Role]
        /// The mapped groups the roles came from.
        package var roleGroups: [String]
        package var address: String?
        package var port: Int?
        package var user: String?
        package var identity: String?
        package var sudo: Bool
        /// `transport: local, root: /` for a local-connection host that has roles (an all-in-one deployment host).
        package var local: Bool
        package var vars: [String: String]
    }

    package struct Result: Sendable {
        package var hosts: [ImportedHost]
        /// Why hosts were left out or values not taken, one line each.
        package var notes: [String]
        /// The stackdrift inventory, YAML with a header comment.
        package var yaml: String
        /// Variables every imported host has with one value, written once under `vars`.
        package var cloudVars: [String: String]
    }

    /// Reads an inventory file as Ansible would pick the plugin: `.yml`, `.yaml` and `.json`
    /// files (and any text starting with '{', as `ansible-inventory --list` prints) as YAML or
    /// JSON, everything else as INI.
    package static func read(path: String) throws -> AnsibleInventory {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DiagnosticList([Diagnostic(.io, at: SourceLocation(file: path, line: 1), "cannot read '\(path)'")])
        }
        guard data.count <= maximumFileSize else {
            throw DiagnosticList([Diagnostic(.inventory, at: SourceLocation(file: path, line: 1),
                                             "'\(path)' is larger than \(maximumFileSize / 1_048_576) MiB; is it an inventory?")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DiagnosticList([Diagnostic(.inventory, at: SourceLocation(file: path, line: 1), "the inventory is not valid UTF-8")])
        }
        return try parse(text, file: path)
    }

    /// Inventories are text an operator keeps; 64 MiB holds a generated 100,000-host JSON.
    package static let maximumFileSize = 64 * 1_048_576

    package static func parse(_ text: String, file: String) throws -> AnsibleInventory {
        let ext = URL(fileURLWithPath: file).pathExtension.lowercased()
        let startsLikeJSON = text.drop { $0.isWhitespace }.first == "{"
        if ["yml", "yaml", "json"].contains(ext) || startsLikeJSON {
            return try AnsibleYAMLReader.read(text, file: file)
        }
        return AnsibleINIReader.read(text, file: file)
    }

    /// Resolves roles and connection variables for every host.
    package static func run(_ inventory: AnsibleInventory, options: Options) throws -> Result {
        var problems = DiagnosticCollector()
        inventory.problems.forEach { problems.record($0) }
        let graph = GroupGraph(inventory)
        for cycle in graph.cycles {
            problems.record(Diagnostic(.inventory, at: cycle.at, "group '\(cycle.path[0])' is its own descendant: "
                                       + cycle.path.joined(separator: " → ") + " (Ansible refuses this loop too)"))
        }
        for group in options.requiredGroups where !inventory.hasGroup(group) && !inventory.groupOrder.contains(where: {
            RoleMap.normalized($0) == RoleMap.normalized(group)
        }) {
            let known = inventory.groupOrder.filter { $0 != "all" && $0 != "ungrouped" }.prefix(30).joined(separator: ", ")
            problems.record(Diagnostic(.inventory, at: SourceLocation(file: inventory.file, line: 1),
                                       "--role-map names group '\(group)', which the inventory does not have (groups: \(known))"))
        }
        // Membership cannot be resolved through a loop; every other mistake is collected below.
        if !graph.cycles.isEmpty { try problems.throwIfAny() }

        var hosts: [ImportedHost] = []
        var notes: [String] = []
        var unmapped: [String] = []
        var unmappedGroups: [String: Int] = [:]  // how many left-out hosts each group holds, for one note
        var withPasswords: [String] = []
        var varsCache: [[String]: [String: AnsibleValue]] = [:]
        for name in inventory.hostOrder {
            guard let entry = inventory.hosts[name] else { continue }
            guard let direct = graph.directGroups[name] else {
                // Only in _meta.hostvars: no group lists it, so Ansible would not target it either.
                notes.append("left out '\(name)': no group lists it (it is only in _meta.hostvars)")
                continue
            }
            let groupVars = varsCache[direct] ?? graph.mergedVars(of: direct)
            varsCache[direct] = groupVars
            let vars = groupVars.merging(entry.vars) { _, host in host }
            let at = entry.definedAt
            func value(_ keys: String...) -> (key: String, value: AnsibleValue)? {
                for key in keys { if let found = vars[key], found != .null { return (key, found) } }
                return nil
            }
            func refuseTemplate(_ found: (key: String, value: AnsibleValue)?) -> Bool {
                guard let found, found.value.isTemplate else { return false }
                problems.record(Diagnostic(.inventory, at: at, "host '\(name)': \(found.key) is a Jinja template "
                                           + "'\(clip(found.value.text))', which only Ansible can evaluate; "
                                           + "write the value itself in the imported inventory"))
                return true
            }

            let (roles, roleGroups) = graph.roles(ofHostIn: direct, map: options.roleMap)
            let connection = value("ansible_connection")
            if refuseTemplate(connection) { continue }
            let connectionKind = connection?.value.text ?? "ssh"
            let isLocal = connectionKind == "local"
            if roles.isEmpty {
                if isLocal {
                    notes.append("left out '\(name)': ansible_connection=local, the deployment host running Ansible itself")
                } else {
                    unmapped.append(name)
                    for group in graph.ancestors(ofHostIn: direct) where group != "all" && group != "ungrouped" {
                        unmappedGroups[group, default: 0] += 1
                    }
                }
                continue
            }
            guard ["ssh", "smart", "paramiko", "paramiko_ssh", "ansible.builtin.ssh", "local", "ansible.builtin.local"]
                .contains(connectionKind) else {
                notes.append("left out '\(name)': ansible_connection=\(clip(connectionKind)); stackdrift reads hosts over SSH "
                             + "or from local trees")
                continue
            }
            guard isValidName(name) else {
                problems.record(Diagnostic(.inventory, at: at, "host name '\(clip(name))' may contain only letters, digits, "
                                           + "'.', '-' and '_' in a stackdrift inventory; rename it there"))
                continue
            }
            var host = ImportedHost(name: name, roles: roles, roleGroups: roleGroups, sudo: false, local: isLocal, vars: [:])
            if isLocal {
                notes.append("'\(name)' uses ansible_connection=local and has roles: imported as transport: local with "
                             + "root: /, to be audited by stackdrift running on that machine")
            } else {
                let address = value("ansible_host", "ansible_ssh_host")
                let port = value("ansible_port", "ansible_ssh_port")
                let user = value("ansible_user", "ansible_ssh_user", "ansible_remote_user")
                let identity = value("ansible_ssh_private_key_file", "ansible_private_key_file")
                if [address, port, user, identity].contains(where: refuseTemplate) { continue }
                if let address {
                    let text = address.value.text
                    if text.isEmpty || text.hasPrefix("-") || text.contains(where: { $0.isWhitespace || $0.isNewline }) {
                        problems.record(Diagnostic(.inventory, at: at, "host '\(name)': \(address.key) '\(clip(text))' "
                                                   + "must be a host name or address without spaces"))
                        continue
                    }
                    if text != name { host.address = text }
                }
                if let port {
                    guard let number = port.value.integer, (1...65535).contains(number) else {
                        problems.record(Diagnostic(.inventory, at: at, "host '\(name)': \(port.key) '\(clip(port.value.text))' "
                                                   + "is not a port number (1 to 65535)"))
                        continue
                    }
                    if number != 22 { host.port = number }
                }
                if let user {
                    let text = user.value.text
                    if text.isEmpty || text.hasPrefix("-") || text.contains(where: { $0.isWhitespace || $0.isNewline }) {
                        problems.record(Diagnostic(.inventory, at: at, "host '\(name)': \(user.key) '\(clip(text))' "
                                                   + "must be a login name without spaces"))
                        continue
                    }
                    host.user = text
                }
                if let identity, !identity.value.text.contains(where: \.isNewline) { host.identity = identity.value.text }
                if let become = value("ansible_become") {
                    if refuseTemplate(become) { continue }
                    guard let flag = become.value.boolean else {
                        problems.record(Diagnostic(.inventory, at: at, "host '\(name)': ansible_become '\(clip(become.value.text))' "
                                                   + "is not a boolean (true, false, yes, no)"))
                        continue
                    }
                    host.sudo = flag
                }
                if host.sudo {
                    if let method = value("ansible_become_method"), method.value.text != "sudo" {
                        notes.append("'\(name)' becomes root with ansible_become_method=\(clip(method.value.text)); "
                                     + "stackdrift reads root-only files with sudo only (sudo: true)")
                    }
                    if let target = value("ansible_become_user"), !["root", ""].contains(target.value.text) {
                        notes.append("'\(name)' becomes '\(clip(target.value.text))' (ansible_become_user); "
                                     + "stackdrift's sudo reads files as root")
                    }
                }
                if value("ansible_password", "ansible_ssh_pass", "ansible_become_password", "ansible_become_pass") != nil {
                    withPasswords.append(name)
                }
            }
            for variable in options.ruleVariables.sorted() {
                guard let found = value(variable) else { continue }
                if refuseTemplate(found) { continue }
                if case .other = found.value { continue }
                host.vars[variable] = found.value.text
            }
            hosts.append(host)
        }
        if !unmapped.isEmpty {
            // The groups most of them share first: the likeliest candidates for --role-map.
            let common = unmappedGroups.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
            let groups = common.isEmpty ? "no group but all" : "their groups: " + common.prefix(8).map(clip).joined(separator: ", ")
                + (common.count > 8 ? ", ..." : "")
            notes.append("left out \(list(unmapped)): in no group mapped to a role (\(groups)); "
                         + "--role-map GROUP=ROLE to audit \(unmapped.count == 1 ? "it" : "them")")
        }
        if !withPasswords.isEmpty {
            notes.append("passwords set in the inventory for \(list(withPasswords)) were not imported: stackdrift takes a "
                         + "password only from the environment variable password_env names")
        }
        try problems.throwIfAny()
        if hosts.isEmpty {
            throw DiagnosticList([Diagnostic(.inventory, at: SourceLocation(file: inventory.file, line: 1),
                "no host to audit: " + (notes.isEmpty ? "the inventory lists none" : notes.joined(separator: "; ")))])
        }

        // A variable with one value on every host is the cloud's, written once.
        var cloudVars: [String: String] = [:]
        for variable in Set(hosts.flatMap(\.vars.keys)) {
            let values = hosts.map { $0.vars[variable] }
            if let first = values[0], values.allSatisfy({ $0 == first }) { cloudVars[variable] = first }
        }
        for index in hosts.indices { for key in cloudVars.keys { hosts[index].vars[key] = nil } }

        let yaml = render(hosts: hosts, cloudVars: cloudVars, notes: notes, inventory: inventory, options: options)
        // What is written must be what `stackdrift audit` accepts: a failure here is a bug in the importer.
        _ = try Inventory.parse(yaml, file: "(imported from \(inventory.file))", baseDirectory: "/")
        return Result(hosts: hosts, notes: notes, yaml: yaml, cloudVars: cloudVars)
    }

    static func render(hosts: [ImportedHost], cloudVars: [String: String], notes: [String], inventory: AnsibleInventory,
                       options: Options) -> String {
        var lines = [
            "# Imported by stackdrift\(options.toolVersion.isEmpty ? "" : " " + options.toolVersion) from \(comment(inventory.file)) (\(inventory.kind)).",
            "# Review it before the first audit: roles come from the groups named on each host; the guide's rules also",
            "# need variables (controller, controller_ip; per host management_ip, tunnel_ip, ...) under vars.",
        ]
        var roleCounts: [String: (role: Role, hosts: Int)] = [:]
        for host in hosts {
            for group in host.roleGroups {
                guard let role = options.roleMap.role(forGroup: group) else { continue }
                roleCounts[group, default: (role, 0)].hosts += 1
            }
        }
        let mapping = roleCounts.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value.role.rawValue) (\($0.value.hosts))" }
        lines += wrapped("roles from groups: " + mapping.joined(separator: ", "))
        for note in notes { lines += wrapped(note) }
        lines.append("architecture: \(options.architecture.rawValue)")
        if !cloudVars.isEmpty {
            lines.append("vars:")
            for (key, value) in cloudVars.sorted(by: { $0.key < $1.key }) { lines.append("  \(key): \(scalar(value))") }
        }
        if hosts.contains(where: { !$0.local }) { lines.append("defaults: {transport: ssh}") }
        lines.append("hosts:")
        for host in hosts {
            var fields = ["name: \(scalar(host.name))"]
            if host.local {
                fields += ["transport: local", "root: /"]
            } else {
                if let address = host.address { fields.append("address: \(scalar(address))") }
                if let port = host.port { fields.append("port: \(port)") }
                if let user = host.user { fields.append("user: \(scalar(user))") }
                if let identity = host.identity { fields.append("identity: \(scalar(identity))") }
                if host.sudo { fields.append("sudo: true") }
            }
            fields.append("roles: [\(host.roles.map(\.rawValue).joined(separator: ", "))]")
            if !host.vars.isEmpty {
                fields.append("vars: {" + host.vars.sorted { $0.key < $1.key }.map { "\($0.key): \(scalar($0.value))" }
                    .joined(separator: ", ") + "}")
            }
            lines.append("  - " + fields.joined(separator: "\n    "))
            lines.append("    # from \(host.roleGroups.map(comment).joined(separator: ", "))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A YAML scalar read back as exactly `text`: plain when that is unambiguous, else single-quoted.
    static func scalar(_ text: String) -> String {
        let plain = text.first.map { $0.isLetter || $0.isNumber || $0 == "/" || $0 == "~" || $0 == "_" } == true
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-/~@+".contains($0)) }
            && !["true", "false", "yes", "no", "on", "off", "null", "y", "n"].contains(text.lowercased())
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// Text safe inside a `#` comment line: control characters shown, not written.
    static func comment(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
    }

    private static func wrapped(_ text: String) -> [String] {
        var lines: [String] = [], line = "#"
        for word in comment(text).split(separator: " ") {
            if line.count + word.count + 1 > 110, line != "#" { lines.append(line); line = "#  " }
            line += " " + word
        }
        lines.append(line)
        return lines
    }

    static func clip(_ text: String) -> String {
        let shown = comment(text)
        return shown.count > 80 ? String(shown.prefix(77)) + "..." : shown
    }

    private static func list(_ names: [String]) -> String {
        let quoted = names.prefix(10).map { "'\(clip($0))'" }
        return quoted.joined(separator: ", ") + (names.count > 10 ? " and \(names.count - 10) more" : "")
    }

    private static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-_".contains($0)) }
    }
}
