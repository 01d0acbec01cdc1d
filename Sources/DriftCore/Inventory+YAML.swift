import Foundation

extension Inventory {
    static let topLevelFields = ["architecture", "name_resolution", "vars", "defaults", "hosts"]
    /// Fields only a host has; everything in `connectionFields` a host and `defaults` both accept.
    static let hostOnlyFields = ["name", "roles", "services", "vars"]
    /// Every field a host accepts, as error messages list them.
    package static var hostFields: [String] { hostOnlyFields + connectionFieldNames }
    /// Every field `defaults` accepts: the connection fields, the same as on a host.
    package static var connectionFieldNames: [String] { connectionFields.map(\.key) }

    /// Reads and validates an inventory file. Relative `root:`, `identity:` and
    /// `known_hosts:` paths are resolved against the file's directory.
    ///
    /// Every mistake in the file is reported at once, as a `DiagnosticList`.
    package static func load(path: String) throws -> Inventory {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DiagnosticList([Diagnostic(.io, at: SourceLocation(file: path, line: 1), "cannot read inventory file '\(path)'")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DiagnosticList([Diagnostic(.inventory, at: SourceLocation(file: path, line: 1), "inventory is not valid UTF-8")])
        }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL
        var inventory = try parse(text, file: path, baseDirectory: absolute.deletingLastPathComponent().path)
        inventory.sourceFile = absolute.path
        return inventory
    }

    /// Parses inventory YAML. Every problem is a diagnostic naming file:line and the field, and
    /// all of them are thrown together as a `DiagnosticList` (a YAML syntax error stops at once,
    /// since nothing after it can be read).
    package static func parse(_ text: String, file: String, baseDirectory: String) throws -> Inventory {
        let root: YAMLField?
        do {
            root = try YAMLField.parse(text, file: file, kind: .inventory)
        } catch let diagnostic as Diagnostic {
            throw DiagnosticList([diagnostic])
        }
        guard let root else {
            throw DiagnosticList([Diagnostic(.inventory, at: SourceLocation(file: file, line: 1), "inventory is empty")])
        }
        var problems = DiagnosticCollector()
        guard let top = problems.attempt({ try root.mapping() }) else { throw DiagnosticList(problems.diagnostics) }
        top.unknownKeys(allowed: topLevelFields).forEach { problems.record($0) }

        let architecture = problems.attempt { try top.require("architecture").choice(NetworkingVariant.self, noun: "architecture") }
        let nameResolution = problems.attempt {
            try top["name_resolution"]?.choice(NameResolution.self, noun: "name resolution") ?? .hosts
        } ?? .hosts
        let cloudVars = problems.attempt { try top["vars"].map(readVars) ?? [:] } ?? [:]
        var defaults = ConnectionSettings()
        if let field = top["defaults"], let map = problems.attempt({ try field.mapping() }) {
            map.unknownKeys(allowed: connectionFieldNames).forEach { problems.record($0) }
            defaults = readConnection(map, base: defaults, baseDirectory: baseDirectory, problems: &problems)
        }

        var hosts: [InventoryHost] = []
        if let hostsField = problems.attempt({ try top.require("hosts") }), let list = problems.attempt({ try hostsField.list() }) {
            if list.isEmpty { problems.record(hostsField.error("the inventory lists no hosts")) }
            var seen: [String: SourceLocation] = [:]
            for field in list {
                guard let host = readHost(field, cloudVars: cloudVars, defaults: defaults, baseDirectory: baseDirectory,
                                          problems: &problems) else { continue }
                if let first = seen[host.name] {
                    problems.record(field.error("duplicate host name '\(host.name)' (first defined at \(first))"))
                    continue
                }
                seen[host.name] = host.definedAt
                hosts.append(host)
            }
        }
        try problems.throwIfAny()
        // Without a problem, every required field was read.
        return Inventory(architecture: architecture!, nameResolution: nameResolution, vars: cloudVars, hosts: hosts, sourceFile: file)
    }

    /// One host; `nil` when any of its fields is wrong (each mistake is in `problems`).
    private static func readHost(_ field: YAMLField, cloudVars: [String: String], defaults: ConnectionSettings,
                                 baseDirectory: String, problems: inout DiagnosticCollector) -> InventoryHost? {
        let before = problems.diagnostics.count
        guard let map = problems.attempt({ try field.mapping() }) else { return nil }
        map.unknownKeys(allowed: hostFields).forEach { problems.record($0) }

        let name = problems.attempt { () throws -> String in
            let nameField = try map.require("name")
            let name = try nameField.string()
            let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
            if name.isEmpty || name.unicodeScalars.contains(where: { !allowed.contains($0) }) {
                throw nameField.error("host name '\(name)' may contain only letters, digits, '.', '-' and '_'")
            }
            return name
        }

        let roles = problems.attempt { () throws -> [Role] in
            let rolesField = try map.require("roles")
            var roles: [Role] = []
            var listProblems = DiagnosticCollector()
            for roleField in try rolesField.list() {
                guard let role = listProblems.attempt({ try roleField.choice(Role.self, noun: "role") }) else { continue }
                if roles.contains(role) { listProblems.record(roleField.error("role '\(role.rawValue)' is listed twice")) }
                roles.append(role)
            }
            try listProblems.throwIfAny()
            if roles.isEmpty { throw rolesField.error("a host needs at least one role (valid: \(Role.choices))") }
            return roles
        }

        var services: Set<GuideService>?
        if map.contains("services") {
            services = []
            if let servicesField = map["services"], let list = problems.attempt({ try servicesField.list() }) {
                for serviceField in list {
                    if let service = problems.attempt({ try serviceField.choice(GuideService.self, noun: "service") }) {
                        services?.insert(service)
                    }
                }
            }
        }

        var vars = cloudVars
        if let varsField = map["vars"], let own = problems.attempt({ try readVars(varsField) }) {
            vars.merge(own) { _, host in host }
        }

        var connection = readConnection(map, base: defaults, baseDirectory: baseDirectory, problems: &problems)
        if let rootField = map["root"], connection.transport != .local {
            problems.record(rootField.error(
                "'root' is only used with transport: local (this host uses '\(connection.transport.rawValue)')"))
        }
        if connection.transport != .local {
            connection.root = nil  // inherited from `defaults`, meant for the local hosts
        } else if connection.root == nil {
            problems.record(field.error("host '\(name ?? "?")' uses transport: local and needs 'root', the directory holding its files"))
        }
        if connection.transport == .openssh {
            // ssh runs in batch mode: it can be given neither a password nor a key's passphrase. Set on the
            // host itself that is a mistake; inherited from `defaults` (meant for the ssh hosts) it is unused.
            for key in ["password_env", "passphrase_file"] {
                if let value = map[key] {
                    problems.record(value.error("'\(key)' cannot be used with transport: openssh, which runs ssh in batch mode; "
                                                + "load the key into ssh-agent, or use transport: ssh"))
                }
            }
            connection.passwordEnv = nil
            connection.passphraseFile = nil
        }
        guard problems.diagnostics.count == before, let name, let roles else { return nil }
        return InventoryHost(name: name, roles: roles, services: services, vars: vars, connection: connection,
                             definedAt: field.location)
    }

    /// A connection field as `defaults` and every host write it: its key and how it sets the settings.
    struct ConnectionField: Sendable {
        let key: String
        let read: @Sendable (_ value: YAMLField, _ settings: inout ConnectionSettings, _ baseDirectory: String) throws -> Void
    }

    /// Every connection field, in the order the README documents them. A new field is one entry here.
    static let connectionFields: [ConnectionField] = [
        ConnectionField(key: "transport") { value, settings, _ in
            settings.transport = try value.choice(TransportKind.self, noun: "transport")
        },
        ConnectionField(key: "address") { value, settings, _ in
            let address = try value.string()
            if address.isEmpty || address.hasPrefix("-") || address.contains(where: \.isWhitespace) {
                throw value.error("address '\(address)' must be a host name or IP address without spaces")
            }
            settings.address = address
        },
        ConnectionField(key: "user") { value, settings, _ in
            let user = try value.string()
            if user.isEmpty || user.hasPrefix("-") || user.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 32 } == true }) {
                throw value.error("user '\(user)' must be a login name, without spaces or a leading '-'")
            }
            settings.user = user
        },
        ConnectionField(key: "port") { value, settings, _ in settings.port = try value.int(in: 1...65535) },
        ConnectionField(key: "sudo") { value, settings, _ in settings.sudo = try value.bool() },
        ConnectionField(key: "cat_path") { value, settings, _ in
            let path = try value.string()
            if !path.hasPrefix("/") || path.split(separator: "/").contains("..")
                || path.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7f }) {
                throw value.error("cat_path '\(path)' must be an absolute path without spaces, such as /bin/cat")
            }
            settings.catPath = path
        },
        ConnectionField(key: "timeout") { value, settings, _ in
            let seconds = try value.double()
            if seconds <= 0 { throw value.error("timeout must be a positive number of seconds, found '\(seconds)'") }
            settings.timeout = seconds
        },
        ConnectionField(key: "identity") { value, settings, base in settings.identity = resolve(try value.string(), against: base) },
        ConnectionField(key: "known_hosts") { value, settings, base in
            settings.knownHosts = resolve(try value.string(), against: base)
        },
        ConnectionField(key: "passphrase_file") { value, settings, base in
            settings.passphraseFile = resolve(try value.string(), against: base)
        },
        // SHA-1-era SSH algorithms (`Inventory+LegacyAlgorithms.swift`).
        ConnectionField(key: "legacy") { value, settings, _ in settings.legacyAlgorithms = try readLegacyAlgorithms(value) },
        ConnectionField(key: "password_env") { value, settings, _ in
            let name = try value.string()
            let valid = name.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
                && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            if !valid {
                throw value.error("password_env names an environment variable (letters, digits and '_'), found '\(name)'")
            }
            settings.passwordEnv = name
        },
        ConnectionField(key: "include_dirs") { value, settings, _ in
            var directories: [String] = []
            for item in try value.list() {
                let path = try item.string()
                if !path.hasPrefix("/") || path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
                    throw item.error("include_dirs entry '\(path)' must be an absolute directory on the node, such as /etc/mysql")
                }
                if IncludeConfinement.normalized(path) == "/" {
                    throw item.error("include_dirs entry '\(path)' would let a node's my.cnf include any file; name the directories its includes live in")
                }
                directories.append(path)
            }
            settings.includeConfinement = IncludeConfinement(directories: directories)
        },
        ConnectionField(key: "root") { value, settings, base in settings.root = resolve(try value.string(), against: base) },
    ]

    /// Reads the connection fields present in `map`, starting from `base` (the defaults).
    private static func readConnection(_ map: YAMLMapping, base: ConnectionSettings, baseDirectory: String,
                                       problems: inout DiagnosticCollector) -> ConnectionSettings {
        var settings = base
        for field in connectionFields {
            guard let value = map[field.key] else { continue }
            problems.attempt { try field.read(value, &settings, baseDirectory) }
        }
        return settings
    }

    private static func readVars(_ field: YAMLField) throws -> [String: String] {
        let vars = try field.stringMap()
        var problems = DiagnosticCollector()
        for pair in try field.mapping().pairs {
            let valid = pair.key.first.map { $0 == "_" || $0.isLetter } == true
                && pair.key.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
            if !valid {
                problems.record(Diagnostic(.inventory, at: pair.keyLocation,
                                           "\(pair.value.path): variable name '\(pair.key)' must be letters, digits and '_'"))
            }
        }
        try problems.throwIfAny()
        return vars
    }

    /// Expands `~` and makes relative paths relative to the inventory's directory.
    static func resolve(_ path: String, against directory: String) -> String {
        let expanded = NSString(string: path).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL.path }
        return URL(fileURLWithPath: directory).appendingPathComponent(expanded).standardizedFileURL.path
    }
}
