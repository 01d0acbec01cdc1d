import DriftCore
import Foundation

/// The `Host` blocks of an OpenSSH client configuration (`~/.ssh/config`), as far as
/// the libssh2 transport honours them: `HostName`, `User`, `Port` and `IdentityFile`.
///
/// As in OpenSSH, the first value found for a keyword wins and `IdentityFile`
/// accumulates. `Match` blocks and `Include` are not evaluated (their settings are
/// ignored); `ProxyJump` and `ProxyCommand` are noticed so that a host needing them
/// fails with advice to use the `openssh` transport instead of connecting directly.
struct SSHConfig: Sendable {
    struct Block: Sendable {
        /// `Host` patterns; `nil` for the lines before the first `Host` (they apply to every host)
        /// and for `Match` blocks, which are skipped.
        var patterns: [String]?
        var isMatch = false
        var options: [(keyword: String, value: String)] = []
    }

    /// What the configuration says about one alias.
    struct Settings: Sendable, Equatable {
        var hostName: String?
        var user: String?
        var port: String?
        var identityFiles: [String] = []
        /// `ProxyJump` or `ProxyCommand`, when set to anything but `none`.
        var proxy: String?
    }

    var blocks: [Block]

    /// Reads `path`; a missing file is an empty configuration.
    static func load(path: String) throws(TransportError) -> SSHConfig {
        guard FileManager.default.fileExists(atPath: path) else { return SSHConfig(blocks: []) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TransportError(.io, host: "", "cannot read ssh config '\(path)'")
        }
        return parse(String(decoding: data, as: UTF8.self))
    }

    static func parse(_ text: String) -> SSHConfig {
        var blocks = [Block(patterns: nil)]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let (keyword, value) = splitKeyword(line) else { continue }
            switch keyword {
            case "host":
                blocks.append(Block(patterns: value.split(whereSeparator: \.isWhitespace).map { unquote(String($0)) }))
            case "match":
                blocks.append(Block(patterns: nil, isMatch: true))
            default:
                blocks[blocks.count - 1].options.append((keyword, unquote(value)))
            }
        }
        return SSHConfig(blocks: blocks)
    }

    /// The settings for `alias`, first value wins; `%h` in `HostName` becomes the alias.
    func settings(for alias: String) -> Settings {
        var settings = Settings()
        var seen = Set<String>()
        for block in blocks where !block.isMatch && (block.patterns.map { Self.matches(alias, $0) } ?? true) {
            for (keyword, value) in block.options {
                if keyword == "identityfile" {
                    settings.identityFiles.append(value)
                    continue
                }
                guard !seen.contains(keyword) else { continue }
                seen.insert(keyword)
                switch keyword {
                case "hostname": settings.hostName = value.replacingOccurrences(of: "%h", with: alias)
                case "user": settings.user = value
                case "port": settings.port = value
                case "proxyjump", "proxycommand":
                    if value.lowercased() != "none", settings.proxy == nil { settings.proxy = "\(Self.spelling(keyword)) \(value)" }
                default: break
                }
            }
        }
        return settings
    }

    /// OpenSSH's `Host` rule: some pattern matches (`*` and `?` wildcards) and no negated pattern does.
    static func matches(_ alias: String, _ patterns: [String]) -> Bool {
        let name = alias.lowercased()
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("!") {
                if Glob.matches(pattern: String(pattern.dropFirst()).lowercased(), name) { return false }
            } else if Glob.matches(pattern: pattern.lowercased(), name) {
                matched = true
            }
        }
        return matched
    }

    /// `Keyword value` or `Keyword=value`; keywords are case-insensitive.
    private static func splitKeyword(_ line: String) -> (String, String)? {
        guard let end = line.firstIndex(where: { $0.isWhitespace || $0 == "=" }) else { return nil }
        let keyword = line[..<end].lowercased()
        var rest = line[end...].drop { $0.isWhitespace }
        if rest.first == "=" { rest = rest.dropFirst().drop { $0.isWhitespace } }
        return (keyword, String(rest).trimmingCharacters(in: .whitespaces))
    }

    private static func unquote(_ value: String) -> String {
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { return String(value.dropFirst().dropLast()) }
        return value
    }

    private static func spelling(_ keyword: String) -> String {
        keyword == "proxyjump" ? "ProxyJump" : "ProxyCommand"
    }
}
