import Foundation

/// Decides which option values are secret and masks them: the one policy behind the
/// terminal, `parse`, every report, diffs, history and what is stored.
///
/// The names are data (`Rules/secrets.yaml`), not code, so an operator can add their own:
/// - `words`: an option is secret when one of the words of its name is one of these
///   (`rabbit_password`, `os-password`, `DATABASES['default']['PASSWORD']`, `adminPassword`),
///   never for a word merely containing one (`passthrough`);
/// - `keyPatterns`: whole names, or shell-style globs (`*_secret_key`), for secrets whose
///   name says nothing (`admin_token`, heat's `auth_encryption_key`);
/// - `notSecret`: names that only look secret (`max_password_length`), which win over both.
///
/// Credentials inside URLs (`mysql://nova:PASSWORD@controller/nova`) and secret assignments
/// nested in a value are masked in every value whatever its key (`SecretScanner`), because
/// connection strings hide passwords under keys such as `connection` that are not secret by name.
package struct SecretPolicy: Sendable, Hashable {
    /// Shown instead of a secret value.
    package static let maskText = "<secret>"

    /// Whole names or glob patterns (`*` and `?`), compared case-insensitively with `-` read as `_`.
    package private(set) var keyPatterns: [String]
    /// Each key's verdict, decided once per policy: an audit asks about the same few hundred
    /// keys for every host, and folding and glob-matching each time was most of redaction's cost.
    private var decisions = SecretDecisions()
    /// Words that make an option secret when its name has one of them as a whole word.
    package private(set) var words: Set<String>
    /// Names (folded) that are never secret by name.
    package private(set) var notSecret: Set<String>

    package init(keyPatterns: [String], words: [String] = [], notSecret: [String] = []) {
        self.keyPatterns = keyPatterns.map(Self.fold)
        self.words = Set(words.map(Self.fold))
        self.notSecret = Set(notSecret.map(Self.fold))
    }

    package mutating func add(_ patterns: [String]) {
        keyPatterns += patterns.map(Self.fold)
        decisions = SecretDecisions()
    }

    package static func == (left: SecretPolicy, right: SecretPolicy) -> Bool {
        (left.keyPatterns, left.words, left.notSecret) == (right.keyPatterns, right.words, right.notSecret)
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(keyPatterns)
        hasher.combine(words)
        hasher.combine(notSecret)
    }

    package mutating func add(words more: [String]) {
        words.formUnion(more.map(Self.fold))
        decisions = SecretDecisions()
    }

    package mutating func add(notSecret more: [String]) {
        notSecret.formUnion(more.map(Self.fold))
        decisions = SecretDecisions()
    }

    /// Whether the value of `key` in `section` of a file of `format` is secret. The entry point
    /// every caller should use: its answer depends only on these three, so it may be decided
    /// once per (format, section, key) and remembered. Today only the key decides.
    package func isSecret(format: ConfigFormat?, section: String?, key: String) -> Bool {
        isSecret(key: key)
    }

    package func isSecret(key: String) -> Bool {
        decisions.verdict(for: key) { decide(key: key) }
    }

    private func decide(key: String) -> Bool {
        let name = Self.fold(key)
        if notSecret.contains(name) { return false }
        if !words.isEmpty, Self.words(of: key).contains(where: words.contains) { return true }
        // boost's `[section]` keys read as `section.key` (mongodb.conf): the last part names the option.
        let last = name.split(separator: ".").last.map(String.init) ?? name
        return keyPatterns.contains { Glob.matches(pattern: $0, name) || (last != name && Glob.matches(pattern: $0, last)) }
    }

    /// The words of an option name, lowercased: split at anything but letters and digits and
    /// where a lowercase letter meets an uppercase one (`adminPassword`). A Python subscript
    /// (`DATABASES['default']['PASSWORD']`) counts only by its last key: its other parts name
    /// the dicts holding it, whose values are checked leaf by leaf.
    package static func words(of key: String) -> [String] {
        var name = Substring(key)
        if name.hasSuffix("]"), let open = name.lastIndex(of: "[") { name = name[name.index(after: open)...].dropLast() }
        var words: [String] = []
        var current = ""
        var previousLower = false
        for character in name {
            guard character.isLetter || character.isNumber else {
                if !current.isEmpty { words.append(current) }
                current = ""
                previousLower = false
                continue
            }
            if character.isUppercase, previousLower, !current.isEmpty {
                words.append(current)
                current = ""
            }
            current += character.lowercased()
            previousLower = character.isLowercase
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// The value as it may be shown: masked entirely for a secret key; otherwise with URL
    /// credentials and nested secret assignments (a Django dict's `'PASSWORD': …`) masked.
    package func display(key: String?, value: String) -> (text: String, masked: Bool) {
        if let key, isSecret(key: key), !value.isEmpty { return (Self.maskText, true) }
        let masked = maskingEmbedded(in: value)
        return (masked, masked != value)
    }

    /// Whether a value carries a secret that `display` would hide.
    package func hidesSomething(key: String?, value: String) -> Bool {
        display(key: key, value: value).masked
    }

    /// Best-effort masking of raw text of any format (a line quoted in a diagnostic, a value
    /// holding assignments): every secret `SecretScanner` finds is replaced by `maskText`.
    package func maskLine(_ line: String) -> String {
        maskingEmbedded(in: line)
    }

    private func maskingEmbedded(in text: String) -> String {
        // Cheap pre-check: a secret needs a separator or a URL's '@'.
        guard text.contains(where: { $0 == "=" || $0 == ":" || $0 == "@" || $0 == " " || $0 == "\t" }) else { return text }
        return SecretScanner(policy: self).masking(text)
    }

    /// `scheme://user:password@host` becomes `scheme://user:<secret>@host`. Like SQLAlchemy's
    /// URL parser, the password runs to the last `@` of the URL's line, so a password containing
    /// `@`, a quote or a blank is hidden whole.
    package static func maskingURLCredentials(in text: String) -> String {
        guard Self.mayHoldURLCredentials(text) else { return text }
        return SecretScanner(policy: SecretPolicy(keyPatterns: [])).masking(text)
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

    private static func fold(_ key: String) -> String {
        key.lowercased().replacingOccurrences(of: "-", with: "_")
    }
}

/// Shell-style wildcard matching with `*` and `?`, enough for key patterns.
package enum Glob {
    package static func matches(pattern: String, _ text: String) -> Bool {
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
/// Spread over shards, each behind a reader-writer lock: the audit's worker threads all ask
/// about the same keys at once, and only a key seen for the first time is written. With a
/// plain lock per shard, threads asking about one popular key (`connection`) queued behind
/// each other, and behind a holder the scheduler had preempted (5% of a 10,000-node night).
final class SecretDecisions: Sendable {
    private final class Shard: @unchecked Sendable {
        /// Allocated, so the lock never moves; `verdicts` is read and written only under it.
        private let lock: UnsafeMutablePointer<pthread_rwlock_t>
        private var verdicts: [String: Bool] = [:]

        init() {
            lock = .allocate(capacity: 1)
            lock.initialize(to: pthread_rwlock_t())
            pthread_rwlock_init(lock, nil)
        }

        deinit {
            pthread_rwlock_destroy(lock)
            lock.deallocate()
        }

        func verdict(for key: String) -> Bool? {
            pthread_rwlock_rdlock(lock)
            defer { pthread_rwlock_unlock(lock) }
            return verdicts[key]
        }

        func record(_ verdict: Bool, for key: String) {
            pthread_rwlock_wrlock(lock)
            defer { pthread_rwlock_unlock(lock) }
            if verdicts.count < SecretDecisions.capacity { verdicts[key] = verdict }
        }
    }

    private let shards = (0..<SecretDecisions.shardCount).map { _ in Shard() }
    static let shardCount = 64
    /// Per shard: keys come from the nodes, and a hostile file may have millions of them.
    static let capacity = 1 << 12

    func verdict(for key: String, decide: () -> Bool) -> Bool {
        var hasher = Hasher()
        hasher.combine(key)
        let shard = shards[Int(UInt(bitPattern: hasher.finalize()) % UInt(Self.shardCount))]
        if let known = shard.verdict(for: key) { return known }
        let verdict = decide()
        shard.record(verdict, for: key)
        return verdict
    }
}
