import DriftCore
import Foundation

/// Handles a directive line (`!include`, `&merge`) for the INI core and returns the entries
/// it brings in, spliced at that point in reading order.
protocol INIDirectiveHandler: AnyObject {
    func handle(directive: Range<Int>, line: LineRange, context: ParseContext) throws -> [Entry]
}

/// The INI core shared by every INI-like format; a dialect sets its rules.
///
/// It works on bytes, keeps every occurrence of a key in reading order
/// (repeated keys are multi-valued, also across repeated sections) and tiles
/// the file into segments, so the document renders back byte for byte and
/// findings can name their line.
package struct INIParser: Sendable {
    package var dialect: INIDialect
    package var secrets: SecretPolicy

    package init(dialect: INIDialect, secrets: SecretPolicy) {
        self.dialect = dialect
        self.secrets = secrets
    }

    /// Parses one file's bytes (already checked to be text the program accepts).
    package func parse(_ source: SourceText, path: String) throws -> ConfigDocument {
        try parse(ParseContext(path: path, source: source, secrets: secrets), directives: nil)
    }

    func parse(_ context: ParseContext, directives: INIDirectiveHandler?) throws -> ConfigDocument {
        var builder = Builder(dialect: dialect, context: context, directives: directives)
        try context.source.bytes.withUnsafeBufferPointer { bytes in
            // rsync: physical lines ending in '\' join the next into one logical line.
            var joinStart: LineRange?
            try dialect.lineBreaks.forEachLine(context.source.bytes, maxLength: dialect.maxLineLength) { physical in
                var line = physical
                if dialect.nulEndsLine, let nul = bytes[line.content].firstIndex(of: 0) { line.contentEnd = nul }
                if case .trailingBackslash = dialect.continuation {
                    let stripped = ByteClass.cRStrip(bytes, line.content)
                    if let last = stripped.last, bytes[last] == UInt8(ascii: "\\") {
                        if joinStart == nil { joinStart = line }
                        return
                    }
                    if let first = joinStart {
                        joinStart = nil
                        builder.continuedLines = (first, line)
                        line = LineRange(number: first.number, start: first.start, contentEnd: line.contentEnd, end: line.end)
                    }
                }
                try builder.process(line, bytes: bytes)
                builder.continuedLines = nil
            }
            if let first = joinStart, let last = dialect.lineBreaks.lines(context.source.bytes).last {
                // The file ends inside a continued line.
                builder.continuedLines = (first, last)
                try builder.process(LineRange(number: first.number, start: first.start, contentEnd: last.contentEnd,
                                              end: last.end), bytes: bytes)
            }
            try builder.flush(bytes: bytes)
        }
        builder.closeTrivia()
        return ConfigDocument(path: context.path, format: dialect.format, source: context.source,
                              lineBreaks: dialect.lineBreaks, entries: builder.entries, segments: builder.segments,
                              warnings: builder.warnings)
    }
}

/// The parser's state while it walks the lines of one file.
private struct Builder {
    let dialect: INIDialect
    let context: ParseContext
    let directives: INIDirectiveHandler?
    var entries: [Entry] = []
    var segments: [ConfigDocument.Segment] = []
    var warnings: [Diagnostic] = []
    var section: String?
    /// Header text of boost-style sections, prefixed to keys.
    var keyPrefix = ""
    var seenSections = Set<String>()
    var seenOptions = Set<String>()
    /// configparser: indentation of the line that started the current option or section.
    var indentLevel = 0
    var pending: Pending?
    /// The trivia run being accumulated: its first byte and line.
    var trivia: (start: Int, end: Int, line: Int)?
    /// rsync: the physical lines a joined logical line spans.
    var continuedLines: (LineRange, LineRange)?

    init(dialect: INIDialect, context: ParseContext, directives: INIDirectiveHandler?) {
        self.dialect = dialect
        self.context = context
        self.directives = directives
    }

    /// An assignment being read, possibly over several lines; a class, so the per-line checks
    /// and appends do not copy it.
    final class Pending {
        var key: String
        var section: String?
        var firstLine: LineRange
        var lastLine: LineRange
        var values: [String]
        var valueRange: Range<Int>?
        var valueColumn: Int?
        /// Lines after the last continuation that belong to the entry only if another continuation follows.
        var tentative: [LineRange] = []
        /// configparser: blank lines inside the value, kept as empty strings if more value follows.
        var pendingBlanks = 0

