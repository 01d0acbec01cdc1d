/// Escaping shared by the HTML and JUnit XML reports, whose text and attribute syntax agree.
enum Markup {
    /// Escapes `&`, `<`, `>`, `"` and `'` (so the result is safe in text and in quoted
    /// attribute values, and `]]>` cannot end anything) after making control and bidirectional
    /// characters visible. Line feeds and tabs are kept.
    static func escape(_ value: String, into output: inout String) {
        for scalar in VisibleText.make(value, keepingLayout: true).unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.unicodeScalars.append(scalar)
            }
        }
    }

    static func escaped(_ value: String) -> String {
        var output = ""
        escape(value, into: &output)
        return output
    }

    /// For an XML attribute value: as `escaped`, with line feeds and tabs as character
    /// references, which attribute-value normalisation would otherwise turn into spaces.
    static func attribute(_ value: String) -> String {
        var output = ""
        for character in escaped(value) {
            switch character {
            case "\n": output += "&#10;"
            case "\t": output += "&#9;"
            default: output.append(character)
            }
        }
        return output
    }
}
