/// Finds secret values in text no parser vouches for: a file that failed to parse, the
/// comments of one that parsed, a value holding nested assignments, a line quoted in a
/// diagnostic. It knows what every supported format shares rather than one format's grammar:
///
/// - an assignment is a key (a name, or a quoted string as in a Python dict) followed by `=` or
///   `:`, anywhere on a line (`'default': {'PASSWORD': 'x'}` holds two); the first word of a
///   line followed by blanks counts too (`admin_password hunter2`, which oslo rejects);
/// - comments are scanned like the rest (`# old: rabbit_password = OldPass1` is a secret), only
///   without the blank-separated form, so prose such as "the password for …" is left alone;
/// - a quoted value ends at its closing quote; a triple-quoted one may run over several lines;
///   an unquoted one runs to the end of the line, and the indented lines after it (oslo's and
///   configparser's continuation lines) belong to it, as do those after a key with no value;
/// - credentials in URLs (`scheme://user:PASSWORD@host`) are found whatever the key, the
///   password running to the line's last `@`, so it may hold any character.
///
/// It errs on the side of masking: over-masking a comment costs a readable excerpt, a missed
/// secret costs the secret.
package struct SecretScanner: Sendable {
    package let policy: SecretPolicy

    package init(policy: SecretPolicy) {
        self.policy = policy
    }

    /// The byte ranges of secret values in `bytes`, ascending and disjoint. Lines end at a line
    /// feed and at a lone carriage return too: the widest way of reading an unknown file.
    package func secretRanges(in bytes: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var state = State()
        for line in LineBreaks.universal.lines(bytes) {
            scan(bytes, line.start..<line.contentEnd, state: &state, into: &found)
        }
        found += urlCredentialRanges(in: bytes)
        return Self.merged(found)
    }

    /// `text` with every secret value found replaced by `replacement`.
    package func masking(_ text: String, with replacement: String = SecretPolicy.maskText) -> String {
        let bytes = Array(text.utf8)
        let ranges = secretRanges(in: bytes)
        guard !ranges.isEmpty else { return text }
        var result: [UInt8] = []
        var cursor = 0
        for range in ranges {
            result += bytes[cursor..<range.lowerBound]
            result += Array(replacement.utf8)
            cursor = range.upperBound
        }
        result += bytes[cursor...]
        return String(decoding: result, as: UTF8.self)
    }

    /// What a line leaves open for the next.
    struct State {
        /// Inside a secret triple-quoted string closed by three of this byte.
        var openTriple: UInt8?
        /// The previous line ended in a secret's unquoted value (or a secret key with none yet):
        /// indented lines after it continue it.
        var continuing = false
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0C }
    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x5F || byte == 0x2D || byte == 0x2E || byte >= 0x80
    }
    private static func isQuote(_ byte: UInt8) -> Bool { byte == 0x27 || byte == 0x22 }

    private func scan(_ bytes: [UInt8], _ line: Range<Int>, state: inout State, into found: inout [Range<Int>]) {
        var index = line.lowerBound
        let end = line.upperBound
        if let quote = state.openTriple {
            if let close = Self.find(triple: quote, in: bytes, from: index, to: end) {
                if close > index { found.append(index..<close) }
                state.openTriple = nil
                index = close + 3
            } else {
                let trimmed = Self.trimmed(bytes, index..<end)
                if !trimmed.isEmpty { found.append(trimmed) }
                return
            }
        } else if state.continuing {
            let indented = index < end && (bytes[index] == 0x20 || bytes[index] == 0x09)
            let content = Self.trimmed(bytes, index..<end)
            if content.isEmpty { return }  // a blank line keeps a continuation open
            if indented {
                found.append(content)
                return
            }
            state.continuing = false
        }
        while index < end, Self.isBlank(bytes[index]) { index += 1 }
        var inComment = false
        while index < end, bytes[index] == UInt8(ascii: "#") || bytes[index] == UInt8(ascii: ";") || Self.isBlank(bytes[index]) {
            inComment = true
            index += 1
        }
        if !inComment, bytes[index..<end].starts(with: "export ".utf8) { index += 7 }
        var firstToken = true
        while index < end {
            let byte = bytes[index]
            let key: Range<Int>
            let after: Int
            if Self.isQuote(byte) {
                let close = Self.closingQuote(byte, in: bytes, from: index + 1, to: end) ?? end
                key = (index + 1)..<close
                after = min(end, close + 1)
            } else if Self.isNameByte(byte) {
                var stop = index
                while stop < end, Self.isNameByte(bytes[stop]) { stop += 1 }
                key = index..<stop
                after = stop
            } else {
                firstToken = false
                index += 1
                continue
            }
            var cursor = after
            while cursor < end, Self.isBlank(bytes[cursor]) { cursor += 1 }
            let separated: Bool
            if cursor < end, bytes[cursor] == UInt8(ascii: "=") || bytes[cursor] == UInt8(ascii: ":") {
                // `://` is a URL, `==` a comparison: neither assigns.
                let next = cursor + 1 < end ? bytes[cursor + 1] : 0
                separated = !(bytes[cursor] == UInt8(ascii: ":") && next == UInt8(ascii: "/")) && next != UInt8(ascii: "=")
                if separated { cursor += 1 }
            } else {
                separated = firstToken && !inComment && cursor > after && cursor < end
            }
            firstToken = false
            guard separated, !key.isEmpty, policy.isSecret(key: String(decoding: bytes[key], as: UTF8.self)) else {
                index = after
                continue
            }
            while cursor < end, Self.isBlank(bytes[cursor]) { cursor += 1 }
            guard cursor < end else {
                state.continuing = true  // the value, if any, is on the lines below
                return
            }
            let quote = bytes[cursor]
            if Self.isQuote(quote) {
                if cursor + 2 < end, bytes[cursor + 1] == quote, bytes[cursor + 2] == quote {
                    let start = cursor + 3
                    if let close = Self.find(triple: quote, in: bytes, from: start, to: end) {
                        if close > start { found.append(start..<close) }
                        index = close + 3
                        continue
                    }
                    if start < end { found.append(start..<end) }
                    state.openTriple = quote
                    return
                }
                if let close = Self.closingQuote(quote, in: bytes, from: cursor + 1, to: end) {
                    if close > cursor + 1 { found.append((cursor + 1)..<close) }
                    index = close + 1
                    continue
                }
                found.append((cursor + 1 < end ? cursor + 1 : cursor)..<end)
                return
            }
            let value = Self.trimmed(bytes, cursor..<end)
            if !value.isEmpty { found.append(value) }
            state.continuing = true
            return
        }
    }

    /// The offset of the quote closing a string opened before `start`, skipping backslash escapes.
    private static func closingQuote(_ quote: UInt8, in bytes: [UInt8], from start: Int, to end: Int) -> Int? {
        var index = start
        while index < end {
            if bytes[index] == UInt8(ascii: "\\") { index += 2; continue }
            if bytes[index] == quote { return index }
            index += 1
        }
        return nil
    }

    private static func find(triple quote: UInt8, in bytes: [UInt8], from start: Int, to end: Int) -> Int? {
        var index = start
        while index + 2 < end {
            if bytes[index] == UInt8(ascii: "\\") { index += 2; continue }
            if bytes[index] == quote, bytes[index + 1] == quote, bytes[index + 2] == quote { return index }
            index += 1
        }
        return nil
    }

    private static func trimmed(_ bytes: [UInt8], _ range: Range<Int>) -> Range<Int> {
        var start = range.lowerBound, end = range.upperBound
        while start < end, isBlank(bytes[start]) { start += 1 }
        while end > start, isBlank(bytes[end - 1]) { end -= 1 }
        return start..<end
    }

    /// `scheme://user:PASSWORD@`: the password runs to the last `@` of its line, as SQLAlchemy's
    /// URL parser reads it (so `@`, quotes and blanks may be in it).
    func urlCredentialRanges(in bytes: [UInt8]) -> [Range<Int>] {
        guard bytes.contains(UInt8(ascii: "@")) else { return [] }
        var found: [Range<Int>] = []
        var index = 0
        let count = bytes.count
        while index + 2 < count {
            guard bytes[index] == UInt8(ascii: ":"), bytes[index + 1] == UInt8(ascii: "/"), bytes[index + 2] == UInt8(ascii: "/") else {
                index += 1
                continue
            }
            // A scheme before it: letters, digits, '+', '.', '-', starting with a letter.
            var schemeStart = index
            while schemeStart > 0, Self.isSchemeByte(bytes[schemeStart - 1]) { schemeStart -= 1 }
            guard schemeStart < index, Self.isLetter(bytes[schemeStart]) else { index += 3; continue }
            var lineEnd = index + 3
            while lineEnd < count, bytes[lineEnd] != 0x0A, bytes[lineEnd] != 0x0D { lineEnd += 1 }
            // The user runs to the first ':' (no '/', '@' or blank in it).
            var cursor = index + 3
            while cursor < lineEnd, bytes[cursor] != UInt8(ascii: ":"), bytes[cursor] != UInt8(ascii: "/"),
                  bytes[cursor] != UInt8(ascii: "@"), !Self.isBlank(bytes[cursor]), !Self.isQuote(bytes[cursor]) { cursor += 1 }
            guard cursor < lineEnd, bytes[cursor] == UInt8(ascii: ":"),
                  let at = bytes[(cursor + 1)..<lineEnd].lastIndex(of: UInt8(ascii: "@")) else {
                index += 3
                continue
            }
            if at > cursor + 1 { found.append((cursor + 1)..<at) }
            index = at + 1
        }
        return found
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) }
    private static func isSchemeByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2B || byte == 0x2E || byte == 0x2D
    }

    /// Sorted, with overlapping or touching ranges joined.
    static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !range.isEmpty {
            if let last = result.last, range.lowerBound <= last.upperBound {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }
}
