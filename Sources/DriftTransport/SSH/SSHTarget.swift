import DriftCore
import Foundation

/// Where and as whom to reach one host over SSH, once the inventory, the ssh configuration
/// and the defaults are merged. The inventory wins over the configuration files.
struct SSHTarget: Sendable {
    /// The inventory's name for the host, used in every error about it.
    var host: String
    /// What the inventory calls the host: `address`, else its name; looked up in the ssh configuration.
    var alias: String
    /// Where to connect: the configuration's `HostName`, else the alias.
    var address: String
    var port: Int
    var user: String
    /// Private key files to offer, in order.
    var identities: [String]
    /// Whether `identities` came from the inventory, where a missing file is a mistake worth an error.
    var identityFromInventory: Bool
    /// `IdentitiesOnly yes`: offer no ssh-agent key.
    var identitiesOnly: Bool
    /// known_hosts files read, in order: the user's (the first is the one `--accept-new` writes), then the system's.
    var knownHostsFiles: [String]
    /// The user's known_hosts file, written by `--accept-new`.
    var knownHostsFile: String
    /// `HostKeyAlias`: the name the host's key is recorded under instead of its address.
    var hostKeyAlias: String?
    /// Seconds for connecting and for each step.
    var timeout: Double
    /// The jump hosts to go through (`ProxyJump`), nearest to us first.
    var jumps: [SSHTarget]
    /// `ProxyCommand …` from the configuration, which libssh2 cannot follow.
    var proxyCommand: String?
    var sudo: Bool
    var passphraseFile: String?
    var passwordVariable: String?
    /// SHA-1-era algorithms the inventory allows for the host.
    var legacy: LegacySSHAlgorithms

    /// The host name known_hosts is searched for: the alias for its key, else the address, lower-cased.
    var knownHostsHost: String { (hostKeyAlias ?? address).lowercased() }

    /// The name known_hosts lists the host under, as OpenSSH writes it: `address`, or `[address]:port` off port 22.
    var knownHostsName: String { hostKeyAlias ?? KnownHosts.name(address.lowercased(), port: port) }

    /// Jump hosts nest at most this deep (a `ProxyJump` of a jump host counts), against loops.
    static let maximumJumpDepth = 8

    static func resolve(_ host: InventoryHost, options: SSHOptions) throws(TransportError) -> SSHTarget {
        let connection = host.connection
        var preset = SSHConfig.Settings()
        preset.user = connection.user
        preset.port = connection.port.map(String.init)
        if let knownHosts = connection.knownHosts { preset.userKnownHostsFiles = [knownHosts] }
        var target = try resolve(alias: connection.address ?? host.name, host: host.name, preset: preset, options: options,
                                 timeout: connection.timeout ?? options.operationTimeout, depth: 0)
        if let identity = connection.identity {
            target.identities = [identity]
            target.identityFromInventory = true
        }
        target.sudo = connection.sudo
        target.passphraseFile = connection.passphraseFile
        target.passwordVariable = connection.passwordEnv
        target.legacy = connection.legacyAlgorithms
        return target
    }

