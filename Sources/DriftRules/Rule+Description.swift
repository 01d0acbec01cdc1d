import DriftCore

extension Rule {
    /// Everything about the rule as `stackdrift rules show` prints it; with the rule set, also
    /// what applies when a file does not set the option (its default, the older names still
    /// read), which answers "why is this drift if I never wrote it?".
    package func describe(in ruleSet: RuleSet? = nil) -> String {
        var lines: [String] = []
        lines.append("\(id): \(title)")
        lines.append("  severity:   \(severity.rawValue)")
        lines.append("  applies to: \(roles.isEmpty ? "every role" : roles.sorted().map(\.rawValue).joined(separator: ", "))"
                     + (networking.map { ", \($0.rawValue) networking only" } ?? "")
                     + (exceptRoles.isEmpty ? "" : ", not on \(exceptRoles.sorted().map(\.rawValue).joined(separator: " or ")) hosts")
                     + (services.isEmpty ? "" : ", hosts running \(services.sorted().map(\.rawValue).joined(separator: " or "))")
                     + (when.map { ", when \($0.fact.rawValue) is \($0.values.joined(separator: " or "))" } ?? ""))
        switch check {
        case .value(let value):
            lines.append("  checks:     \(value.file) (\(value.format.rawValue))" + (value.section.map { " [\($0)]" } ?? "") + " \(value.key)")
            let definition = upgrade == nil
                ? ruleSet?.options.definition(file: value.file, format: value.format, section: value.section, key: value.key) : nil
            let type = value.valueType ?? definition?.valueType
            lines.append("  expects:    \(value.matcher.summary)" + (type.map { " (compared as \($0.rawValue))" } ?? ""))
            if let definition, let ruleSet {
                lines += Self.describe(definition, release: definition.program ?? ruleSet.options.releaseTitle,
                                       secret: ruleSet.secrets.isSecret(key: value.key))
            }
        case .consistency(let consistency):
            let scope = consistency.scope == .fleet ? "across the fleet" : "on each host"
            lines.append("  checks:     values \(consistency.kind.rawValue) \(scope):")
            for (index, source) in consistency.sources.enumerated() {
                let reference = consistency.reference == index ? " (reference)" : ""
                let roleNote = source.roles.isEmpty ? "" : " on \(source.roles.sorted().map(\.rawValue).joined(separator: ", "))"
                let transform = source.transform == .none ? "" : ", \(source.transform.rawValue)"
                lines.append("              \(source.file)\(source.section.map { " [\($0)]" } ?? "") \(source.key)\(roleNote)\(transform)\(reference)")
            }
        case .placeholderScan:
            lines.append("  checks:     every value of every collected file for guide placeholders")
        case .hostNames(let file):
            lines.append("  checks:     \(file) resolves every host of the fleet to its management address")
        case .programErrors(let file):
            lines.append("  checks:     \(file) holds nothing its program refuses to start on")
        case .confinedIncludes(let file):
            lines.append("  checks:     every file \(file) includes lies where includes may be read from")
        }
        if let upgrade { lines.append("  upgrade:    \(upgrade.from) → \(upgrade.to): what to change before running \(upgrade.to)") }
        if let guide { lines.append("  guide:      \(guide)") }
        for (index, citation) in source.enumerated() {
            lines.append((index == 0 ? "  source:     " : "              ") + citation)
        }
        if let quote {
            lines.append("  the guide says:")
            lines += quote.split(separator: "\n", omittingEmptySubsequences: false).map { "    | " + $0 }
        }
        if !rationale.isEmpty { lines.append("  why:        \(rationale)") }
        if let fix { lines.append("  fix:        \(fix.text)") }
        if let reading { lines.append("  reading:    \(reading)") }
        lines.append("  examples:   \(examples.passing.count) passing, \(examples.failing.count) failing")
        lines.append("  defined at: \(definedAt)")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension Rule {
    /// The default and deprecated names of an option, as `rules show` prints them.
    static func describe(_ definition: OptionDefinition, release: String, secret: Bool) -> [String] {
        var lines: [String] = []
        let source = definition.source.first.map { " (\($0))" } ?? ""
        switch definition.fallback {
        case .value(let text):
            let shown = secret && !text.isEmpty ? "a built-in default password, public in its code" : "'\(text)'"
            lines.append("  if unset:   \(release) reads \(shown)\(source)")
        case .none(let reason):
            lines.append("  if unset:   no default: \(reason)\(source)")
        }
        for citation in definition.source.dropFirst() { lines.append("              \(citation)") }
        if !definition.deprecatedNames.isEmpty {
            lines.append("  also read:  " + definition.deprecatedNames.map(\.description).joined(separator: ", ")
                         + " (older names \(release) still reads, in this order, when the option itself is not set)")
        }
        if !definition.aliases.isEmpty {
            let grouped = Dictionary(grouping: definition.aliases, by: \.value).sorted { $0.key < $1.key }
            for (value, spellings) in grouped {
                lines.append("  same value: '\(value)' = " + spellings.map { "'\($0.key)'" }.sorted().joined(separator: ", "))
            }
        }
        return lines
    }
}

extension Matcher {
    /// The matcher in words, with templates as written.
    package var summary: String {
        switch self {
        case .equals(let template): return "equals '\(template.text)'"
        case .oneOf(let templates): return "one of " + templates.map { "'\($0.text)'" }.joined(separator: ", ")
        case .present: return "set"
        case .absent: return "not set"
        case .regex(let pattern): return "matches /\(pattern.pattern)/"
        case .anyMatch(let pattern): return "some line matches /\(pattern.pattern)/"
        case .contains(let template): return "includes '\(template.text)'"
        case .orderedSubsequence(let templates): return "lists, in order: " + templates.map(\.text).joined(separator: ", ")
        case .endsWith(let templates): return "ends with " + templates.map { "'\($0.text)'" }.joined(separator: ", ")
        case .notPlaceholder: return "a real value, not a guide placeholder"
        case .noneEqual(let template): return "no value equals '\(template.text)'"
        case .movedTo(let moved):
            let place = (moved.section.map { "[\($0)] " } ?? "") + moved.key
            let value = moved.value.map { " = \($0.text)" } ?? ""
            return moved.oldKey == .deprecated
                ? "not set: the next release reads it as \(place)\(value) (this name is deprecated there)"
                : "not set: the next release ignores it and reads \(place)\(value)"
        }
    }
}
