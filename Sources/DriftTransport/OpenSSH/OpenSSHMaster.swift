import Foundation

/// One host's SSH connection under the `openssh` transport: an `ssh` control master, our
/// child, listening on a socket in a private directory, that every read multiplexes over.
///
/// The handshake, host key check and login happen once per host, whatever the number of
/// files (issue 19: with `sudo: true` each file used to be a full connection of its own,
/// 54 s for 26 hosts against 2.9 s over libssh2). The directory is made 0700 with `mkdtemp`
/// under `$TMPDIR` (or `/tmp` when that would make the socket's path too long for a Unix
/// socket); the master is stopped and the directory removed when the session closes.
final class OpenSSHMaster {
    let command: OpenSSHCommand
    /// The master's socket, for `ssh -o ControlPath=…`.
    let socket: String
    private let directory: String
    private var process: ChildProcess?

    /// `sockaddr_un` holds 108 bytes; ssh first binds the path plus ".<16 random characters>".
    static let longestSocketPath = 107 - 17

    /// Starts the master and waits until it has logged in and listens, within `allowed`.
    init(command: OpenSSHCommand, deadline: Deadline, allowed: (seconds: Double, byOverall: Bool)) throws(TransportError) {
        self.command = command
        directory = try Self.privateDirectory(environment: command.environment, host: command.host)
        socket = directory + "/m"
        let process: ChildProcess
        do {
            process = try command.startMaster(socket: socket)
        } catch {
            rmdir(directory)
            throw error
        }
        self.process = process
        let end = Date().addingTimeInterval(allowed.seconds)
        // The socket appears once ssh has checked the host key and logged in; ssh exiting
        // first says why it could not.
        while !Self.isSocket(socket) {
            if let status = process.exited(waitingUpTo: min(0.002, max(0, end.timeIntervalSinceNow))) {
                close()
                throw OpenSSHDiagnosis.error(process.errors, command: command, doing: "connecting",
                                             fallback: status == 255 ? .protocolError : .dropped)
            }
            if Date() >= end {
                let said = process.errors
                close()
                if !said.isEmpty {
                    let diagnosed = OpenSSHDiagnosis.error(said, command: command, doing: "connecting", fallback: .timeout)
                    if diagnosed.kind != .dropped { throw diagnosed }
                }
                throw deadline.timedOut(host: command.host, doing: "connecting with ssh", byOverall: allowed.byOverall,
                                        seconds: allowed.seconds)
            }
        }
    }

    deinit { close() }

    /// What the master said on stderr, for diagnosing a read that failed because it died.
    var errors: String { process?.errors ?? "" }

    /// Whether the master still runs (a dead master makes `ssh` fall back to a connection of its own).
    var isRunning: Bool { process.map { $0.exited(waitingUpTo: 0) == nil } ?? false }

    /// Stops the master (which closes the connection and every session on it) and removes its directory.
    func close() {
        process?.stop(within: 1)
        process = nil
        unlink(socket)
        rmdir(directory)
    }

    private static func isSocket(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFSOCK
    }

    /// A new directory only this user can enter, short enough for the socket inside it.
    private static func privateDirectory(environment: [String: String], host: String) throws(TransportError) -> String {
        var bases = ["/tmp"]
        if let temporary = environment["TMPDIR"], temporary.hasPrefix("/") { bases.insert(temporary, at: 0) }
        for base in bases {
            let template = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/stackdrift-XXXXXX"
            guard template.utf8.count + "/m".utf8.count <= longestSocketPath else { continue }
            var bytes = Array(template.utf8CString)
            guard bytes.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else { continue }
            return String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        throw TransportError(.io, host: host, "cannot make a private directory for ssh's control socket in "
                             + bases.map { "'\($0)'" }.joined(separator: " or ") + ": \(String(cString: strerror(errno)).lowercased())")
    }
}
