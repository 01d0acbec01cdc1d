/// The errors both SSH transports give about host keys, worded once.
///
/// A changed key is never trusted and an unknown one only with `--accept-new`;
/// there is deliberately no way to skip the check.
enum HostKeyVerdict {
    static func mismatch(host: String, name: String, file: String, line: Int? = nil, expected: String, offered: String,
                         note: String? = nil) -> TransportError {
        TransportError(.hostKeyMismatch, host: host, "host key for '\(name)' does not match known_hosts '\(file)'"
            + (line.map { " (line \($0))" } ?? "") + ": "
            + "expected \(expected), offered \(offered)\(note.map { " (\($0))" } ?? ""); refusing the host. If it was "
            + "reinstalled, check the new key, then remove the old one with ssh-keygen -R '\(name)' -f '\(file)'")
    }

    static func unknown(host: String, name: String, file: String, offered: String?) -> TransportError {
        TransportError(.unknownHostKey, host: host, "host key for '\(name)' is not in known_hosts '\(file)'"
            + (offered.map { " (offered \($0))" } ?? "")
            + "; refusing the host. Check the key and add it, or run once with --accept-new to record it")
    }

    /// A revoked key is refused whatever else the files say, and `--accept-new` cannot help:
    /// someone marked it as stolen or retired.
    static func revoked(host: String, name: String, file: String, line: Int? = nil, offered: String) -> TransportError {
        TransportError(.hostKeyRevoked, host: host,
                       "host key for '\(name)' (\(offered)) is marked @revoked in known_hosts '\(file)'"
                       + (line.map { " (line \($0))" } ?? "") + "; refusing the host: the key may be stolen. "
                       + "Find out why it was revoked before trusting the host again")
    }

    /// For a recorded key that a node proves only with a SHA-1 signature the host may not use.
    static func legacyHint(_ type: String) -> String {
        "; a node older than OpenSSH 7.2 (Debian 7) can prove a \(type) key only with SHA-1, which stackdrift "
            + "uses only with legacy: true for the host"
    }

    /// `SHA256:… (ssh-ed25519)`.
    static func describe(_ key: HostKey) -> String { describe(key.asBlob) }

    static func describe(_ key: HostKey.Blob) -> String { "\(HostKey.fingerprint(key.bytes)) (\(key.type))" }
}
