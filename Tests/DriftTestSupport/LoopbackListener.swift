import Foundation

/// A TCP listener on 127.0.0.1 for faults a real sshd will not produce on demand:
/// a server that accepts and then says nothing, and a connection cut mid-transfer.
package final class LoopbackListener: @unchecked Sendable {
    package let port: Int
    private let descriptor: Int32
    private let lock = NSLock()
    private var connections: [Int32] = []
    private var floods: [Int32] = []
    private var stopped = false
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
        lock.lock()
        stopped = true
        let open = connections, flooding = floods
        lock.unlock()
        for connection in open { close(connection) }
        for connection in flooding { shutdown(connection, Int32(SHUT_RDWR)) }
        shutdown(descriptor, Int32(SHUT_RDWR))
        close(descriptor)
    }

    /// Accepts every connection and holds it open without sending a byte, until released.
    package func acceptAndStaySilent() {
        serve { [weak self] client in self?.keep(client) }
    }

    /// Accepts every connection and sends it `chunk` again and again, every `interval` seconds
    /// (or as fast as it is read), until the client goes away or the listener is released: a
    /// banner flood, or a trickle that never lets a read wait long enough to time out.
    package func acceptAndFlood(with chunk: [UInt8], every interval: Double? = nil) {
        serve { [weak self] client in
            guard let self else { close(client); return }
            lock.lock()
            if stopped {
                lock.unlock()
                close(client)
                return
            }
            floods.append(client)
            lock.unlock()
            // The sending thread owns the descriptor: release only shuts it down, so a closed
            // number is never written to after the system hands it out again.
            Thread.detachNewThread {
                while chunk.withUnsafeBytes({ send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) > 0 {
                    if let interval { usleep(UInt32(interval * 1_000_000)) }
                }
                close(client)
            }
        }
    }

    /// Relays connections to 127.0.0.1:`target`, cutting both sides once `bytes` bytes
    /// have come back from the target: a connection dropped in the middle of a transfer.
    /// With `bytesPerSecond`, what comes back is slowed to that rate: a slow link.
    package func relay(to target: Int, cuttingAfter bytes: Int, bytesPerSecond: Int? = nil) {
        serve { [weak self] client in
            guard let self, let server = Self.connect(port: target) else { close(client); return }
            keep(client)
            keep(server)
            let cut: @Sendable () -> Void = { shutdown(client, Int32(SHUT_RDWR)); shutdown(server, Int32(SHUT_RDWR)) }
            Thread.detachNewThread { Self.pump(from: client, to: server, limit: nil, cut: cut) }
            Thread.detachNewThread { [weak self] in
                Self.pump(from: server, to: client, limit: bytes, rate: bytesPerSecond, cut: cut) { count in self?.count(count) }
            }
        }
    }

    private func serve(_ handle: @escaping @Sendable (Int32) -> Void) {
        let descriptor = descriptor
        Thread.detachNewThread {
            while true {
                let client = accept(descriptor, nil, nil)
                if client < 0 {
                    // Only a listener shut down by release ends the loop, not a signal or an aborted connection.
                    if errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE { usleep(1000); continue }
                    return
                }
                handle(client)
            }
        }
    }

    private func keep(_ connection: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if stopped { close(connection) } else { connections.append(connection) }
    }

    private func count(_ bytes: Int) {
        lock.lock()
        relayed += bytes
        lock.unlock()
    }

    private static func pump(from source: Int32, to destination: Int32, limit: Int?, rate: Int? = nil, cut: () -> Void,
                             relayed: (Int) -> Void = { _ in }) {
        // At a rate, a hundredth of a second's worth at a time.
        var buffer = [UInt8](repeating: 0, count: rate.map { max(1, $0 / 100) } ?? 16_384)
        var total = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            var chunk = count
            if let limit, total + count > limit { chunk = limit - total }
            if chunk > 0, buffer.withUnsafeBytes({ send(destination, $0.baseAddress, chunk, Int32(MSG_NOSIGNAL)) }) < 0 { break }
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
