import DriftCore
import Foundation

/// `stackdrift inventory show`: the plan as text for a person and as JSON for scripts.
extension AuditPlan {
    /// One block per host: roles, services, how it is reached, rules and files.
    package func text(inventory source: String?) -> String {
        var lines = ["\(source.map { "\($0): " } ?? "")\(hosts.count) host\(hosts.count == 1 ? "" : "s"), "
                     + "\(architecture.rawValue) networking"]
        for planned in hosts {
            let host = planned.host
            lines.append("")
            lines.append(host.name)
            lines.append("  roles:     " + host.roles.map(\.rawValue).joined(separator: ", "))
            lines.append("  services:  " + Self.describeServices(host.services))
            lines.append("  transport: " + Self.describeTransport(host))
            lines.append("  rules:     \(planned.ruleCount)")
            lines.append("  files:     \(planned.files.count)")
            for file in planned.files {
                var notes: [String] = []
                if file.purpose == .marker { notes.append("service marker") }
                if file.purpose == .fact { notes.append("fact") }
                if file.mayInclude { notes.append("and the files it includes") }
                lines.append("    " + file.path + (notes.isEmpty ? "" : "  (\(notes.joined(separator: "; ")))"))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"inventory", "architecture", "hosts": [{"name", "roles", "services", "transport", "rules", "files"}]}`;
    /// `services` is null when detected from marker files.
    package func json(inventory source: String?) throws -> Data {
        // Absent values are written as null, not left out: every host has every key.
        struct Transport: Encodable {
            var kind: String, address: String?, port: Int?, user: String?, sudo: Bool, catPath: String?, root: String?
            enum CodingKeys: String, CodingKey { case kind, address, port, user, sudo, catPath = "cat_path", root }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(kind, forKey: .kind)
                try container.encode(address, forKey: .address)
                try container.encode(port, forKey: .port)
                try container.encode(user, forKey: .user)
                try container.encode(sudo, forKey: .sudo)
                try container.encode(catPath, forKey: .catPath)
                try container.encode(root, forKey: .root)
            }
        }
        struct PlannedFile: Encodable {
            var path: String, purpose: String, mayInclude: Bool
            enum CodingKeys: String, CodingKey { case path, purpose, mayInclude = "may_include" }
        }
        struct HostJSON: Encodable {
            var name: String, roles: [String], services: [String]?, transport: Transport, rules: Int, files: [PlannedFile]
            enum CodingKeys: String, CodingKey { case name, roles, services, transport, rules, files }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(name, forKey: .name)
                try container.encode(roles, forKey: .roles)
                try container.encode(services, forKey: .services)
                try container.encode(transport, forKey: .transport)
                try container.encode(rules, forKey: .rules)
                try container.encode(files, forKey: .files)
            }
        }
        struct Document: Encodable {
            var inventory: String?, architecture: String, hosts: [HostJSON]
            enum CodingKeys: String, CodingKey { case inventory, architecture, hosts }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(inventory, forKey: .inventory)
                try container.encode(architecture, forKey: .architecture)
                try container.encode(hosts, forKey: .hosts)
            }
        }
        let document = Document(inventory: source, architecture: architecture.rawValue, hosts: hosts.map { planned in
            let host = planned.host, connection = host.connection
            let local = connection.transport == .local
            return HostJSON(
                name: host.name, roles: host.roles.map(\.rawValue), services: host.services?.map(\.rawValue).sorted(),
                transport: Transport(kind: connection.transport.rawValue, address: local ? nil : connection.address ?? host.name,
                                     port: connection.port, user: connection.user, sudo: connection.sudo,
                                     catPath: connection.sudo ? connection.effectiveCatPath : nil, root: connection.root),
                rules: planned.ruleCount,
                files: planned.files.map { PlannedFile(path: $0.path, purpose: $0.purpose.rawValue, mayInclude: $0.mayInclude) })
        })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document) + Data("\n".utf8)
    }

    static func describeServices(_ services: Set<GuideService>?) -> String {
        guard let services else { return "detect (from the service marker files below)" }
        return services.isEmpty ? "none" : services.map(\.rawValue).sorted().joined(separator: ", ")
    }

    static func describeTransport(_ host: InventoryHost) -> String {
        let connection = host.connection
        if connection.transport == .local { return "local, files under \(connection.root ?? "?")" }
        var text = connection.transport.rawValue + " "
        text += (connection.user.map { $0 + "@" } ?? "") + (connection.address ?? host.name)
        if let port = connection.port { text += ":\(port)" }
        text += connection.sudo ? ", sudo -n \(connection.effectiveCatPath)" : ", SFTP as the login user"
        return text
    }
}
