import DriftCore

/// Reads files over SSH in process, with libssh2: one session per host, SFTP for
/// each file, or `sudo -n cat -- PATH` on an exec channel with `sudo: true`.
///
/// Connecting verifies the host key against known_hosts before anything else is sent
/// (OpenSSH's rules, `KnownHosts`), then authenticates with key files, ssh-agent or (when
/// configured) a password. A host behind `ProxyJump` is reached through a `direct-tcpip`
/// channel of each jump host in turn, each verified and logged into the same way. Nothing on
/// the host is written.
package struct SSHTransport: Transport {
    package var options: SSHOptions

    package init(options: SSHOptions = SSHOptions()) {
        self.options = options
    }

    package func connect(to host: InventoryHost) throws(TransportError) -> any TransportSession {
        let target = try SSHTarget.resolve(host, options: options)
        let deadline = Deadline(operation: target.timeout, overall: options.hostTimeout)
        let session = try open(target, via: nil, deadline: deadline, acceptNew: options.acceptNewHostKeys)
        let sftp = target.sudo ? nil : try SFTPSession(session: session)
        return SSHFileSession(session: session, sftp: sftp, cat: host.connection.effectiveCatPath)
    }

    /// A session to `target`, logged in: over TCP, through `via`, or through its own jump hosts.
    private func open(_ target: SSHTarget, via: LibSSH2Session?, deadline: Deadline,
                      acceptNew: Bool) throws(TransportError) -> LibSSH2Session {
        if let command = target.proxyCommand {
            throw TransportError(.unsupported, host: target.host, "ssh config sets 'ProxyCommand \(command)' for "
                                 + "'\(target.alias)', which transport: ssh does not run; use transport: openssh for this host")
        }
        let session: LibSSH2Session
        let hop: LibSSH2Session?
        if let via { hop = via } else { hop = try jumpChain(target, deadline: deadline) }
        if let hop {
            let relay = try JumpRelay(through: hop, to: target.address, port: target.port, name: hop.host)
            session = try LibSSH2Session(descriptor: relay.descriptor, link: relay, host: target.host, deadline: deadline)
        } else {
            let allowed = try deadline.next(host: target.host, doing: "connecting")
            let socket = try TCPSocket.connect(to: target.address, port: target.port, timeout: allowed.seconds, host: target.host)
            session = try LibSSH2Session(socket: socket, host: target.host, deadline: deadline)
        }
        let knownHosts = try session.prepareHostKeyCheck(target)
        try session.handshake()
        try session.verifyHostKey(target, knownHosts: knownHosts, acceptNew: acceptNew)
        try session.authenticate(target, options: options)
        return session
    }

    /// The last jump host's session, each reached through the one before; `nil` without jumps.
    /// A jump host's key must already be known: `--accept-new` records only audited hosts.
    private func jumpChain(_ target: SSHTarget, deadline: Deadline) throws(TransportError) -> LibSSH2Session? {
        var hop: LibSSH2Session?
        for jump in target.jumps {
            do {
                hop = try open(jump, via: hop, deadline: deadline, acceptNew: false)
            } catch {
                var failure = error
                failure.message = "jump host '\(jump.alias)': " + failure.message
                    .replacingOccurrences(of: ", or run once with --accept-new to record it", with: " (--accept-new records "
                                          + "only the audited hosts' keys, not a jump host's)")
                throw failure
            }
        }
        return hop
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
    /// The node's `cat`, run through sudo.
    private let cat: String
    private var sudoAnswers = SudoAnswers()

    init(session: LibSSH2Session, sftp: SFTPSession?, cat: String) {
        self.session = session
        self.sftp = sftp
        sudo = sftp == nil
        host = session.host
        self.cat = cat
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
            let channel = try SSHChannel(session: session, command: SudoCat.command(path, cat: cat), path: path)
            guard let output = try channel.read(stream: 0, limit: limit) else {
                return .tooLarge(path, host: host, limit: limit)
            }
            let errors = try channel.read(stream: 1, limit: 65_536) ?? []
            let status = try channel.exitStatus()
            return sudoAnswers.judge(SudoCat.outcome(status: status, output: output,
                                                     errors: String(decoding: errors, as: UTF8.self), path: path, cat: cat,
                                                     host: host),
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

    /// Resolved over SFTP as the login user, also with `sudo: true`: `sudo cat` follows links,
    /// so where a path leads is known before it is given to sudo, or it is not read.
    func resolve(_ path: String) -> PathResolution {
        guard session != nil else { return .failed(TransportError(.io, host: host, path: path, "session is closed")) }
        if case .failed(let error)? = FileRead.rejecting(path, host: host) { return .failed(error) }
        do {
            guard let sftp = try openSFTP() else {
                return .failed(TransportError(.unsupported, host: host, path: path,
                                              "the node does not serve SFTP, which checking where an include leads needs"))
            }
            return session!.step { sftp.resolve(path) }
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
