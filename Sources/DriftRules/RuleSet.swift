import DriftCore
import DriftParsing

/// Everything loaded from rule directories: the rules and the shared data they use.
package struct RuleSet: Sendable {
    package var rules: [Rule]
    /// Guide placeholder tokens (`NOVA_PASS`, `INTERFACE_NAME`, …) that must not survive in live files.
    package var placeholders: [String]
    /// Which option values are secret.
    package var secrets: SecretPolicy
    /// Files whose presence shows that a host runs an optional service, when the inventory does not say.
    package var serviceMarkers: [GuideService: [String]]
    /// Rule files read, in order.
    package var sources: [String]
    /// The upgrade packs among them (files with `upgrade: {from, to}`).
    package var upgrades: [UpgradePack] = []
    /// What each option the rules read is when a file does not set it (`Rules/defaults.yaml`).
    package var options = OptionTable()
    /// Values no secret may have: words every attacker tries first and well-known defaults
    /// (`guest` for RabbitMQ). A secret equal to one, to a placeholder in any case, or to its
    /// own user's name fails like a placeholder.
    package var weakSecrets: [String] = []
    /// SHA-256 over every rule file merged (its path and text), in order: two rule sets with the
    /// same digest decide every host alike, so a host whose evidence is unchanged since a run
    /// made with these rules can take that run's verdicts. Empty for a rule set built in code.
    package internal(set) var digest: [UInt8] = []

    package init(rules: [Rule] = [], placeholders: [String] = [], secrets: SecretPolicy = SecretPolicy(keyPatterns: []),
                serviceMarkers: [GuideService: [String]] = [:], sources: [String] = []) {
        self.rules = rules
        self.placeholders = placeholders
        self.secrets = secrets
        self.serviceMarkers = serviceMarkers
        self.sources = sources
    }

    package func rule(id: String) -> Rule? { rules.first { $0.id == id } }

    /// The format of a file as the rules read it, or as its path suggests when no rule names it.
    package func format(forFile path: String) -> ConfigFormat? {
        for rule in rules {
            switch rule.check {
            case .value(let value) where value.file == path: return value.format
            case .consistency(let consistency):
                if let source = consistency.sources.first(where: { $0.file == path }) { return source.format }
            default: continue
            }
        }
        return FormatDetector.format(forPath: path)
    }

    /// Finds the placeholder tokens in a value; a token must stand alone (not inside a longer word),
    /// so `NOVA_PASS` is found in `mysql://nova:NOVA_PASS@controller/nova` but not in `MY_NOVA_PASSWORD`.
    package func placeholders(in value: String) -> [String] {
        // Every placeholder has a capital letter or a '%'; most values have neither.
        guard value.utf8.contains(where: { (65...90).contains($0) || $0 == 37 }) else { return [] }
        return placeholders.filter { Self.containsToken($0, in: value) }
    }

    static func containsToken(_ token: String, in text: String) -> Bool {
        // Most values hold none of the guide's forty-odd tokens: a token whose UTF-8 bytes are not
        // in the text's is not in its scalars either, and looking for bytes allocates nothing.
        guard mayContain(token, in: text) else { return false }
        let textScalars = Array(text.unicodeScalars), tokenScalars = Array(token.unicodeScalars)
        guard !tokenScalars.isEmpty, textScalars.count >= tokenScalars.count else { return false }
        func isWord(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "_" || scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
        }
        for start in 0...(textScalars.count - tokenScalars.count)
        where textScalars[start..<(start + tokenScalars.count)].elementsEqual(tokenScalars) {
            let before = start == 0 ? nil : textScalars[start - 1]
            let afterIndex = start + tokenScalars.count
            let after = afterIndex < textScalars.count ? textScalars[afterIndex] : nil
            if before.map(isWord) != true, after.map(isWord) != true { return true }
        }
        return false
    }

    /// False only when `token`'s UTF-8 bytes do not occur in `text`'s.
    private static func mayContain(_ token: String, in text: String) -> Bool {
        let answer = text.utf8.withContiguousStorageIfAvailable { haystack in
            token.utf8.withContiguousStorageIfAvailable { needle -> Bool in
                guard let first = needle.first, haystack.count >= needle.count else { return needle.isEmpty }
                var start = 0
                let last = haystack.count - needle.count
                while start <= last {
                    if haystack[start] == first, haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
                    start += 1
                }
                return false
            }
        }
        return (answer ?? nil) ?? true
    }
}
