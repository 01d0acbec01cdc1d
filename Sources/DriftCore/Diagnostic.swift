/// An error in something the user wrote, printed the way a compiler prints one:
/// `my.cnf:12:5: error: expected '=' after key 'port'`, then the line quoted with a caret.
///
/// Code compares `kind`, never the message. The quoted line must already be
/// masked by whoever builds the diagnostic: a diagnostic's text reaches terminals,
/// reports and logs, where no secret may appear.
package struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable category for programs to branch on.
    package enum Kind: String, Sendable, Codable, Hashable {
        /// The file's syntax is not what the consuming program accepts.
        case syntax
        /// The bytes are not text the program can read (invalid UTF-8, NUL bytes).
        case encoding
        /// An include directive names something that cannot be read.
        case include
        /// The inventory is malformed.
        case inventory
        /// A rule file is malformed or a rule's examples do not behave as declared.
        case rule
        /// A file could not be read at all.
        case io
    }

    package var kind: Kind
    package var location: SourceLocation
    package var message: String
    /// The offending line, already masked, quoted under the message.
    package var quotedLine: String?

    package init(_ kind: Kind, at location: SourceLocation, _ message: String, quotedLine: String? = nil) {
        self.kind = kind
        self.location = location
        self.message = message
        self.quotedLine = quotedLine
    }

    package var description: String {
        var text = "\(location): error: \(message)"
        if let quotedLine {
            text += "\n    " + quotedLine
            if let column = location.column, column >= 1 {
                text += "\n    " + caretLine(under: quotedLine, column: column)
            }
        }
        return text
    }

    /// Places the caret under the right character, copying tabs so it lines up in a terminal.
    private func caretLine(under line: String, column: Int) -> String {
        var prefix = ""
        for character in line.prefix(column - 1) {
            prefix.append(character == "\t" ? "\t" : " ")
        }
        return prefix + "^"
    }
}
