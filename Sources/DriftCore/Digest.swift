internal import CLibCrypto

/// SHA-256 and HMAC-SHA-256 from OpenSSL's libcrypto.
///
/// The store addresses file contents by hash and replaces secrets with keyed
/// tags, so equal secrets still compare equal without being stored.
package enum Digest {
    package static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &output, &length, EVP_sha256(), nil)
        }
        precondition(ok == 1, "EVP_Digest(SHA-256) failed")
        return Array(output.prefix(Int(length)))
    }

    package static func hmacSHA256(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        hmac(EVP_sha256(), "SHA-256", key: key, message)
    }

    /// HMAC-SHA-1, for OpenSSH's hashed known_hosts names (`|1|salt|hash`): matching them
    /// is the only use, SHA-1 being what that format fixes.
    package static func hmacSHA1(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        hmac(EVP_sha1(), "SHA-1", key: key, message)
    }

    private static func hmac(_ digest: OpaquePointer?, _ name: String, key: [UInt8], _ message: [UInt8]) -> [UInt8] {
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
        let digits = Array("0123456789abcdef".utf8)
        var result = [UInt8]()
        result.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: result, as: UTF8.self)
    }
}
