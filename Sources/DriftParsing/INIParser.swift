import DriftCore

/// The INI core shared by every INI-like format; a dialect sets its rules.
///
/// It keeps every occurrence of a key in reading order (repeated keys are
/// multi-valued, also across repeated sections) and every line's raw text, so
/// the document renders back byte-identical and findings can name their line.
public struct INIParser: Sendable {
    public var dialect: INIDialect
    public var secrets: SecretPolicy

    public init(dialect: INIDialect, secrets: SecretPolicy) {
        self.dialect = dialect
        self.secrets = secrets
    }

    /// An assignment being read, possibly over several continuation lines.
    private struct Pending {
        var key: String
        var values: [Substring]
        var firstLine: TextLine
        var raw: String
        var lastLine: Int
        var valueColumn: Int
    }

    public func parse(_ text: String, path: String) throws -> ConfigDocument {
        var entries: [Entry] = []
        var segments: [ConfigDocument.Segment] = []
        var section: String?
        var pending: Pending?

        func flush() throws {
            guard let assignment = pending else { return }
            pending = nil
            guard let currentSection = section else {
                throw error(in: path, at: assignment.firstLine, column: 1,
                            "assignment to '\(assignment.key)' before any [section] header")
            }
            let value = assignment.values.joined(separator: "\n")
            entries.append(Entry(
                section: currentSection, key: assignment.key, value: .string(value),
                span: SourceSpan(file: path, startLine: assignment.firstLine.number, endLine: assignment.lastLine),
                raw: assignment.raw, valueColumn: assignment.valueColumn))
            segments.append(.init(kind: .entry(entries.count - 1), raw: assignment.raw, line: assignment.firstLine.number))
        }

        for line in TextLine.split(text) {
            let content = PythonText.rstrip(line.text)
            guard let first = content.unicodeScalars.first else {
                // A blank line ends a multi-line value.
                try flush()
                segments.append(.init(kind: .trivia, raw: String(line.raw), line: line.number))
                continue
            }
            if dialect.continuationLines, first == " " || first == "\t" {
                guard pending != nil else {
                    throw error(in: path, at: line, column: 1, "unexpected continuation line (indented line with no value above it)")
                }
                pending!.values.append(PythonText.lstrip(content))
                pending!.raw += line.raw
                pending!.lastLine = line.number
                continue
            }
            try flush()
            if first == "[" {
                guard content.unicodeScalars.last == "]" else {
                    throw error(in: path, at: line, column: content.count, "expected ']' at the end of the section header")
                }
                guard content.unicodeScalars.count > 2 else {
                    throw error(in: path, at: line, column: 2, "section header has no name")
                }
                let name = String(content.unicodeScalars.dropFirst().dropLast())
                section = name
                segments.append(.init(kind: .sectionHeader(name), raw: String(line.raw), line: line.number))
            } else if dialect.commentPrefixes.contains(first) {
                segments.append(.init(kind: .trivia, raw: String(line.raw), line: line.number))
            } else {
                pending = try assignment(in: content, line: line, path: path)
            }
        }
        try flush()
        return ConfigDocument(path: path, format: dialect.format, entries: entries, segments: segments)
    }

    private func assignment(in content: Substring, line: TextLine, path: String) throws -> Pending {
        let scalars = content.unicodeScalars
        guard let separator = scalars.firstIndex(where: { dialect.separators.contains($0) }) else {
            var hint = ""
            if content.unicodeScalars.first == "\u{FEFF}" { hint = " (the file starts with a UTF-8 byte order mark)" }
            let expected = dialect.separators.map { "'\($0)'" }.sorted().joined(separator: " or ")
            throw error(in: path, at: line, column: content.count + 1, "expected \(expected) after key\(hint)")
        }
        let key = PythonText.strip(Substring(scalars[scalars.startIndex..<separator]))
        if key.isEmpty {
            throw error(in: path, at: line, column: 1, "missing key before '\(scalars[separator])'")
        }
        let afterSeparator = Substring(scalars[scalars.index(after: separator)..<scalars.endIndex])
        let leading = PythonText.lstrip(afterSeparator)
        var value = PythonText.rstrip(leading)
        var valueStart = Substring(scalars[scalars.startIndex..<leading.startIndex]).count + 1
        if dialect.stripsMatchingQuotes {
            let unquoted = PythonText.stripMatchingQuotes(value)
            if unquoted.stripped, !value.isEmpty {
                value = unquoted.value
                valueStart += 1
            }
        }
        return Pending(key: String(key), values: [value], firstLine: line, raw: String(line.raw),
                       lastLine: line.number, valueColumn: valueStart)
    }

    private func error(in path: String, at line: TextLine, column: Int, _ message: String) -> Diagnostic {
        Diagnostic(.syntax, at: SourceLocation(file: path, line: line.number, column: max(column, 1)), message,
                   quotedLine: secrets.maskLine(String(line.text)))
    }
}
