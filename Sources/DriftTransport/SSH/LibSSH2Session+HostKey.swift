import DriftCore
import Foundation

extension LibSSH2Session {
    /// Host key algorithms both transports accept without the inventory's leave, in OpenSSH's
    /// order of preference among those libssh2 1.10 can verify. Its only RSA host key algorithm
    /// is SHA-1 `ssh-rsa`, which OpenSSH 8.8 dropped: that one is legacy, as `ssh-dss` is.
    static let modernHostKeyAlgorithms = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"]
    /// Key exchange methods without SHA-1, in OpenSSH 9.2's order among those libssh2 1.10 has.
    static let modernKeyExchange = ["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256",
                                    "ecdh-sha2-nistp384", "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256",
                                    "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
                                    "diffie-hellman-group14-sha256"]

    /// Loads the host's known_hosts files and chooses what to negotiate: the key exchange
    /// methods and host key algorithms allowed (the modern ones, and the legacy ones the
    /// inventory allows), host key types recorded for the host first, as OpenSSH asks for them;
    /// without that libssh2 would pick its own favourite type and a known host would look changed.
    func prepareHostKeyCheck(_ target: SSHTarget) throws(TransportError) -> KnownHosts {
        let knownHosts = try KnownHosts(files: target.knownHostsFiles, host: host)
        let allowed = Self.modernHostKeyAlgorithms + target.legacy.hostKey
        let recorded = knownHosts.recordedTypes(host: target.knownHostsHost, port: target.port,
                                                alias: target.hostKeyAlias != nil).filter(allowed.contains)
        try prefer(.keyExchange, Self.modernKeyExchange + target.legacy.keyExchange)
        try prefer(.hostKey, recorded + allowed.filter { !recorded.contains($0) })
        return knownHosts
    }

    /// Refuses the host unless OpenSSH would trust the key it offered; with `acceptNew`, a key
    /// no line applies to is appended to the first user file instead (never one that a line
    /// contradicts, wildcard or not, nor a revoked one).
    func verifyHostKey(_ target: SSHTarget, knownHosts: KnownHosts, acceptNew: Bool) throws(TransportError) {
        let key = try hostKey().asBlob
        if try isTrusted(key, target, knownHosts) { return }
        if !acceptNew, case .new(let revoked?) = knownHosts.verdict(for: key, host: target.knownHostsHost, port: target.port) {
            throw HostKeyVerdict.revoked(host: host, name: target.knownHostsHost, file: revoked.file, line: revoked.line,
                                         offered: HostKeyVerdict.describe(key))
        }
        guard acceptNew else {
            throw HostKeyVerdict.unknown(host: host, name: target.knownHostsName, file: target.knownHostsFile,
                                         offered: HostKeyVerdict.describe(key))
        }
        try KnownHosts.withAppendLock { () throws(TransportError) in
            // Another host of this audit may have recorded the key meanwhile: look again under the lock.
            if try isTrusted(key, target, KnownHosts(files: target.knownHostsFiles, host: host)) { return }
            try KnownHosts.append(key, for: target.knownHostsName, to: target.knownHostsFile, host: host)
        }
    }

    /// Whether `key` is known for the host; throws when a line contradicts or revokes it.
    private func isTrusted(_ key: HostKey.Blob, _ target: SSHTarget, _ knownHosts: KnownHosts) throws(TransportError) -> Bool {
        let name = target.knownHostsName
        switch knownHosts.verdict(for: key, host: target.knownHostsHost, port: target.port, alias: target.hostKeyAlias != nil) {
        case .known:
            return true
        case .new:
            return false
        case .revoked(let entry):
            throw HostKeyVerdict.revoked(host: host, name: name, file: entry.file, line: entry.line,
                                         offered: HostKeyVerdict.describe(key))
        case .changed(let recorded):
            var note: String?
            if recorded.key.type != key.type {
                note = "the host offered a \(key.type) key; the recorded one is \(recorded.key.type)"
                if LegacySSHAlgorithms.knownHostKey.contains(recorded.key.type), !target.legacy.hostKey.contains(recorded.key.type) {
                    note! += HostKeyVerdict.legacyHint(recorded.key.type)
                }
            }
            throw HostKeyVerdict.mismatch(host: host, name: name, file: recorded.file, line: recorded.line,
                                          expected: HostKeyVerdict.describe(recorded.key), offered: HostKeyVerdict.describe(key),
                                          note: note)
        }
    }
}
