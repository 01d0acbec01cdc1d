import Foundation

/// A TCP listener on 127.0.0.1 for faults a real sshd will not produce on demand:
/// a server that accepts and then says nothing, and a connection cut mid-transfer.
///
/// Tests run in parallel in one process, so a socket number closed here is soon another
/// test's socket. Every socket a thread uses is therefore closed by that thread alone, once
/// it is done with it; releasing the listener only shuts such sockets down (which ends the
/// thread's blocking call). Closing them from here used to let a relay thread still blocked
/// in `recv` later shut down, or write into, whatever connection had got the number since:
/// another test's SSH session then saw its connection dropped.
package final class LoopbackListener: @unchecked Sendable {
    package let port: Int
    private let descriptor: Int32
    private let sockets = Sockets()
    private let lock = NSLock()
    private var serving = false
    private var relayed = 0

    /// Bytes relayed from the target to clients so far, over every connection (see `relay`).
    package var bytesFromTarget: Int {
        lock.lock()
        defer { lock.unlock() }
        return relayed
    }

    package init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SSHTestTools.Failure("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 64) == 0 else {
            close(descriptor)
            throw SSHTestTools.Failure("bind/listen: \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        sockets.stop()
        lock.lock()
        let accepting = serving
        lock.unlock()
        // The accepting thread closes the listening socket itself once `accept` fails.
        if accepting { shutdown(descriptor, Int32(SHUT_RDWR)) } else { close(descriptor) }
    }

    /// Accepts every connection and holds it open without sending a byte, until released.
    package func acceptAndStaySilent() {
        let sockets = sockets
        serve { client in sockets.hold(client) }
    }

    /// Accepts every connection and sends it `chunk` again and again, every `interval` seconds
    /// (or as fast as it is read), until the client goes away or the listener is released: a
    /// banner flood, or a trickle that never lets a read wait long enough to time out.
    package func acceptAndFlood(with chunk: [UInt8], every interval: Double? = nil) {
        let sockets = sockets
        serve { client in
            guard sockets.adopt(client) else { return }
            Thread.detachNewThread {
                while Self.sendAll(chunk[...], to: client) {
                    if let interval { usleep(UInt32(interval * 1_000_000)) }
                }
                sockets.close(client)
            }
        }
    }

    /// Relays connections to 127.0.0.1:`target`, cutting both sides once `bytes` bytes
    /// have come back from the target: a connection dropped in the middle of a transfer.
    /// With `bytesPerSecond`, what comes back is slowed to that rate: a slow link.
    package func relay(to target: Int, cuttingAfter bytes: Int, bytesPerSecond: Int? = nil) {
        let sockets = sockets
        serve { [weak self] client in
            guard let server = Self.connect(port: target) else {
                close(client)
                return
            }
            guard sockets.adopt(client) else {
                close(server)
                return
            }
            guard sockets.adopt(server) else {
                sockets.close(client)
                return
            }
            // Whichever direction ends first cuts both; the second to end closes both.
            let ends = Sockets.Pair(client, server, in: sockets)
            Thread.detachNewThread {
                Self.pump(from: client, to: server, limit: nil, cut: ends.cut)
                ends.finish()
            }
            Thread.detachNewThread { [weak self] in
                Self.pump(from: server, to: client, limit: bytes, rate: bytesPerSecond, cut: ends.cut) { count in self?.count(count) }
                ends.finish()
            }
        }
    }

    private func serve(_ handle: @escaping @Sendable (Int32) -> Void) {
        lock.lock()
        serving = true
        lock.unlock()
        let descriptor = descriptor
        Thread.detachNewThread {
            while true {
                let client = accept(descriptor, nil, nil)
                if client < 0 {
                    // Only a listener shut down by release ends the loop, not a signal or an aborted connection.
                    if errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE { usleep(1000); continue }
                    close(descriptor)
                    return
                }
                // Not inherited by the programs other tests start (Glibc does not export accept4).
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                handle(client)
            }
        }
    }

    private func count(_ bytes: Int) {
        lock.lock()
        relayed += bytes
        lock.unlock()
    }

    /// Sends all of `bytes`, through short sends and signals; false once the peer is gone.
    private static func sendAll(_ bytes: ArraySlice<UInt8>, to destination: Int32) -> Bool {
        var rest = bytes
        while !rest.isEmpty {
            let sent = rest.withUnsafeBytes { send(destination, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0, errno == EINTR { continue }
            if sent <= 0 { return false }
            rest = rest.dropFirst(sent)
        }
        return true
    }

    private static func pump(from source: Int32, to destination: Int32, limit: Int?, rate: Int? = nil, cut: () -> Void,
                             relayed: (Int) -> Void = { _ in }) {
        // At a rate, a hundredth of a second's worth at a time.
        var buffer = [UInt8](repeating: 0, count: rate.map { max(1, $0 / 100) } ?? 16_384)
        var total = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            var chunk = count
            if let limit, total + count > limit { chunk = limit - total }
            if chunk > 0, !sendAll(buffer[0..<chunk], to: destination) { break }
            total += chunk
            relayed(chunk)
            if rate != nil { usleep(10_000) }
            if let limit, total >= limit { break }
        }
        cut()
    }

    static func connect(port: Int) -> Int32? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if connected == 0 { return descriptor }
        close(descriptor)
        return nil
    }

    static func canConnect(port: Int) -> Bool {
        guard let descriptor = connect(port: port) else { return false }
        close(descriptor)
        return true
    }
}

/// The sockets a listener's threads use. A socket is closed once, by `close`, and only
/// shut down by `stop` while it is open, both under one lock: no call here ever reaches a
/// socket number after it was closed.
private final class Sockets: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var open: Set<Int32> = []
    /// Sockets no thread uses (silent connections): `stop` closes them.
    private var held: [Int32] = []

    /// Takes `socket` into the set a thread will use and close; closes it and says false once stopped.
    func adopt(_ socket: Int32) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if stopped {
            Foundation.close(socket)
            return false
        }
        open.insert(socket)
        return true
    }

    /// Keeps `socket` open, untouched, until `stop`.
    func hold(_ socket: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if stopped { Foundation.close(socket) } else { held.append(socket) }
    }

    /// Shuts `socket` down if it is still open.
    func shutdown(_ socket: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if open.contains(socket) { _ = Foundation.shutdown(socket, Int32(SHUT_RDWR)) }
    }

    /// Closes `socket`, which the calling thread owns.
    func close(_ socket: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if open.remove(socket) != nil { Foundation.close(socket) }
    }

    /// Shuts down every socket a thread still uses (the thread then closes it) and closes the held ones.
    func stop() {
        lock.lock()
        defer { lock.unlock() }
        stopped = true
        for socket in open { _ = Foundation.shutdown(socket, Int32(SHUT_RDWR)) }
        for socket in held { Foundation.close(socket) }
        held = []
    }

    /// The two sockets of one relayed connection and its two pumping threads.
    final class Pair: @unchecked Sendable {
        private let client: Int32, server: Int32
        private let sockets: Sockets
        private let lock = NSLock()
        private var running = 2

        init(_ client: Int32, _ server: Int32, in sockets: Sockets) {
            self.client = client
            self.server = server
            self.sockets = sockets
        }

        /// Cuts both directions (the other thread's blocking call ends).
        func cut() {
            sockets.shutdown(client)
            sockets.shutdown(server)
        }

        /// Called by each thread as it ends: the second closes both sockets.
        func finish() {
            lock.lock()
            running -= 1
            let last = running == 0
            lock.unlock()
            if last {
                sockets.close(client)
                sockets.close(server)
            }
        }
    }
}
