import DriftCore

/// A failure to reach a host or read one of its files.
///
/// Each kind is something an operator fixes differently, so code and reports
/// branch on `kind`; `message` is for people and never contains file contents.
public struct TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, Hashable {
        /// The host name does not resolve.
        case resolve
        /// Nothing listens on the address and port.
        case refused
        /// Connecting or an operation took longer than allowed.
        case timeout
        /// The host offered a key different from the one recorded in known_hosts.
        case hostKeyMismatch = "host-key-mismatch"
        /// The host's key is not in known_hosts and `--accept-new` was not given.
        case unknownHostKey = "unknown-host-key"
        /// The server refused every authentication method offered.
        case authentication
        /// `sudo -n` needs a password the audit cannot give.
        case sudoPassword = "sudo-password"
        /// The file exists but the audit user may not read it.
        case permissionDenied = "permission-denied"
        /// The connection broke during a transfer.
        case dropped
        /// The file is larger than the configured limit.
        case tooLarge = "too-large"
        /// The local tree standing in for the host does not exist.
        case rootMissing = "root-missing"
        /// The inventory asks for a transport this build cannot use.
        case unsupported
        /// Any other input/output failure.
        case io
        /// SSH protocol or library failure not covered above.
        case protocolError = "protocol"
    }

    public var kind: Kind
    public var host: String
    /// The file concerned, for per-file errors.
    public var path: String?
    public var message: String

    public init(_ kind: Kind, host: String, path: String? = nil, _ message: String) {
        self.kind = kind
        self.host = host
        self.path = path
        self.message = message
    }

    public var description: String {
        if let path { return "\(host):\(path): \(message)" }
        return "\(host): \(message)"
    }
}

extension TransportError.Kind {
    /// Whether asking the same host for more files is pointless after this failure: the
    /// connection is gone or stuck, or sudo wants a password (every further `sudo -n`
    /// would fail alike and add a line to the host's auth log). The host then fails.
    public var endsHost: Bool { self == .dropped || self == .timeout || self == .sudoPassword }
}
