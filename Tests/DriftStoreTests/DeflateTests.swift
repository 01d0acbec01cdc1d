import Dispatch
@testable import DriftStore
import Synchronization
import Testing

/// Stored blobs are deflated in the zlib format by libdeflate. Stores written before by zlib
/// must still read, what is written must inflate to what went in on any thread, and damaged
/// bytes must be refused.
@Suite struct DeflateTests {
    /// The text below as zlib 1.2.13's `compress2` at level 6 wrote it (Python's
    /// `zlib.compress(text, 6)` on Debian 12), as every store before libdeflate holds it.
    static let text = Array(String(repeating: "[DEFAULT]\nrpc_backend = rabbit\nrabbit_host = controller\nmy_ip = 10.0.0.31\n",
                                   count: 4).utf8)
    static let writtenByZlib: [UInt8] = [
        0x78, 0x9c, 0x8b, 0x76, 0x71, 0x75, 0x73, 0x0c, 0xf5, 0x09, 0x89, 0xe5, 0x2a, 0x2a, 0x48, 0x8e, 0x4f, 0x4a, 0x4c, 0xce,
        0x4e, 0xcd, 0x4b, 0x51, 0xb0, 0x55, 0x28, 0x4a, 0x4c, 0x4a, 0xca, 0x2c, 0xe1, 0x82, 0x50, 0xf1, 0x19, 0xf9, 0xc5, 0x25,
        0x40, 0xc1, 0xe4, 0xfc, 0xbc, 0x92, 0xa2, 0xfc, 0x9c, 0x9c, 0xd4, 0x22, 0xae, 0xdc, 0xca, 0xf8, 0xcc, 0x02, 0xa0, 0x90,
        0xa1, 0x81, 0x1e, 0x08, 0x1a, 0x1b, 0x72, 0x45, 0x0f, 0x6b, 0x93, 0x00, 0x20, 0x98, 0x5f, 0x79,
    ]

    @Test func aBlobZlibWroteInflates() {
        #expect(Deflate.decompress(Self.writtenByZlib, size: Self.text.count) == Self.text)
    }

    @Test func whatIsWrittenIsZlibsFormatAndInflatesBack() throws {
        let compressed = try #require(Deflate.compress(Self.text))
        #expect(compressed.count < Self.text.count / 2)
        // The zlib header: deflate with a 32 KB window, and a check that makes the pair a multiple of 31.
        #expect(compressed[0] & 0x0F == 8 && (Int(compressed[0]) << 8 | Int(compressed[1])) % 31 == 0)
        #expect(Deflate.decompress(compressed, size: Self.text.count) == Self.text)
    }

    @Test func damagedOrMisSizedBytesAreRefused() throws {
        let compressed = try #require(Deflate.compress(Self.text))
        #expect(Deflate.decompress(compressed, size: Self.text.count - 1) == nil, "inflates to more than the size")
        #expect(Deflate.decompress(compressed, size: Self.text.count + 1) == nil, "inflates to less than the size")
        var flipped = compressed
        flipped[flipped.count - 1] ^= 0x01  // the Adler-32 of the inflated bytes
        #expect(Deflate.decompress(flipped, size: Self.text.count) == nil)
        #expect(Deflate.decompress(Array(compressed.prefix(compressed.count / 2)), size: Self.text.count) == nil)
        #expect(Deflate.decompress([], size: Self.text.count) == nil)
    }

    @Test func whatWouldNotShrinkByATenthIsLeftRaw() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let noise = (0..<4096).map { _ -> UInt8 in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        #expect(Deflate.compress(noise) == nil)
        #expect(Deflate.compress(Array(Self.text.prefix(40))) == nil, "too short to be worth it")
    }

    /// Compressors are pooled across threads: the same bytes on every thread, as on one.
    @Test func manyThreadsAtOnceWriteWhatOneThreadWrites() throws {
        let inputs = (0..<64).map { index in
            Array(String(repeating: "host\(index) = 10.1.\(index).1 # line\n", count: 50 + index * 7).utf8)
        }
        let alone = inputs.map { Deflate.compress($0) }
        let together = Mutex<[Int: [UInt8]?]>([:])
        DispatchQueue.concurrentPerform(iterations: inputs.count * 4) { iteration in
            let index = iteration % inputs.count
            let compressed = Deflate.compress(inputs[index])
            let inflated = compressed.flatMap { Deflate.decompress($0, size: inputs[index].count) }
            together.withLock { $0[index] = inflated == inputs[index] ? compressed : nil }
        }
        let results = together.withLock { $0 }
        for index in inputs.indices {
            #expect(alone[index] != nil)
            #expect(results[index] == alone[index], "input \(index)")
        }
    }
}
