/// The errors both SSH transports give about host keys, worded once.
///
/// A changed key is never trusted and an unknown one only with `--accept-new`;
/// there is deliberately no way to skip the check.
enum HostKeyVerdict {
    static func mismatch(host: String, name: String, file: String, expected: String, offered: String,
                         note: String? = nil) -> TransportError {
        TransportError(.hostKeyMismatch, host: host, "host key for '\(name)' does not match known_hosts '\(file)': "
            + "expected \(expected), offered \(offered)\(note.map { " (\($0))" } ?? ""); refusing the host. If it was "
            + "reinstalled, check the new key, then remove the old one with ssh-keygen -R '\(name)' -f '\(file)'")
    }

    static func unknown(host: String, name: String, file: String, offered: String?) -> TransportError {
        TransportError(.unknownHostKey, host: host, "host key for '\(name)' is not in known_hosts '\(file)'"
            + (offered.map { " (offered \($0))" } ?? "")
            + "; refusing the host. Check the key and add it, or run once with --accept-new to record it")
    }

    static func revoked(host: String, name: String, file: String, offered: String) -> TransportError {
        TransportError(.hostKeyMismatch, host: host,
                       "host key for '\(name)' (\(offered)) is marked @revoked in known_hosts '\(file)'; refusing the host")
    }

    /// `SHA256:… (ssh-ed25519)`.
    static func describe(_ key: HostKey) -> String { "\(key.fingerprint) (\(key.type.rawValue))" }
}
