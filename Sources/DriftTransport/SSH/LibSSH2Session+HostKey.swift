import Foundation

extension LibSSH2Session {
    /// Host key algorithms libssh2 1.10 can verify, OpenSSH's order of preference.
    static let hostKeyAlgorithms: [HostKey.KeyType] = [.ed25519, .ecdsa256, .ecdsa384, .ecdsa521, .rsa]

    /// Loads the known_hosts file and asks the server for a key of a type recorded there
    /// for it, as OpenSSH does; without this libssh2 would pick its own favourite type
    /// and a known host would look unknown.
    func prepareHostKeyCheck(_ target: SSHTarget) throws(TransportError) -> KnownHosts {
        let knownHosts = try KnownHosts(session: self, path: target.knownHostsFile)
        let known = try knownHosts.knownKeys(for: target.knownHostsName).map(\.type)
        let order = known + Self.hostKeyAlgorithms.filter { !known.contains($0) }
        try preferHostKeyAlgorithms(order.map(\.rawValue))
        return knownHosts
    }

    /// Refuses the host unless the key it offered is recorded for it; with `acceptNew`, a
    /// host known under no key at all has its key appended to the file instead.
    func verifyHostKey(_ target: SSHTarget, knownHosts: KnownHosts, acceptNew: Bool) throws(TransportError) {
        let key = try hostKey()
        if try isRecorded(key, target, in: knownHosts) { return }
        guard acceptNew else {
            throw HostKeyVerdict.unknown(host: host, name: target.knownHostsName, file: knownHosts.path,
                                         offered: HostKeyVerdict.describe(key))
        }
        try KnownHosts.withAppendLock { () throws(TransportError) in
            // Another host of this audit may have recorded the key meanwhile: look again under the lock.
            if try isRecorded(key, target, in: KnownHosts(session: self, path: knownHosts.path)) { return }
            try KnownHosts.append(key, for: target.knownHostsName, to: knownHosts.path, host: host)
        }
    }

    /// Whether `key` is recorded for the host; throws when a different key is.
    private func isRecorded(_ key: HostKey, _ target: SSHTarget, in knownHosts: KnownHosts) throws(TransportError) -> Bool {
        let name = target.knownHostsName
        if knownHosts.revoked.contains(key.blob) {
            throw HostKeyVerdict.revoked(host: host, name: name, file: knownHosts.path, offered: HostKeyVerdict.describe(key))
        }
        switch try knownHosts.check(name, blob: key.blob, type: key.type) {
        case .match:
            return true
        case .mismatch(let expected):
            throw HostKeyVerdict.mismatch(host: host, name: name, file: knownHosts.path,
                                          expected: HostKeyVerdict.describe(HostKey(blob: expected, type: key.type)),
                                          offered: HostKeyVerdict.describe(key))
        case .notFound:
            // Known under another key type only: a server that no longer offers the recorded type
            // is as suspect as one offering a different key, so it is refused the same way.
            if let other = try knownHosts.knownKeys(for: name).first {
                throw HostKeyVerdict.mismatch(host: host, name: name, file: knownHosts.path,
                                              expected: HostKeyVerdict.describe(other), offered: HostKeyVerdict.describe(key),
                                              note: "the host no longer offers the recorded key type")
            }
            return false
        }
    }
}