        init(key: String, section: String?, firstLine: LineRange, lastLine: LineRange, values: [String],
             valueRange: Range<Int>?, valueColumn: Int?) {
            self.key = key
            self.section = section
            self.firstLine = firstLine
            self.lastLine = lastLine
            self.values = values
            self.valueRange = valueRange
            self.valueColumn = valueColumn
        }
    }

    // MARK: Segments

    mutating func addTrivia(_ line: LineRange) {
        if let run = trivia {
            trivia = (run.start, line.end, run.line)
        } else {
            trivia = (line.start, line.end, line.number)
        }
    }

    mutating func closeTrivia() {
        guard let run = trivia else { return }
        segments.append(.init(kind: .trivia, range: run.start..<run.end, line: run.line))
        trivia = nil
    }

    mutating func addEntry(_ entry: Entry, lineStart: Int) {
        closeTrivia()
        entries.append(entry)
        segments.append(.init(kind: .entry(entries.count - 1), range: entry.byteRange, line: lineStart))
    }

    // MARK: Lines

    mutating func process(_ line: LineRange, bytes: UnsafeBufferPointer<UInt8>) throws {
        switch dialect.continuation {
        case .indentedLines:
            let content = ByteClass.pythonRStrip(bytes, line.content)
            guard !content.isEmpty else {
                if pending != nil { try flush(bytes: bytes) }
                addTrivia(line)
                return
            }
            let first = bytes[content.lowerBound]
            if first == 0x20 || first == 0x09 {
                guard let pending else {
                    throw context.error(at: line, "unexpected continuation line (an indented line with no value above it)")
                }
                let piece = ByteClass.pythonLStrip(bytes, content)
                pending.values.append(context.string(piece))
                pending.valueRange = (pending.valueRange?.lowerBound ?? piece.lowerBound)..<piece.upperBound
                pending.lastLine = line
                return
            }
            if pending != nil { try flush(bytes: bytes) }
            try classify(line, content: content, bytes: bytes)

        case .deeperIndentation:
            let stripped = ByteClass.pythonStrip(bytes, line.content)
            let isComment = !stripped.isEmpty && dialect.commentPrefixes.contains(bytes[stripped.lowerBound])
            if stripped.isEmpty || isComment {
                if let pending {
                    if !isComment { pending.pendingBlanks += 1 }
                    pending.tentative.append(line)
                } else {
                    addTrivia(line)
                }
                return
            }
            let indentation = ByteClass.pythonIndentation(bytes, line.content)
            if let pending, indentation > indentLevel {
                pending.values += Array(repeating: "", count: pending.pendingBlanks)
                pending.pendingBlanks = 0
                pending.values.append(context.string(stripped))
                pending.valueRange = (pending.valueRange?.lowerBound ?? stripped.lowerBound)..<stripped.upperBound
                pending.tentative = []
                pending.lastLine = line
                return
            }
            indentLevel = indentation
            try flush(bytes: bytes)
            try classify(line, content: stripped, bytes: bytes)

        case .none, .trailingBackslash:
            let content = strip(bytes, line.content)
            guard !content.isEmpty else {
                addTrivia(line)
                return
            }
            try classify(line, content: content, bytes: bytes)
        }
    }

    /// Classifies a line that is not a continuation: comment, directive, header or assignment.
    /// `content` starts at the first non-space byte (oslo: the line start) and is right-stripped.
    mutating func classify(_ line: LineRange, content: Range<Int>, bytes: UnsafeBufferPointer<UInt8>) throws {
        let first = bytes[content.lowerBound]
        if dialect.commentPrefixes.contains(first), dialect.indentedComments || content.lowerBound == line.start {
            addTrivia(line)
            return
        }
        if let prefix = dialect.directivePrefix, first == prefix {
            addTrivia(line)
            if let directives {
                let included = try directives.handle(directive: content, line: line, context: context)
                for entry in included {
                    entries.append(entry)
                }
            } else {
                warnings.append(context.diagnostic(.include, at: line, column: 1, "directive not followed"))
            }
            return
        }
        if first == UInt8(ascii: "[") {
            if try header(line, content: content, bytes: bytes) { return }
        }
        try assignment(line, content: content, bytes: bytes)
    }

