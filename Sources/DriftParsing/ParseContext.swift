import DriftCore

/// What every parser needs to build a document and report errors about it.
struct ParseContext {
    let path: String
    let source: SourceText
    let secrets: SecretPolicy

    /// A compiler-style error at a line, quoting it with secrets masked.
    func error(_ kind: Diagnostic.Kind = .syntax, at line: LineRange, column: Int = 1, _ message: String) -> Diagnostic {
        diagnostic(kind, at: line, column: column, message)
    }

    func diagnostic(_ kind: Diagnostic.Kind, at line: LineRange, column: Int, _ message: String) -> Diagnostic {
        Diagnostic(kind, at: SourceLocation(file: path, line: line.number, column: max(1, column)), message,
                   quotedLine: secrets.maskLine(quotable(line)))
    }

    /// The line's text for quoting: control characters shown as escapes, very long lines cut.
    private func quotable(_ line: LineRange) -> String {
        let end = min(line.contentEnd, line.start + 300)
        var text = source.string(line.start..<end)
        text = String(text.unicodeScalars.map { scalar -> String in
            scalar.value < 0x20 && scalar != "\t" ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }.joined())
        return end < line.contentEnd ? text + "…" : text
    }

    func string(_ range: Range<Int>) -> String { source.string(range) }
}
