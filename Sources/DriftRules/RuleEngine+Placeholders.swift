import DriftCore

extension RuleEngine {
    /// Every value of every parsed file on the host that still holds a guide placeholder
    /// fails; a file without any passes. Keys already covered by a `not-placeholder` rule are
    /// left to that rule, so one placeholder is reported once.
    func scanPlaceholders(_ rule: Rule, on evidence: HostEvidence) -> [Finding] {
        var covered = Set<String>()
        for other in rules(for: evidence.host) {
            if case .value(let check) = other.check, check.matcher == .notPlaceholder {
                covered.insert(check.file + "\u{0}" + (check.section ?? "") + "\u{0}" + check.format.normalizedKey(check.key))
            }
        }
        var findings: [Finding] = []
        for path in evidence.files.keys.sorted() {
            guard case .parsed(let document) = evidence.files[path]! else { continue }
            var found = false
            for entry in document.entries {
                let identity = path + "\u{0}" + (entry.section ?? "") + "\u{0}" + document.format.normalizedKey(entry.key)
                guard !covered.contains(identity), let token = ruleSet.placeholders(in: ValueMatching.plain(entry.value)).first
                else { continue }
                found = true
                let shown = show(entry.value.text, key: entry.key)
                findings.append(Finding(
                    rule: rule.id, title: rule.title, host: evidence.host.name, file: entry.span.file, section: entry.section,
                    key: entry.key, status: .fail, severity: rule.severity, expected: "a real value, not a guide placeholder",
                    actual: shown.text, line: entry.line,
                    message: shown.masked ? "'\(entry.key)' still holds a guide placeholder"
                        : "'\(entry.key)' still holds the guide placeholder '\(token)'",
                    guide: rule.guide, fix: "replace the placeholder with the real value", secret: shown.masked))
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
}
