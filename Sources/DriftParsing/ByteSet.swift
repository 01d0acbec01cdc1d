/// A set of bytes as a 256-bit mask: membership is two shifts, with no hashing, because
/// parsers ask it for every byte of separators and comment prefixes.
package struct ByteSet: Sendable, ExpressibleByArrayLiteral {
    private var low: UInt128 = 0
    private var high: UInt128 = 0

    package init(arrayLiteral elements: UInt8...) {
        for byte in elements { insert(byte) }
    }

    package mutating func insert(_ byte: UInt8) {
        if byte < 128 { low |= 1 << UInt128(byte) } else { high |= 1 << UInt128(byte - 128) }
    }

    @inline(__always)
    package func contains(_ byte: UInt8) -> Bool {
        byte < 128 ? low & (1 << UInt128(byte)) != 0 : high & (1 << UInt128(byte - 128)) != 0
    }
}
