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
        if !sudo, let sftp { return sftp.read(path, limit: limit) }
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
        guard let session else { return .failed(TransportError(.io, host: host, path: directory, "session is closed")) }
        if case .failed(let error)? = FileRead.rejecting(directory, host: host) { return .failed(error) }
        if let sftp { return sftp.list(directory) }
        do {
            let opened = try SFTPSession(session: session)
            sftp = opened
            return opened.list(directory)
        } catch {
            return .failed(error)
        }
    }

    func close() {
        sftp = nil
        session = nil
    }
}
