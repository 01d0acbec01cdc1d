import DriftCore
import Foundation

/// An OpenSSH client configuration (`~/.ssh/config`, then `/etc/ssh/ssh_config`) evaluated for
/// one host as `ssh` evaluates it (`readconf.c` at 9.2), as far as the libssh2 transport
/// honours it: `HostName`, `User`, `Port`, `IdentityFile`, `IdentitiesOnly`, `ProxyJump`,
/// `UserKnownHostsFile`, `GlobalKnownHostsFile` and `HostKeyAlias`; `ProxyCommand` is noticed so
/// that a host needing it fails with advice to use the `openssh` transport.
///
/// Lines are read in order, `Include` files (globbed, relative to `~/.ssh` or `/etc/ssh`, at
/// most 16 deep) where they stand; `Host` and `Match` lines switch the lines after them on or
/// off, and the first value obtained for a keyword wins (`IdentityFile` and the known_hosts
/// lists accumulate). What the inventory sets is obtained first, as ssh's command line is.
/// `Match` evaluates `all`, `host` (the name after `HostName` so far), `originalhost`, `user`,
/// `localuser`, `canonical` (never: names are not canonicalised) and `final` (always); `exec`
/// and `localnetwork` would need a command run or the interfaces read, so a host that reaches
/// one fails with advice to use `transport: openssh`, which evaluates them.
struct SSHConfig: Sendable {
    /// A configuration file, and the directory its relative `Include`s are found in.
    struct File: Sendable {
        var path: String
        var includeDirectory: String
    }

    /// What the configuration says about one host, after what the inventory set.
    struct Settings: Sendable, Equatable {
        var hostName: String?
        var user: String?
        var port: String?
        var identityFiles: [String] = []
        var identitiesOnly: Bool?
        var proxyJump: String?
        var proxyCommand: String?
        var userKnownHostsFiles: [String]?
        var globalKnownHostsFiles: [String]?
        var hostKeyAlias: String?
    }

    static let maximumIncludeDepth = 16

    /// Evaluates `files` for the host the inventory calls `alias`, starting from `preset`
    /// (what the inventory sets, which wins). `localUser` is for `Match localuser` and `%u`.
    static func settings(for alias: String, files: [File], preset: Settings, localUser: String, home: String,
                         host: String) throws(TransportError) -> Settings {
        var evaluation = Evaluation(alias: alias, localUser: localUser, home: home, host: host, settings: preset)
        for file in files { try evaluation.read(file, depth: 0) }
        return evaluation.settings
    }

    /// Evaluates configuration text, for tests and for files read by `settings`.
    static func settings(for alias: String, text: String, file: String = "ssh_config", preset: Settings = Settings(),
                         localUser: String = "audit") throws(TransportError) -> Settings {
        var evaluation = Evaluation(alias: alias, localUser: localUser, home: "/nonexistent", host: alias, settings: preset)
        var active = true
        try evaluation.read(text, file: File(path: file, includeDirectory: "/nonexistent"), depth: 0, active: &active,
                            neverMatch: false)
        return evaluation.settings
    }

    private struct Evaluation {
        let alias: String
        let localUser: String
        let home: String
        /// The inventory's name for the host, for errors.
        let host: String
        var settings: Settings
        var seen: Set<String> = []

        mutating func read(_ file: File, depth: Int) throws(TransportError) {
            var active = true
            guard let text = try Self.contents(of: file.path, host: host) else { return }
            try read(text, file: file, depth: depth, active: &active, neverMatch: false)
        }

        static func contents(of path: String, host: String) throws(TransportError) -> String? {
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TransportError(.io, host: host, "cannot read ssh config '\(path)'")
            }
            return String(decoding: data, as: UTF8.self)
        }