    /// A host as the ssh configuration describes it, from `preset` (what was given for it
    /// directly: the inventory's settings, or a `ProxyJump` entry's user and port).
    private static func resolve(alias: String, host: String, preset: SSHConfig.Settings, options: SSHOptions,
                                timeout: Double, depth: Int) throws(TransportError) -> SSHTarget {
        let home = options.homeDirectory
        let localUser = localUserName(options)
        let config = try SSHConfig.settings(for: alias, files: options.configFiles, preset: preset, localUser: localUser,
                                            home: home, host: host)
        let address = config.hostName ?? alias
        var port = 22
        if let text = config.port {
            guard let value = Int(text), (1...65535).contains(value) else {
                throw TransportError(.io, host: host, "ssh config gives '\(alias)' an invalid Port '\(text)'")
            }
            port = value
        }
        let user = config.user ?? localUser
        func expand(_ path: String) -> String { expandTokens(path, home: home, host: address, user: user, localUser: localUser) }
        let userFiles = (config.userKnownHostsFiles ?? [home + "/.ssh/known_hosts", home + "/.ssh/known_hosts2"]).map(expand)
        let globalFiles = config.globalKnownHostsFiles?.map(expand)
            ?? options.globalKnownHostsFiles ?? ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"]
        var target = SSHTarget(
            host: host, alias: alias, address: address, port: port, user: user, identities: config.identityFiles.map(expand),
            identityFromInventory: false, identitiesOnly: config.identitiesOnly ?? false,
            knownHostsFiles: userFiles + globalFiles, knownHostsFile: userFiles.first ?? home + "/.ssh/known_hosts",
            hostKeyAlias: config.hostKeyAlias, timeout: timeout, jumps: [], proxyCommand: nil, sudo: false,
            passphraseFile: nil, passwordVariable: nil, legacy: LegacySSHAlgorithms())
        if let command = config.proxyCommand, command.lowercased() != "none" { target.proxyCommand = command }
        if let jump = config.proxyJump, jump.lowercased() != "none" {
            guard depth < maximumJumpDepth else {
                throw TransportError(.unsupported, host: host, "ProxyJump hosts nest deeper than \(maximumJumpDepth) levels "
                                     + "(a loop in the ssh config?) reaching '\(alias)'")
            }
            for (index, spec) in jump.split(separator: ",").enumerated() {
                let (jumpUser, jumpHost, jumpPort) = try parseJump(String(spec), host: host)
                var jumpPreset = SSHConfig.Settings()
                jumpPreset.user = jumpUser
                jumpPreset.port = jumpPort.map(String.init)
                // The first hop is reached as its own configuration says; the next ones through the hop before.
                if index > 0 { jumpPreset.proxyJump = "none" }
                target.jumps.append(try resolve(alias: jumpHost, host: host, preset: jumpPreset, options: options,
                                                timeout: timeout, depth: depth + 1))
            }
        }
        return target
    }

    /// `[user@]host[:port]` or `ssh://[user@]host[:port]`, with `[…]` around an IPv6 address.
    static func parseJump(_ spec: String, host: String) throws(TransportError) -> (user: String?, host: String, port: Int?) {
        var rest = Substring(spec.trimmingCharacters(in: .whitespaces))
        if rest.hasPrefix("ssh://") { rest = rest.dropFirst(6) }
        var user: String?
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        var name = rest
        var port: Int?
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            name = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { port = Int(after.dropFirst()) ?? -1 }
        } else if let colon = rest.lastIndex(of: ":") {
            name = rest[..<colon]
            port = Int(rest[rest.index(after: colon)...]) ?? -1
        }
        guard !name.isEmpty, port.map({ (1...65535).contains($0) }) ?? true, user.map({ !$0.isEmpty }) ?? true else {
            throw TransportError(.io, host: host, "ssh config has an invalid ProxyJump entry '\(spec)' "
                                 + "(expected [user@]host[:port])")
        }
        return (user, String(name), port)
    }

    /// The identities OpenSSH would try when none is configured, among those that exist.
    static func defaultIdentities(home: String) -> [String] {
        ["id_ed25519", "id_ecdsa", "id_rsa"].map { home + "/.ssh/" + $0 }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// `~` and the `%d %h %r %u %%` tokens OpenSSH expands in file names.
    private static func expandTokens(_ path: String, home: String, host: String, user: String, localUser: String) -> String {
        var result = path
        if result == "~" || result.hasPrefix("~/") { result = home + result.dropFirst() }
        var expanded = ""
        var iterator = result.makeIterator()
        while let character = iterator.next() {
            guard character == "%", let token = iterator.next() else {
                expanded.append(character)
                continue
            }
            switch token {
            case "d": expanded += home
            case "h": expanded += host
            case "r": expanded += user
            case "u": expanded += localUser
            case "%": expanded += "%"
            default: expanded += "%\(token)"
            }
        }
        return expanded
    }

    private static func localUserName(_ options: SSHOptions) -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return options.environment["USER"] ?? "root"
    }
}
