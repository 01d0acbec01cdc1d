import DriftCore

/// Reads files with the system `ssh` client, for what libssh2 cannot do: RSA keys
/// against OpenSSH 8.8 and later, certificates, `ProxyJump`, `ControlPersist` and
/// anything else `~/.ssh/config` can say.
///
/// Files are read over one `ssh -s … sftp` process per host, speaking SFTP on its
/// stdin and stdout. With `sudo: true` each file is one `ssh … 'sudo -n cat -- PATH'`
/// (a `ControlPersist` master in `~/.ssh/config` makes those cheap). Results and
/// error kinds are the libssh2 transport's.
public struct OpenSSHTransport: Transport {
    public var options: SSHOptions

    public init(options: SSHOptions = SSHOptions()) {
        self.options = options
    }

    public func connect(to host: InventoryHost) throws(TransportError) -> any TransportSession {
        let command = try OpenSSHCommand(host: host, options: options)
        let deadline = Deadline(operation: command.timeout, overall: options.hostTimeout)
        let allowed = try deadline.next(host: host.name, doing: "connecting")
        if host.connection.sudo {
            // Each file is its own ssh; connecting proves the host key and the login with a no-op.
            let process = try command.start("true")
            guard let status = process.exitStatus(within: allowed.seconds) else {
                throw deadline.timedOut(host: host.name, doing: "connecting with ssh", byOverall: allowed.byOverall,
                                        seconds: allowed.seconds)
            }
            guard status == 0 else {
                throw OpenSSHDiagnosis.error(process.errors, command: command, doing: "connecting", fallback: .protocolError)
            }
            return OpenSSHSudoSession(command: command, deadline: deadline)
        }
        return try OpenSSHSFTPSession.start(command: command, deadline: deadline, allowed: allowed)
    }
}

/// One host's `ssh -s sftp` process, reused for all its files.
final class OpenSSHSFTPSession: TransportSession {
    private var process: ChildProcess?
    private let client: SFTPClient
    private let command: OpenSSHCommand
    private let deadline: Deadline

    init(process: ChildProcess, client: SFTPClient, command: OpenSSHCommand, deadline: Deadline) {
        self.process = process
        self.client = client
        self.command = command
        self.deadline = deadline
    }

    func read(_ path: String, limit: Int) -> FileRead {
        guard let process else { return .failed(TransportError(.io, host: command.host, path: path, "session is closed")) }
        if let rejected = FileRead.rejecting(path, host: command.host) { return rejected }
        let doing = "reading '\(path)' over SFTP"
        do {
            let allowed = try deadline.next(host: command.host, path: path, doing: doing)
            do {
                return try client.read(path, limit: limit, host: command.host, timeout: allowed.seconds)
            } catch {
                return .failed(Self.error(error, process: process, command: command, deadline: deadline, allowed: allowed,
                                          doing: doing, path: path, fallback: .dropped))
            }
        } catch {
            return .failed(error)
        }
    }

    /// Starts `ssh -s sftp` and waits for the server's SFTP version.
    static func start(command: OpenSSHCommand, deadline: Deadline,
                      allowed: (seconds: Double, byOverall: Bool)) throws(TransportError) -> OpenSSHSFTPSession {
        let process = try command.start(subsystem: true, "sftp")
        let client = SFTPClient(process: process)
        do {
            try client.start(within: allowed.seconds)
        } catch {
            throw Self.error(error, process: process, command: command, deadline: deadline, allowed: allowed,
                        doing: "connecting", path: nil, fallback: .protocolError)
        }
        return OpenSSHSFTPSession(process: process, client: client, command: command, deadline: deadline)
    }

    func list(_ directory: String) -> DirectoryListing {
        guard let process else { return .failed(TransportError(.io, host: command.host, path: directory, "session is closed")) }
        if case .failed(let error)? = FileRead.rejecting(directory, host: command.host) { return .failed(error) }
        let doing = "listing '\(directory)' over SFTP"
        do {
            let allowed = try deadline.next(host: command.host, path: directory, doing: doing)
            do {
                return try client.list(directory, host: command.host, timeout: allowed.seconds)
            } catch {
                return .failed(Self.error(error, process: process, command: command, deadline: deadline, allowed: allowed,
                                          doing: doing, path: directory, fallback: .dropped))
            }
        } catch {
            return .failed(error)
        }
    }

