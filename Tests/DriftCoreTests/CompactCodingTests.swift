import DriftCore
import Testing

/// The compact layout's text table: each distinct text once, in order of first use, told apart
/// by its exact bytes, and every reference reading back the text it was written for.
@Suite struct CompactCodingTests {
    static let magic: [UInt8] = [0, 0x54, 0x31]

    @Test func textsAreWrittenOnceInOrderOfFirstUse() {
        var writer = CompactWriter()
        for text in ["b", "a", "b", "", "a"] as [String?] + [nil, "ü"] { writer.text(text) }
        // Three texts (and the empty one): count, then each as length and bytes; the body refers by 1 + position, 0 for none.
        let table: [UInt8] = [4, 1, 0x62, 1, 0x61, 0, 2, 0xC3, 0xBC]
        #expect(writer.finish(magic: Self.magic) == Self.magic + table + [1, 2, 1, 3, 2, 0, 4])
    }

    @Test func canonicallyEquivalentSpellingsKeepTheirOwnBytes() throws {
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        #expect(composed == decomposed, "Swift's String equality takes them for one")
        var writer = CompactWriter()
        writer.text(composed)
        writer.text(decomposed)
        writer.text(composed)
        var reader = try CompactReader(writer.finish(magic: Self.magic), magic: Self.magic)
        let read = try (0..<3).map { _ in try reader.text() }
        try reader.end()
        #expect(read.map { Array($0.utf8) } == [Array(composed.utf8), Array(decomposed.utf8), Array(composed.utf8)])
    }

    /// Enough texts that the table grows many times, of every length around a word's, each used twice.
    @Test func manyTextsReadBackAsWritten() throws {
        let texts = (0..<5_000).map { index in String(repeating: "x", count: index % 19) + "\(index)" }
        var writer = CompactWriter()
        for text in texts + texts.reversed() { writer.text(text) }
        let bytes = writer.finish(magic: Self.magic)
        var reader = try CompactReader(bytes, magic: Self.magic)
        let read = try (0..<(texts.count * 2)).map { _ in try reader.text() }
        try reader.end()
        #expect(read == texts + texts.reversed())
        // Each text is in the table once: the second half only refers to the first.
        let tableBytes = texts.reduce(0) { $0 + $1.utf8.count + ($1.utf8.count < 128 ? 1 : 2) }
        #expect(bytes.count < Self.magic.count + 3 + tableBytes + texts.count * 2 * 2 + 1)
    }
}
