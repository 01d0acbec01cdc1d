import Foundation

/// A file's exact bytes and how its text is decoded.
///
/// Parsers work on bytes and keep byte ranges, so a document can print its
/// file back byte for byte and a parse costs no string per comment line.
package struct SourceText: Hashable, Sendable {
    /// How bytes become characters.
    package enum Encoding: String, Hashable, Sendable {
        case utf8
        /// Used for byte-oriented programs (MySQL, LVM, C daemons) reading a file that is not
        /// valid UTF-8: every byte maps to one character, so nothing is lost.
        case latin1
    }

    package let bytes: [UInt8]
    package let encoding: Encoding

    package init(bytes: [UInt8], encoding: Encoding = .utf8) {
        self.bytes = bytes
        self.encoding = encoding
    }

    package init(_ text: String) {
        self.bytes = Array(text.utf8)
        self.encoding = .utf8
    }

    package subscript(range: Range<Int>) -> String {
        string(range)
    }

    package func string(_ range: Range<Int>) -> String {
        let slice = bytes[range.clamped(to: 0..<bytes.count)]
        switch encoding {
        case .utf8: return String(decoding: slice, as: UTF8.self)
        case .latin1: return String(String.UnicodeScalarView(slice.map { Unicode.Scalar($0) }))
        }
    }

    package var text: String { string(0..<bytes.count) }
}

/// One line of a file as byte offsets: `start..<contentEnd` is the text, `contentEnd..<end`
/// its terminator.
package struct LineRange: Hashable, Sendable {
    package var number: Int
    package var start: Int
    package var contentEnd: Int
    package var end: Int

    package init(number: Int, start: Int, contentEnd: Int, end: Int) {
        self.number = number
        self.start = start
        self.contentEnd = contentEnd
        self.end = end
    }

    package var content: Range<Int> { start..<contentEnd }
    package var whole: Range<Int> { start..<end }
}

/// Splits bytes into lines the way the consuming program reads them.
package enum LineBreaks: Hashable, Sendable {
    /// `\n`, `\r\n` and lone `\r`: Python's universal newlines (oslo.config, configparser).
    case universal
    /// `\n` only, as C's `fgets` and `getline` read; a `\r` stays part of the line.
    case lineFeed

    package func lines(_ bytes: [UInt8], maxLength: Int? = nil) -> [LineRange] {
        var lines: [LineRange] = []
        lines.reserveCapacity(bytes.count / 32 + 1)
        forEachLine(bytes, maxLength: maxLength) { lines.append($0) }
        return lines
    }

    /// Calls `body` with each line in order, without building an array (parsers walk every
    /// line of every file, so this is their hot loop).
    package func forEachLine(_ bytes: [UInt8], maxLength: Int? = nil, _ body: (LineRange) throws -> Void) rethrows {
        if let maxLength {
            for line in piecewiseLines(bytes, maxLength: maxLength) { try body(line) }
            return
        }
        let universal = self == .universal
        try bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let count = buffer.count
            var start = 0, number = 1, index = 0
            // Eight bytes at a time: a word holds a line break when one of its bytes XOR the
            // break is zero (the classic "has zero byte" test).
            let lf: UInt64 = 0x0A0A_0A0A_0A0A_0A0A, cr: UInt64 = 0x0D0D_0D0D_0D0D_0D0D
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            @inline(__always) func zeroBytes(_ word: UInt64) -> UInt64 { (word &- ones) & ~word & highs }
            func emit(_ position: Int) throws -> Int {
                var next = position + 1
                if base[position] == 0x0D, next < count, base[next] == 0x0A { next += 1 }
                try body(LineRange(number: number, start: start, contentEnd: position, end: next))
                number += 1
                start = next
                return next
            }
            while index + 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                var mask = zeroBytes(word ^ lf)
                if universal { mask |= zeroBytes(word ^ cr) }
                if mask == 0 {
                    index += 8
                    continue
                }
                // The lowest flagged byte is exact; later ones may be false positives, so re-scan from there.
                let position = index + mask.trailingZeroBitCount / 8
                let byte = base[position]
                if byte == 0x0A || (universal && byte == 0x0D) {
                    index = try emit(position)
                } else {
                    index = position + 1
                }
            }
            while index < count {
                let byte = base[index]
                if byte == 0x0A || (universal && byte == 0x0D) { index = try emit(index) } else { index += 1 }
            }
            if start < count { try body(LineRange(number: number, start: start, contentEnd: count, end: count)) }
        }
    }

    /// Lines as C's `fgets` with a fixed buffer returns them: an over-long line comes in
    /// pieces (the newline counts towards the limit). The pieces keep the line's number, so
    /// findings point at the file's real line.
    private func piecewiseLines(_ bytes: [UInt8], maxLength: Int) -> [LineRange] {
        var lines: [LineRange] = []
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let count = buffer.count
            var start = 0, number = 1
            while start < count {
                let stop = min(count, start + maxLength)
                var index = stop
                if let found = memchr(base + start, 0x0A, stop - start) {
                    index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                }
                if index == stop, stop < count {
                    lines.append(LineRange(number: number, start: start, contentEnd: index, end: index))
                    start = index
                    continue
                }
                guard index < count else {
                    lines.append(LineRange(number: number, start: start, contentEnd: count, end: count))
                    break
                }
                lines.append(LineRange(number: number, start: start, contentEnd: index, end: index + 1))
                number += 1
                start = index + 1
            }
        }
        return lines
    }
}
