import DriftCore

/// How a rule compares values: the way the consuming program types the option.
///
/// `True`, `true` and `1` are the same oslo boolean; `gre,vxlan` and `gre, vxlan`
/// are the same ListOpt. Comparing text alone would report drift that is not there.
package enum ValueType: String, Sendable, Hashable, CaseIterable {
    /// Exact text after the format's own unquoting.
    case string
    /// oslo.config booleans: true/1/on/yes and false/0/off/no, case-insensitive.
    case bool
    /// A whole number.
    case int
    /// Comma-separated list, elements trimmed, order significant (oslo ListOpt).
    case list
    /// Comma-separated list, elements trimmed, order ignored.
    case set
    /// A file system path: repeated and trailing slashes do not count (`/srv/node/` is `/srv/node`).
    case path
    /// A host the node connects to: names compare without case, a name equals the address the
    /// node's own /etc/hosts (then the inventory) gives it, and when the expected host is the node
    /// itself, loopback (`localhost`, `127.0.0.1`) reaches it too.
    case host
    /// An address the node listens on or gives to others (`bind-address`, `vncserver_proxyclient_address`):
    /// as `host`, but loopback is only loopback, never the node's other addresses.
    case address
    /// A URL the node connects to, compared component by component: scheme without case, the host
    /// as `host`, the port with the scheme's default filled in, the path exactly (a client may join
    /// paths to it).
    case url
    /// An Identity Service URL given to keystoneclient, which strips trailing slashes: as `url`,
    /// with `/v2.0/` equal to `/v2.0`.
    case authURL = "auth-url"
    /// A URL the node gives to others (a console URL for browsers, the Identity endpoint it
    /// announces to clients): as `url`, with the host as `address`.
    case announcedURL = "announced-url"
    /// Text the program compares without regard to case (MySQL storage engine and character set names).
    case caseless

    package static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// A value reduced to what the program would see, so two spellings of one value compare equal.
    package enum Normalized: Hashable, Sendable {
        case string(String)
        case bool(Bool)
        case int(Int64)
        case list([String])
        case set(Set<String>)
    }

    private static let trueWords: Set<String> = ["true", "1", "on", "yes"]
    private static let falseWords: Set<String> = ["false", "0", "off", "no"]

    /// Whether text is a boolean word; used to type `equals: True` on oslo files without an explicit `type`.
    package static func isBooleanWord(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered == "true" || lowered == "false"
    }

    /// `nil` when the text is not a valid value of this type (for example `maybe` as a boolean).
    package func normalize(_ text: String) -> Normalized? {
        switch self {
        case .string:
            return .string(text)
        case .bool:
            let lowered = text.trimmed().lowercased()
            if Self.trueWords.contains(lowered) { return .bool(true) }
            if Self.falseWords.contains(lowered) { return .bool(false) }
            return nil
        case .int:
            return Int64(text.trimmed()).map(Normalized.int)
        case .list:
            return .list(Self.elements(text))
        case .set:
            return .set(Set(Self.elements(text)))
        case .path:
            let trimmed = text.trimmed()
            guard !trimmed.isEmpty else { return .string("") }
            let components = trimmed.split(separator: "/").filter { $0 != "." }
            return .string((trimmed.hasPrefix("/") ? "/" : "") + components.joined(separator: "/"))
        case .host, .address:
            let trimmed = text.trimmed()
            return .string(NodeResolver.canonicalAddress(trimmed) ?? NodeResolver.canonicalName(trimmed))
        case .url, .authURL, .announcedURL:
            return URLParts(text, trimsTrailingSlash: self == .authURL).map { .string($0.canonical) }
        case .caseless:
            return .string(text.trimmed().lowercased())
        }
    }

    /// Whether the type compares host names, which then need the node's resolver.
    package var comparesHosts: Bool {
        switch self {
        case .host, .address, .url, .authURL, .announcedURL: return true
        default: return false
        }
    }

    /// Whether the node itself connects to the host, so that loopback reaches it when the
    /// expected host is the node (not so for addresses it listens on or announces).
    var connectsFromNode: Bool {
        switch self {
        case .host, .url, .authURL: return true
        default: return false
        }
    }

    /// The value's elements, for `contains` on lists.
    package func elements(of text: String) -> [String] {
        switch self {
        case .list, .set: return Self.elements(text)
        default: return [text]
        }
    }

    static func elements(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0).trimmed() }.filter { !$0.isEmpty }
    }
}

extension String {
    func trimmed() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first == " " || first == "\t" || first == "\n" || first == "\r" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\n" || last == "\r" { scalars.removeLast() }
        return String(scalars)
    }
}

