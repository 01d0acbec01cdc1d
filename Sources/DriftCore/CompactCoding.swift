import Glibc

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
    /// The text table as it is written after the count: each distinct text's varint length and
    /// UTF-8 bytes, in order of first use.
    private var table: [UInt8] = []
    /// Each distinct text's bytes in `table`, and its hash.
    private var known: [(start: Int, length: Int, hash: UInt64)] = []
    /// Open addressing over `known`: 1 + a text's number, 0 for an empty slot; at most half full.
    private var slots: [Int] = []

    package init() {}

    /// `magic`, the text table, then the body.
    package func finish(magic: [UInt8]) -> [UInt8] {
        var head = CompactWriter()
        head.count(known.count)
        return magic + head.body + table + body
    }

    package mutating func count(_ value: Int) { unsigned(UInt64(value)) }

    package mutating func unsigned(_ value: UInt64) { Self.append(value, to: &body) }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
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
        guard var value else { return count(0) }
        let position = value.withUTF8 { place($0) }
        count(position + 1)
    }

    /// The number of the text with these bytes, adding it to the table when it is new. Texts
    /// are told apart by their exact bytes: `String` equality would take canonically equivalent
    /// texts (NFC and NFD spellings of one word) for one and give the second the first one's bytes.
    ///
    /// A table of its own rather than a `Dictionary` of the texts: a host's finding sets name a
    /// few thousand texts, and hashing each as a `String` was a sixteenth of a first night's CPU.
    private mutating func place(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        if slots.isEmpty { slots = Array(repeating: 0, count: 64) }
        let hash = TextHash.of(bytes)
        var slot = Int(truncatingIfNeeded: hash) & (slots.count - 1)
        while slots[slot] != 0 {
            let number = slots[slot] - 1
            let text = known[number]
            if text.hash == hash, text.length == bytes.count,
               table.withUnsafeBufferPointer({ Self.equal($0, from: text.start, bytes) }) {
                return number
            }
            slot = (slot + 1) & (slots.count - 1)
        }
        let number = known.count
        Self.append(UInt64(bytes.count), to: &table)
        known.append((start: table.count, length: bytes.count, hash: hash))
        table.append(contentsOf: bytes)
        slots[slot] = number + 1
        if known.count * 2 > slots.count { grow() }
        return number
    }

    private static func equal(_ table: UnsafeBufferPointer<UInt8>, from start: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let stored = table.baseAddress, let wanted = bytes.baseAddress else { return bytes.isEmpty }
        return memcmp(stored + start, wanted, bytes.count) == 0
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        for (number, text) in known.enumerated() {
            var slot = Int(truncatingIfNeeded: text.hash) & (slots.count - 1)
            while slots[slot] != 0 { slot = (slot + 1) & (slots.count - 1) }
            slots[slot] = number + 1
        }
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

/// A fast hash of a text's bytes for `CompactWriter`'s table, eight bytes at a time, with a seed
/// drawn once per process: texts come from the nodes' files, and a seed no node knows keeps a
/// file from being written to collide. Only where texts are probed depends on it, never the bytes
/// written.
enum TextHash {
    private static let seed = UInt64.random(in: .min ... .max)

    static func of(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = seed ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
        guard let base = bytes.baseAddress else { return mix(hash) }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count {
            hash = mix(hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        return mix(hash ^ tail ^ 0xFF)
    }

    /// SplitMix64's finaliser: every bit of the input reaches every bit of the output.
    private static func mix(_ value: UInt64) -> UInt64 {
        var mixed = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
