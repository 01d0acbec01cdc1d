/// The binary layout of what the store keeps per host (finding sets, stored evaluations):
/// a magic, a table of the distinct texts in order of first use (each a varint length and
/// its UTF-8 bytes), then a body of fields in a fixed order, texts as varint references into
/// the table (0 for none), integers as zigzag varints, flags as one byte.
///
/// Foundation's JSON coders were most of the CPU of storing and reusing hosts (a hundred
/// findings and a hundred rule tallies per host, whose texts repeat); this is deterministic
/// (the same values give the same bytes, so an unchanged host is stored once) and every
/// read is bounds-checked, so a damaged blob is refused rather than trusted.
package struct CompactWriter {
    package private(set) var body: [UInt8] = []
    private var texts: [String] = []
    /// By exact bytes: `String` equality would take canonically equivalent texts (NFC and
    /// NFD spellings of one word) for one and give the second value the first one's bytes.
    private var index: [ExactText: Int] = [:]

    package init() {}

    /// `magic`, the text table, then the body.
    package func finish(magic: [UInt8]) -> [UInt8] {
        var table = CompactWriter()
        table.count(texts.count)
        for text in texts {
            table.count(text.utf8.count)
            table.body += text.utf8
        }
        return magic + table.body + body
    }

    package mutating func count(_ value: Int) { unsigned(UInt64(value)) }

    package mutating func unsigned(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            body.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        body.append(UInt8(rest))
    }

    package mutating func int(_ value: Int) { int64(Int64(value)) }

    package mutating func int64(_ value: Int64) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    package mutating func int(_ value: Int?) {
        guard let value else { return flag(false) }
        flag(true)
        int(value)
    }

    package mutating func flag(_ value: Bool) { body.append(value ? 1 : 0) }

    package mutating func text(_ value: String?) {
        guard let value else { return count(0) }
        // One hash and one probe whether the text is known or new.
        let (position, isNew) = Self.place(in: &index[ExactText(value)], next: texts.count)
        if isNew { texts.append(value) }
        count(position + 1)
    }

    private static func place(in slot: inout Int?, next: Int) -> (position: Int, isNew: Bool) {
        if let known = slot { return (known, false) }
        slot = next
        return (next, true)
    }

    package mutating func texts(_ values: [String]?) {
        guard let values else { return flag(false) }
        flag(true)
        count(values.count)
        for value in values { text(value) }
    }

    /// A dictionary in key order, so equal dictionaries give equal bytes.
    package mutating func counts(_ values: [String: Int]) {
        count(values.count)
        for key in values.keys.sorted() {
            text(key)
            int(values[key]!)
        }
    }
}

/// A blob the compact layout cannot read: cut short, a reference or count out of range, bytes left over.
package struct CompactCodingError: Error {
    package init() {}
}

/// Reads what `CompactWriter` wrote, checking every count and reference against the blob.
package struct CompactReader {
    private let bytes: [UInt8]
    private var offset: Int
    private var texts: [String] = []

    /// Reads the text table after `magic`; throws when the bytes do not start with it or the table is damaged.
    package init(_ bytes: [UInt8], magic: [UInt8]) throws(CompactCodingError) {
        guard bytes.starts(with: magic) else { throw CompactCodingError() }
        self.bytes = bytes
        offset = magic.count
        let textCount = try count()
        texts.reserveCapacity(textCount)
        for _ in 0..<textCount {
            let length = try count()
            guard length <= bytes.count - offset else { throw CompactCodingError() }
            texts.append(String(decoding: bytes[offset..<offset + length], as: UTF8.self))
            offset += length
        }
    }

    /// Bytes left unread, for bounding a count by what could follow it.
    package var remaining: Int { bytes.count - offset }

    /// Throws unless every byte was read.
    package func end() throws(CompactCodingError) {
        guard offset == bytes.count else { throw CompactCodingError() }
    }

    package mutating func unsigned() throws(CompactCodingError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count, shift < 64 else { throw CompactCodingError() }
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    package mutating func count() throws(CompactCodingError) -> Int {
        let value = try unsigned()
        // No count or length in a blob can exceed its own size.
        guard value <= UInt64(bytes.count) else { throw CompactCodingError() }
        return Int(value)
    }

    package mutating func int64() throws(CompactCodingError) -> Int64 {
        let value = try unsigned()
        return Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    package mutating func int() throws(CompactCodingError) -> Int {
        guard let exact = Int(exactly: try int64()) else { throw CompactCodingError() }
        return exact
    }

    package mutating func optionalInt() throws(CompactCodingError) -> Int? { try flag() ? try int() : nil }

    package mutating func flag() throws(CompactCodingError) -> Bool {
        guard offset < bytes.count, bytes[offset] <= 1 else { throw CompactCodingError() }
        offset += 1
        return bytes[offset - 1] == 1
    }

    package mutating func optionalText() throws(CompactCodingError) -> String? {
        let reference = try count()
        guard reference > 0 else { return nil }
        guard reference <= texts.count else { throw CompactCodingError() }
        return texts[reference - 1]
    }

    package mutating func text() throws(CompactCodingError) -> String {
        guard let text = try optionalText() else { throw CompactCodingError() }
        return text
    }

    package mutating func textList() throws(CompactCodingError) -> [String]? {
        guard try flag() else { return nil }
        let count = try count()
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try text()) }
        return values
    }

    package mutating func counts() throws(CompactCodingError) -> [String: Int] {
        let count = try count()
        var values: [String: Int] = [:]
        for _ in 0..<count {
            let key = try text()
            guard values.updateValue(try int(), forKey: key) == nil else { throw CompactCodingError() }
        }
        return values
    }

    /// Values of a `RawRepresentable` type stored as a list of their raw texts (`texts`).
    package mutating func raws<Value: RawRepresentable>(_: Value.Type) throws(CompactCodingError) -> [Value]
        where Value.RawValue == String {
        var values: [Value] = []
        for raw in try textList() ?? [] {
            guard let value = Value(rawValue: raw) else { throw CompactCodingError() }
            values.append(value)
        }
        return values
    }

    /// A value of a `RawRepresentable` type stored as its raw text.
    package mutating func raw<Value: RawRepresentable>(_: Value.Type) throws(CompactCodingError) -> Value
        where Value.RawValue == String {
        guard let value = Value(rawValue: try text()) else { throw CompactCodingError() }
        return value
    }
}