    func close() {
        process?.finish(within: 1)
        process = nil
    }

    /// The transport error for an SFTP exchange that got no answer: a timeout, or whatever
    /// ssh said before it ended.
    static func error(_ failure: SFTPClient.Failure, process: ChildProcess, command: OpenSSHCommand, deadline: Deadline,
                      allowed: (seconds: Double, byOverall: Bool), doing: String, path: String?,
                      fallback: TransportError.Kind) -> TransportError {
        switch failure {
        case .timedOut:
            process.terminate()
            // ssh may have given up first and said why (its ConnectTimeout, a refused connection).
            if !process.errors.isEmpty {
                let diagnosed = OpenSSHDiagnosis.error(process.errors, command: command, path: path, doing: doing,
                                                       fallback: .timeout)
                if diagnosed.kind != .dropped { return diagnosed }
            }
            return deadline.timedOut(host: command.host, path: path, doing: doing, byOverall: allowed.byOverall,
                                     seconds: allowed.seconds)
        case .closed:
            _ = process.exitStatus(within: 1)
            return OpenSSHDiagnosis.error(process.errors, command: command, path: path, doing: doing, fallback: fallback)
        case .malformed(let detail):
            process.terminate()
            return TransportError(.protocolError, host: command.host, path: path, "SFTP exchange failed while \(doing): \(detail)")
        }
    }
}

/// One host read with `sudo -n cat -- PATH`, one ssh per file.
final class OpenSSHSudoSession: TransportSession {
    private let command: OpenSSHCommand
    private let deadline: Deadline
    private var closed = false
    private var lister: OpenSSHSFTPSession?
    private var sudoAnswers = SudoAnswers()

    init(command: OpenSSHCommand, deadline: Deadline) {
        self.command = command
        self.deadline = deadline
    }

    func read(_ path: String, limit: Int) -> FileRead {
        guard !closed else { return .failed(TransportError(.io, host: command.host, path: path, "session is closed")) }
        if let rejected = FileRead.rejecting(path, host: command.host) { return rejected }
        let doing = "reading '\(path)' with sudo"
        do {
            let allowed = try deadline.next(host: command.host, path: path, doing: doing)
            let timedOut = deadline.timedOut(host: command.host, path: path, doing: doing, byOverall: allowed.byOverall,
                                             seconds: allowed.seconds)
            let end = Deadline(operation: allowed.seconds, overall: allowed.seconds)
            let process = try command.start(SudoCat.command(path))
            var output: [UInt8] = []
            reading: while true {
                switch process.receive(upTo: 65_536, within: max(0, end.remaining)) {
                case .data(let bytes):
                    output += bytes
                    if output.count > limit {
                        process.terminate()
                        return .tooLarge(path, host: command.host, limit: limit)
                    }
                case .endOfFile:
                    break reading
                case .timedOut:
                    process.terminate()
                    return .failed(timedOut)
                }
            }
            guard let status = process.exitStatus(within: max(0, end.remaining)) else { return .failed(timedOut) }
            if status == 255 {  // ssh's own failure, not sudo's or cat's
                return .failed(OpenSSHDiagnosis.error(process.errors, command: command, path: path, doing: doing,
                                                      fallback: .dropped))
            }
            return sudoAnswers.judge(SudoCat.outcome(status: status, output: output, errors: process.errors, path: path,
                                                     host: command.host), path: path, host: command.host)
        } catch {
            return .failed(error)
        }
    }

    /// Lists over an `ssh -s sftp` as the login user, started on first use: the directories
    /// MySQL includes are world-readable, and listing them needs no sudoers line.
    func list(_ directory: String) -> DirectoryListing {
        guard !closed else { return .failed(TransportError(.io, host: command.host, path: directory, "session is closed")) }
        if let lister { return lister.list(directory) }
        do {
            let allowed = try deadline.next(host: command.host, path: directory, doing: "starting SFTP to list a directory")
            let started = try OpenSSHSFTPSession.start(command: command, deadline: deadline, allowed: allowed)
            lister = started
            return started.list(directory)
        } catch {
            return .failed(error)
        }
    }

    func close() {
        closed = true
        lister?.close()
        lister = nil
    }
}
