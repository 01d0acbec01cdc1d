import DriftCore

/// A token of Python source, enough to read literal assignments.
struct PythonToken {
    enum Kind { case name, number, string, `operator` }

    var kind: Kind
    var range: Range<Int>
    /// The operator's text, for operators.
    var op: String?
    /// A string literal's value; `nil` for f-strings, which are not literals.
    var stringValue: String?

    func isOperator(_ text: String) -> Bool { kind == .operator && op == text }
    func isOperator(_ text: String, source: SourceText) -> Bool { isOperator(text) }
}

/// One logical line of Python: its tokens and the bytes and lines it spans.
struct PythonStatement {
    var tokens: [PythonToken]
    /// From the start of its first line to the end of its last (terminator included).
    var range: Range<Int>
    var line: Int
    var lastLine: Int
    var lineStartOffset: Int
    /// Whether the statement is inside a block (its first line is indented).
    var indented: Bool
}

/// Splits Python source into logical lines of tokens: brackets and backslashes join
/// physical lines, comments are dropped, strings may be triple-quoted over many lines.
/// Unterminated strings and unbalanced brackets are syntax errors, as they are for Python.
struct PythonLexer {
    let bytes: [UInt8]
    let lines: [LineRange]
    let context: ParseContext
    var position = 0
    /// Set when a ';' ended the previous statement mid-line.
    private var continuesLine = false
    /// Whether the previous statement was indented, for one that follows it after a ';'.
    private var previousIndented = false

    init(bytes: [UInt8], lines: [LineRange], context: ParseContext) {
        self.bytes = bytes
        self.lines = lines
        self.context = context
    }

    func lineIndex(of offset: Int) -> Int {
        var low = 0, high = max(lines.count - 1, 0)
        while low < high {
            let middle = (low + high + 1) / 2
            if lines[middle].start <= offset { low = middle } else { high = middle - 1 }
        }
        return low
    }

    func lineNumber(of offset: Int) -> Int { lines.isEmpty ? 1 : lines[lineIndex(of: offset)].number }

    private func peek(_ offset: Int = 0) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    private func isNewline(_ byte: UInt8) -> Bool { byte == 0x0A || byte == 0x0D }

    private mutating func consumeNewline() {
        if peek() == 0x0D { position += 1 }
        if peek() == 0x0A { position += 1 }
    }

    private func error(at offset: Int, _ message: String) -> Diagnostic {
        guard !lines.isEmpty else { return Diagnostic(.syntax, at: SourceLocation(file: context.path, line: 1), message) }
        let line = lines[lineIndex(of: min(offset, bytes.count - 1))]
        return context.error(at: line, column: offset - line.start + 1, message)
    }

    mutating func nextStatement() throws -> PythonStatement? {
        var indented = false
        // Skip blank and comment-only lines.
        while position < bytes.count {
            let lineStart = position
            var indentation = 0
            while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0C {
                position += 1
                indentation += 1
            }
            guard let byte = peek() else { return nil }
            if byte == UInt8(ascii: "#") {
                while let next = peek(), !isNewline(next) { position += 1 }
                consumeNewline()
                continue
            }
            if isNewline(byte) {
                consumeNewline()
                continue
            }
            if byte == UInt8(ascii: "\\"), let next = peek(1), isNewline(next) {
                position += 1
                consumeNewline()
                continue
            }
            indented = continuesLine ? previousIndented : indentation > 0
            previousIndented = indented
            if !continuesLine { position = lineStart + indentation }
            let start = continuesLine ? position : lineStart
            continuesLine = false
            return try statement(from: start, indented: indented)
        }
        return nil
    }

