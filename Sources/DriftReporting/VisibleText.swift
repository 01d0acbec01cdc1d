/// Text from a configuration file, a host name, a rule or a waiver, made safe to show.
///
/// A config value is written by whoever controls the node. Printed raw it could move a
/// terminal's cursor or retitle its window (escape sequences), reorder what a reader sees
/// (bidirectional controls, as in "Trojan Source"), or make an XML report unreadable (XML 1.0
/// forbids most control characters even as `&#1;`). Every reporter therefore shows such
/// characters as visible stand-ins: C0 controls and DEL as Unicode's control pictures (`␛`
/// for ESC), the rest as `\u{202e}`. Escaping for HTML or XML syntax comes after this.
package enum VisibleText {
    /// Text for a terminal, line feeds and tabs kept: the one function every command's output
    /// goes through (`Console`), so no value from a node can move the cursor, retitle the
    /// window (OSC), ring the bell or reverse what a reader sees, colour or not.
    package static func terminal(_ text: String) -> String { make(text, keepingLayout: true) }

    /// `keepingLayout` keeps line feeds and tabs (multi-line values in HTML or a JUnit body);
    /// otherwise a line feed shows as `␊`, so one value stays on one line.
    package static func make(_ text: String, keepingLayout: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { needsReplacement($0, keepingLayout: keepingLayout) }) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard needsReplacement(scalar, keepingLayout: keepingLayout) else {
                result.append(scalar)
                continue
            }
            switch scalar.value {
            case 0x00...0x1F: result.append(Unicode.Scalar(0x2400 + scalar.value)!)
            case 0x7F: result.append("\u{2421}")
            default: result.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            }
        }
        return String(result)
    }

    static func needsReplacement(_ scalar: Unicode.Scalar, keepingLayout: Bool) -> Bool {
        switch scalar.value {
        case 0x09: return false
        case 0x0A: return !keepingLayout
        case 0x00...0x1F, 0x7F...0x9F: return true
        // Bidirectional embeddings, overrides and isolates; line and paragraph separators;
        // the byte order mark and XML's non-characters.
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C, 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF: return true
        default: return false
        }
    }
}
