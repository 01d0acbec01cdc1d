import DriftCore
import DriftParsing
import Foundation

/// How one node reaches a host name or address: its own `/etc/hosts` first (the first line
/// naming it, as glibc's files backend), then the inventory. `localhost` and loopback
/// addresses are the node itself.
///
/// Services find each other by name or by address, as operators choose; `auth_host = 10.0.0.11`
/// reaches the same Identity Service as `auth_host = controller` on a node whose `/etc/hosts`
/// says so. Comparing spellings would report drift that is not there.
package struct NodeResolver: Sendable {
    /// How a spelling was turned into an address.
    package enum Via: Sendable, Hashable {
        /// Already an address.
        case literal
        /// The node's `/etc/hosts`, at this line.
        case hostsFile(line: Int)
        /// The inventory (which variable).
        case inventory(String)
    }

    package struct Resolution: Sendable, Hashable {
        /// The address in canonical form (`inet_ntop`).
        package var address: String
        package var via: Via
        /// A loopback address or `localhost`: the node itself.
        package var isLoopback: Bool
    }

    package let host: InventoryHost
    /// The node's /etc/hosts, looked up through its key index (a hosts file may list ten
    /// thousand nodes, and every node has one).
    private let hostsFile: ConfigDocument?
    private let directory: FleetDirectory
    /// The node's own addresses: its management address and what its /etc/hosts maps its own name to.
    package let ownAddresses: Set<String>
    /// Where `equivalence` records what it was asked and answered, when a check's outcome is to
    /// be shared with hosts that answer the same (`RuleEngine.outcome(of:…)`).
    var asked: EquivalenceLog?

    /// `hostsFile` is the node's parsed `/etc/hosts` (format `hosts`), if it was read.
    package init(host: InventoryHost, hostsFile: ConfigDocument?, directory: FleetDirectory) {
        self.host = host
        self.directory = directory
        let hosts = hostsFile.flatMap { $0.format == .hosts ? $0.indexed : nil }
        self.hostsFile = hosts
        var own = Set<String>()
        if let management = host.vars["management_ip"] { own.insert(Self.canonicalAddress(management) ?? management) }
        if let mapped = Self.hostsEntry(Self.canonicalName(host.name), in: hosts), let address = Self.canonicalAddress(mapped.address),
           !Self.isLoopback(address) {
            own.insert(address)
        }
        ownAddresses = own
    }

    /// The first line of the node's /etc/hosts whose name is `name` (canonical: glibc ignores
    /// case and one trailing dot). The index folds case only, so a name is also looked for with
    /// its dot.
    private static func hostsEntry(_ name: String, in hostsFile: ConfigDocument?) -> (address: String, line: Int)? {
        guard let hostsFile, let index = hostsFile.keyIndex else { return nil }
        // Keys are single tokens, already without blanks; lowercased, they are the index's keys.
        var first = index[name + "."]?.first
        if !name.hasSuffix("."), let plain = index[name]?.first { first = min(first ?? plain, plain) }
        guard let first else { return nil }
        let entry = hostsFile.entries[first]
        return (entry.value.text, entry.line)
    }

    /// The address a name or address reaches from this node; `nil` when neither the node's
    /// /etc/hosts nor the inventory knows the name.
    package func resolve(_ spelling: String) -> Resolution? {
        let text = spelling.trimmed()
        if let address = Self.canonicalAddress(text) {
            return Resolution(address: address, via: .literal, isLoopback: Self.isLoopback(address))
        }
        let name = Self.canonicalName(text)
        guard !name.isEmpty else { return nil }
        if let entry = Self.hostsEntry(name, in: hostsFile), let address = Self.canonicalAddress(entry.address) {
            return Resolution(address: address, via: .hostsFile(line: entry.line), isLoopback: Self.isLoopback(address))
        }
        if name == "localhost" || name.hasSuffix(".localhost") {
            return Resolution(address: "127.0.0.1", via: .literal, isLoopback: true)
        }
        if let found = directory.address(of: name, for: host), let address = Self.canonicalAddress(found.address) {
            return Resolution(address: address, via: .inventory(found.how), isLoopback: Self.isLoopback(address))
        }
        return nil
    }

    /// The address a spelling reaches, for comparing across hosts: loopback stands for this
    /// node's management address (`loopbackIsSelf`), an unknown name stays as written.
    package func address(of spelling: String, loopbackIsSelf: Bool = true) -> String {
        guard let resolution = resolve(spelling) else { return spelling.trimmed() }
        if loopbackIsSelf, resolution.isLoopback, let management = host.vars["management_ip"] {
            return Self.canonicalAddress(management) ?? management
        }
        return resolution.address
    }

    /// Whether `written` (the file's spelling) reaches the same host as `expected` from this
    /// node, spelled differently: the explanation to show ("10.0.0.11, which is controller on
    /// this node (/etc/hosts line 5)"), or `nil` when they reach different hosts or cannot be told.
    /// `loopbackIsSelf`: the node connects to the host itself, so loopback reaches it when the
    /// expected host is this node; not so for an address it listens on or gives to others.
    package func equivalence(of written: String, to expected: String, loopbackIsSelf: Bool = true) -> String? {
        let answer = answer(of: written, to: expected, loopbackIsSelf: loopbackIsSelf)
        asked?.record(.init(written: written, expected: expected, loopbackIsSelf: loopbackIsSelf, answer: answer))
        return answer
    }

    private func answer(of written: String, to expected: String, loopbackIsSelf: Bool) -> String? {
        guard Self.canonicalName(written) != Self.canonicalName(expected),
              let wanted = resolve(expected), let found = resolve(written) else { return nil }
        let wantedIsSelf = wanted.isLoopback || ownAddresses.contains(wanted.address)
        let foundIsSelf = found.isLoopback || ownAddresses.contains(found.address)
        let shown = written.trimmed()
        if found.address == wanted.address {
            switch (found.via, wanted.via) {
            case (.literal, .literal): return "'\(shown)' is the same address as '\(expected)'"
            case (.literal, _): return "'\(shown)', which is \(expected) \(describe(wanted.via))"
            case (_, .literal): return "'\(shown)', which is \(expected) \(describe(found.via))"
            default: return "'\(shown)' resolves to \(found.address) like \(expected) \(describe(found.via))"
            }
        }
        // Loopback reaches the node itself: right when the expected host is this node.
        if loopbackIsSelf, wantedIsSelf, foundIsSelf, found.isLoopback || wanted.isLoopback {
            return "'\(shown)' is this node, which is \(expected)"
        }
        return nil
    }

    private func describe(_ via: Via) -> String {
        switch via {
        case .literal: return "on this node"
        case .hostsFile(let line): return "on this node (/etc/hosts line \(line))"
        case .inventory(let how): return "per \(how)"
        }
    }

    // MARK: Spellings

    /// Host names compare without case and without a trailing dot.
    static func canonicalName(_ name: String) -> String {
        var lowered = name.trimmed().lowercased()
        if lowered.hasSuffix(".") { lowered.removeLast() }
        return lowered
    }

    /// An IPv4 or IPv6 address in canonical form, or `nil` when the text is not an address.
    /// Brackets around an IPv6 address (`[::1]`) are accepted.
    static func canonicalAddress(_ text: String) -> String? {
        var candidate = text.trimmed()
        if candidate.hasPrefix("["), candidate.hasSuffix("]") { candidate = String(candidate.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, candidate, &v4) == 1 {
            var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            guard inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count)) != nil else { return nil }
            return Self.text(of: buffer)
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, candidate, &v6) == 1 {
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil else { return nil }
            return Self.text(of: buffer)
        }
        return nil
    }

    /// A NUL-terminated C string buffer as text.
    private static func text(of buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.")
    }
}
