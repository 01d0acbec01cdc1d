/// A point in a file a person wrote (a config file, the inventory, a rule file).
///
/// Every error and finding points back to one of these so an operator can open
/// the file at the right line; lines and columns are 1-based like a compiler's.
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int?

    public init(file: String, line: Int, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        if let column { return "\(file):\(line):\(column)" }
        return "\(file):\(line)"
    }
}

/// The lines one entry occupies, inclusive; continuation lines make it longer than one.
public struct SourceSpan: Hashable, Sendable, Codable {
    public var file: String
    public var startLine: Int
    public var endLine: Int

    public init(file: String, startLine: Int, endLine: Int? = nil) {
        self.file = file
        self.startLine = startLine
        self.endLine = endLine ?? startLine
    }

    public var start: SourceLocation { SourceLocation(file: file, line: startLine) }
}