        mutating func read(_ text: String, file: File, depth: Int, active: inout Bool, neverMatch: Bool) throws(TransportError) {
            for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let place = "\(file.path):\(index + 1)"
                let line = rawLine.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                guard let (keyword, arguments) = SSHConfig.split(line) else { continue }
                switch keyword {
                case "host":
                    active = !neverMatch && SSHConfig.matches(alias, arguments)
                case "match":
                    if neverMatch { active = false } else { active = try matches(arguments, place: place) }
                case "include":
                    guard depth < SSHConfig.maximumIncludeDepth else {
                        throw TransportError(.io, host: host, "\(place): ssh config includes nest deeper than "
                                             + "\(SSHConfig.maximumIncludeDepth) levels")
                    }
                    for pattern in arguments {
                        let expanded = SSHConfig.expandTilde(pattern, home: home)
                        let absolute = expanded.hasPrefix("/") ? expanded : file.includeDirectory + "/" + expanded
                        for path in SSHConfig.glob(absolute) {
                            guard let included = try Self.contents(of: path, host: host) else { continue }
                            var inner = active
                            try read(included, file: File(path: path, includeDirectory: file.includeDirectory), depth: depth + 1,
                                     active: &inner, neverMatch: neverMatch || !active)
                        }
                    }
                default:
                    if active { apply(keyword, arguments) }
                }
            }
        }

        mutating func apply(_ keyword: String, _ arguments: [String]) {
            guard let first = arguments.first else { return }
            switch keyword {
            case "identityfile":
                settings.identityFiles.append(first)
                return
            case "userknownhostsfile":
                if settings.userKnownHostsFiles == nil { settings.userKnownHostsFiles = first.lowercased() == "none" ? [] : arguments }
                return
            case "globalknownhostsfile":
                if settings.globalKnownHostsFiles == nil { settings.globalKnownHostsFiles = first.lowercased() == "none" ? [] : arguments }
                return
            default:
                break
            }
            guard !seen.contains(keyword) else { return }
            seen.insert(keyword)
            switch keyword {
            case "hostname" where settings.hostName == nil:
                settings.hostName = first.replacingOccurrences(of: "%h", with: alias).replacingOccurrences(of: "%%", with: "%")
            case "user" where settings.user == nil: settings.user = first
            case "port" where settings.port == nil: settings.port = first
            case "identitiesonly" where settings.identitiesOnly == nil: settings.identitiesOnly = first.lowercased() == "yes"
            case "proxyjump" where settings.proxyJump == nil && settings.proxyCommand == nil:
                settings.proxyJump = first
            case "proxycommand" where settings.proxyJump == nil && settings.proxyCommand == nil:
                settings.proxyCommand = arguments.joined(separator: " ")
            case "hostkeyalias" where settings.hostKeyAlias == nil: settings.hostKeyAlias = first
            default: break
            }
        }

        /// `Match` criteria, all of which must hold (`!` negates one).
        func matches(_ arguments: [String], place: String) throws(TransportError) -> Bool {
            var result = true
            var index = 0
            while index < arguments.count {
                var criterion = arguments[index].lowercased()
                index += 1
                let negated = criterion.hasPrefix("!")
                if negated { criterion.removeFirst() }
                var holds: Bool
                switch criterion {
                case "all": holds = true
                case "canonical": holds = false
                case "final": holds = true
                case "host", "originalhost", "user", "localuser":
                    guard index < arguments.count else {
                        throw TransportError(.io, host: host, "\(place): 'Match \(criterion)' needs a pattern list")
                    }
                    let patterns = arguments[index]
                    index += 1
                    let subject: String
                    switch criterion {
                    case "host": subject = settings.hostName ?? alias
                    case "originalhost": subject = alias
                    case "user": subject = settings.user ?? localUser
                    default: subject = localUser
                    }
                    holds = SSHConfig.matchesList(subject.lowercased(), patterns)
                case "exec", "localnetwork":
                    // Evaluated only when it could decide the block, as ssh does.
                    if result {
                        throw TransportError(.unsupported, host: host, "\(place): 'Match \(criterion)' cannot be "
                                             + "evaluated by transport: ssh; use transport: openssh for this host")
                    }
                    index += 1
                    holds = false
                default:
                    throw TransportError(.io, host: host, "\(place): unknown 'Match' criterion '\(criterion)' (valid: all, "
                                         + "canonical, final, exec, localnetwork, host, originalhost, user, localuser)")
                }
                if negated { holds.toggle() }
                result = result && holds
            }
            return result
        }
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

    /// A comma-separated pattern list (`Match host a*,!ab`), as `match_pattern_list`.
    static func matchesList(_ name: String, _ list: String) -> Bool {
        matches(name, list.split(separator: ",").map(String.init))
    }

    /// `Keyword value…` or `Keyword=value…`; keywords are case-insensitive, values may be quoted.
    static func split(_ line: String) -> (String, [String])? {
        guard let end = line.firstIndex(where: { $0.isWhitespace || $0 == "=" }) else { return (line.lowercased(), []) }
        let keyword = line[..<end].lowercased()
        var rest = line[end...].drop { $0.isWhitespace }
        if rest.first == "=" { rest = rest.dropFirst().drop { $0.isWhitespace } }
        var arguments: [String] = []
        var current = "", quote: Character?, inWord = false
        for character in rest {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character.isWhitespace {
                if inWord { arguments.append(current); current = ""; inWord = false }
            } else if character == "#" && !inWord {
                break
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { arguments.append(current) }
        return (keyword, arguments)
    }

    static func expandTilde(_ path: String, home: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return home + path.dropFirst()
    }

    /// The files a shell-style pattern names, sorted as `glob(3)` sorts them.
    static func glob(_ pattern: String) -> [String] {
        guard pattern.contains(where: { "*?[".contains($0) }) else { return [pattern] }
        let directory = (pattern as NSString).deletingLastPathComponent
        let name = (pattern as NSString).lastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.hasPrefix(".") && Glob.matches(pattern: name, $0) }.sorted().map { directory + "/" + $0 }
    }
}
