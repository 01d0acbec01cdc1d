/// A point in a file a person wrote (a config file, the inventory, a rule file).
///
/// Every error and finding points back to one of these so an operator can open
/// the file at the right line; lines and columns are 1-based like a compiler's.
package struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var column: Int?

    package init(file: String, line: Int, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    package var description: String {
        if let column { return "\(file):\(line):\(column)" }
        return "\(file):\(line)"
    }
}

/// The lines one entry occupies, inclusive; continuation lines make it longer than one.
package struct SourceSpan: Hashable, Sendable, Codable {
    package var file: String
    package var startLine: Int
    package var endLine: Int

    package init(file: String, startLine: Int, endLine: Int? = nil) {
        self.file = file
        self.startLine = startLine
        self.endLine = endLine ?? startLine
    }

    package var start: SourceLocation { SourceLocation(file: file, line: startLine) }
}
