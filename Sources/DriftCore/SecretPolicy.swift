import Foundation
import Synchronization

/// Decides which option values are secret and masks them.
///
/// The key patterns are data (`Rules/secrets.yaml`), not code, so an operator
/// can add their own. Credentials inside URLs (`mysql://nova:PASSWORD@controller/nova`)
/// are masked in every value whatever its key, because connection strings hide
/// passwords under keys such as `connection` that are not secret by name.
public struct SecretPolicy: Sendable, Hashable {
    /// Shown instead of a secret value.
    public static let maskText = "<secret>"

    /// Glob patterns (`*` and `?`), compared case-insensitively with `-` read as `_`.
    public private(set) var keyPatterns: [String]
    /// Each key's verdict, decided once per policy: an audit asks about the same few hundred
    /// keys for every host, and folding and glob-matching each time was most of redaction's cost.
    private var decisions = SecretDecisions()

    public init(keyPatterns: [String]) {
        self.keyPatterns = keyPatterns.map(Self.fold)
    }

    public mutating func add(_ patterns: [String]) {
        keyPatterns += patterns.map(Self.fold)
        decisions = SecretDecisions()
    }

    public func isSecret(key: String) -> Bool {
        decisions.verdict(for: key) {
            let name = Self.fold(key)
            return keyPatterns.contains { Glob.matches(pattern: $0, name) }
        }
    }

    public static func == (left: SecretPolicy, right: SecretPolicy) -> Bool { left.keyPatterns == right.keyPatterns }
    public func hash(into hasher: inout Hasher) { hasher.combine(keyPatterns) }

    /// The value as it may be shown: masked entirely for a secret key, with URL credentials masked otherwise.
    public func display(key: String?, value: String) -> (text: String, masked: Bool) {
        if let key, isSecret(key: key), !value.isEmpty { return (Self.maskText, true) }
        let masked = Self.maskingURLCredentials(in: value)
        return (masked, masked != value)
    }

    /// Whether a value carries a secret that `display` would hide.
    public func hidesSomething(key: String?, value: String) -> Bool {
        display(key: key, value: value).masked
    }

    /// Best-effort masking of one raw line of any format, for quoting it in a diagnostic:
    /// the part after the first `=`, `:` or blank is hidden when the word before it is a secret key.
    public func maskLine(_ line: String) -> String {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        if let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" || $0 == " " || $0 == "\t" }) {
            let key = trimmed[..<separator].trimmingCharacters(in: .whitespaces)
            let cleanedKey = key.trimmingCharacters(in: CharacterSet(charactersIn: "-\"'"))
            if !cleanedKey.isEmpty, isSecret(key: cleanedKey) {
                let prefixLength = line.distance(from: line.startIndex, to: separator) + 1
                return String(line.prefix(prefixLength)) + " " + Self.maskText
            }
        }
        return Self.maskingURLCredentials(in: line)
    }

    /// `scheme://user:password@host` becomes `scheme://user:<secret>@host`. Like SQLAlchemy's
    /// URL parser, the password runs to the last `@` of the URL, so a password containing `@` is hidden whole.
    public static func maskingURLCredentials(in text: String) -> String {
        guard Self.mayHoldURLCredentials(text) else { return text }
        let range = NSRange(text.startIndex..., in: text)
        return urlCredentials.stringByReplacingMatches(in: text, range: range, withTemplate: "$1:\(maskText)@")
    }

    /// Whether the text has a `://` and an `@`, checked on its bytes (most values have neither).
    static func mayHoldURLCredentials(_ text: String) -> Bool {
        var at = false, separator = false, previous: (UInt8, UInt8) = (0, 0)
        for byte in text.utf8 {
            if byte == 0x40 { at = true }
            if byte == 0x2F, previous == (0x3A, 0x2F) { separator = true }
            if at && separator { return true }
            previous = (previous.1, byte)
        }
        return false
    }

    /// `scheme://user:PASSWORD@`: group 1 is up to the user, group 2 the password, which runs
    /// (greedily) to the last `@` before whitespace or a quote. Shared with `Redactor`.
    static let urlCredentials: NSRegularExpression = {
        try! NSRegularExpression(pattern: #"([A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s'"]*):([^\s'"]*)@"#)
    }()

    private static func fold(_ key: String) -> String {
        key.lowercased().replacingOccurrences(of: "-", with: "_")
    }
}

/// Shell-style wildcard matching with `*` and `?`, enough for key patterns.
public enum Glob {
    public static func matches(pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.unicodeScalars), t = Array(text.unicodeScalars)
        var pi = 0, ti = 0, starP = -1, starT = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                starP = pi
                starT = ti
                pi += 1
            } else if starP >= 0 {
                pi = starP + 1
                starT += 1
                ti = starT
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}

/// Verdicts of one secret policy, shared by every copy of it and every thread of an audit.
/// Spread over shards, each behind its own lock, so the audit's worker threads (which all ask
/// about the same keys at once) rarely wait for each other: one lock made them queue.
final class SecretDecisions: Sendable {
    private final class Shard: Sendable {
        let verdicts = Mutex<[String: Bool]>([:])
    }

    private let shards = (0..<SecretDecisions.shardCount).map { _ in Shard() }
    static let shardCount = 64
    /// Per shard: keys come from the nodes, and a hostile file may have millions of them.
    static let capacity = 1 << 12

    func verdict(for key: String, decide: () -> Bool) -> Bool {
        var hasher = Hasher()
        hasher.combine(key)
        let shard = shards[Int(UInt(bitPattern: hasher.finalize()) % UInt(Self.shardCount))]
        if let known = shard.verdicts.withLock({ $0[key] }) { return known }
        let verdict = decide()
        shard.verdicts.withLock { if $0.count < Self.capacity { $0[key] = verdict } }
        return verdict
    }
}
