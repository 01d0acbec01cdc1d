internal import CZlib

/// zlib's deflate, for what the store keeps: configuration text and finding sets shrink
/// three- to tenfold, which is most of what a year of nightly runs costs on disk.
enum Deflate {
    /// The compressed bytes, or `nil` when compressing would not save at least a tenth.
    static func compress(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= 64 else { return nil }
        var length = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let code = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                compress2(out.baseAddress, &length, input.baseAddress, uLong(bytes.count), 6)
            }
        }
        guard code == Z_OK, Int(length) < bytes.count - bytes.count / 10 else { return nil }
        output.removeSubrange(Int(length)...)
        return output
    }

    /// The original bytes of `size` bytes; `nil` when the data is damaged.
    static func decompress(_ bytes: [UInt8], size: Int) -> [UInt8]? {
        var length = uLong(size)
        var output = [UInt8](repeating: 0, count: max(size, 1))
        let code = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                uncompress(out.baseAddress, &length, input.baseAddress, uLong(bytes.count))
            }
        }
        guard code == Z_OK, Int(length) == size else { return nil }
        output.removeSubrange(size...)
        return output
    }
}
