import Foundation

/// What a remote command or subsystem looks like to the `openssh` transport: bytes to its
/// stdin, from its stdout, its stderr, its exit status; every wait bounded.
protocol RemoteStream: AnyObject {
    var errors: String { get }
    func send(_ bytes: [UInt8], within seconds: Double) -> ChildProcess.Wait
    func receive(upTo count: Int, within seconds: Double) -> ChildProcess.Wait
    /// The exit status, `nil` when it did not come within `seconds` (the stream is then ended).
    func exitStatus(within seconds: Double) -> Int32?
    /// Ends the stream at once; on the node, the session is closed.
    func terminate()
    /// Closes stdin and waits at most `seconds` for the end.
    func finish(within seconds: Double)
}

extension ChildProcess: RemoteStream {}

/// One session over an `ssh` control master, opened by speaking its multiplexing protocol
/// (`PROTOCOL.mux`, version 4, as `mux.c` at OpenSSH 9.2 writes it) on the control socket
/// rather than by starting an `ssh` for it: the master runs the command or subsystem on the
/// host's connection, on descriptors passed to it here (`SCM_RIGHTS`).
///
/// Starting a multiplexing `ssh` client costs about 13 ms of CPU (loading libcrypto and
/// Kerberos, reading the configuration); per file with `sudo: true` that made the openssh
/// transport several times slower than libssh2. Closing the control connection early makes
/// the master close the session, so a read given up on ends on the node too.
final class MuxSession: RemoteStream {
    private var control: Int32
    /// Our end of the pair passed as the command's stdin and stdout.
    private let stream: Int32
    private var errorSocket: Int32
    private var errorOutput: [UInt8] = []
    private var controlInput: [UInt8] = []
    private var sessionID: UInt32 = 0
    private var status: Int32?
    /// The master closed the control connection (after the exit message, or without one).
    private var controlClosed = false

    private enum Message: UInt32 {
        case hello = 0x0000_0001, newSession = 0x1000_0002
        case ok = 0x8000_0001, permissionDenied = 0x8000_0002, failure = 0x8000_0003, exitMessage = 0x8000_0004
        case sessionOpened = 0x8000_0006, ttyAllocFail = 0x8000_0008
    }

    /// A failure to open the session, with what the master said.
    struct Failure: Error {
        let message: String
        /// The master is gone or does not answer: the connection is.
        let endsHost: Bool
    }

    /// Opens `command` (or the subsystem named so) over the master listening on `socketPath`.
    init(socketPath: String, command: String, subsystem: Bool, within seconds: Double) throws(Failure) {
        let end = Date().addingTimeInterval(seconds)
        var pair: [Int32] = [-1, -1], errors: [Int32] = [-1, -1]
        let streamType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, streamType, 0, &pair) == 0 else { throw Self.systemFailure("cannot create a socket pair") }
        guard socketpair(AF_UNIX, streamType, 0, &errors) == 0 else {
            close(pair[0]); close(pair[1])
            throw Self.systemFailure("cannot create a socket pair")
        }
        stream = pair[0]
        errorSocket = errors[0]
        control = socket(AF_UNIX, streamType, 0)
        // The remote ends are the master's once passed: ours are closed whatever happens.
        defer { close(pair[1]); close(errors[1]) }
        guard control >= 0 else { throw Self.systemFailure("cannot create a socket") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Failure(message: "control socket path '\(socketPath)' is too long", endsHost: true)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(control, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            throw Failure(message: "the ssh control master is gone (\(String(cString: strerror(errno)).lowercased()))",
                          endsHost: true)
        }
        var hello = SSHWireWriter()
        hello.uint32(Message.hello.rawValue)
        hello.uint32(4)
        try write(hello, until: end)
        var reply = try readPacket(until: end)
        guard reply.uint32() == Message.hello.rawValue, reply.uint32() == 4 else {
            throw Failure(message: "the ssh control master does not speak multiplexing protocol 4", endsHost: true)
        }
        var request = SSHWireWriter()
        request.uint32(Message.newSession.rawValue)
        request.uint32(1)                 // request id
        request.string([UInt8]())         // reserved
        request.uint32(0)                 // no tty
        request.uint32(0)                 // no X11 forwarding
        request.uint32(0)                 // no agent forwarding
        request.uint32(subsystem ? 1 : 0)
        request.uint32(0xffff_ffff)       // no escape character
        request.string("")                // terminal type
        request.string(command)
        try write(request, until: end)
        // stdin is the pair too for a subsystem (it is spoken to); a command's stdin is the
        // pair as well, shut for writing at once, so it reads end-of-file as with /dev/null.
        for descriptor in [pair[1], pair[1], errors[1]] { try sendDescriptor(descriptor, until: end) }
        if !subsystem { shutdown(stream, Int32(SHUT_WR)) }
        var answer = try readPacket(until: end)
        switch answer.uint32().flatMap(Message.init(rawValue:)) {
        case .sessionOpened?:
            guard answer.uint32() == 1, let id = answer.uint32() else {
                throw Failure(message: "the ssh control master answered out of sequence", endsHost: true)
            }
            sessionID = id
        case .permissionDenied?, .failure?:
            _ = answer.uint32()
            let reason = answer.string().map { String(decoding: $0, as: UTF8.self) } ?? "no reason given"
            throw Failure(message: "the ssh control master refused the session: \(reason)", endsHost: false)
        default:
            throw Failure(message: "the ssh control master sent an unexpected answer", endsHost: true)
        }
    }

