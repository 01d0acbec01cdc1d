import DriftCore

extension Rule {
    /// Everything about the rule as `stackdrift rules show` prints it.
    public func describe() -> String {
        var lines: [String] = []
        lines.append("\(id): \(title)")
        lines.append("  severity:   \(severity.rawValue)")
        lines.append("  applies to: \(roles.isEmpty ? "every role" : roles.sorted().map(\.rawValue).joined(separator: ", "))"
                     + (networking.map { ", \($0.rawValue) networking only" } ?? "")
                     + (services.isEmpty ? "" : ", hosts running \(services.sorted().map(\.rawValue).joined(separator: " or "))")
                     + (when.map { ", when \($0.fact.rawValue) is \($0.values.joined(separator: " or "))" } ?? ""))
        switch check {
        case .value(let value):
            lines.append("  checks:     \(value.file) (\(value.format.rawValue))" + (value.section.map { " [\($0)]" } ?? "") + " \(value.key)")
            lines.append("  expects:    \(value.matcher.summary)" + (value.valueType.map { " (compared as \($0.rawValue))" } ?? ""))
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

extension Matcher {
    /// The matcher in words, with templates as written.
    public var summary: String {
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
