internal import CLibSSH2
import Foundation
import Synchronization

/// A connection to a host through a jump host (`ProxyJump`), made in process: a `direct-tcpip`
/// channel opened over the jump host's session, relayed by a thread of its own to one end of a
/// socket pair, whose other end the host's own libssh2 session uses as its socket.
///
/// libssh2 sessions work on a socket descriptor, and the host's session must wait on one; the
/// pair gives it that, so both host keys are verified, each session keeps its deadlines, and
/// nothing is started on the auditing machine (OpenSSH's `ProxyJump` runs a second `ssh`).
/// The jump host's session is used only by the relay's thread once it runs.
final class JumpRelay {
    /// The end of the pair the host's session reads and writes.
    let descriptor: Int32
    private let pump: Pump

    /// Opens a channel to `address`:`port` from the jump host and starts relaying it.
    init(through jump: LibSSH2Session, to address: String, port: Int, name: String) throws(TransportError) {
        let doing = "opening a channel to '\(address)' port \(port) through jump host '\(name)' (does it allow TCP forwarding?)"
        try jump.arm(doing)
        guard let channel = libssh2_channel_direct_tcpip_ex(jump.handle, address, Int32(port), "127.0.0.1", 22) else {
            throw jump.failure(doing)
        }
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            _ = libssh2_channel_free(channel)
            throw TransportError(.io, host: jump.host, "cannot create a socket pair: \(String(cString: strerror(errno)).lowercased())")
        }
        _ = fcntl(pair[1], F_SETFL, fcntl(pair[1], F_GETFL) | O_NONBLOCK)
        descriptor = pair[0]
        jump.armForRelay()
        libssh2_session_set_blocking(jump.handle, 0)
        let pump = Pump(jump: jump, channel: channel, end: pair[1])
        self.pump = pump
        let thread = Thread {
            pump.run()
            pump.finished.signal()
        }
        thread.stackSize = 1 << 19
        thread.start()
    }

    deinit {
        pump.stopped.store(true, ordering: .relaxed)
        // The host's session is gone by now: closing its end tells the relay, which then ends.
        close(descriptor)
        pump.finished.wait()
        pump.tearDown()
    }
}

/// The relay's moving part. `@unchecked Sendable`: its libssh2 handles are used by the relay's
/// thread alone while it runs, and by the relay's `deinit` only after `finished` says it ended.
private final class Pump: @unchecked Sendable {
    let jump: LibSSH2Session
    let channel: OpaquePointer
    let pumpEnd: Int32
    let stopped = Atomic<Bool>(false)
    let finished = DispatchSemaphore(value: 0)

    init(jump: LibSSH2Session, channel: OpaquePointer, end: Int32) {
        self.jump = jump
        self.channel = channel
        pumpEnd = end
    }

    func tearDown() {
        libssh2_session_set_blocking(jump.handle, 1)
        jump.armForCleanup()
        _ = libssh2_channel_close(channel)
        _ = libssh2_channel_free(channel)
        close(pumpEnd)
    }

    /// Moves bytes both ways until either side ends or the relay is stopped.
    func run() {
        var toChannel: [UInt8] = [], toHost: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 32_768)
        while !stopped.load(ordering: .relaxed) {
            var progressed = false
            if toChannel.isEmpty {
                let count = buffer.withUnsafeMutableBytes { recv(pumpEnd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if count == 0 { break }  // the host's session closed its end
                if count > 0 {
                    toChannel = Array(buffer[0..<count])
                    progressed = true
                } else if errno != EAGAIN && errno != EINTR {
                    break
                }
            }
            if !toChannel.isEmpty {
                let written = toChannel.withUnsafeBytes { raw in
                    libssh2_channel_write_ex(channel, 0, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
                }
                if written > 0 {
                    toChannel.removeFirst(written)
                    progressed = true
                } else if written != Int(LIBSSH2_ERROR_EAGAIN) {
                    break
                }
            }
            if toHost.isEmpty {
                let count = buffer.withUnsafeMutableBytes { raw in
                    libssh2_channel_read_ex(channel, 0, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
                }
                if count > 0 {
                    toHost = Array(buffer[0..<count])
                    progressed = true
                } else if count == 0, libssh2_channel_eof(channel) != 0 {
                    break  // the host behind the jump hung up
                } else if count < 0, count != Int(LIBSSH2_ERROR_EAGAIN) {
                    break
                }
            }
            if !toHost.isEmpty {
                let sent = toHost.withUnsafeBytes { send(pumpEnd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
                if sent > 0 {
                    toHost.removeFirst(sent)
                    progressed = true
                } else if errno != EAGAIN && errno != EINTR {
                    break
                }
            }
            if progressed { continue }
            let directions = libssh2_session_block_directions(jump.handle)
            var fds = [
                pollfd(fd: pumpEnd, events: Int16((toChannel.isEmpty ? POLLIN : 0) | (toHost.isEmpty ? 0 : POLLOUT)), revents: 0),
                pollfd(fd: jump.descriptor, events: Int16(POLLIN | (directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 ? POLLOUT : 0)),
                       revents: 0),
            ]
            _ = poll(&fds, 2, 100)
        }
        // Whatever ended the relay, the host's session sees its socket close.
        shutdown(pumpEnd, Int32(SHUT_RDWR))
    }
}
