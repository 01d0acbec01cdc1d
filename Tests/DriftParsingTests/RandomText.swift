import DriftTestSupport

/// Random text built from pieces that matter to config parsers: separators, quotes,
/// comment characters, indentation, odd white space, brackets and line breaks.
enum RandomConfig {
    static let words = ["nova", "DEFAULT", "my_ip", "10.0.0.11", "key", "value", "a b", "x", "", "sql-mode",
                        "loose-foo", "bind-address", "débit", "日本", "admin_password", "0", "1", "True", "x=y", "a:b"]
    static let noise = [" ", "\t", "=", ":", "#", ";", "\"", "'", "[", "]", "\\", "!", "{", "}", ",", "%", "(", ")",
                        "\u{0B}", "\u{0C}", "\u{1C}", "\u{A0}", "\r", "0x1", "-", "."]

    static func fragment(_ random: inout SeededRandom) -> String {
        var text = ""
        for _ in 0..<random.count(0...4) {
            text += random.chance(60) ? random.pick(words) : random.pick(noise)
        }
        return text
    }

    /// INI-like lines: sections, assignments, comments, continuations, junk.
    static func iniFile(_ random: inout SeededRandom, sections: [String] = ["DEFAULT", "database", "ml2", "mysqld"]) -> String {
        var lines: [String] = []
        if random.chance(80) { lines.append("[\(random.pick(sections))]") }
        for _ in 0..<random.count(1...14) {
            let indent = random.chance(15) ? random.pick([" ", "\t", "  ", " \t"]) : ""
            switch random.count(0...9) {
            case 0: lines.append("")
            case 1: lines.append(indent + random.pick(["#", ";"]) + fragment(&random))
            case 2: lines.append(indent + "[" + random.pick(sections + [fragment(&random)]) + random.pick(["]", "", "] x", "]]"]))
            case 3: lines.append(indent + fragment(&random))
            default:
                let key = random.pick(["my_ip", "type_drivers", "key", "bind-address", "x y", "loose-a", fragment(&random)])
                let separator = random.pick(["=", " = ", ":", " : ", "= ", "="])
                var value = fragment(&random)
                if random.chance(20) { value = random.pick(["\"", "'"]) + value + random.pick(["\"", "'", ""]) }
                lines.append(indent + key + separator + value)
            }
        }
        let breaks = random.pick(["\n", "\n", "\n", "\r\n", "\r"])
        var text = lines.joined(separator: breaks)
        if random.chance(70) { text += breaks }
        return text
    }
}
