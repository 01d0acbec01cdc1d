internal import CLibSSH2

/// A connection to ssh-agent through libssh2's `LIBSSH2_AGENT`, freed when released.
final class SSHAgent {
    /// One key the agent holds.
    struct Identity {
        fileprivate let pointer: UnsafeMutablePointer<libssh2_agent_publickey>
        let algorithm: String?
        let comment: String
    }

    private let handle: OpaquePointer
    private let session: LibSSH2Session
    private var connected = false

    /// Connects to the agent listening on `socketPath` (`SSH_AUTH_SOCK`).
    init(session: LibSSH2Session, socketPath: String) throws(TransportError) {
        guard let handle = libssh2_agent_init(session.handle) else { throw session.failure("preparing to use ssh-agent") }
        self.handle = handle
        self.session = session
        libssh2_agent_set_identity_path(handle, socketPath)
        try session.check(libssh2_agent_connect(handle), "connecting to ssh-agent at '\(socketPath)'")
        connected = true
    }

    deinit {
        if connected { _ = libssh2_agent_disconnect(handle) }
        libssh2_agent_free(handle)
    }

    func identities() throws(TransportError) -> [Identity] {
        try session.check(libssh2_agent_list_identities(handle), "listing the keys of ssh-agent")
        var identities: [Identity] = []
        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        while true {
            var current: UnsafeMutablePointer<libssh2_agent_publickey>?
            let status = try session.check(libssh2_agent_get_identity(handle, &current, previous), "listing the keys of ssh-agent")
            guard status == 0, let current else { break }
            let key = current.pointee
            let blob = key.blob.map { [UInt8](UnsafeBufferPointer(start: $0, count: key.blob_len)) } ?? []
            identities.append(Identity(pointer: current, algorithm: HostKey.algorithm(ofBlob: blob),
                                       comment: key.comment.map { String(cString: $0) } ?? ""))
            previous = current
        }
        return identities
    }

    /// Offers one of the agent's keys; returns libssh2's code (0 when the server accepted it).
    func authenticate(user: String, with identity: Identity) -> Int32 {
        libssh2_agent_userauth(handle, user, identity.pointer)
    }
}
