/// Which bytes count as white space for the programs stackdrift imitates, on UTF-8 bytes.
///
/// Python's `str.strip()` removes more than C's `isspace()`: the information
/// separators U+001C–U+001F and Unicode spaces such as U+00A0 (two bytes in
/// UTF-8). Parsers of Python-read formats strip with `python`, the rest with `c`.
enum ByteClass {
    /// C `isspace` in the C locale: space, \t, \n, \v, \f, \r.
    @inline(__always)
    static func isCSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    /// MySQL's `my_isspace(&my_charset_latin1, c)`: C white space plus 0xA0 (no-break space
    /// in Latin-1), checked with my_print_defaults.
    @inline(__always)
    static func isMySQLSpace(_ byte: UInt8) -> Bool {
        isCSpace(byte) || byte == 0xA0
    }

    static func strip(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ isSpace: (UInt8) -> Bool) -> Range<Int> {
        var start = range.lowerBound, end = range.upperBound
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return start..<end
    }

    /// Length of the Python white-space character starting at `index`, or 0.
    @inline(__always)
    static func pythonSpace(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> Int {
        let byte = bytes[index]
        if byte < 0x80 { return (byte >= 0x09 && byte <= 0x0D) || (byte >= 0x1C && byte <= 0x20) ? 1 : 0 }
        guard index + 1 < end else { return 0 }
        let second = bytes[index + 1]
        if byte == 0xC2 { return second == 0x85 || second == 0xA0 ? 2 : 0 }
        guard index + 2 < end else { return 0 }
        let third = bytes[index + 2]
        switch (byte, second) {
        case (0xE1, 0x9A): return third == 0x80 ? 3 : 0
        case (0xE2, 0x80): return (third >= 0x80 && third <= 0x8A) || third == 0xA8 || third == 0xA9 || third == 0xAF ? 3 : 0
        case (0xE2, 0x81): return third == 0x9F ? 3 : 0
        case (0xE3, 0x80): return third == 0x80 ? 3 : 0
        default: return 0
        }
    }

    /// Length of the Python white-space character ending just before `end`, or 0.
    @inline(__always)
    static func pythonSpace(_ bytes: UnsafeBufferPointer<UInt8>, before end: Int, start: Int) -> Int {
        let last = bytes[end - 1]
        if last < 0x80 { return (last >= 0x09 && last <= 0x0D) || (last >= 0x1C && last <= 0x20) ? 1 : 0 }
        if end - 2 >= start, pythonSpace(bytes, at: end - 2, end: end) == 2 { return 2 }
        if end - 3 >= start, pythonSpace(bytes, at: end - 3, end: end) == 3 { return 3 }
        return 0
    }

    static func pythonLStrip(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var start = range.lowerBound
        while start < range.upperBound {
            let length = pythonSpace(bytes, at: start, end: range.upperBound)
            if length == 0 { break }
            start += length
        }
        return start..<range.upperBound
    }

    static func pythonRStrip(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        // Fast path: most lines end in a visible ASCII character.
        if let last = range.last, bytes[last] > 0x20, bytes[last] < 0x80 { return range }
        var end = range.upperBound
        while end > range.lowerBound {
            let length = pythonSpace(bytes, before: end, start: range.lowerBound)
            if length == 0 { break }
            end -= length
        }
        return range.lowerBound..<end
    }

    static func pythonStrip(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        pythonRStrip(bytes, pythonLStrip(bytes, range))
    }

    static func cLStrip(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var start = range.lowerBound
        while start < range.upperBound, isCSpace(bytes[start]) { start += 1 }
        return start..<range.upperBound
    }

    static func cRStrip(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var end = range.upperBound
        while end > range.lowerBound, isCSpace(bytes[end - 1]) { end -= 1 }
        return range.lowerBound..<end
    }

    static func cStrip(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        cRStrip(bytes, cLStrip(bytes, range))
    }

    /// Python's index of the first non-white-space character, in characters (not bytes),
    /// as configparser's `NONSPACECRE.search(line).start()` counts indentation.
    static func pythonIndentation(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var index = range.lowerBound, characters = 0
        while index < range.upperBound {
            let length = pythonSpace(bytes, at: index, end: range.upperBound)
            if length == 0 { break }
            index += length
            characters += 1
        }
        return characters
    }
}
