import DriftCore

extension RuleEngine {
    /// Every value of every parsed file on the host that still holds a guide placeholder fails,
    /// and so does every secret (by key, or a password inside a URL) whose value is weak; a file
    /// without any passes. Keys already covered by a `not-placeholder` rule are left to that
    /// rule, so one placeholder is reported once.
    func scanPlaceholders(_ rule: Rule, on evidence: HostEvidence) -> [Finding] {
        // By file: the section and folded key of each option a `not-placeholder` rule covers.
        var covered: [String: Set<String>] = [:]
        for other in rules(for: evidence.host) {
            if case .value(let check) = other.check, check.matcher == .notPlaceholder {
                covered[check.file, default: []].insert((check.section ?? "") + "\u{0}" + check.format.normalizedKey(check.key))
            }
        }
        var findings: [Finding] = []
        for path in evidence.files.keys.sorted() {
            guard case .parsed(let document) = evidence.files[path]! else { continue }
            let details = document.format.details
            let coveredHere = covered[path]
            var found = false
            func looked(at entry: Entry) -> Bool {
                if let coveredHere, coveredHere.contains((entry.section ?? "") + "\u{0}" + details.normalizedKey(entry.key)) { return false }
                return true
            }
            // A format that holds no secret (hosts, sysctl) has no weak one and nothing to mask:
            // only placeholders are looked for in its entries, once per shared content (a hosts
            // file lists the whole fleet, on every node).
            let candidates = details.holdsSecrets ? document.entries.indices.filter { looked(at: document.entries[$0]) }
                : sharedScans.answer("placeholders\u{0}" + (coveredHere ?? []).sorted().joined(separator: "\u{1}"),
                                     in: document, cost: { $0.count + 1 }) {
                    document.entries.indices.filter { index in
                        looked(at: document.entries[index])
                            && ruleSet.placeholders(in: ValueMatching.plain(document.entries[index].value)).first != nil
                    }
                }
            for index in candidates {
                let entry = document.entries[index]
                let token = ruleSet.placeholders(in: ValueMatching.plain(entry.value)).first
                guard token != nil || details.holdsSecrets else { continue }
                let shown = details.holdsSecrets ? show(entry.value.text, key: entry.key) : (text: entry.value.text, masked: false)
                let message: String, fix: String
                if let token {
                    message = shown.masked ? "'\(entry.key)' still holds a guide placeholder"
                        : "'\(entry.key)' still holds the guide placeholder '\(token)'"
                    fix = "replace the placeholder with the real value"
                } else if shown.masked, let weakness = weakSecrets.weakness(of: entry.value.text, user: user(of: entry, in: document)) {
                    message = "'\(entry.key)' \(weakness)"
                    fix = "replace it with a strong secret"
                } else {
                    continue
                }
                found = true
                findings.append(Finding(
                    rule: rule.id, title: rule.title, host: evidence.host.name, file: entry.span.file, section: entry.section,
                    key: entry.key, status: .fail, severity: rule.severity, expected: "a real value, not a guide placeholder",
                    actual: shown.text, line: entry.line, message: message,
                    guide: rule.guide, fix: fix, secret: shown.masked))
            }
            if !found {
                findings.append(Finding(
                    rule: rule.id, title: rule.title, host: evidence.host.name, file: path, section: nil, key: nil,
                    status: .pass, severity: rule.severity, expected: "no guide placeholder", actual: nil, line: nil,
                    message: "no value holds a guide placeholder", guide: rule.guide))
            }
        }
        return findings
    }

    /// The account a secret entry belongs to, from its own section (`admin_user` beside `admin_password`).
    private func user(of entry: Entry, in document: ConfigDocument) -> String? {
        for key in WeakSecrets.userKeys(for: entry.key) {
            if let user = document.effectiveEntry(section: entry.section, key: key) { return user.value.text }
        }
        return nil
    }
}