    deinit {
        if control >= 0 { close(control) }
        close(stream)
        if errorSocket >= 0 { close(errorSocket) }
    }

    var errors: String { String(decoding: errorOutput, as: UTF8.self) }

    func send(_ bytes: [UInt8], within seconds: Double) -> ChildProcess.Wait {
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

    func receive(upTo count: Int, within seconds: Double) -> ChildProcess.Wait {
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

    func exitStatus(within seconds: Double) -> Int32? {
        let end = Date().addingTimeInterval(seconds)
        while status == nil, !controlClosed {
            if !wait(for: -1, events: 0, until: end) && Date() >= end {
                terminate()
                return nil
            }
        }
        drainErrors(until: Date().addingTimeInterval(min(1, max(0, end.timeIntervalSinceNow))))
        // The master closed the connection without an exit message: as ssh, 255.
        return status ?? 255
    }

    func terminate() {
        if control >= 0 { close(control) }
        control = -1
        controlClosed = true
        shutdown(stream, Int32(SHUT_RDWR))
    }

    func finish(within seconds: Double) {
        shutdown(stream, Int32(SHUT_WR))
        _ = exitStatus(within: seconds)
    }

    // MARK: Waiting

    /// Polls `descriptor` (none when -1) with stderr and the control connection until
    /// `descriptor` is ready, the control connection has ended (when waiting for nothing else),
    /// or `end`; stderr and control messages are taken in as they come.
    private func wait(for descriptor: Int32, events: Int16, until end: Date) -> Bool {
        while true {
            let left = end.timeIntervalSinceNow
            var fds = [pollfd(fd: descriptor, events: events, revents: 0),
                       pollfd(fd: errorSocket, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: controlClosed ? -1 : control, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 3, Int32(max(0, (left * 1000).rounded(.up))))
            if ready < 0, errno == EINTR { continue }
            if fds[1].revents != 0 { readErrors() }
            if fds[2].revents != 0 { readControl() }
            if descriptor >= 0, fds[0].revents != 0 { return true }
            if descriptor < 0, status != nil || controlClosed { return true }
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

    private func drainErrors(until end: Date) {
        while errorSocket >= 0 {
            var fds = pollfd(fd: errorSocket, events: Int16(POLLIN), revents: 0)
            guard poll(&fds, 1, Int32(max(0, (end.timeIntervalSinceNow * 1000).rounded(.up)))) > 0 else { return }
            readErrors()
        }
    }

    /// Takes in what the master sent on the control connection: the exit message, or its end.
    private func readControl() {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { recv(control, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count <= 0 {
            if count < 0, errno == EAGAIN || errno == EINTR { return }
            controlClosed = true
            return
        }
        controlInput += buffer[0..<count]
        while let packet = Self.takePacket(&controlInput) {
            var reader = SSHWireReader(packet)
            switch reader.uint32().flatMap(Message.init(rawValue:)) {
            case .exitMessage?:
                if reader.uint32() == sessionID, let value = reader.uint32() { status = Int32(truncatingIfNeeded: value) }
            default:
                break  // a tty allocation failure (never asked for) or anything else: nothing to do
            }
        }
    }

    // MARK: The control connection

    private static func takePacket(_ buffer: inout [UInt8]) -> [UInt8]? {
        var header = SSHWireReader(buffer)
        guard let length = header.uint32().map(Int.init), buffer.count >= 4 + length else { return nil }
        let packet = Array(buffer[4..<4 + length])
        buffer.removeFirst(4 + length)
        return packet
    }

    private func write(_ packet: SSHWireWriter, until end: Date) throws(Failure) {
        var framed = SSHWireWriter()
        framed.string(packet.bytes)
        var offset = 0
        let bytes = framed.bytes
        while offset < bytes.count {
            var fds = pollfd(fd: control, events: Int16(POLLOUT), revents: 0)
            guard poll(&fds, 1, Int32(max(0, (end.timeIntervalSinceNow * 1000).rounded(.up)))) > 0 else {
                throw Failure(message: "the ssh control master did not take a request in time", endsHost: true)
            }
            let sent = bytes[offset...].withUnsafeBytes {
                Foundation.send(control, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw Failure(message: "the ssh control master went away", endsHost: true)
            }
            offset += sent
        }
    }

    private func readPacket(until end: Date) throws(Failure) -> SSHWireReader {
        while true {
            if let packet = Self.takePacket(&controlInput) { return SSHWireReader(packet) }
            var fds = pollfd(fd: control, events: Int16(POLLIN), revents: 0)
            guard poll(&fds, 1, Int32(max(0, (end.timeIntervalSinceNow * 1000).rounded(.up)))) > 0 else {
                throw Failure(message: "the ssh control master did not answer in time", endsHost: true)
            }
            var buffer = [UInt8](repeating: 0, count: 512)
            let count = buffer.withUnsafeMutableBytes { recv(control, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                controlInput += buffer[0..<count]
            } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                throw Failure(message: "the ssh control master went away", endsHost: true)
            }
        }
    }

    /// Passes `descriptor` to the master: one byte carrying it as `SCM_RIGHTS`, as `mm_send_fd`.
    private func sendDescriptor(_ descriptor: Int32, until end: Date) throws(Failure) {
        let header = MemoryLayout<cmsghdr>.size
        let align = MemoryLayout<Int>.size
        let space = header + (MemoryLayout<Int32>.size + align - 1) / align * align
        var control = [UInt8](repeating: 0, count: space)
        control.withUnsafeMutableBytes { raw in
            var message = cmsghdr()
            message.cmsg_len = header + MemoryLayout<Int32>.size
            message.cmsg_level = SOL_SOCKET
            message.cmsg_type = Int32(SCM_RIGHTS)
            withUnsafeBytes(of: message) { raw.copyMemory(from: $0) }
            withUnsafeBytes(of: descriptor) { raw.baseAddress!.advanced(by: header).copyMemory(from: $0.baseAddress!, byteCount: 4) }
        }
        var byte: UInt8 = 0
        while true {
            let sent = withUnsafeMutablePointer(to: &byte) { bytePointer in
                control.withUnsafeMutableBytes { controlBytes in
                    var vector = iovec(iov_base: UnsafeMutableRawPointer(bytePointer), iov_len: 1)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        var message = msghdr()
                        message.msg_iov = vectorPointer
                        message.msg_iovlen = 1
                        message.msg_control = controlBytes.baseAddress
                        message.msg_controllen = controlBytes.count
                        return sendmsg(self.control, &message, Int32(MSG_NOSIGNAL))
                    }
                }
            }
            if sent == 1 { return }
            guard errno == EAGAIN || errno == EINTR, Date() < end else {
                throw Failure(message: "cannot pass a descriptor to the ssh control master: "
                              + String(cString: strerror(errno)).lowercased(), endsHost: true)
            }
            var fds = pollfd(fd: self.control, events: Int16(POLLOUT), revents: 0)
            _ = poll(&fds, 1, 10)
        }
    }

    private static func systemFailure(_ doing: String) -> Failure {
        Failure(message: "\(doing): \(String(cString: strerror(errno)).lowercased())", endsHost: false)
    }
}
