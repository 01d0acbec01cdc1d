import DriftCore
import Foundation

/// LVM's configuration syntax (`lvm.conf`) as libdevmapper's `libdm-config.c` reads it.
///
/// `section { key = value }` nested to any depth; values are integers
/// (`strtoll` base 0, so `077` is 63 and hexadecimal is a syntax error), floats,
/// strings (`"…"` with `\"` and `\\` escapes, `'…'` verbatim, or a bare word),
/// or `[ … ]` arrays whose commas are optional and may trail. `#` starts a
/// comment between tokens; a NUL byte ends the file. A repeated key keeps its
/// last value and repeated sections merge (lvmconfig warns about both). Entries
/// carry the section path (`devices`, `activation/thin`) and typed values.
package struct LVMParser: Sendable {
    package var secrets: SecretPolicy

    package init(secrets: SecretPolicy) {
        self.secrets = secrets
    }

    /// Deepest section nesting read.
    package static let maxDepth = 64

    enum TokenKind: Equatable {
        case sectionBegin, sectionEnd, arrayBegin, arrayEnd, comma, equals
        case integer, float, string, escapedString, bareString, identifier, end
    }

    struct Token {
        var kind: TokenKind
        var range: Range<Int>
        var line: Int
    }

    package func parse(_ source: SourceText, path: String) throws -> ConfigDocument {
        let context = ParseContext(path: path, source: source, secrets: secrets)
        let bytes = source.bytes
        // libdm stops at the first NUL byte.
        let limit = bytes.firstIndex(of: 0) ?? bytes.count
        let lineStarts = Self.lineStarts(bytes)
        var lexer = Lexer(bytes: bytes, limit: limit, lineStarts: lineStarts)

        var entries: [Entry] = []
        var segments: [ConfigDocument.Segment] = []
        var cursor = 0
        var path: [String] = []

        func triviaUpTo(_ offset: Int) {
            if offset > cursor {
                segments.append(.init(kind: .trivia, range: cursor..<offset, line: lexer.line(of: cursor)))
                cursor = offset
            }
        }
        func text(_ token: Token) -> String {
            let shown = source.string(token.range.lowerBound..<min(token.range.upperBound, token.range.lowerBound + 40))
            return token.range.count > 40 ? shown + "…" : shown
        }
        func fail(_ token: Token, _ message: String) -> Diagnostic {
            let line = LineRange(number: token.line, start: lineStarts[token.line - 1],
                                 contentEnd: Self.lineEnd(bytes, from: lineStarts[token.line - 1]),
                                 end: Self.lineEnd(bytes, from: lineStarts[token.line - 1]))
            return context.error(at: line, column: token.range.lowerBound - line.start + 1, message)
        }

        func readScalar(_ token: Token) throws -> ConfigValue? {
            do { return try Self.scalar(token, source: source) } catch let problem as NumberOutOfRange {
                throw fail(problem.token, "\(problem.kind) '\(text(problem.token))' is out of range (LVM: failed to read \(problem.kind == "integer" ? "int" : "float") token)")
            }
        }

        var token = lexer.next(valuesAllowed: false)
        while true {
            if token.kind == .end {
                if !path.isEmpty { throw fail(token, "expected '}' to close section '\(path.joined(separator: "/"))'") }
                break
            }
            if token.kind == .sectionEnd {
                guard !path.isEmpty else { throw fail(token, "unexpected token '}'") }
                path.removeLast()
                token = lexer.next(valuesAllowed: false)
                continue
            }
            // IDENTIFIER | STRING: a section name or a key.
            let keyToken = token
            let key: String
            switch keyToken.kind {
            case .identifier: key = source.string(keyToken.range)
            case .string: key = Self.quotedContent(keyToken, source: source, escaped: false)
            case .escapedString: key = Self.quotedContent(keyToken, source: source, escaped: true)
            default: throw fail(keyToken, "unexpected token '\(text(keyToken))'")
            }
            if key.isEmpty { throw fail(keyToken, "empty section identifier") }
            token = lexer.next(valuesAllowed: false)
            if token.kind == .sectionBegin {
                // libdm recurses once per level; stackdrift refuses absurd depths instead of
                // building paths for them (real lvm.conf files nest two levels).
                guard path.count < Self.maxDepth else { throw fail(token, "sections nest more than \(Self.maxDepth) levels deep") }
                triviaUpTo(keyToken.range.lowerBound)
                segments.append(.init(kind: .sectionHeader((path + [key]).joined(separator: "/")),
                                      range: keyToken.range.lowerBound..<token.range.upperBound, line: keyToken.line))
                cursor = token.range.upperBound
                path.append(key)
                token = lexer.next(valuesAllowed: false)
                continue
            }
            guard token.kind == .equals else {
                throw fail(token, token.kind == .end ? "unexpected end of file after '\(key.prefix(40))'"
                           : "unexpected token '\(text(token))' after '\(key.prefix(40))' (expected '=' or '{')")
            }
            token = lexer.next(valuesAllowed: true)
            let valueStart = token.range.lowerBound
            let value: ConfigValue
            var valueEnd: Int
            if token.kind == .arrayBegin {
                var items: [ConfigValue] = []
                token = lexer.next(valuesAllowed: true)
                while token.kind != .arrayEnd {
                    guard let item = try readScalar(token) else {
                        throw fail(token, token.kind == .end ? "unterminated array (expected ']')" : "expected a value")
                    }
                    items.append(item)
                    // After a value the tokenizer reads identifiers, not values: without a comma only
                    // a quoted string can follow (`[ "a" "b" ]` is fine, `[ 1 2 ]` is an error).
                    token = lexer.next(valuesAllowed: false)
                    if token.kind == .comma { token = lexer.next(valuesAllowed: true) }
                }
                value = .list(items)
                valueEnd = token.range.upperBound
            } else {
                guard let scalar = try readScalar(token) else { throw fail(token, "expected a value") }
                value = scalar
                valueEnd = token.range.upperBound
            }
            triviaUpTo(keyToken.range.lowerBound)
            let endLine = lexer.line(of: max(valueEnd - 1, keyToken.range.lowerBound))
            entries.append(Entry(
                section: path.isEmpty ? nil : path.joined(separator: "/"), key: key, value: value,
                span: SourceSpan(file: context.path, startLine: keyToken.line, endLine: endLine),
                byteRange: keyToken.range.lowerBound..<valueEnd, valueRange: valueStart..<valueEnd,
                valueColumn: valueStart - lineStarts[keyToken.line - 1] + 1))
            segments.append(.init(kind: .entry(entries.count - 1), range: keyToken.range.lowerBound..<valueEnd, line: keyToken.line))
            cursor = valueEnd
            token = lexer.next(valuesAllowed: false)
        }
        // libdm fails a non-empty file whose tree has no node at all ("Failed to load config file").
        if entries.isEmpty, !segments.contains(where: { if case .sectionHeader = $0.kind { return true } else { return false } }),
           !bytes.isEmpty {
            let end = Self.lineEnd(bytes, from: 0)
            throw context.error(at: LineRange(number: 1, start: 0, contentEnd: end, end: end),
                                "the file holds no section or setting, only comments or white space (LVM refuses to load it)")
        }
        triviaUpTo(bytes.count)
        return ConfigDocument(path: context.path, format: .lvm, source: source, lineBreaks: ConfigFormat.lvm.lineBreaks,
                              entries: entries, segments: segments)
    }

    /// A value token as libdm's `_type` reads it; `nil` when the token is not a value.
    /// Throws when the number does not fit (libdm: "Failed to read int token.").
    static func scalar(_ token: Token, source: SourceText) throws -> ConfigValue? {
        switch token.kind {
        case .integer:
            guard let number = strtoll(source.bytes, token.range) else { throw NumberOutOfRange(token: token, kind: "integer") }
            return .integer(number)
        case .float:
            let number = strtod(source.bytes, token.range)
            guard number.isFinite else { throw NumberOutOfRange(token: token, kind: "float") }
            return .float(number)
        case .string: return .string(quotedContent(token, source: source, escaped: false))
        case .escapedString: return .string(quotedContent(token, source: source, escaped: true))
        case .bareString: return .string(source.string(token.range))
        default: return nil
        }
    }

    struct NumberOutOfRange: Error {
        let token: Token
        let kind: String
    }

    /// The text between a string token's quotes. Like libdm, the last byte is dropped as the
    /// closing quote even when the string runs to the end of the file unterminated.
    static func quotedContent(_ token: Token, source: SourceText, escaped: Bool) -> String {
        let inner = (token.range.lowerBound + 1)..<max(token.range.lowerBound + 1, token.range.upperBound - 1)
        guard escaped else { return source.string(inner) }
        var output: [UInt8] = []
        var index = inner.lowerBound
        let bytes = source.bytes
        while index < inner.upperBound {
            let byte = bytes[index]
            // dm_unescape_double_quotes: only \" and \\ lose their backslash.
            if byte == UInt8(ascii: "\\"), index + 1 < inner.upperBound, bytes[index + 1] == 0x22 || bytes[index + 1] == 0x5C {
                output.append(bytes[index + 1])
                index += 2
            } else {
                output.append(byte)
                index += 1
            }
        }
        return SourceText(bytes: output, encoding: source.encoding).text
    }

    /// `strtoll(text, NULL, 0)`: optional sign, then octal after a leading 0, else decimal;
    /// stops at the first invalid digit. `nil` on overflow (errno ERANGE, which libdm rejects).
    static func strtoll(_ bytes: [UInt8], _ range: Range<Int>) -> Int64? {
        var index = range.lowerBound
        var negative = false
        if index < range.upperBound, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        let radix: Int64 = index < range.upperBound && bytes[index] == UInt8(ascii: "0") ? 8 : 10
        var magnitude: UInt64 = 0
        var overflow = false
        while index < range.upperBound {
            let digit = Int64(bytes[index]) - 48
            guard digit >= 0, digit < radix else { break }
            let (product, o1) = magnitude.multipliedReportingOverflow(by: UInt64(radix))
            let (sum, o2) = product.addingReportingOverflow(UInt64(digit))
            if o1 || o2 { overflow = true }
            magnitude = sum
            index += 1
        }
        if negative {
            if overflow || magnitude > UInt64(Int64.max) + 1 { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        if overflow || magnitude > UInt64(Int64.max) { return nil }
        return Int64(magnitude)
    }

    static func strtod(_ bytes: [UInt8], _ range: Range<Int>) -> Double {
        var text = Array(bytes[range])
        text.append(0)
        return text.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { Foundation.strtod($0, nil) }
        }
    }

    static func lineStarts(_ bytes: [UInt8]) -> [Int] {
        var starts = [0]
        for (index, byte) in bytes.enumerated() where byte == 0x0A { starts.append(index + 1) }
        return starts
    }

    static func lineEnd(_ bytes: [UInt8], from start: Int) -> Int {
        bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
    }

    /// libdm-config's tokenizer (`_get_token`), on bytes.
    struct Lexer {
        static func startsNumber(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: ".") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }

        let bytes: [UInt8]
        let limit: Int
        let lineStarts: [Int]
        var position = 0

        init(bytes: [UInt8], limit: Int, lineStarts: [Int]) {
            self.bytes = bytes
            self.limit = limit
            self.lineStarts = lineStarts
        }

        func line(of offset: Int) -> Int {
            var low = 0, high = lineStarts.count - 1
            while low < high {
                let middle = (low + high + 1) / 2
                if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
            }
            return low + 1
        }

        /// `valuesAllowed` after '=', '[' and ',', where numbers and bare words are values.
        mutating func next(valuesAllowed: Bool) -> Token {
            // _eat_space: white space and '#' comments.
            while position < limit {
                let byte = bytes[position]
                if byte == UInt8(ascii: "#") {
                    while position < limit, bytes[position] != 0x0A { position += 1 }
                } else if ByteClass.isCSpace(byte) {
                    position += 1
                } else {
                    break
                }
            }
            let start = position
            guard position < limit else { return Token(kind: .end, range: limit..<limit, line: line(of: limit)) }
            let byte = bytes[position]
            position += 1
            let kind: TokenKind
            switch byte {
            case UInt8(ascii: "{"): kind = .sectionBegin
            case UInt8(ascii: "}"): kind = .sectionEnd
            case UInt8(ascii: "["): kind = .arrayBegin
            case UInt8(ascii: "]"): kind = .arrayEnd
            case UInt8(ascii: ","): kind = .comma
            case UInt8(ascii: "="): kind = .equals
            case 0x22:
                while position < limit, bytes[position] != 0x22 {
                    if bytes[position] == UInt8(ascii: "\\"), position + 1 < limit { position += 1 }
                    position += 1
                }
                if position < limit { position += 1 }
                kind = .escapedString
            case 0x27:
                while position < limit, bytes[position] != 0x27 { position += 1 }
                if position < limit { position += 1 }
                kind = .string
            case _ where valuesAllowed && Self.startsNumber(byte):
                var isFloat = byte == UInt8(ascii: ".")
                while position < limit {
                    let next = bytes[position]
                    if next >= UInt8(ascii: "0") && next <= UInt8(ascii: "9") {
                        position += 1
                    } else if next == UInt8(ascii: "."), !isFloat {
                        isFloat = true
                        position += 1
                    } else {
                        break
                    }
                }
                kind = isFloat ? .float : .integer
            default:
                while position < limit {
                    let next = bytes[position]
                    if ByteClass.isCSpace(next) || next == UInt8(ascii: "#") || next == UInt8(ascii: "=")
                        || next == UInt8(ascii: "{") || next == UInt8(ascii: "}") { break }
                    position += 1
                }
                kind = valuesAllowed ? .bareString : .identifier
            }
            return Token(kind: kind, range: start..<position, line: line(of: start))
        }
    }
}
