import DriftCore

/// Reads files over SSH in process, with libssh2: one session per host, SFTP for
/// each file, or `sudo -n cat -- PATH` on an exec channel with `sudo: true`.
///
/// Connecting verifies the host key against known_hosts before anything else is
/// sent, then authenticates with key files, ssh-agent or (when configured) a
/// password. Nothing on the host is written.
public struct SSHTransport: Transport {
    public var options: SSHOptions

    public init(options: SSHOptions = SSHOptions()) {
        self.options = options
    }

    public func connect(to host: InventoryHost) throws(TransportError) -> any TransportSession {
        let target = try SSHTarget.resolve(host, options: options)
        if let proxy = target.proxy {
            throw TransportError(.unsupported, host: host.name, "ssh config sets '\(proxy)' for '\(target.alias)', which "
                                 + "libssh2 cannot follow; use transport: openssh for this host")
        }
        let deadline = Deadline(operation: target.timeout, overall: options.hostTimeout)
        let allowed = try deadline.next(host: host.name, doing: "connecting")
        let socket = try TCPSocket.connect(to: target.address, port: target.port, timeout: allowed.seconds, host: host.name)
        let session = try LibSSH2Session(socket: socket, host: host.name, deadline: deadline)
        let knownHosts = try session.prepareHostKeyCheck(target)
        try session.handshake()
        try session.verifyHostKey(target, knownHosts: knownHosts, acceptNew: options.acceptNewHostKeys)
        try session.authenticate(target, options: options)
        let sftp = target.sudo ? nil : try SFTPSession(session: session)
        return SSHFileSession(session: session, sftp: sftp)
    }
}

/// One host's open libssh2 session, reused for all its files.
final class SSHFileSession: TransportSession {
    private var session: LibSSH2Session?
    private var sftp: SFTPSession?
    /// With sudo: the node would not start SFTP, so files are read without being looked at first.
    private var sftpRefused = false
    private let sudo: Bool
    private let host: String
    private var sudoAnswers = SudoAnswers()

    init(session: LibSSH2Session, sftp: SFTPSession?) {
        self.session = session
        self.sftp = sftp
        sudo = sftp == nil
        host = session.host
    }

    func read(_ path: String, limit: Int) -> FileRead {
        guard let session else { return .failed(TransportError(.io, host: host, path: path, "session is closed")) }
        if let rejected = FileRead.rejecting(path, host: host) { return rejected }
        return session.step { readStep(path, limit: limit, session: session) }
    }

    private func readStep(_ path: String, limit: Int, session: LibSSH2Session) -> FileRead {
        if !sudo, let sftp { return sftp.read(path, limit: limit) }
        // Looked at as the login user first, where it can: a missing file needs no sudo (nor a
        // sudoers line), and a FIFO is refused rather than left blocking `cat` on the node.
        do {
            if let sftp = try openSFTP(), let refused = sftp.refusal(beforeReading: path) {
                switch refused {
                case .failed(let error) where error.kind == .permissionDenied: break  // a root-only directory: sudo's turn
                default: return refused
                }
            }
        } catch {
            return .failed(error)
        }
        do {
            let channel = try SSHChannel(session: session, command: SudoCat.command(path), path: path)
            guard let output = try channel.read(stream: 0, limit: limit) else {
                return .tooLarge(path, host: host, limit: limit)
            }
            let errors = try channel.read(stream: 1, limit: 65_536) ?? []
            let status = try channel.exitStatus()
            return sudoAnswers.judge(SudoCat.outcome(status: status, output: output,
                                                     errors: String(decoding: errors, as: UTF8.self), path: path, host: host),
                                     path: path, host: host)
        } catch {
            return .failed(error)
        }
    }

    /// Lists over SFTP as the login user, also with `sudo: true`: the directories MySQL
    /// includes (`/etc/mysql/conf.d`) are world-readable, and listing them needs no sudoers line.
    func list(_ directory: String) -> DirectoryListing {
        guard session != nil else { return .failed(TransportError(.io, host: host, path: directory, "session is closed")) }
        if case .failed(let error)? = FileRead.rejecting(directory, host: host) { return .failed(error) }
        do {
            guard let sftp = try openSFTP() else {
                return .failed(TransportError(.io, host: host, path: directory, "the node does not serve SFTP, which listing a directory needs"))
            }
            return session!.step { sftp.list(directory) }
        } catch {
            return .failed(error)
        }
    }

    /// The SFTP session, started on first use with `sudo: true`; `nil` when the node refuses it.
    private func openSFTP() throws(TransportError) -> SFTPSession? {
        if let sftp { return sftp }
        guard let session, !sftpRefused else { return nil }
        do {
            let opened = try SFTPSession(session: session)
            sftp = opened
            return opened
        } catch where !error.endsHost {
            sftpRefused = true
            return nil
        }
    }

    func close() {
        sftp = nil
        session = nil
    }
}
