import Foundation

/// A connected TCP socket, closed when released.
///
/// Connecting is done here rather than by libssh2 so that each failure gets its
/// own kind (the name does not resolve, nothing listens, nothing answers) and so
/// that the connect timeout is ours, not the kernel's two minutes.
final class TCPSocket {
    let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { _ = Foundation.close(descriptor) }

    /// Resolves `address` and connects to the first of its addresses that accepts,
    /// waiting at most `timeout` seconds for each.
    static func connect(to address: String, port: Int, timeout: Double, host: String) throws(TransportError) -> TCPSocket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = status == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(status))
            throw TransportError(.resolve, host: host, "cannot resolve '\(address)': \(reason.lowercased())")
        }
        defer { freeaddrinfo(list) }

        var lastError: TransportError?
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            do {
                return try attempt(info.pointee, address: address, port: port, timeout: timeout, host: host)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TransportError(.resolve, host: host, "'\(address)' resolves to no address")
    }

    private static func attempt(_ info: addrinfo, address: String, port: Int, timeout: Double,
                                host: String) throws(TransportError) -> TCPSocket {
        let descriptor = socket(info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue),
                                info.ai_protocol)
        guard descriptor >= 0 else {
            throw TransportError(.io, host: host, "cannot create a socket: \(String(cString: strerror(errno)).lowercased())")
        }
        let socket = TCPSocket(descriptor: descriptor)
        let place = "'\(address)' port \(port)"
        if Foundation.connect(descriptor, info.ai_addr, info.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else { throw connectError(errno, place: place, host: host) }
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&poller, 1, Int32(max(1, (timeout * 1000).rounded(.up))))
            if ready == 0 {
                throw TransportError(.timeout, host: host, "connecting to \(place) timed out after \(seconds(timeout))")
            }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if ready < 0 { code = errno } else { getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &code, &length) }
            if code != 0 { throw connectError(code, place: place, host: host) }
        }
        // Nagle's algorithm against the server's delayed ACK costs about 50 ms on the first
        // channel of every session; libssh2 writes whole packets, so there is nothing to coalesce.
        var on: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_QUICKACK, &on, socklen_t(MemoryLayout<Int32>.size))
        return socket
    }

    private static func connectError(_ code: Int32, place: String, host: String) -> TransportError {
        switch code {
        case ECONNREFUSED:
            return TransportError(.refused, host: host, "connection to \(place) refused (is sshd running on that port?)")
        case ETIMEDOUT:
            return TransportError(.timeout, host: host, "connecting to \(place) timed out")
        default:
            return TransportError(.io, host: host, "cannot connect to \(place): \(String(cString: strerror(code)).lowercased())")
        }
    }
}

/// "5 s", "0.5 s": a duration in messages.
func seconds(_ value: Double) -> String {
    value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
}
