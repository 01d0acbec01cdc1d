import DriftCore
@testable import DriftStore
import Testing

/// Finding sets are stored in a binary encoding of their own (`FindingSetCodec`): every field
/// must come back as it went in, the sets stored before it as JSON must still read, and a
/// damaged blob must be refused, never misread.
@Suite struct FindingSetCodecTests {
    /// Every optional field both present and absent, texts repeated and unusual.
    static func findings() -> [Finding] {
        var failing = Finding(rule: "nova.rabbit_host", title: "RabbitMQ host", host: "compute1", file: "/etc/nova/nova.conf",
                              section: "DEFAULT", key: "rabbit_host", status: .fail, severity: .high, expected: "controller",
                              actual: "10.0.0.99", line: 12, message: "differs: «ünïcode» \"quoted\"\n\tand\u{0} a NUL",
                              guide: GuideReference(chapter: 5, section: "Install Compute", step: "2.b"), fix: "set it",
                              secret: false, category: .guide)
        failing.remedy = .edits([LineEdit(action: .setValue, file: "/etc/nova/nova.conf", line: 12,
                                          old: ["rabbit_host = 10.0.0.99"], new: ["rabbit_host = controller"], header: nil)])
        failing.origin = ValueOrigin(kind: .deprecatedName, option: "[DEFAULT] rabbit_host",
                                     definedAt: ["openstack/nova@2014.1:nova/rpc.py:1", "oslo@2014.1:x.py:2"])
        failing.reference = ValuePlace(host: "controller", file: "/etc/nova/nova.conf", section: nil, key: "rabbit_host", line: nil)
        var waived = Finding(rule: "ntp.server", title: "NTP server", host: "compute1", file: "/etc/ntp.conf", section: nil,
                             key: nil, status: .waived, severity: .low, expected: nil, actual: nil, line: nil, message: "",
                             guide: GuideReference(chapter: nil, section: "NTP"), secret: true, category: .upgrade)
        waived.waiver = WaiverNote(reason: "lab", expires: "2027-01-31", expired: false,
                                   definedAt: SourceLocation(file: "waivers.yaml", line: 3, column: nil))
        waived.items = ["a", "", "compute-00012.example.org"]
        var manual = Finding(rule: "keystone.admin_token", title: "RabbitMQ host", host: "compute1", file: "/etc/nova/nova.conf",
                             section: "DEFAULT", key: "admin_token", status: .error, severity: .critical, expected: "controller",
                             actual: nil, line: -1, message: "differs: «ünïcode» \"quoted\"\n\tand\u{0} a NUL", guide: nil)
        manual.remedy = .manual("choose a password")
        manual.waiver = WaiverNote(reason: "r", expires: "2026-01-01", expired: true,
                                   definedAt: SourceLocation(file: "w.yaml", line: 1_000_000, column: 7))
        manual.items = []
        return [failing, waived, manual]
    }

    @Test func everyFieldComesBackAsItWentIn() throws {
        let records = Self.findings().map(FindingRecord.init)
        let bytes = FindingSetCodec.encode(records)
        #expect(bytes.starts(with: FindingSetCodec.magic))
        let decoded = try #require(FindingSetCodec.decode(bytes))
        #expect(decoded == records)
        #expect(decoded.map { $0.finding(host: "compute1") } == Self.findings())
        // The same set gives the same bytes: an unchanged host's set is one blob.
        #expect(FindingSetCodec.encode(decoded) == bytes)
        #expect(FindingSetCodec.decode(FindingSetCodec.encode([FindingRecord]())) == [])
    }

    /// Canonically equivalent texts are equal as Swift strings but not as bytes: each comes back
    /// as it was written, not as the first one the set held.
    @Test func equivalentSpellingsKeepTheirOwnBytes() throws {
        var composed = Self.findings()[0], decomposed = Self.findings()[0]
        composed.message = "caf\u{E9}"
        decomposed.message = "cafe\u{301}"
        decomposed.line = 13
        let decoded = try #require(FindingSetCodec.decode(FindingSetCodec.encode([composed, decomposed].map(FindingRecord.init))))
        #expect(decoded.map { Array($0.message.utf8) } == [Array(composed.message.utf8), Array(decomposed.message.utf8)])
    }

    @Test func setsStoredAsJSONStillRead() throws {
        let records = Self.findings().map(FindingRecord.init)
        #expect(FindingSetCodec.decode(CanonicalJSON.encode(records)) == records)
    }

    @Test func aDamagedSetIsRefused() {
        let bytes = FindingSetCodec.encode(Self.findings().map(FindingRecord.init))
        for length in 0..<bytes.count {
            #expect(FindingSetCodec.decode(Array(bytes.prefix(length))) == nil, "truncated to \(length) bytes")
        }
        #expect(FindingSetCodec.decode(bytes + [0]) == nil, "trailing bytes")
        var outOfTable = bytes
        // The last field, a flag, is neither 0 nor 1.
        outOfTable[outOfTable.count - 1] = 0xFF
        #expect(FindingSetCodec.decode(outOfTable) == nil)
    }
}
