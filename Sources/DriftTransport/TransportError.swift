import DriftCore

/// A failure to reach a host or read one of its files.
///
/// Each kind is something an operator fixes differently, so code and reports
/// branch on `kind`; `message` is for people and never contains file contents.
package struct TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Kind: String, Sendable, Codable, Hashable {
        /// The host name does not resolve.
        case resolve
        /// Nothing listens on the address and port.
        case refused
        /// Connecting or an operation took longer than allowed.
        case timeout
        /// The host offered a key different from the one recorded in known_hosts.
        case hostKeyMismatch = "host-key-mismatch"
        /// The host offered a key that known_hosts marks `@revoked`: possibly a stolen key.
        case hostKeyRevoked = "host-key-revoked"
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

    package var kind: Kind
    package var host: String
    /// The file concerned, for per-file errors.
    package var path: String?
    package var message: String
    /// Whether asking the host for more files is pointless after this failure, so its
    /// collection ends here: the kind's default (`Kind.endsHost`), or the transport's
    /// judgement (sudo wanting a password for every file it was asked about).
    package var endsHost: Bool

    package init(_ kind: Kind, host: String, path: String? = nil, _ message: String, endsHost: Bool? = nil) {
        self.kind = kind
        self.host = host
        self.path = path
        self.message = message
        self.endsHost = endsHost ?? kind.endsHost
    }

    package var description: String {
        if let path { return "\(host):\(path): \(message)" }
        return "\(host): \(message)"
    }
}

extension TransportError.Kind {
    /// Whether asking the same host for more files is pointless after a failure of this
    /// kind: the connection is gone or stuck. The host then fails, and the files it was not
    /// asked for are not collected. (A refused file, sudo's included, ends nothing by itself.)
    package var endsHost: Bool { self == .dropped || self == .timeout }

    /// What the operator does about a host whose collection ended with this failure, for
    /// the host's error; `nil` when the message already says it.
    var advice: String? {
        switch self {
        case .dropped: return "check the node and the network, then audit again"
        case .timeout: return "check the node's load and the network, or raise timeout: (each step) or --host-timeout (the whole host)"
        default: return nil
        }
    }
}