    /// Reads a section header; returns false when the dialect reads the line as an option instead.
    mutating func header(_ line: LineRange, content: Range<Int>, bytes: UnsafeBufferPointer<UInt8>) throws -> Bool {
        let column = content.lowerBound - line.start + 1
        let name: String
        switch dialect.sectionHeader {
        case .oslo:
            guard bytes[content.upperBound - 1] == UInt8(ascii: "]") else {
                throw context.error(at: line, column: content.upperBound - line.start,
                                    "expected ']' at the end of the section header")
            }
            guard content.count > 2 else { throw context.error(at: line, column: column + 1, "section header has no name") }
            name = context.string((content.lowerBound + 1)..<(content.upperBound - 1))
        case .configparser:
            // `\[(?P<header>.+)\]` matched at the start: greedy, so up to the last ']'.
            guard let close = bytes[content].lastIndex(of: UInt8(ascii: "]")), close > content.lowerBound + 1 else {
                return false
            }
            name = context.string((content.lowerBound + 1)..<close)
        case .mysql:
            guard let close = bytes[(content.lowerBound + 1)..<line.contentEnd].firstIndex(of: UInt8(ascii: "]")) else {
                throw context.error(at: line, column: column, "wrong group definition (no closing ']')")
            }
            var nameEnd = close
            while nameEnd > content.lowerBound + 1, ByteClass.isMySQLSpace(bytes[nameEnd - 1]) { nameEnd -= 1 }
            name = context.string((content.lowerBound + 1)..<nameEnd)
        case .trimmed:
            guard let close = bytes[content].firstIndex(of: UInt8(ascii: "]")) else {
                throw context.error(at: line, column: content.upperBound - line.start + 1, "expected ']' after the section name")
            }
            name = context.string(ByteClass.cStrip(bytes, (content.lowerBound + 1)..<close))
            if name.isEmpty { throw context.error(at: line, column: column + 1, "empty section name") }
        }
        if dialect.strictDuplicates, name != "DEFAULT", !seenSections.insert(name).inserted {
            throw context.error(at: line, column: column,
                                "section '\(name)' appears twice (configparser: DuplicateSectionError)")
        }
        if case .sectionless = dialect.orphans {
            keyPrefix = name.isEmpty ? "" : name + "."
        } else {
            section = name
        }
        closeTrivia()
        segments.append(.init(kind: .sectionHeader(name), range: line.whole, line: line.number))
        return true
    }

