import Foundation

extension Inventory {
    static let topLevelFields = ["architecture", "vars", "defaults", "hosts"]
    static let connectionFields = ["transport", "user", "port", "sudo", "timeout", "identity", "known_hosts",
                                   "passphrase_file", "password_env"] + legacyFields
    /// SHA-1-era SSH algorithms (`Inventory+LegacyAlgorithms.swift`).
    static let legacyFields = ["legacy"]
    static let hostFields = ["name", "address", "roles", "services", "vars", "root"] + connectionFields

    /// Reads and validates an inventory file. Relative `root:`, `identity:` and
    /// `known_hosts:` paths are resolved against the file's directory.
    public static func load(path: String) throws -> Inventory {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Diagnostic(.io, at: SourceLocation(file: path, line: 1), "cannot read inventory file '\(path)'")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Diagnostic(.inventory, at: SourceLocation(file: path, line: 1), "inventory is not valid UTF-8")
        }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL
        var inventory = try parse(text, file: path, baseDirectory: absolute.deletingLastPathComponent().path)
        inventory.sourceFile = absolute.path
        return inventory
    }

    /// Parses inventory YAML; every problem is a diagnostic naming file:line and the field.
    public static func parse(_ text: String, file: String, baseDirectory: String) throws -> Inventory {
        guard let root = try YAMLField.parse(text, file: file, kind: .inventory) else {
            throw Diagnostic(.inventory, at: SourceLocation(file: file, line: 1), "inventory is empty")
        }
        let top = try root.mapping()
        try top.rejectUnknownKeys(allowed: topLevelFields)

        let architecture = try top.require("architecture").choice(NetworkingVariant.self, noun: "architecture")
        let cloudVars = try top["vars"].map(readVars) ?? [:]
        let defaults = try top["defaults"].map { try readConnection($0, base: ConnectionSettings(), baseDirectory: baseDirectory, isDefaults: true) }
            ?? ConnectionSettings()

        let hostsField = try top.require("hosts")
        let hostFieldsList = try hostsField.list()
        if hostFieldsList.isEmpty { throw hostsField.error("the inventory lists no hosts") }

        var hosts: [InventoryHost] = []
        var seen: [String: SourceLocation] = [:]
        for field in hostFieldsList {
            let host = try readHost(field, cloudVars: cloudVars, defaults: defaults, baseDirectory: baseDirectory)
            if let first = seen[host.name] {
                throw field.error("duplicate host name '\(host.name)' (first defined at \(first))")
            }
            seen[host.name] = host.definedAt
            hosts.append(host)
        }
        return Inventory(architecture: architecture, vars: cloudVars, hosts: hosts, sourceFile: file)
    }

    private static func readHost(_ field: YAMLField, cloudVars: [String: String], defaults: ConnectionSettings,
                                 baseDirectory: String) throws -> InventoryHost {
        let map = try field.mapping()
        try map.rejectUnknownKeys(allowed: hostFields)

        let nameField = try map.require("name")
        let name = try nameField.string()
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
        if name.isEmpty || name.unicodeScalars.contains(where: { !allowed.contains($0) }) {
            throw nameField.error("host name '\(name)' may contain only letters, digits, '.', '-' and '_'")
        }

        let rolesField = try map.require("roles")
        var roles: [Role] = []
        for roleField in try rolesField.list() {
            let role = try roleField.choice(Role.self, noun: "role")
            if roles.contains(role) { throw roleField.error("role '\(role.rawValue)' is listed twice") }
            roles.append(role)
        }
        if roles.isEmpty { throw rolesField.error("a host needs at least one role (valid: \(Role.choices))") }

        var services: Set<GuideService>?
        if map.contains("services") {
            services = []
            if let servicesField = map["services"] {
                for serviceField in try servicesField.list() {
                    services?.insert(try serviceField.choice(GuideService.self, noun: "service"))
                }
            }
        }

        var vars = cloudVars
        if let varsField = map["vars"] {
            vars.merge(try readVars(varsField)) { _, host in host }
        }

        var connection = try readConnection(field, base: defaults, baseDirectory: baseDirectory, isDefaults: false)
        if let addressField = map["address"] {
            let address = try addressField.string()
            if address.isEmpty || address.hasPrefix("-") || address.contains(where: \.isWhitespace) {
                throw addressField.error("address '\(address)' must be a host name or IP address without spaces")
            }
            connection.address = address
        }
        if let rootField = map["root"] {
            guard connection.transport == .local else {
                throw rootField.error("'root' is only used with transport: local (this host uses '\(connection.transport.rawValue)')")
            }
            connection.root = resolve(try rootField.string(), against: baseDirectory)
        }
        if connection.transport == .local, connection.root == nil {
            throw field.error("host '\(name)' uses transport: local and needs 'root', the directory holding its files")
        }
        if connection.transport == .openssh {
            // ssh runs in batch mode: it can be given neither a password nor a key's passphrase. Set on the
            // host itself that is a mistake; inherited from `defaults` (meant for the ssh hosts) it is unused.
            for key in ["password_env", "passphrase_file"] {
                if let value = map[key] {
                    throw value.error("'\(key)' cannot be used with transport: openssh, which runs ssh in batch mode; "
                                      + "load the key into ssh-agent, or use transport: ssh")
                }
            }
            connection.passwordEnv = nil
            connection.passphraseFile = nil
        }
        return InventoryHost(name: name, roles: roles, services: services, vars: vars, connection: connection,
                    definedAt: field.location)
    }

    /// Reads the connection fields present in `field`, starting from `base` (the defaults).
    private static func readConnection(_ field: YAMLField, base: ConnectionSettings, baseDirectory: String,
                                       isDefaults: Bool) throws -> ConnectionSettings {
        let map = try field.mapping()
        if isDefaults { try map.rejectUnknownKeys(allowed: connectionFields) }
        var settings = base
        if let value = map["transport"] { settings.transport = try value.choice(TransportKind.self, noun: "transport") }
        if let value = map["user"] {
            let user = try value.string()
            if user.isEmpty || user.hasPrefix("-") || user.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 32 } == true }) {
                throw value.error("user '\(user)' must be a login name, without spaces or a leading '-'")
            }
            settings.user = user
        }
        if let value = map["port"] { settings.port = try value.int(in: 1...65535) }
        if let value = map["sudo"] { settings.sudo = try value.bool() }
        if let value = map["timeout"] {
            let seconds = try value.double()
            if seconds <= 0 { throw value.error("timeout must be a positive number of seconds, found '\(seconds)'") }
            settings.timeout = seconds
        }
        if let value = map["identity"] { settings.identity = resolve(try value.string(), against: baseDirectory) }
        if let value = map["known_hosts"] { settings.knownHosts = resolve(try value.string(), against: baseDirectory) }
        if let value = map["passphrase_file"] {
            settings.passphraseFile = resolve(try value.string(), against: baseDirectory)
        }
        if let value = map["legacy"] { settings.legacyAlgorithms = try readLegacyAlgorithms(value) }
        if let value = map["password_env"] {
            let name = try value.string()
            let valid = name.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
                && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            if !valid {
                throw value.error("password_env names an environment variable (letters, digits and '_'), found '\(name)'")
            }
            settings.passwordEnv = name
        }
        return settings
    }

    private static func readVars(_ field: YAMLField) throws -> [String: String] {
        let vars = try field.stringMap()
        for pair in try field.mapping().pairs {
            let valid = pair.key.first.map { $0 == "_" || $0.isLetter } == true
                && pair.key.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
            if !valid {
                throw Diagnostic(.inventory, at: pair.keyLocation,
                                 "\(pair.value.path): variable name '\(pair.key)' must be letters, digits and '_'")
            }
        }
        return vars
    }

    /// Expands `~` and makes relative paths relative to the inventory's directory.
    static func resolve(_ path: String, against directory: String) -> String {
        let expanded = NSString(string: path).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL.path }
        return URL(fileURLWithPath: directory).appendingPathComponent(expanded).standardizedFileURL.path
    }
}
