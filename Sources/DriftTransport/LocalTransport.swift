import DriftCore
import Foundation

/// Reads a host's files from a directory tree standing in for its `/` (`root:` in the inventory).
///
/// Symbolic links are resolved inside the tree as if it were the root file
/// system (Debian's `/etc/mysql/my.cnf` is a link to `/etc/alternatives/my.cnf`),
/// so an absolute link never escapes to the auditing machine's own files.
public struct LocalTransport: Transport {
    public init() {}

    public func connect(to host: InventoryHost) throws(TransportError) -> any TransportSession {
        guard let root = host.connection.root else {
            throw TransportError(.unsupported, host: host.name, "local transport needs 'root' in the inventory")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TransportError(.rootMissing, host: host.name, "local tree '\(root)' does not exist or is not a directory")
        }
        return LocalSession(host: host.name, root: root)
    }
}

final class LocalSession: TransportSession {
    let host: String
    let root: String
    private var closed = false

    init(host: String, root: String) {
        self.host = host
        self.root = root
    }

    func read(_ path: String, limit: Int) -> FileRead {
        guard !closed else { return .failed(TransportError(.io, host: host, path: path, "session is closed")) }
        let resolved: String
        switch resolve(path) {
        case .success(let real): resolved = real
        case .failure(let error): return .failed(error)
        }
        var info = stat()
        guard stat(resolved, &info) == 0 else {
            return errno == ENOENT || errno == ENOTDIR ? .missing : .failed(posixError(errno, path: path))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR { return .directory(path, host: host) }
        let descriptor = open(resolved, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failed(posixError(errno, path: path)) }
        defer { _ = Foundation.close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failed(posixError(errno, path: path))
            }
            if count == 0 { break }
            bytes += buffer[0..<count]
            if bytes.count > limit { return .tooLarge(path, host: host, limit: limit) }
        }
        return .content(bytes)
    }

    func list(_ directory: String) -> DirectoryListing {
        guard !closed else { return .failed(TransportError(.io, host: host, path: directory, "session is closed")) }
        let resolved: String
        switch resolve(directory) {
        case .success(let real): resolved = real
        case .failure(let error): return .failed(error)
        }
        var info = stat()
        guard stat(resolved, &info) == 0 else {
            return errno == ENOENT || errno == ENOTDIR ? .missing : .failed(posixError(errno, path: directory))
        }
        // As over SFTP, whose servers answer "no such file" (ENOTDIR) for a file opened as a directory.
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return .missing }
        do {
            return .entries(try FileManager.default.contentsOfDirectory(atPath: resolved))
        } catch {
            return .failed(posixError(EACCES, path: directory))
        }
    }

    func close() { closed = true }

    /// Resolves `path` inside the tree, following symbolic links relative to the tree's root.
    private func resolve(_ path: String) -> Result<String, TransportError> {
        if case .failed(let error) = FileRead.rejecting(path, host: host) { return .failure(error) }
        var pending = path.split(separator: "/").map(String.init)
        var resolved: [String] = []
        var hops = 0
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let candidate = root + "/" + (resolved + [component]).joined(separator: "/")
            var info = stat()
            if lstat(candidate, &info) != 0 {
                // Missing components are reported by the final stat as a missing file.
                resolved.append(component)
                resolved += pending
                break
            }
            if (info.st_mode & S_IFMT) == S_IFLNK {
                hops += 1
                guard hops <= 40, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: candidate) else {
                    return .failure(TransportError(.io, host: host, path: path, "too many levels of symbolic links"))
                }
                let targetComponents = target.split(separator: "/").map(String.init)
                if target.hasPrefix("/") { resolved = [] }
                pending = targetComponents + pending
            } else {
                resolved.append(component)
            }
        }
        return .success(root + "/" + resolved.joined(separator: "/"))
    }

    private func posixError(_ code: Int32, path: String) -> TransportError {
        let reason = String(cString: strerror(code))
        switch code {
        case EACCES, EPERM: return TransportError(.permissionDenied, host: host, path: path, "permission denied")
        default: return TransportError(.io, host: host, path: path, reason.lowercased())
        }
    }
}