    mutating func assignment(_ line: LineRange, content: Range<Int>, bytes: UnsafeBufferPointer<UInt8>) throws {
        var end = content.upperBound
        switch dialect.inlineComments {
        case .none: break
        case .hash:
            if let hash = bytes[content].firstIndex(of: UInt8(ascii: "#")) { end = hash }
        case .hashOutsideQuotes:
            end = MySQLOptionReader.endOfComment(bytes, content.lowerBound..<line.contentEnd)
        }
        let body = content.lowerBound..<end
        let separator = bytes[body].firstIndex { dialect.separators.contains($0) }

        let keyRange: Range<Int>
        var valueRange: Range<Int>?
        if let separator {
            keyRange = strip(bytes, content.lowerBound..<separator)
            var value = strip(bytes, (separator + 1)..<end)
            if value.isEmpty { value = value.lowerBound..<value.lowerBound }
            valueRange = value
        } else {
            switch dialect.valueless {
            case .error(let message):
                throw context.error(at: line, column: end - line.start + 1, message)
            case .warn(let message):
                warnings.append(context.diagnostic(.syntax, at: line, column: 1, message))
                addTrivia(line)
                return
            case .bareKey:
                keyRange = strip(bytes, content.lowerBound..<end)
            }
        }
        if keyRange.isEmpty, !dialect.allowsEmptyKey {
            throw context.error(at: line, column: content.lowerBound - line.start + 1,
                                "missing option name before '\(separator.map { String(UnicodeScalar(bytes[$0])) } ?? "=")'")
        }

        let entrySection: String?
        switch dialect.orphans {
        case .error(let message):
            guard let section else { throw context.error(at: line, message) }
            entrySection = section
        case .implicitSection(let name):
            entrySection = section ?? name
        case .sectionless:
            entrySection = nil
        }
        let key = keyPrefix + context.string(keyRange)
        if dialect.strictDuplicates {
            let identity = (entrySection ?? "") + "\u{0}" + key
            if !seenOptions.insert(identity).inserted {
                throw context.error(at: line, column: keyRange.lowerBound - line.start + 1,
                                    "option '\(key)' appears twice in [\(entrySection ?? "")] (configparser: DuplicateOptionError)")
            }
        }

        var valueText: String?
        if var range = valueRange {
            switch dialect.unquoting {
            case .none:
                valueText = context.string(range)
            case .oslo:
                if let first = range.first, bytes[first] == 0x22 || bytes[first] == 0x27, bytes[range.upperBound - 1] == bytes[first] {
                    range = range.count >= 2 ? (range.lowerBound + 1)..<(range.upperBound - 1) : range.lowerBound..<range.lowerBound
                }
                valueText = context.string(range)
            case .mysql:
                (valueText, range) = MySQLOptionReader.unquote(bytes, range, source: context.source)
            }
            valueRange = range
        }
        let valueColumn = valueRange.map { $0.lowerBound - line.start + 1 }

        switch dialect.continuation {
        case .indentedLines, .deeperIndentation:
            pending = Pending(key: key, section: entrySection, firstLine: line, lastLine: line,
                              values: valueText.map { [$0] } ?? [], valueRange: valueRange, valueColumn: valueColumn)
        case .none, .trailingBackslash:
            // The physical lines a joined rsync line spans (only for this very line).
            let lastLine = continuedLines.flatMap { $0.0.number == line.number ? $0.1.number : nil } ?? line.number
            let value: ConfigValue = valueText.map { .string(Self.joinContinuation($0, dialect: dialect)) } ?? .none
            addEntry(Entry(section: entrySection, key: key, value: value,
                           span: SourceSpan(file: context.path, startLine: line.number, endLine: lastLine),
                           byteRange: line.whole, valueRange: valueRange, valueColumn: valueColumn),
                     lineStart: line.number)
        }
    }

    /// Finishes the assignment being read, if any.
    mutating func flush(bytes: UnsafeBufferPointer<UInt8>) throws {
        guard let assignment = pending else { return }
        pending = nil
        var value = assignment.values.joined(separator: "\n")
        if case .deeperIndentation = dialect.continuation {
            // configparser joins with '\n' and right-strips the result.
            value = Self.pythonRStrip(value)
        }
        addEntry(Entry(section: assignment.section, key: assignment.key, value: .string(value),
                       span: SourceSpan(file: context.path, startLine: assignment.firstLine.number,
                                        endLine: assignment.lastLine.number),
                       byteRange: assignment.firstLine.start..<assignment.lastLine.end,
                       valueRange: assignment.valueRange, valueColumn: assignment.valueColumn),
                 lineStart: assignment.firstLine.number)
        for line in assignment.tentative { addTrivia(line) }
    }

    func strip(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        switch dialect.whitespace {
        case .python: return ByteClass.pythonStrip(bytes, range)
        case .c: return ByteClass.cStrip(bytes, range)
        case .mysql: return ByteClass.strip(bytes, range, ByteClass.isMySQLSpace)
        }
    }

    static func pythonRStrip(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let range = bytes.withUnsafeBufferPointer { ByteClass.pythonRStrip($0, 0..<bytes.count) }
        return String(decoding: bytes[range], as: UTF8.self)
    }

    /// rsync: a value continued with backslashes reads as one line without them.
    static func joinContinuation(_ text: String, dialect: INIDialect) -> String {
        guard case .trailingBackslash = dialect.continuation, text.contains("\\\n") || text.contains("\\\r\n") else {
            return text
        }
        return text.replacingOccurrences(of: "\\\r\n", with: "").replacingOccurrences(of: "\\\n", with: "")
    }
}
