/// What a rule expects of a key's value.
public enum Matcher: Hashable, Sendable {
    /// The value the program uses (the last occurrence) equals this, compared as the rule's type.
    case equals(Template)
    /// The value the program uses is one of these.
    case oneOf([Template])
    /// The key is set, whatever its value.
    case present
    /// The key is not set.
    case absent
    /// The value the program uses matches this pattern as a whole.
    case regex(RegexPattern)
    /// One of the key's values (every occurrence of a multi-valued key, every element of a list) equals this.
    case contains(Template)
    /// The key is set and none of its values still holds a guide placeholder such as `NOVA_PASS`.
    case notPlaceholder

    /// The YAML spelling of each matcher, for the loader and error messages.
    public static let names = ["equals", "one-of", "present", "absent", "regex", "contains", "not-placeholder"]

    /// Templates whose text decides how values are typed when the rule names no type.
    var literalTexts: [String] {
        switch self {
        case .equals(let template), .contains(let template): return [template.text]
        case .oneOf(let templates): return templates.map(\.text)
        default: return []
        }
    }

    var templates: [Template] {
        switch self {
        case .equals(let template), .contains(let template): return [template]
        case .oneOf(let templates): return templates
        default: return []
        }
    }
}
