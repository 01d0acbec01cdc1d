import DriftCore

/// A host's finding set as stored: a compact binary encoding, because a fleet's finding sets
/// are most of what a night writes and every report reads back (a hundred findings per host,
/// most of them passing checks whose texts repeat from finding to finding).
///
/// Layout: the magic bytes `\0SF1` (a JSON finding set, as stored before, starts with `[`,
/// and is still read), the table of distinct texts in order of first use (each a varint
/// length and its UTF-8 bytes), then the count of findings and each finding's fields in a
/// fixed order, texts as varint references into the table (0 for none). Integers are zigzag
/// varints. The few structured values that only failing findings carry (a remedy) are
/// canonical JSON in the table. The same findings always give the same bytes, so an
/// unchanged host's set is stored once.
enum FindingSetCodec {
    static let magic: [UInt8] = [0, UInt8(ascii: "S"), UInt8(ascii: "F"), UInt8(ascii: "1")]

    /// A host's findings as stored: in report order, so the same findings are the same blob
    /// whatever order they were judged in.
    static func encode(_ findings: [Finding]) -> [UInt8] {
        encode(findings.sorted(by: Finding.reportOrder).map(FindingRecord.init))
    }

    static func encode(_ records: [FindingRecord]) -> [UInt8] {
        var body = Writer()
        body.count(records.count)
        for record in records { body.record(record) }
        var bytes = magic
        var table = Writer()
        table.count(body.texts.count)
        for text in body.texts {
            table.count(text.utf8.count)
            table.bytes += text.utf8
        }
        bytes += table.bytes
        bytes += body.bytes
        return bytes
    }

    /// The records of a set stored by `encode`, or of a JSON set stored before it; `nil` when
    /// the bytes are neither (a damaged blob).
    static func decode(_ bytes: [UInt8]) -> [FindingRecord]? {
        guard bytes.starts(with: magic) else { return CanonicalJSON.decode([FindingRecord].self, from: bytes) }
        var reader = Reader(bytes: bytes, offset: magic.count)
        return try? reader.records()
    }

    private struct Writer {
        var bytes: [UInt8] = []
        private(set) var texts: [String] = []
        /// By exact bytes: `String` equality would take canonically equivalent texts (NFC and
        /// NFD spellings of one word) for one and give the second finding the first one's bytes.
        private var index: [ExactText: Int] = [:]

        mutating func count(_ value: Int) { unsigned(UInt64(value)) }

        mutating func unsigned(_ value: UInt64) {
            var rest = value
            while rest >= 0x80 {
                bytes.append(UInt8(rest & 0x7F) | 0x80)
                rest >>= 7
            }
            bytes.append(UInt8(rest))
        }

        mutating func int(_ value: Int) {
            let wide = Int64(value)
            unsigned(UInt64(bitPattern: (wide << 1) ^ (wide >> 63)))
        }

        mutating func int(_ value: Int?) {
            guard let value else { return flag(false) }
            flag(true)
            int(value)
        }

        mutating func flag(_ value: Bool) { bytes.append(value ? 1 : 0) }

        mutating func text(_ value: String?) {
            guard let value else { return count(0) }
            if let known = index[ExactText(value)] { return count(known + 1) }
            texts.append(value)
            index[ExactText(value)] = texts.count - 1
            count(texts.count)
        }

        mutating func texts(_ values: [String]?) {
            guard let values else { return flag(false) }
            flag(true)
            count(values.count)
            for value in values { text(value) }
        }

        mutating func record(_ record: FindingRecord) {
            text(record.rule)
            text(record.title)
            text(record.file)
            text(record.section)
            text(record.key)
            text(record.status)
            text(record.severity)
            text(record.expected)
            text(record.actual)
            int(record.line)
            text(record.message)
            flag(record.guide != nil)
            if let guide = record.guide {
                int(guide.chapter)
                text(guide.section)
                text(guide.step)
            }
            text(record.fix)
            flag(record.secret)
            flag(record.waiver != nil)
            if let waiver = record.waiver {
                text(waiver.reason)
                text(waiver.expires)
                flag(waiver.expired)
                text(waiver.file)
                int(waiver.line)
                int(waiver.column)
            }
            text(record.category)
            texts(record.items)
            flag(record.origin != nil)
            if let origin = record.origin {
                text(origin.kind)
                text(origin.option)
                texts(origin.definedAt)
            }
            text(record.remedy.map { String(decoding: CanonicalJSON.encode($0), as: UTF8.self) })
            flag(record.reference != nil)
            if let place = record.reference {
                text(place.host)
                text(place.file)
                text(place.section)
                text(place.key)
                int(place.line)
            }
        }
    }

