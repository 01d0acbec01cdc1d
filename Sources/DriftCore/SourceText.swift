/// A file's exact bytes and how its text is decoded.
///
/// Parsers work on bytes and keep byte ranges, so a document can print its
/// file back byte for byte and a parse costs no string per comment line.
public struct SourceText: Hashable, Sendable {
    /// How bytes become characters.
    public enum Encoding: String, Hashable, Sendable {
        case utf8
        /// Used for byte-oriented programs (MySQL, LVM, C daemons) reading a file that is not
        /// valid UTF-8: every byte maps to one character, so nothing is lost.
        case latin1
    }

    public let bytes: [UInt8]
    public let encoding: Encoding

    public init(bytes: [UInt8], encoding: Encoding = .utf8) {
        self.bytes = bytes
        self.encoding = encoding
    }

    public init(_ text: String) {
        self.bytes = Array(text.utf8)
        self.encoding = .utf8
    }

    public subscript(range: Range<Int>) -> String {
        string(range)
    }

    public func string(_ range: Range<Int>) -> String {
        let slice = bytes[range.clamped(to: 0..<bytes.count)]
        switch encoding {
        case .utf8: return String(decoding: slice, as: UTF8.self)
        case .latin1: return String(String.UnicodeScalarView(slice.map { Unicode.Scalar($0) }))
        }
    }

    public var text: String { string(0..<bytes.count) }
}

/// One line of a file as byte offsets: `start..<contentEnd` is the text, `contentEnd..<end`
/// its terminator.
public struct LineRange: Hashable, Sendable {
    public var number: Int
    public var start: Int
    public var contentEnd: Int
    public var end: Int

    public init(number: Int, start: Int, contentEnd: Int, end: Int) {
        self.number = number
        self.start = start
        self.contentEnd = contentEnd
        self.end = end
    }

    public var content: Range<Int> { start..<contentEnd }
    public var whole: Range<Int> { start..<end }
}

/// Splits bytes into lines the way the consuming program reads them.
public enum LineBreaks: Hashable, Sendable {
    /// `\n`, `\r\n` and lone `\r`: Python's universal newlines (oslo.config, configparser).
    case universal
    /// `\n` only, as C's `fgets` and `getline` read; a `\r` stays part of the line.
    case lineFeed

    public func lines(_ bytes: [UInt8], maxLength: Int? = nil) -> [LineRange] {
        var lines: [LineRange] = []
        lines.reserveCapacity(bytes.count / 40 + 1)
        var start = 0, index = 0, number = 1
        let count = bytes.count
        bytes.withUnsafeBufferPointer { buffer in
            while index < count {
                if let maxLength, index - start >= maxLength {
                    // fgets with a fixed buffer returns an over-long line in pieces (the newline
                    // counts towards the limit). The pieces keep the line's number: findings
                    // point at the file's real line.
                    lines.append(LineRange(number: number, start: start, contentEnd: index, end: index))
                    start = index
                    continue
                }
                let byte = buffer[index]
                if byte == 0x0A || (byte == 0x0D && self == .universal) {
                    var next = index + 1
                    if byte == 0x0D, next < count, buffer[next] == 0x0A { next += 1 }
                    lines.append(LineRange(number: number, start: start, contentEnd: index, end: next))
                    number += 1
                    start = next
                    index = next
                } else {
                    index += 1
                }
            }
        }
        if start < count {
            lines.append(LineRange(number: number, start: start, contentEnd: count, end: count))
        }
        return lines
    }
}
