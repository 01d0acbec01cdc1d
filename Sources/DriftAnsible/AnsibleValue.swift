import Foundation

/// A variable's value as Ansible's inventory plugins hand it on: INI values after
/// `ast.literal_eval`, YAML and JSON values as typed there. Only scalars are used by the
/// import; anything else is kept as its text, to be named in an error.
package enum AnsibleValue: Sendable, Hashable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    /// A list, mapping or float, as written.
    case other(String)

    /// The value as Ansible would interpolate it into a string.
    package var text: String {
        switch self {
        case .string(let text), .other(let text): return text
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "True" : "False"
        case .null: return ""
        }
    }

    /// Still a Jinja template (`{{ … }}`, `{% … %}`), which only Ansible can evaluate.
    package var isTemplate: Bool {
        switch self {
        case .string(let text), .other(let text): return text.contains("{{") || text.contains("{%")
        default: return false
        }
    }

    /// Ansible's `boolean()` filter, as `ansible_become` is read: `nil` when not a boolean.
    package var boolean: Bool? {
        switch self {
        case .bool(let flag): return flag
        case .int(let number): return number == 1 ? true : number == 0 ? false : nil
        case .string(let text):
            switch text.lowercased() {
            case "y", "yes", "on", "1", "true", "t": return true
            case "n", "no", "off", "0", "false", "f": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// A port number or other whole number, written as one or as digits in a string.
    package var integer: Int? {
        switch self {
        case .int(let number): return number
        case .string(let text): return Int(text.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }
}