    private mutating func statement(from start: Int, indented: Bool) throws -> PythonStatement {
        var tokens: [PythonToken] = []
        var brackets: [(UInt8, Int)] = []
        while true {
            guard let byte = peek() else { break }
            if byte == 0x20 || byte == 0x09 || byte == 0x0C {
                position += 1
            } else if byte == UInt8(ascii: "#") {
                while let next = peek(), !isNewline(next) { position += 1 }
            } else if byte == UInt8(ascii: "\\"), let next = peek(1), isNewline(next) {
                position += 1
                consumeNewline()
            } else if isNewline(byte) {
                if brackets.isEmpty {
                    consumeNewline()
                    break
                }
                consumeNewline()
            } else if byte == UInt8(ascii: ";"), brackets.isEmpty {
                position += 1
                continuesLine = true
                break
            } else if let token = try stringToken() {
                tokens.append(token)
            } else if Self.isNameStart(byte) {
                let tokenStart = position
                while let next = peek(), Self.isNameStart(next) || (next >= 0x30 && next <= 0x39) { position += 1 }
                tokens.append(PythonToken(kind: .name, range: tokenStart..<position))
            } else if (byte >= 0x30 && byte <= 0x39) || (byte == UInt8(ascii: ".") && (peek(1).map { $0 >= 0x30 && $0 <= 0x39 } ?? false)) {
                let tokenStart = position
                position += 1
                while let next = peek() {
                    if (next >= 0x30 && next <= 0x39) || Self.isNameStart(next) || next == UInt8(ascii: ".") {
                        position += 1
                    } else if (next == UInt8(ascii: "+") || next == UInt8(ascii: "-")),
                              [UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position - 1]),
                              !context.source.string(tokenStart..<position).lowercased().hasPrefix("0x") {
                        position += 1
                    } else {
                        break
                    }
                }
                tokens.append(PythonToken(kind: .number, range: tokenStart..<position))
            } else {
                let tokenStart = position
                let text = operatorText()
                if ["(", "[", "{"].contains(text) {
                    // CPython's tokenizer stops at 200 levels (MAXLEVEL): "too many nested parentheses".
                    guard brackets.count < 200 else { throw error(at: tokenStart, "too many nested parentheses") }
                    brackets.append((byte, tokenStart))
                }
                if [")", "]", "}"].contains(text) {
                    let expected: [UInt8: UInt8] = [0x28: 0x29, 0x5B: 0x5D, 0x7B: 0x7D]
                    guard let open = brackets.popLast(), expected[open.0] == byte else {
                        throw error(at: tokenStart, "unmatched '\(text)'")
                    }
                }
                tokens.append(PythonToken(kind: .operator, range: tokenStart..<position, op: text))
            }
        }
        if let open = brackets.last {
            throw error(at: open.1, "'\(UnicodeScalar(open.0))' was never closed")
        }
        let firstLine = lines[lineIndex(of: start)]
        let lastLine = lines[lineIndex(of: max(position - 1, start))]
        return PythonStatement(tokens: tokens, range: start..<position, line: firstLine.number, lastLine: lastLine.number,
                               lineStartOffset: firstLine.start, indented: indented)
    }

    static func isNameStart(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "_") || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte >= 0x80
    }

    private mutating func operatorText() -> String {
        for length in [3, 2] where position + length <= bytes.count {
            let text = String(decoding: bytes[position..<(position + length)], as: UTF8.self)
            if ["**=", "//=", ">>=", "<<=", "...", "==", "!=", "<=", ">=", "**", "//", "<<", ">>", "+=", "-=", "*=",
                "/=", "%=", "&=", "|=", "^=", "->", ":=", "@="].contains(text) {
                position += length
                return text
            }
        }
        let text = String(decoding: bytes[position..<(position + 1)], as: UTF8.self)
        position += 1
        return text
    }

    /// Reads a string literal with its prefix, if one starts here.
    private mutating func stringToken() throws -> PythonToken? {
        let start = position
        var prefixEnd = position
        while prefixEnd < bytes.count, prefixEnd - position < 2,
              "rRbBuUfF".utf8.contains(bytes[prefixEnd]) { prefixEnd += 1 }
        guard prefixEnd < bytes.count, bytes[prefixEnd] == 0x27 || bytes[prefixEnd] == 0x22 else { return nil }
        let prefix = String(decoding: bytes[position..<prefixEnd], as: UTF8.self).lowercased()
        let quote = bytes[prefixEnd]
        let triple = prefixEnd + 2 < bytes.count && bytes[prefixEnd + 1] == quote && bytes[prefixEnd + 2] == quote
        position = prefixEnd + (triple ? 3 : 1)
        let contentStart = position
        while true {
            guard let byte = peek() else { throw error(at: start, "unterminated string literal") }
            if byte == UInt8(ascii: "\\") {
                position += 2
                continue
            }
            if !triple, isNewline(byte) { throw error(at: start, "unterminated string literal") }
            if byte == quote {
                if !triple {
                    position += 1
                    break
                }
                if peek(1) == quote, peek(2) == quote {
                    position += 3
                    break
                }
            }
            position += 1
        }
        position = min(position, bytes.count)
        let contentEnd = position - (triple ? 3 : 1)
        let raw = Array(bytes[contentStart..<max(contentStart, contentEnd)])
        let value = prefix.contains("f") ? nil : Self.decodeString(raw, isRaw: prefix.contains("r"), encoding: context.source.encoding)
        return PythonToken(kind: .string, range: start..<position, stringValue: value)
    }

    /// Python's escape sequences in a non-raw string; unknown escapes keep their backslash.
    static func decodeString(_ raw: [UInt8], isRaw: Bool, encoding: SourceText.Encoding) -> String {
        let text = SourceText(bytes: raw, encoding: encoding).text
        guard !isRaw, text.contains("\\") else { return text }
        var output = String.UnicodeScalarView()
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            guard scalar == "\\", let next = scalars.popFirst() else {
                output.append(scalar)
                continue
            }
            switch next {
            case "\n": break
            case "\r": if scalars.first == "\n" { scalars.removeFirst() }
            case "\\", "'", "\"": output.append(next)
            case "n": output.append("\n")
            case "t": output.append("\t")
            case "r": output.append("\r")
            case "a": output.append("\u{07}")
            case "b": output.append("\u{08}")
            case "f": output.append("\u{0C}")
            case "v": output.append("\u{0B}")
            case "0"..."7":
                var digits = String(next)
                while digits.count < 3, let digit = scalars.first, ("0"..."7").contains(digit) { digits.unicodeScalars.append(scalars.removeFirst()) }
                if let value = UInt32(digits, radix: 8), let decoded = Unicode.Scalar(value) { output.append(decoded) }
            case "x", "u", "U":
                let count = next == "x" ? 2 : next == "u" ? 4 : 8
                let digits = String(String.UnicodeScalarView(scalars.prefix(count)))
                if digits.count == count, let value = UInt32(digits, radix: 16), let decoded = Unicode.Scalar(value) {
                    output.append(decoded)
                    scalars.removeFirst(count)
                } else {
                    output.append("\\")
                    output.append(next)
                }
            default:
                output.append("\\")
                output.append(next)
            }
        }
        return String(output)
    }
}
