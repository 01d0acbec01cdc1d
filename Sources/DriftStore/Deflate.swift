internal import CLibDeflate
import Synchronization

/// Deflate in the zlib format, for what the store keeps: configuration text and finding sets
/// shrink three- to tenfold, which is most of what a year of nightly runs costs on disk.
///
/// libdeflate rather than zlib: every blob is compressed whole, which is the case libdeflate is
/// built for, and at the same level 6 it writes the same size in about 0.6 of zlib's time (a
/// thousand of a fleet's stored blobs: 0.098 against 0.165 ms each, 2.587 against 2.582 MB),
/// which was a tenth of a first night's CPU. The format is zlib's, so blobs written by zlib's
/// `compress2` before read back unchanged, and a blob's name is the hash of its inflated bytes
/// either way.
enum Deflate {
    /// zlib's default level: smaller levels save time but the larger finding sets spill into a
    /// second SQLite page.
    static let level: Int32 = 6

    /// The compressed bytes, or `nil` when compressing would not save at least a tenth.
    static func compress(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= 64 else { return nil }
        return compressors.using { compressor in
            let bound = libdeflate_zlib_compress_bound(compressor, bytes.count)
            var output = [UInt8](repeating: 0, count: bound)
            let length = output.withUnsafeMutableBytes { out in
                bytes.withUnsafeBytes { input in
                    libdeflate_zlib_compress(compressor, input.baseAddress, input.count, out.baseAddress, out.count)
                }
            }
            // 0: it did not fit the bound, which libdeflate promises does not happen.
            guard length > 0, length < bytes.count - bytes.count / 10 else { return nil }
            output.removeSubrange(length...)
            return output
        }
    }

    /// The original bytes of `size` bytes; `nil` when the data is damaged or inflates to another size.
    static func decompress(_ bytes: [UInt8], size: Int) -> [UInt8]? {
        decompressors.using { decompressor in
            var output = [UInt8](repeating: 0, count: max(size, 1))
            var actual = 0
            let result = output.withUnsafeMutableBytes { out in
                bytes.withUnsafeBytes { input in
                    libdeflate_zlib_decompress(decompressor, input.baseAddress, input.count, out.baseAddress, size, &actual)
                }
            }
            guard result == LIBDEFLATE_SUCCESS, actual == size else { return nil }
            output.removeSubrange(size...)
            return output
        }
    }

    /// A compressor holds a few hundred kilobytes of tables and serves one thread at a time:
    /// threads take one from the pool and give it back, so a run allocates one per core.
    private static let compressors = Pool(
        make: { libdeflate_alloc_compressor(level) },
        free: { libdeflate_free_compressor($0) })
    private static let decompressors = Pool(
        make: { libdeflate_alloc_decompressor() },
        free: { libdeflate_free_decompressor($0) })

    /// Idle libdeflate states, at most a few (one per thread that used one at once); any more are freed.
    private final class Pool<State>: Sendable {
        private let idle = Mutex<[UnsafeSendable<State>]>([])
        private let make: @Sendable () -> State?
        private let free: @Sendable (State) -> Void
        private static var kept: Int { 8 }

        init(make: @escaping @Sendable () -> State?, free: @escaping @Sendable (State) -> Void) {
            self.make = make
            self.free = free
        }

        /// `body` with a state of its own; `nil` when none could be allocated.
        func using<Result>(_ body: (State) -> Result?) -> Result? {
            guard let state = idle.withLock({ $0.popLast() })?.value ?? make() else { return nil }
            defer {
                let kept = idle.withLock { idle in
                    guard idle.count < Self.kept else { return false }
                    idle.append(UnsafeSendable(value: state))
                    return true
                }
                if !kept { free(state) }
            }
            return body(state)
        }
    }

    /// A libdeflate state crossing threads: each is used by one thread at a time, through the pool.
    private struct UnsafeSendable<Value>: @unchecked Sendable {
        let value: Value
    }
}
