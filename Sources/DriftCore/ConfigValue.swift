/// A value as the consuming program types it: INI values are text, LVM values
/// are integers, floats, strings or lists, MySQL allows keys without a value.
package indirect enum ConfigValue: Hashable, Sendable {
    /// A key written without a value (`innodb_file_per_table` in my.cnf).
    case none
    case string(String)
    case integer(Int64)
    case float(Double)
    case list([ConfigValue])

    /// The value as text, for comparison with textual expectations and for display.
    package var text: String {
        switch self {
        case .none: return ""
        case .string(let string): return string
        case .integer(let integer): return String(integer)
        case .float(let float): return String(float)
        case .list(let items): return "[" + items.map(\.quotedText).joined(separator: ", ") + "]"
        }
    }

    private var quotedText: String {
        if case .string(let string) = self { return "\"\(string)\"" }
        return text
    }

    /// The elements when the value is a list; a scalar is a one-element list, as lvmconfig compares them.
    package var elements: [ConfigValue] {
        switch self {
        case .list(let items): return items
        case .none: return []
        default: return [self]
        }
    }
}
