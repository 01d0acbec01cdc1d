import DriftCore

/// Shell-style `NAME=value` files (`/etc/default/rsync`, dbconfig-common's
/// `/etc/dbconfig-common/*.conf`), read as `sh` would assign them when the file
/// is sourced, without executing anything.
///
/// A value is one shell word: unquoted text with `\` escapes, `'…'` verbatim,
/// `"…"` with `\"`, `\\`, `\$`, `` \` `` and line-continuation escapes; a quoted
/// value may run over several lines. `$VAR` and `$(…)` are kept as written (they
/// are not expanded). An optional `export` is allowed. Lines that are commands
/// rather than assignments are reported and not read.
enum ShellWords {
    static func assignments(_ line: LineRange, bytes: UnsafeBufferPointer<UInt8>, lines: [LineRange],
                            context: ParseContext) throws -> LineFormatParser.LineReading {
        var cursor = Cursor(bytes: bytes, lines: lines, lineIndex: line.number - 1, position: line.start)
        var parts: [LineFormatParser.Parts] = []
        var sawCommand = false
        statements: while true {
            cursor.skipBlanks()
            guard let byte = cursor.peek(), byte != 0x0A else { break }
            if byte == UInt8(ascii: "#") { break }
            if byte == UInt8(ascii: ";") {
                cursor.advance()
                continue
            }
            let statementStart = cursor.position
            if cursor.matchWord("export") { cursor.skipBlanks() }
            guard let nameRange = cursor.name(), cursor.peek() == UInt8(ascii: "=") else {
                // A command, not an assignment: skip to the end of the statement.
                cursor.position = statementStart
                sawCommand = true
                while let next = cursor.peek(), next != 0x0A, next != UInt8(ascii: ";") { cursor.advance() }
                continue statements
            }
            cursor.advance()
            let valueStart = cursor.position
            let value = try cursor.word(context: context, line: line)
            parts.append(LineFormatParser.Parts(
                key: context.string(nameRange), value: .string(value), valueRange: valueStart..<cursor.position,
                lastLine: cursor.currentLine))
        }
        if sawCommand {
            return parts.isEmpty
                ? .warning("not a variable assignment; stackdrift does not run shell commands")
                : .warning("assignments before a command apply to that command only; not read")
        }
        return .entries(parts)
    }

    /// Reading position over the file's bytes, able to move on to the next line inside quotes.
    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        let lines: [LineRange]
        var lineIndex: Int
        var position: Int

        /// The line holding the last byte read, for entries whose quoted value spans lines.
        var currentLine: LineRange {
            let target = max(position - 1, 0)
            var low = lineIndex, high = lines.count - 1
            while low < high {
                let middle = (low + high + 1) / 2
                if lines[middle].start <= target { low = middle } else { high = middle - 1 }
            }
            return lines[low]
        }

        func peek() -> UInt8? {
            position < bytes.count ? bytes[position] : nil
        }

        mutating func advance() { position += 1 }

        mutating func skipBlanks() {
            while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0D { advance() }
        }

        mutating func matchWord(_ word: String) -> Bool {
            let utf8 = Array(word.utf8)
            guard position + utf8.count < bytes.count, bytes[position..<(position + utf8.count)].elementsEqual(utf8),
                  bytes[position + utf8.count] == 0x20 || bytes[position + utf8.count] == 0x09 else { return false }
            position += utf8.count
            return true
        }

        mutating func name() -> Range<Int>? {
            let start = position
            guard let first = peek(), first == UInt8(ascii: "_") || isLetter(first) else { return nil }
            while let byte = peek(), byte == UInt8(ascii: "_") || isLetter(byte) || (byte >= 0x30 && byte <= 0x39) { advance() }
            return start..<position
        }

        private func isLetter(_ byte: UInt8) -> Bool {
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        }

        /// Reads one shell word and returns its value after quote removal.
        mutating func word(context: ParseContext, line: LineRange) throws -> String {
            var value: [UInt8] = []
            while let byte = peek() {
                switch byte {
                case 0x20, 0x09, 0x0A, UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "|"):
                    return SourceText(bytes: value, encoding: context.source.encoding).text
                case 0x0D where position + 1 >= bytes.count || bytes[position + 1] == 0x0A:
                    advance()
                case UInt8(ascii: "\\"):
                    advance()
                    guard let escaped = peek() else { continue }
                    advance()
                    if escaped != 0x0A { value.append(escaped) }
                case 0x27:
                    advance()
                    let open = position
                    while let next = peek(), next != 0x27 {
                        value.append(next)
                        advance()
                    }
                    guard peek() == 0x27 else {
                        throw context.error(at: line, column: open - line.start, "unterminated single quote")
                    }
                    advance()
                case 0x22:
                    advance()
                    let open = position
                    while let next = peek(), next != 0x22 {
                        if next == UInt8(ascii: "\\"), position + 1 < bytes.count,
                           [0x22, 0x5C, 0x24, 0x60, 0x0A].contains(bytes[position + 1]) {
                            if bytes[position + 1] != 0x0A { value.append(bytes[position + 1]) }
                            position += 2
                            continue
                        }
                        value.append(next)
                        advance()
                    }
                    guard peek() == 0x22 else {
                        throw context.error(at: line, column: open - line.start, "unterminated double quote")
                    }
                    advance()
                default:
                    value.append(byte)
                    advance()
                }
            }
            return SourceText(bytes: value, encoding: context.source.encoding).text
        }
    }
}
