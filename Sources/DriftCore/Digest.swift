internal import CLibCrypto

/// SHA-256 and HMAC-SHA-256 from OpenSSL's libcrypto.
///
/// The store addresses file contents by hash and replaces secrets with keyed
/// tags, so equal secrets still compare equal without being stored.
package enum Digest {
    /// SHA-256 and SHA-1 fetched from OpenSSL's default provider once per process. `EVP_sha256()`
    /// hands out a legacy descriptor that OpenSSL 3 fetches again on every digest (a property
    /// query behind a lock): 0.48 µs per short digest against 0.16 µs with a fetched one, and a
    /// report names each of a million findings by a digest (`Finding.id`). Fetched algorithms
    /// are immutable and meant to be shared between threads.
    private nonisolated(unsafe) static let sha256Algorithm = fetched("SHA256")
    private nonisolated(unsafe) static let sha1Algorithm = fetched("SHA1")

    private static func fetched(_ name: String) -> OpaquePointer {
        guard let algorithm = EVP_MD_fetch(nil, name, nil) else {
            preconditionFailure("OpenSSL's default provider has no \(name)")
        }
        return algorithm
    }

    package static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        withSHA256(of: bytes) { Array($0) }
    }

    /// `body` given the 32 bytes of `bytes`' SHA-256, in a temporary buffer.
    private static func withSHA256<Result>(of bytes: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(EVP_MAX_MD_SIZE)) { digest in
            var size: UInt32 = 0
            let ok = bytes.withUnsafeBytes { input in
                EVP_Digest(input.baseAddress, input.count, digest.baseAddress, &size, sha256Algorithm, nil)
            }
            precondition(ok == 1 && size == 32, "EVP_Digest(SHA-256) failed")
            return body(UnsafeBufferPointer(rebasing: digest[..<32]))
        }
    }

    package static func hmacSHA256(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        hmac(sha256Algorithm, "SHA-256", key: key, message)
    }

    /// HMAC-SHA-1, for OpenSSH's hashed known_hosts names (`|1|salt|hash`): matching them
    /// is the only use, SHA-1 being what that format fixes.
    package static func hmacSHA1(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        hmac(sha1Algorithm, "SHA-1", key: key, message)
    }

    private static func hmac(_ digest: OpaquePointer, _ name: String, key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                HMAC(digest, keyBytes.baseAddress, Int32(keyBytes.count),
                     messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), messageBytes.count,
                     &output, &length)
            }
        }
        precondition(result != nil, "HMAC(\(name)) failed")
        return Array(output.prefix(Int(length)))
    }

    /// Cryptographically strong random bytes, for per-database redaction keys.
    package static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        precondition(RAND_bytes(&bytes, Int32(count)) == 1, "RAND_bytes failed")
        return bytes
    }

    package static func hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { hex($0) }
    }

    /// The SHA-256 of `bytes` in lowercase hex, only its first `length` bytes when a name is
    /// made of a digest's head (a finding's id). The one allocation is the result's: a report
    /// names a million findings this way.
    package static func sha256Hex(_ bytes: [UInt8], length: Int = 32) -> String {
        precondition((1...32).contains(length), "a SHA-256 has 32 bytes")
        return withSHA256(of: bytes) { hex(UnsafeBufferPointer(rebasing: $0[..<length])) }
    }

    private static func hex(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble }
            for (index, byte) in bytes.enumerated() {
                out[2 * index] = digit(byte >> 4)
                out[2 * index + 1] = digit(byte & 0x0f)
            }
            return bytes.count * 2
        }
    }
}
