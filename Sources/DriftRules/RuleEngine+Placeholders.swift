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
            let coveredHere = covered[path] ?? []
            // What the scan finds depends on the document and the covered keys alone: once per
            // shared content (a hosts file lists the whole fleet, on every node; one neutron.conf
            // is on every compute).
            let hits = sharedPlaceholders.answer("placeholders\u{0}" + coveredHere.sorted().joined(separator: "\u{1}"),
                                                 in: document, cost: { $0.count + 1 }) {
                placeholderHits(in: document, covered: coveredHere)
            }
            for hit in hits {
                let entry = document.entries[hit.index]
                findings.append(Finding(
                    rule: rule.id, title: rule.title, host: evidence.host.name, file: entry.span.file, section: entry.section,
                    key: entry.key, status: .fail, severity: rule.severity, expected: "a real value, not a guide placeholder",
                    actual: hit.actual, line: entry.line, message: hit.message,
                    guide: rule.guide, fix: hit.fix, secret: hit.masked))
            }
            if hits.isEmpty {
                findings.append(Finding(
                    rule: rule.id, title: rule.title, host: evidence.host.name, file: path, section: nil, key: nil,
                    status: .pass, severity: rule.severity, expected: "no guide placeholder", actual: nil, line: nil,
                    message: "no value holds a guide placeholder", guide: rule.guide))
            }
        }
        return findings
    }

    /// The entries of one document that fail the scan, in order, with what to say of each.
    private func placeholderHits(in document: ConfigDocument, covered: Set<String>) -> [PlaceholderHit] {
        let details = document.format.details
        var hits: [PlaceholderHit] = []
        for (index, entry) in document.entries.enumerated() {
            if covered.contains((entry.section ?? "") + "\u{0}" + details.normalizedKey(entry.key)) { continue }
            let token = ruleSet.placeholders(in: ValueMatching.plain(entry.value)).first
            // A format that holds no secret (hosts, sysctl) has no weak one and nothing to mask.
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
            hits.append(PlaceholderHit(index: index, message: message, fix: fix, actual: shown.text, masked: shown.masked))
        }
        return hits
    }

    /// The account a secret entry belongs to, from its own section (`admin_user` beside `admin_password`).
    private func user(of entry: Entry, in document: ConfigDocument) -> String? {
        for key in WeakSecrets.userKeys(for: entry.key) {
            if let user = document.effectiveEntry(section: entry.section, key: key) { return user.value.text }
        }
        return nil
    }
}

/// An entry the placeholder scan fails, as any host holding the document would say it.
struct PlaceholderHit: Sendable {
    var index: Int
    var message: String
    var fix: String
    /// The value as shown (masked when secret).
    var actual: String
    var masked: Bool
}
