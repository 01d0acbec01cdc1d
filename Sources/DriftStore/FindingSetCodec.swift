import DriftCore

/// A host's finding set as stored: a compact binary encoding, because a fleet's finding sets
/// are most of what a night writes and every report reads back (a hundred findings per host,
/// most of them passing checks whose texts repeat from finding to finding).
///
/// Layout (`CompactWriter`): the magic bytes `\0SF1` (a JSON finding set, as stored before,
/// starts with `[`, and is still read), the table of distinct texts, then the count of
/// findings and each finding's fields in a fixed order. The few structured values that only
/// failing findings carry (a remedy) are canonical JSON in the table. The same findings always give the same bytes, so an
/// unchanged host's set is stored once.
package enum FindingSetCodec {
    static let magic: [UInt8] = [0, UInt8(ascii: "S"), UInt8(ascii: "F"), UInt8(ascii: "1")]

    /// A host's findings as stored: in report order, so the same findings are the same blob
    /// whatever order they were judged in.
    static func encode(_ findings: [Finding]) -> [UInt8] {
        encode(findings.inReportOrder().map(FindingRecord.init))
    }

    static func encode(_ records: [FindingRecord]) -> [UInt8] {
        var writer = CompactWriter()
        writer.count(records.count)
        for record in records { writer.record(record) }
        return writer.finish(magic: magic)
    }

    /// The records of a set stored by `encode`, or of a JSON set stored before it; `nil` when
    /// the bytes are neither (a damaged blob).
    static func decode(_ bytes: [UInt8]) -> [FindingRecord]? {
        guard bytes.starts(with: magic) else { return CanonicalJSON.decode([FindingRecord].self, from: bytes) }
        do {
            var reader = try CompactReader(bytes, magic: magic)
            let records = try reader.records()
            try reader.end()
            return records
        } catch {
            return nil
        }
    }

    /// Findings of one host in the order given, into a blob of another layout that holds some
    /// (a stored evaluation's overview part), sharing its text table.
    package static func write(_ findings: [Finding], to writer: inout CompactWriter) {
        writer.count(findings.count)
        for finding in findings { writer.record(FindingRecord(finding)) }
    }

    /// Findings of several hosts (an overview's attention list), each with its host, in the order given.
    package static func write(hosted findings: [Finding], to writer: inout CompactWriter) {
        writer.count(findings.count)
        for finding in findings {
            writer.text(finding.host)
            writer.record(FindingRecord(finding))
        }
    }

    /// What `write(hosted:to:)` wrote.
    package static func readHostedFindings(from reader: inout CompactReader) throws(CompactCodingError) -> [Finding] {
        let count = try reader.count()
        var findings: [Finding] = []
        findings.reserveCapacity(min(count, reader.remaining / 20))
        for _ in 0..<count {
            let host = try reader.text()
            findings.append(try reader.record().finding(host: host))
        }
        return findings
    }

    /// What `write(_:to:)` wrote, as findings of `host`.
    package static func readFindings(from reader: inout CompactReader, host: String) throws(CompactCodingError) -> [Finding] {
        try reader.records().map { $0.finding(host: host) }
    }
}

extension CompactWriter {
    fileprivate mutating func record(_ record: FindingRecord) {
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

extension CompactReader {
    /// A count of records, then the records.
    fileprivate mutating func records() throws(CompactCodingError) -> [FindingRecord] {
        let recordCount = try count()
        var records: [FindingRecord] = []
        // A finding takes at least 20 bytes: a damaged count cannot make this reserve much.
        records.reserveCapacity(min(recordCount, remaining / 20))
        for _ in 0..<recordCount { records.append(try record()) }
        return records
    }

    fileprivate mutating func record() throws(CompactCodingError) -> FindingRecord {
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
        let remedy: Remedy?
        if let json = try optionalText() {
            guard let decoded = CanonicalJSON.decode(Remedy.self, from: Array(json.utf8)) else { throw CompactCodingError() }
            remedy = decoded
        } else {
            remedy = nil
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
