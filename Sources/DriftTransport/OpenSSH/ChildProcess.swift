import Foundation

/// glibc (2.34 and later) declares `posix_spawn_file_actions_addclosefrom_np` only under
/// `_GNU_SOURCE`, which Swift's Glibc module does not set: look it up at run time.
/// Without it the child still inherits nothing of ours, since every descriptor here is
/// close-on-exec; it only guards against descriptors opened elsewhere without that flag.
private let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
    guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
}()

/// A child process started with `posix_spawn`, killed and reaped when released.
///
/// Its stdin and stdout are one end of a socket pair, so that writing to a child
/// that died fails with `EPIPE` (`MSG_NOSIGNAL`) instead of raising `SIGPIPE` in
/// the whole audit; stderr is another pair, collected while waiting for stdout. Every
/// wait is bounded. Blocking here is fine: the `Collector` runs hosts on threads of its own.
final class ChildProcess {
    enum Wait { case data([UInt8]), endOfFile, timedOut }

    let pid: pid_t
    private let stream: Int32
    private var errorSocket: Int32
    private var status: Int32?
    private(set) var errorOutput: [UInt8] = []

    /// Starts `executable`; with `stdinFromNull`, stdin is /dev/null and only stdout is the socket.
    init(executable: String, arguments: [String], environment: [String: String], stdinFromNull: Bool) throws(TransportError) {
        var pair: [Int32] = [-1, -1]
        var errorFDs: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw Self.systemError("cannot create a socket pair")
        }
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &errorFDs) == 0 else {
            close(pair[0]); close(pair[1])
            throw Self.systemError("cannot create a socket pair")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdinFromNull {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, pair[1], 0)
        }
        posix_spawn_file_actions_adddup2(&actions, pair[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorFDs[1], 2)
        // Nothing else of this process (other hosts' sockets and pipes) leaks into the child.
        _ = addCloseFrom?(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(pair[1])
        close(errorFDs[1])
        guard spawned == 0 else {
            close(pair[0]); close(errorFDs[0])
            throw TransportError(.unsupported, host: "", "cannot run '\(executable)': \(String(cString: strerror(spawned)).lowercased())")
        }
        self.pid = pid
        stream = pair[0]
        errorSocket = errorFDs[0]
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0, errno == EINTR {}
        }
        close(stream)
        if errorSocket >= 0 { close(errorSocket) }
    }

    /// The child's stderr so far, as text.
    var errors: String { String(decoding: errorOutput, as: UTF8.self) }

    /// Writes all of `bytes` to the child's stdin: `.data([])` when written, `.endOfFile` when
    /// the child is gone, `.timedOut` when it did not take them in time.
    func send(_ bytes: [UInt8], within seconds: Double) -> Wait {
        let end = Date().addingTimeInterval(seconds)
        var offset = 0
        while offset < bytes.count {
            guard wait(for: stream, events: Int16(POLLOUT), until: end) else { return .timedOut }
            let sent = bytes[offset...].withUnsafeBytes {
                Foundation.send(stream, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                return .endOfFile
            }
            offset += sent
        }
        return .data([])
    }

    /// Waits for output on stdout (collecting stderr meanwhile), at most `seconds`.
    func receive(upTo count: Int, within seconds: Double) -> Wait {
        let end = Date().addingTimeInterval(seconds)
        while true {
            guard wait(for: stream, events: Int16(POLLIN), until: end) else { return .timedOut }
            var buffer = [UInt8](repeating: 0, count: count)
            let received = buffer.withUnsafeMutableBytes { recv(stream, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if received > 0 { return .data(Array(buffer[0..<received])) }
            if received == 0 { return .endOfFile }
            if errno == EAGAIN || errno == EINTR { continue }
            return .endOfFile
        }
    }

    /// Waits for the child to exit, at most `seconds`; kills it when the time runs out.
    /// Returns its exit status (128 + signal when killed by one), `nil` on timeout.
    func exitStatus(within seconds: Double) -> Int32? {
        if let status { return status }
        let end = Date().addingTimeInterval(seconds)
        var backoff: UInt32 = 100
        while true {
            var raw: Int32 = 0
            let reaped = waitpid(pid, &raw, WNOHANG)
            if reaped == pid {
                drainErrors()
                let code = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
                status = code
                return code
            }
            if Date() >= end {
                terminate()
                return nil
            }
            // Collect stderr while waiting, so a chatty child never blocks on a full pipe; its end
            // (the child exiting) wakes the wait at once, then the exit is a moment away.
            if errorSocket >= 0 {
                var fds = pollfd(fd: errorSocket, events: Int16(POLLIN), revents: 0)
                if poll(&fds, 1, Int32(max(1, min(10, end.timeIntervalSinceNow * 1000)))) > 0 { readErrors() }
            } else {
                usleep(backoff)
                backoff = min(backoff * 2, 10_000)
            }
        }
    }

    /// The child's exit status if it has exited, after waiting at most `seconds` for something
    /// on its stderr; it is left running otherwise.
    func exited(waitingUpTo seconds: Double) -> Int32? {
        if let status { return status }
        if errorSocket >= 0 {
            var fds = pollfd(fd: errorSocket, events: Int16(POLLIN), revents: 0)
            if poll(&fds, 1, Int32(max(0, (seconds * 1000).rounded(.up)))) > 0 { readErrors() }
        } else if seconds > 0 {
            usleep(UInt32(seconds * 1_000_000))
        }
        var raw: Int32 = 0
        guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
        drainErrors()
        let code = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        status = code
        return code
    }

    /// Asks the child to stop (SIGTERM, so that an ssh control master removes its socket),
    /// killing it if it has not within `seconds`.
    func stop(within seconds: Double) {
        guard status == nil else { return }
        kill(pid, SIGTERM)
        _ = exitStatus(within: seconds)
    }

    /// Closes the child's stdin and gives it `seconds` to exit on its own before killing it.
    func finish(within seconds: Double) {
        shutdown(stream, Int32(SHUT_WR))
        _ = exitStatus(within: seconds)
    }

    /// Kills the child at once: there is nothing for ssh to clean up.
    func terminate() {
        guard status == nil else { return }
        kill(pid, SIGKILL)
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0, errno == EINTR {}
        drainErrors()
        status = 128 + SIGKILL
    }

    /// Polls `descriptor` (none when -1) together with stderr until `descriptor` is ready or `end`;
    /// stderr is read whenever it has something.
    private func wait(for descriptor: Int32, events: Int16, until end: Date) -> Bool {
        while true {
            let left = end.timeIntervalSinceNow
            var fds = [pollfd(fd: descriptor, events: events, revents: 0), pollfd(fd: errorSocket, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, Int32(max(0, (left * 1000).rounded(.up))))
            if ready < 0, errno == EINTR { continue }
            if fds[1].revents != 0 { readErrors() }
            if descriptor >= 0, fds[0].revents != 0 { return true }
            if ready <= 0 || left <= 0 { return false }
        }
    }

    private func readErrors() {
        guard errorSocket >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(errorSocket, $0.baseAddress, $0.count) }
        if count > 0 {
            if errorOutput.count < 65_536 { errorOutput += buffer[0..<count] }
        } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
            close(errorSocket)
            errorSocket = -1
        }
    }

    private func drainErrors() {
        while errorSocket >= 0 {
            var fds = pollfd(fd: errorSocket, events: Int16(POLLIN), revents: 0)
            guard poll(&fds, 1, 0) > 0 else { return }
            readErrors()
        }
    }

    private static func systemError(_ doing: String) -> TransportError {
        TransportError(.io, host: "", "\(doing): \(String(cString: strerror(errno)).lowercased())")
    }
}
