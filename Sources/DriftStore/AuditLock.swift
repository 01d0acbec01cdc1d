import Foundation

/// The lock that keeps two audits (or an audit and `prune`) from writing one database at
/// once: an exclusive `flock` on `<db>.lock`. The kernel drops it when the process ends,
/// however it ends, so a killed audit never leaves a stale lock behind.
package final class AuditLock {
    private let descriptor: Int32
    package let path: String

    /// Takes the lock, waiting up to `wait` seconds for the audit holding it; `onWait` is told
    /// once who holds it. Throws `busy` naming the holder when the wait runs out.
    package init(database: String, wait: Double, onWait: (String) -> Void = { _ in }) throws {
        path = database + ".lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(.open, path: database, operation: "opening the lock file \(path)", String(cString: strerror(errno)))
        }
        let deadline = Date().addingTimeInterval(max(0, wait))
        var told = false
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let message = String(cString: strerror(errno))
                close(descriptor)
                throw StoreError(.open, path: database, operation: "locking \(path)", message)
            }
            let holder = Self.holder(descriptor)
            if Date() >= deadline {
                close(descriptor)
                throw StoreError(.busy, path: database, operation: "waiting for another audit",
                                 "another audit (\(holder)) is using this database; waited \(Int(wait)) s "
                                 + "(raise --lock-timeout, or run the audits one after the other)")
            }
            if !told {
                onWait("waiting for another audit (\(holder)) to finish with \(database)")
                told = true
            }
            usleep(100_000)
        }
        let note = "pid \(getpid()) since \(Date().formatted(.iso8601))\n"
        ftruncate(descriptor, 0)
        _ = note.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// What the holder wrote into the lock file ("pid 123 since …").
    private static func holder(_ descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        let text = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
        return text.isEmpty ? "a process starting up" : text
    }

    /// Whether an audit holds the lock of `database` right now.
    package static func isHeld(database: String) -> Bool {
        let descriptor = open(database + ".lock", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return true
    }
}
