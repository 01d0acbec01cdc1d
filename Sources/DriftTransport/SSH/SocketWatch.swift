internal import CLibSSH2
import Foundation

/// The socket under one libssh2 session, read and written through callbacks that check every
/// call against the end of the current operation and, until the server's SSH version line,
/// OpenSSH's limits on what may come before it.
///
/// libssh2's own timeout bounds only *waiting* for the socket: a server that keeps sending
/// kept a blocking call going for ever (issue 19: an endless banner held the audit at 100 %
/// CPU past `timeout:` and `--host-timeout`, since libssh2 1.10 reads banner lines one byte at
/// a time and skips any number of them). Here a call that outlives its operation fails at
/// its next read or write, and a banner flood fails as OpenSSH's client fails it.
final class SocketWatch {
    enum Refusal: Equatable {
        /// The operation's time ran out while the server was still sending (or taking our bytes).
        case timedOut
        /// The server broke a banner limit; the text says which.
        case banner(String)
    }

    /// Why the last failing read or write was refused, for the session's error.
    private(set) var refusal: Refusal?
    /// Uptime nanoseconds at which the current operation's time runs out.
    private var end: UInt64 = .max
    private var banner = BannerLimit()

    /// The current operation may take `seconds` from now.
    func operationEnds(in seconds: Double) {
        end = DispatchTime.now().uptimeNanoseconds &+ UInt64(max(0, seconds) * 1e9)
        if refusal == .timedOut { refusal = nil }
    }

    /// The pointer libssh2 hands back to the callbacks as the session's "abstract".
    var abstract: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// Installs the callbacks on `session`, whose abstract must be this watch's `abstract`.
    static func install(on session: OpaquePointer) {
        stackdrift_ssh2_set_socket_functions(session, socketReceive, socketSend)
    }

    fileprivate func receive(_ socket: Int32, _ buffer: UnsafeMutableRawPointer?, _ length: Int, _ flags: Int32) -> Int {
        if let refusal, refusal != .timedOut { return -Int(EPROTO) }
        guard DispatchTime.now().uptimeNanoseconds <= end else {
            refusal = .timedOut
            return -Int(ETIMEDOUT)
        }
        let count = recv(socket, buffer, length, flags)
        if count < 0 { return -Int(errno) }
        if count > 0, !banner.isComplete, let buffer,
           let problem = banner.feed(UnsafeRawBufferPointer(start: buffer, count: count)) {
            refusal = .banner(problem)
            return -Int(EPROTO)
        }
        return count
    }

    fileprivate func send(_ socket: Int32, _ buffer: UnsafeRawPointer?, _ length: Int, _ flags: Int32) -> Int {
        if let refusal, refusal != .timedOut { return -Int(EPROTO) }
        guard DispatchTime.now().uptimeNanoseconds <= end else {
            refusal = .timedOut
            return -Int(ETIMEDOUT)
        }
        let count = Foundation.send(socket, buffer, length, flags | Int32(MSG_NOSIGNAL))
        return count < 0 ? -Int(errno) : count
    }
}

private let socketReceive: stackdrift_ssh2_recv_function = { socket, buffer, length, flags, abstract in
    guard let watch = abstract?.pointee else { return -Int(EINVAL) }
    return Unmanaged<SocketWatch>.fromOpaque(watch).takeUnretainedValue().receive(socket, buffer, length, flags)
}

private let socketSend: stackdrift_ssh2_send_function = { socket, buffer, length, flags, abstract in
    guard let watch = abstract?.pointee else { return -Int(EINVAL) }
    return Unmanaged<SocketWatch>.fromOpaque(watch).takeUnretainedValue().send(socket, buffer, length, flags)
}

/// OpenSSH's limits on what a server may send before its version line (`kex.c`,
/// `kex_exchange_identification`): at most 1024 other lines, none longer than 8192 bytes, no
/// NUL, and a carriage return only before a line feed.
struct BannerLimit {
    static let maximumLines = 1024
    static let maximumLineLength = 8192

    private(set) var isComplete = false
    private var lines = 0
    private var length = 0
    private var start: [UInt8] = []
    private var expectLineFeed = false

    /// Takes the next bytes from the server; the problem when they break a limit.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) -> String? {
        for byte in bytes where !isComplete {
            switch byte {
            case UInt8(ascii: "\r"):
                expectLineFeed = true
            case UInt8(ascii: "\n"):
                if length > 4, start == Array("SSH-".utf8) {
                    isComplete = true
                    continue
                }
                lines += 1
                length = 0
                start = []
                expectLineFeed = false
                if lines >= Self.maximumLines {
                    return "the server sent \(Self.maximumLines) lines without an SSH version line (a banner flood?)"
                }
            default:
                if byte == 0 || expectLineFeed { return "the server's banner contains invalid characters" }
                length += 1
                if start.count < 4 { start.append(byte) }
                if length > Self.maximumLineLength {
                    return "the server sent a banner line longer than \(Self.maximumLineLength) bytes (banner line too long)"
                }
            }
        }
        return nil
    }
}
