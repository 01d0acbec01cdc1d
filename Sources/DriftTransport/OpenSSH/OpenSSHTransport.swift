import DriftCore
import Foundation

/// Reads files with the system `ssh` client, for what libssh2 cannot do: RSA keys
/// against OpenSSH 8.8 and later, certificates, `ProxyCommand` and anything else
/// `~/.ssh/config` can say.
///
/// Each host gets one connection, held by an `ssh` control master (`OpenSSHMaster`). Files
/// are read over one `ssh -s … sftp` multiplexed over it, speaking SFTP on its stdin and
/// stdout; with `sudo: true` each file is one multiplexed `ssh … 'sudo -n cat -- PATH'`,
/// after the SFTP session has looked at it as the login user. Results and error kinds are
/// the libssh2 transport's.
package struct OpenSSHTransport: Transport {
    package var options: SSHOptions

    package init(options: SSHOptions = SSHOptions()) {
        self.options = options
    }

    package func connect(to host: InventoryHost) throws(TransportError) -> any TransportSession {
        let command = try OpenSSHCommand(host: host, options: options)
        let deadline = Deadline(operation: command.timeout, overall: options.hostTimeout)
        let allowed = try deadline.next(host: host.name, doing: "connecting")
        let master = try OpenSSHMaster(command: command, deadline: deadline, allowed: allowed)
        let session = OpenSSHSession(master: master, deadline: deadline, sudo: host.connection.sudo,
                                     cat: host.connection.effectiveCatPath)
        if !host.connection.sudo { _ = try session.openSFTP(doing: "connecting") }
        return session
    }
}

/// One host's files over its control master: SFTP, and `sudo -n cat` with `sudo: true`.
final class OpenSSHSession: TransportSession {
    private var master: OpenSSHMaster?
    private let command: OpenSSHCommand
    private let deadline: Deadline
    private let sudo: Bool
    private var sftp: (process: any RemoteStream, client: SFTPClient)?
    /// With sudo: the node would not start SFTP, so files are read without being looked at first.
    private var sftpRefused = false
    private var sudoAnswers = SudoAnswers()
    /// The node's `cat`, run through sudo.
    private let cat: String
    /// When the current step (one file: looking at it, then reading it) began: `timeout:` bounds it whole.
    private var stepStart: UInt64?

    init(master: OpenSSHMaster, deadline: Deadline, sudo: Bool, cat: String) {
        self.cat = cat
        self.master = master
        command = master.command
        self.deadline = deadline
        self.sudo = sudo
    }

    deinit { close() }

    func read(_ path: String, limit: Int) -> FileRead {
        guard master != nil else { return .failed(TransportError(.io, host: command.host, path: path, "session is closed")) }
        if let rejected = FileRead.rejecting(path, host: command.host) { return rejected }
        stepStart = DispatchTime.now().uptimeNanoseconds
        defer { stepStart = nil }
        do {
            if !sudo {
                return try exchange(path: path, doing: "reading '\(path)' over SFTP") { client, seconds throws(SFTPClient.Failure) in
                    try client.read(path, limit: limit, host: command.host, timeout: seconds)
                }
            }
            // Looked at as the login user first, where it can: a missing file needs no sudo (nor a
            // sudoers line), and a FIFO is refused rather than left blocking `cat` on the node.
            if try openSFTP(doing: "reading '\(path)' with sudo") != nil,
               let refused = try exchange(path: path, doing: "looking at '\(path)' over SFTP", { client, seconds throws(SFTPClient.Failure) in
                   try client.refusal(beforeReading: path, host: command.host, timeout: seconds)
               }) {
                switch refused {
                case .failed(let error) where error.kind == .permissionDenied: break  // a root-only directory: sudo's turn
                default: return refused
                }
            }
            return sudoAnswers.judge(try sudoCat(path, limit: limit), path: path, host: command.host)
        } catch {
            return .failed(error)
        }
    }

    /// Lists over SFTP as the login user, also with `sudo: true`: the directories MySQL
    /// includes are world-readable, and listing them needs no sudoers line.
    func list(_ directory: String) -> DirectoryListing {
        guard master != nil else { return .failed(TransportError(.io, host: command.host, path: directory, "session is closed")) }
        if case .failed(let error)? = FileRead.rejecting(directory, host: command.host) { return .failed(error) }
        stepStart = DispatchTime.now().uptimeNanoseconds
        defer { stepStart = nil }
        do {
            guard try openSFTP(doing: "listing '\(directory)'") != nil else {
                return .failed(TransportError(.io, host: command.host, path: directory,
                                              "the node does not serve SFTP, which listing a directory needs"))
            }
            return try exchange(path: directory, doing: "listing '\(directory)' over SFTP") { client, seconds throws(SFTPClient.Failure) in
                try client.list(directory, host: command.host, timeout: seconds)
            }
        } catch {
            return .failed(error)
        }
    }

