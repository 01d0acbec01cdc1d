/// Python's notion of whitespace (`str.isspace`), which decides what `strip()`
/// removes in the Python parsers stackdrift imitates. It differs from Swift's
/// `Character.isWhitespace` (it includes the information separators U+001C–U+001F).
enum PythonText {
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    static func rstrip<S: StringProtocol>(_ text: S) -> Substring {
        let scalars = Substring(text).unicodeScalars
        var end = scalars.endIndex
        while end > scalars.startIndex {
            let previous = scalars.index(before: end)
            guard isSpace(scalars[previous]) else { break }
            end = previous
        }
        return Substring(scalars[scalars.startIndex..<end])
    }

    static func lstrip<S: StringProtocol>(_ text: S) -> Substring {
        let scalars = Substring(text).unicodeScalars
        var start = scalars.startIndex
        while start < scalars.endIndex, isSpace(scalars[start]) {
            start = scalars.index(after: start)
        }
        return Substring(scalars[start..<scalars.endIndex])
    }

    static func strip<S: StringProtocol>(_ text: S) -> Substring {
        lstrip(rstrip(text))
    }

    /// `value[1:-1]` when the value starts and ends with the same quote character
    /// (a lone quote becomes empty, as Python's slice makes it).
    static func stripMatchingQuotes(_ value: Substring) -> (value: Substring, stripped: Bool) {
        guard let first = value.unicodeScalars.first, first == "\"" || first == "'",
              value.unicodeScalars.last == first else { return (value, false) }
        let scalars = value.unicodeScalars
        guard scalars.count >= 2 else { return ("", true) }
        let inner = scalars[scalars.index(after: scalars.startIndex)..<scalars.index(before: scalars.endIndex)]
        return (Substring(inner), true)
    }
}
