import DriftCore

/// How `stackdrift parse` shows a document: every entry in the order the program
/// reads it, with the file and line it came from. Secret values are masked.
package enum ParseReport {
    /// `{"format": …, "entries": [{"file", "section", "key", "value", "line"}, …], "warnings": […]}`;
    /// values keep their type (LVM numbers and lists, Paste pipelines, ntp arguments).
    package static func json(_ document: ConfigDocument, secrets: SecretPolicy) -> String {
        JSONValue.object([
            ("format", .string(document.format.rawValue)),
            ("file", .string(document.path)),
            ("entries", .array(document.entries.map { entry in
                .object([
                    ("file", .string(entry.span.file)),
                    ("section", .string(entry.section)),
                    ("key", .string(entry.key)),
                    ("value", value(entry.value, key: entry.key, secrets: secrets)),
                    ("line", .int(Int64(entry.line))),
                ])
            })),
            ("warnings", .array(document.warnings.map { .string($0.description) })),
        ]).rendered()
    }

    /// One line per entry: `file:line: [section] key = value`.
    package static func text(_ document: ConfigDocument, secrets: SecretPolicy) -> String {
        var lines = ["\(document.path): \(document.format.rawValue), \(document.entries.count) entr\(document.entries.count == 1 ? "y" : "ies")"]
        for entry in document.entries {
            let place = entry.section.map { "[\($0)] " } ?? ""
            let shown: String
            if case .none = entry.value { shown = "(no value)" } else { shown = display(entry.value, key: entry.key, secrets: secrets) }
            lines.append("\(entry.span.file):\(entry.line): \(place)\(entry.key) = \(shown)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func value(_ value: ConfigValue, key: String, secrets: SecretPolicy) -> JSONValue {
        switch value {
        case .none: return .null
        case .string(let text): return .string(secrets.display(key: key, value: text).text)
        case .integer(let number): return .int(number)
        case .float(let number): return .double(number)
        case .list(let items): return .array(items.map { Self.value($0, key: key, secrets: secrets) })
        }
    }

    static func display(_ value: ConfigValue, key: String, secrets: SecretPolicy) -> String {
        switch value {
        case .string(let text): return "'" + secrets.display(key: key, value: text).text.replacingNewlines() + "'"
        case .list(let items): return "[" + items.map { display($0, key: key, secrets: secrets) }.joined(separator: ", ") + "]"
        default: return value.text
        }
    }
}

private extension String {
    func replacingNewlines() -> String {
        var result = ""
        for character in self {
            switch character {
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default: result.append(character)
            }
        }
        return result
    }
}