    /// Resolved over SFTP as the login user, also with `sudo: true`: `sudo cat` follows links,
    /// so where a path leads is known before it is given to sudo, or it is not read.
    func resolve(_ path: String) -> PathResolution {
        guard master != nil else { return .failed(TransportError(.io, host: command.host, path: path, "session is closed")) }
        if case .failed(let error)? = FileRead.rejecting(path, host: command.host) { return .failed(error) }
        stepStart = DispatchTime.now().uptimeNanoseconds
        defer { stepStart = nil }
        do {
            guard try openSFTP(doing: "resolving '\(path)'") != nil else {
                return .failed(TransportError(.unsupported, host: command.host, path: path,
                                              "the node does not serve SFTP, which checking where an include leads needs"))
            }
            return try exchange(path: path, doing: "resolving '\(path)' over SFTP") { client, seconds throws(SFTPClient.Failure) in
                try client.resolve(path, host: command.host, timeout: seconds)
            }
        } catch {
            return .failed(error)
        }
    }

    func close() {
        sftp?.process.finish(within: 1)
        sftp = nil
        master?.close()
        master = nil
    }

    /// The SFTP session over the master, started on first use with `sudo: true`; `nil` when
    /// the node refuses it there (without sudo that is the host's failure).
    func openSFTP(doing: String) throws(TransportError) -> SFTPClient? {
        if let sftp { return sftp.client }
        guard let master, !sftpRefused else { return nil }
        let allowed = try deadline.next(host: command.host, doing: doing, stepStartedAt: stepStart)
        let process = try command.start(through: master.socket, subsystem: true, "sftp", within: allowed.seconds)
        let client = SFTPClient(process: process)
        do {
            try client.start(within: allowed.seconds)
        } catch {
            let failure = diagnose(error, process: process, allowed: allowed, doing: "starting SFTP", path: nil,
                                   fallback: .protocolError)
            if sudo, !failure.endsHost {
                sftpRefused = true
                return nil
            }
            throw failure
        }
        sftp = (process, client)
        return client
    }

    /// One request over SFTP within the host's limits.
    private func exchange<Answer>(path: String, doing: String,
                                  _ body: (SFTPClient, Double) throws(SFTPClient.Failure) -> Answer) throws(TransportError) -> Answer {
        guard let sftp else { throw TransportError(.io, host: command.host, path: path, "session is closed") }
        let allowed = try deadline.next(host: command.host, path: path, doing: doing, stepStartedAt: stepStart)
        do {
            return try body(sftp.client, allowed.seconds)
        } catch {
            throw diagnose(error, process: sftp.process, allowed: allowed, doing: doing, path: path, fallback: .dropped)
        }
    }

    /// `sudo -n cat -- PATH` over the master.
    private func sudoCat(_ path: String, limit: Int) throws(TransportError) -> FileRead {
        guard let master else { throw TransportError(.io, host: command.host, path: path, "session is closed") }
        let doing = "reading '\(path)' with sudo"
        let allowed = try deadline.next(host: command.host, path: path, doing: doing, stepStartedAt: stepStart)
        let timedOut = deadline.timedOut(host: command.host, path: path, doing: doing, byOverall: allowed.byOverall,
                                         seconds: allowed.seconds)
        let end = Deadline(operation: allowed.seconds, overall: allowed.seconds)
        let process = try command.start(through: master.socket, SudoCat.command(path, cat: cat), within: allowed.seconds)
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
                throw timedOut
            }
        }
        guard let status = process.exitStatus(within: max(0, end.remaining)) else { throw timedOut }
        if status == 255 {  // ssh's own failure, not sudo's or cat's
            throw OpenSSHDiagnosis.error(process.errors + "\n" + master.errors, command: command, path: path, doing: doing,
                                         fallback: .dropped)
        }
        return SudoCat.outcome(status: status, output: output, errors: process.errors, path: path, cat: cat, host: command.host)
    }

    /// The transport error for an SFTP exchange that got no answer: a timeout, or whatever
    /// ssh (the multiplexed client, else the master) said before it ended.
    private func diagnose(_ failure: SFTPClient.Failure, process: any RemoteStream, allowed: (seconds: Double, byOverall: Bool),
                          doing: String, path: String?, fallback: TransportError.Kind) -> TransportError {
        switch failure {
        case .timedOut:
            process.terminate()
            return deadline.timedOut(host: command.host, path: path, doing: doing, byOverall: allowed.byOverall,
                                     seconds: allowed.seconds)
        case .closed:
            let status = process.exitStatus(within: 1)
            let said = process.errors + "\n" + (master?.errors ?? "")
            return OpenSSHDiagnosis.error(said.contains(where: { !$0.isWhitespace }) ? said
                                              : "ssh exited with status \(status.map(String.init) ?? "unknown") and said nothing",
                                          command: command, path: path, doing: doing, fallback: fallback)
        case .malformed(let detail):
            process.terminate()
            return TransportError(.protocolError, host: command.host, path: path, "SFTP exchange failed while \(doing): \(detail)")
        }
    }
}