    private struct Malformed: Error {}

    private struct Reader {
        let bytes: [UInt8]
        var offset: Int
        var texts: [String] = []

        init(bytes: [UInt8], offset: Int) {
            self.bytes = bytes
            self.offset = offset
        }

        mutating func records() throws -> [FindingRecord] {
            let textCount = try count()
            texts.reserveCapacity(textCount)
            for _ in 0..<textCount {
                let length = try count()
                guard length <= bytes.count - offset else { throw Malformed() }
                texts.append(String(decoding: bytes[offset..<offset + length], as: UTF8.self))
                offset += length
            }
            let recordCount = try count()
            var records: [FindingRecord] = []
            // A finding takes at least 20 bytes: a damaged count cannot make this reserve much.
            records.reserveCapacity(min(recordCount, (bytes.count - offset) / 20))
            for _ in 0..<recordCount { records.append(try record()) }
            guard offset == bytes.count else { throw Malformed() }
            return records
        }

        mutating func unsigned() throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard offset < bytes.count, shift < 64 else { throw Malformed() }
                let byte = bytes[offset]
                offset += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }

        mutating func count() throws -> Int {
            let value = try unsigned()
            // No count or length in a blob can exceed its own size.
            guard value <= UInt64(bytes.count) else { throw Malformed() }
            return Int(value)
        }

        mutating func int() throws -> Int {
            let value = try unsigned()
            let decoded = Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
            guard let exact = Int(exactly: decoded) else { throw Malformed() }
            return exact
        }

        mutating func optionalInt() throws -> Int? { try flag() ? try int() : nil }

        mutating func flag() throws -> Bool {
            guard offset < bytes.count, bytes[offset] <= 1 else { throw Malformed() }
            offset += 1
            return bytes[offset - 1] == 1
        }

        mutating func optionalText() throws -> String? {
            let reference = try count()
            guard reference > 0 else { return nil }
            guard reference <= texts.count else { throw Malformed() }
            return texts[reference - 1]
        }

        mutating func text() throws -> String {
            guard let text = try optionalText() else { throw Malformed() }
            return text
        }

        mutating func textList() throws -> [String]? {
            guard try flag() else { return nil }
            let count = try count()
            var values: [String] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try text()) }
            return values
        }

        mutating func record() throws -> FindingRecord {
            let rule = try text(), title = try text(), file = try text()
            let section = try optionalText(), key = try optionalText()
            let status = try text(), severity = try text()
            let expected = try optionalText(), actual = try optionalText()
            let line = try optionalInt()
            let message = try text()
            let guide = try flag() ? GuideReference(chapter: try optionalInt(), section: try text(), step: try optionalText()) : nil
            let fix = try optionalText()
            let secret = try flag()
            let waiver = try flag()
                ? FindingRecord.Waiver(reason: try text(), expires: try text(), expired: try flag(), file: try text(),
                                       line: try int(), column: try optionalInt())
                : nil
            let category = try text()
            let items = try textList()
            let origin = try flag() ? FindingRecord.Origin(kind: try text(), option: try text(), definedAt: try textList() ?? []) : nil
            let remedy = try optionalText().map { json in
                guard let remedy = CanonicalJSON.decode(Remedy.self, from: Array(json.utf8)) else { throw Malformed() }
                return remedy
            }
            let reference = try flag()
                ? ValuePlace(host: try text(), file: try text(), section: try optionalText(), key: try optionalText(),
                             line: try optionalInt())
                : nil
            return FindingRecord(rule: rule, title: title, file: file, section: section, key: key, status: status,
                                 severity: severity, expected: expected, actual: actual, line: line, message: message,
                                 guide: guide, fix: fix, secret: secret, waiver: waiver, category: category, items: items,
                                 origin: origin, remedy: remedy, reference: reference)
        }
    }
}
