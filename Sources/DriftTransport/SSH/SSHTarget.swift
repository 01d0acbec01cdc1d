import DriftCore
import Foundation

/// Where and as whom to reach one host over SSH, once the inventory, `~/.ssh/config`
/// and the defaults are merged. The inventory wins over the configuration file.
struct SSHTarget: Sendable {
    /// The inventory's name for the host, used in every error about it.
    var host: String
    /// What the inventory calls the host: `address`, else its name; looked up in `~/.ssh/config`.
    var alias: String
    /// Where to connect: the configuration's `HostName`, else the alias.
    var address: String
    var port: Int
    var user: String
    /// Private key files to offer, in order.
    var identities: [String]
    /// Whether `identities` came from the inventory, where a missing file is a mistake worth an error.
    var identityFromInventory: Bool
    var knownHostsFile: String
    /// Seconds for connecting and for each operation.
    var timeout: Double
    /// `ProxyJump …` or `ProxyCommand …` from the configuration, which libssh2 cannot follow.
    var proxy: String?
    var sudo: Bool
    var passphraseFile: String?
    var passwordVariable: String?

    /// The name known_hosts lists the host under, as OpenSSH writes it: `address`, or `[address]:port` off port 22.
    var knownHostsName: String { port == 22 ? address : "[\(address)]:\(port)" }

    static func resolve(_ host: InventoryHost, options: SSHOptions) throws(TransportError) -> SSHTarget {
        let connection = host.connection
        let alias = connection.address ?? host.name
        var config = SSHConfig.Settings()
        if let path = options.configPath {
            do {
                config = try SSHConfig.load(path: path).settings(for: alias)
            } catch {
                throw TransportError(error.kind, host: host.name, error.message)
            }
        }
        let address = config.hostName ?? alias
        var port = 22
        if let value = connection.port {
            port = value
        } else if let text = config.port {
            guard let value = Int(text), (1...65535).contains(value) else {
                throw TransportError(.io, host: host.name, "ssh config gives '\(alias)' an invalid Port '\(text)'")
            }
            port = value
        }
        let user = connection.user ?? config.user ?? localUserName(options)
        let home = options.homeDirectory
        let identities: [String]
        if let identity = connection.identity {
            identities = [identity]
        } else {
            identities = config.identityFiles.map { expand($0, home: home, host: address, user: user, options: options) }
        }
        return SSHTarget(
            host: host.name, alias: alias, address: address, port: port, user: user, identities: identities,
            identityFromInventory: connection.identity != nil,
            knownHostsFile: connection.knownHosts ?? home + "/.ssh/known_hosts",
            timeout: connection.timeout ?? options.operationTimeout, proxy: config.proxy, sudo: connection.sudo,
            passphraseFile: connection.passphraseFile, passwordVariable: connection.passwordEnv)
    }

    /// The identities OpenSSH would try when none is configured, among those that exist.
    static func defaultIdentities(home: String) -> [String] {
        ["id_ed25519", "id_ecdsa", "id_rsa"].map { home + "/.ssh/" + $0 }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// `~` and the `%d %h %r %u %%` tokens OpenSSH expands in `IdentityFile`.
    private static func expand(_ path: String, home: String, host: String, user: String, options: SSHOptions) -> String {
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
            case "u": expanded += localUserName(options)
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