extension ValueType {
    /// Normalizes a parsed value; typed values keep their structure (an LVM list is a list,
    /// and a one-element list equals its element, as lvmconfig compares them).
    package func normalize(_ value: ConfigValue) -> Normalized? {
        switch (self, value) {
        case (.list, .list(let items)): return .list(items.map(\.text))
        case (.set, .list(let items)): return .set(Set(items.map(\.text)))
        case (_, .list(let items)) where items.count == 1: return normalize(items[0].text)
        default: return normalize(value.text)
        }
    }

    /// The candidates `contains` looks among for one value: list elements, or the value itself.
    package func elements(of value: ConfigValue) -> [String] {
        switch (self, value) {
        case (_, .list(let items)): return items.map(\.text)
        default: return elements(of: value.text)
        }
    }

    /// The type each element is compared as, for `contains`.
    package var elementType: ValueType {
        switch self {
        case .list, .set: return .string
        default: return self
        }
    }
}

/// `scheme://[userinfo@]host[:port][/path][?query][#fragment]` in the parts a client uses.
struct URLParts: Hashable {
    var scheme: String
    var userinfo: String?
    var host: String
    /// Explicit, or the scheme's default; `nil` when the scheme has none stackdrift knows.
    var port: Int?
    var path: String
    /// `?query#fragment` as written.
    var rest: String

    /// Ports clients use when a URL names none.
    static let defaultPorts: [String: Int] = ["http": 80, "https": 443, "amqp": 5672, "mysql": 3306, "mongodb": 27017,
                                              "postgresql": 5432]

    init?(_ text: String, trimsTrailingSlash: Bool) {
        let trimmed = text.trimmed()
        guard let schemeEnd = trimmed.range(of: "://") else { return nil }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        guard let first = scheme.first, first.isLetter,
              scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else { return nil }
        var remainder = trimmed[schemeEnd.upperBound...]
        var rest = ""
        if let mark = remainder.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            rest = String(remainder[mark...])
            remainder = remainder[..<mark]
        }
        var path = ""
        if let slash = remainder.firstIndex(of: "/") {
            path = String(remainder[slash...])
            remainder = remainder[..<slash]
        }
        var userinfo: String?
        if let at = remainder.lastIndex(of: "@") {
            userinfo = String(remainder[..<at])
            remainder = remainder[remainder.index(after: at)...]
        }
        let hostPort = RuleEngine.splitHostPort(String(remainder))
        guard !hostPort.host.isEmpty else { return nil }
        var port = URLParts.defaultPorts[scheme.split(separator: "+").first.map(String.init) ?? scheme]
        if let written = hostPort.port {
            guard let number = Int(written), (0...65535).contains(number) else { return nil }
            port = number
        }
        if trimsTrailingSlash { while path.hasSuffix("/") { path.removeLast() } }
        self.scheme = scheme
        self.userinfo = userinfo
        self.host = hostPort.host
        self.port = port
        self.path = path
        self.rest = rest
    }

    /// Everything but the host, which is compared as a host name.
    var withoutHost: String {
        scheme + "://" + (userinfo.map { $0 + "@" } ?? "") + ":" + (port.map(String.init) ?? "") + path + rest
    }

    var canonical: String {
        let host = NodeResolver.canonicalAddress(self.host) ?? NodeResolver.canonicalName(self.host)
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return scheme + "://" + (userinfo.map { $0 + "@" } ?? "") + shownHost + (port.map { ":\($0)" } ?? "") + path + rest
    }
}

/// Canonical: a set is written sorted, so one value always stores as the same bytes.
extension ValueType.Normalized {
    package func write(to writer: inout CompactWriter) {
        switch self {
        case .string(let value):
            writer.count(0)
            writer.text(value)
        case .bool(let value):
            writer.count(1)
            writer.flag(value)
        case .int(let value):
            writer.count(2)
            writer.int64(value)
        case .list(let value):
            writer.count(3)
            writer.texts(value)
        case .set(let value):
            writer.count(4)
            writer.texts(value.sorted())
        }
    }

    package init(reading reader: inout CompactReader) throws(CompactCodingError) {
        switch try reader.count() {
        case 0: self = .string(try reader.text())
        case 1: self = .bool(try reader.flag())
        case 2: self = .int(try reader.int64())
        case 3: self = .list(try reader.textList() ?? [])
        case 4: self = .set(Set(try reader.textList() ?? []))
        default: throw CompactCodingError()
        }
    }
}
