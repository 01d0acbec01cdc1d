internal import CLibSSH2
import DriftCore
import Foundation

/// A server's public host key: its wire-format blob and type.
struct HostKey: Sendable, Hashable {
    enum KeyType: String, Sendable, CaseIterable {
        case ed25519 = "ssh-ed25519"
        case ecdsa256 = "ecdsa-sha2-nistp256"
        case ecdsa384 = "ecdsa-sha2-nistp384"
        case ecdsa521 = "ecdsa-sha2-nistp521"
        case rsa = "ssh-rsa"
        case dss = "ssh-dss"

        init?(libssh2Type: Int32) {
            switch libssh2Type {
            case LIBSSH2_HOSTKEY_TYPE_ED25519: self = .ed25519
            case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: self = .ecdsa256
            case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: self = .ecdsa384
            case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: self = .ecdsa521
            case LIBSSH2_HOSTKEY_TYPE_RSA: self = .rsa
            case LIBSSH2_HOSTKEY_TYPE_DSS: self = .dss
            default: return nil
            }
        }

        /// libssh2's known-host type bits for this key type.
        var knownHostMask: Int32 {
            switch self {
            case .ed25519: return LIBSSH2_KNOWNHOST_KEY_ED25519
            case .ecdsa256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256
            case .ecdsa384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384
            case .ecdsa521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521
            case .rsa: return LIBSSH2_KNOWNHOST_KEY_SSHRSA
            case .dss: return LIBSSH2_KNOWNHOST_KEY_SSHDSS
            }
        }
    }

    var blob: [UInt8]
    var type: KeyType

    /// Any public key as a known_hosts line holds it: its algorithm name (read from the blob,
    /// the way OpenSSH's `sshkey_read` checks it) and wire-format bytes.
    struct Blob: Sendable, Hashable {
        var type: String
        var bytes: [UInt8]

        /// The key types OpenSSH 9.2 reads in known_hosts; a line of any other type is skipped.
        static let knownTypes: Set<String> = {
            let plain = ["ssh-ed25519", "sk-ssh-ed25519@openssh.com", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256",
                         "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ecdsa-sha2-nistp256@openssh.com"]
            let certificates = plain.map { $0.replacingOccurrences(of: "@openssh.com", with: "") + "-cert-v01@openssh.com" }
            return Set(plain + certificates)
        }()

        init(type: String, bytes: [UInt8]) {
            self.type = type
            self.bytes = bytes
        }

        /// The key of a known_hosts line's type and base64 fields; `nil` where OpenSSH would skip the line.
        init?(type name: String, base64: String) {
            guard let data = Data(base64Encoded: base64), let inner = HostKey.algorithm(ofBlob: [UInt8](data)) else { return nil }
            // "rsa-sha2-256"/"-512" name signatures over an ssh-rsa key; OpenSSH reads them as that key.
            let expected = ["rsa-sha2-256": "ssh-rsa", "rsa-sha2-512": "ssh-rsa"][name] ?? name
            guard Self.knownTypes.contains(inner), inner == expected else { return nil }
            self.init(type: inner, bytes: [UInt8](data))
        }
    }

    var asBlob: Blob { Blob(type: type.rawValue, bytes: blob) }

    /// OpenSSH's fingerprint of the key: `SHA256:` and the unpadded base64 of its digest.
    var fingerprint: String { Self.fingerprint(blob) }

    static func fingerprint(_ blob: [UInt8]) -> String {
        var encoded = Data(Digest.sha256(blob)).base64EncodedString()
        while encoded.hasSuffix("=") { encoded.removeLast() }
        return "SHA256:" + encoded
    }

    /// The algorithm name a public key blob starts with (`ssh-ed25519`, `ssh-rsa`, …).
    static func algorithm(ofBlob blob: [UInt8]) -> String? {
        var reader = SSHWireReader(blob)
        return reader.string().map { String(decoding: $0, as: UTF8.self) }
    }
}
