import CLinux
import DriftCore
import Foundation
import Synchronization

/// Reads a host's files from a directory tree standing in for its `/` (`root:` in the inventory).
///
/// Symbolic links are resolved inside the tree as if it were the root file system (Debian's
/// `/etc/mysql/my.cnf` is a link to `/etc/alternatives/my.cnf`), so an absolute link never
/// escapes to the auditing machine's own files. The tree may be changing while it is read (a
/// copy being synced, or someone racing the audit): the kernel resolves the directories with
/// `openat2(RESOLVE_IN_ROOT)`, which treats the tree's root as `/` for every link and `..`,
/// and the last component is looked at and opened with `O_NOFOLLOW`; where that cannot decide
/// (a link as last component, an error, a kernel without openat2) every component is opened
/// with `openat` and `O_NOFOLLOW` relative to the directory opened before it. Either way a
/// link swapped in mid-read is resolved inside the tree, never outside it.
/// Only regular files are read, opened non-blocking: a FIFO or a device in the tree is
/// refused, never waited on.
package struct LocalTransport: Transport {
    package init() {}

    package func connect(to host: InventoryHost) throws(TransportError) -> any TransportSession {
        guard let root = host.connection.root else {
            throw TransportError(.unsupported, host: host.name, "local transport needs 'root' in the inventory")
        }
        let descriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw TransportError(.rootMissing, host: host.name, "local tree '\(root)' does not exist or is not a directory")
        }
        return LocalSession(host: host.name, root: descriptor)
    }
}

final class LocalSession: TransportSession {
    let host: String
    /// The tree's root directory, open for the session: every path is resolved from it.
    private var root: Int32

    init(host: String, root: Int32) {
        self.host = host
        self.root = root
    }

    deinit { close() }

    func read(_ path: String, limit: Int) -> FileRead {
        let descriptor: Int32
        switch openDirectly(path) ?? open(path, directory: false).map(\.descriptor) {
        case .success(let opened): descriptor = opened
        case .failure(.missing): return .missing
        case .failure(.failed(let error)): return .failed(error)
        }
        defer { _ = Foundation.close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failed(posixError(errno, path: path)) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return .directory(path, host: host)
        default: return .failed(TransportError.notRegular(info.st_mode, path: path, host: host))
        }
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
        let descriptor: Int32
        switch open(directory, directory: true) {
        case .success(let opened): descriptor = opened.descriptor
        case .failure(.missing): return .missing
        case .failure(.failed(let error)): return .failed(error)
        }
        guard let stream = fdopendir(descriptor) else {
            let code = errno
            _ = Foundation.close(descriptor)
            return .failed(posixError(code, path: directory))
        }
        defer { closedir(stream) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { return .failed(posixError(errno, path: directory)) }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return .entries(names)
    }

    /// The walk `read` makes, stopped before reading: where the path leads inside the tree.
    func resolve(_ path: String) -> PathResolution {
        switch open(path, directory: false) {
        case .success(let opened):
            _ = Foundation.close(opened.descriptor)
            return .resolved(opened.resolved)
        case .failure(.missing): return .missing
        case .failure(.failed(let error)): return .failed(error)
        }
    }

    func close() {
        if root >= 0 { _ = Foundation.close(root) }
        root = -1
    }

    private enum WalkFailure: Error {
        case missing
        case failed(TransportError)
    }

    /// Whether openat2 may be tried: cleared for the process once the kernel (or a seccomp
    /// filter) answers ENOSYS.
    private static let kernelOpensInRoot = Atomic<Bool>(true)

    /// `open(path, directory: false)` in three system calls instead of three per component:
    /// the kernel walks the directories inside the tree (`stackdrift_open_directory_in_root`), then the
    /// last component is looked at and opened as the walk does, only when a regular file.
    /// `nil` when the walk must decide: a `.` or `..` component, a last component that is not a
    /// regular file (a link, a directory, a FIFO), any error other than "no such file", a
    /// kernel without openat2.
    private func openDirectly(_ path: String) -> Result<Int32, WalkFailure>? {
        guard root >= 0, Self.kernelOpensInRoot.load(ordering: .relaxed) else { return nil }
        if case .failed = FileRead.rejecting(path, host: host) { return nil }
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let last = components.last.map(String.init), !components.contains(where: { $0 == "." || $0 == ".." }) else {
            return nil
        }
        var parent = root
        if components.count > 1 {
            parent = stackdrift_open_directory_in_root(root, components.dropLast().joined(separator: "/"))
            guard parent >= 0 else {
                let code = errno
                if code == ENOSYS { Self.kernelOpensInRoot.store(false, ordering: .relaxed) }
                return code == ENOENT || code == ENOTDIR ? .failure(.missing) : nil
            }
        }
        defer { if parent != root { _ = Foundation.close(parent) } }
        switch Self.lookAndOpen(last, in: parent, opening: { $0 == S_IFREG }) {
        case .absent(let code): return code == ENOENT || code == ENOTDIR ? .failure(.missing) : nil
        case .opened(let descriptor): return .success(descriptor)
        // Not a regular file, or swapped for something else since it was looked at: the walk decides.
        case .notOpened, .openFailed: return nil
        }
    }

    /// One component as a walk's step finds it.
    private enum Component {
        /// `fstatat` failed with this errno.
        case absent(Int32)
        /// Looked at, and not to be opened.
        case notOpened(stat)
        case opened(Int32)
        /// To be opened, but `openat` failed with this errno: swapped since it was looked at, or refused.
        case openFailed(Int32)
    }

    /// The step both walks take: `name` in `parent` looked at without following a link, then
    /// opened, with `O_NOFOLLOW` and non-blocking, only when `opening` says so of its type (a
    /// device or FIFO is never opened; one swapped in meanwhile does not block the open).
    private static func lookAndOpen(_ name: String, in parent: Int32, opening: (mode_t) -> Bool) -> Component {
        var info = stat()
        guard fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return .absent(errno) }
        let type = info.st_mode & S_IFMT
        guard opening(type) else { return .notOpened(info) }
        let descriptor = openat(parent, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | (type == S_IFDIR ? O_DIRECTORY : 0))
        return descriptor >= 0 ? .opened(descriptor) : .openFailed(errno)
    }

    /// Opens `path` inside the tree, one component at a time from the root's descriptor, each
    /// with `O_NOFOLLOW`; a symbolic link met on the way is read and its target walked instead,
    /// from the root when absolute. `..` never climbs above the root. The final component is
    /// opened only when it is a regular file (or, for `directory`, a directory), non-blocking.
    /// Also gives the path the walk ended at, links resolved, as seen from the tree's root.
    private func open(_ path: String, directory: Bool) -> Result<(descriptor: Int32, resolved: String), WalkFailure> {
        guard root >= 0 else { return .failure(.failed(TransportError(.io, host: host, path: path, "session is closed"))) }
        if case .failed(let error) = FileRead.rejecting(path, host: host) { return .failure(.failed(error)) }
        var pending = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        // The directories walked so far below the root, each open; closed as the walk climbs or ends.
        var directories: [Int32] = []
        // The names of `directories`, from the root: the resolved path so far.
        var names: [String] = []
        defer { directories.forEach { _ = Foundation.close($0) } }
        var links = 0
        while !pending.isEmpty {
            let name = pending.removeFirst()
            if name == "." { continue }
            if name == ".." {
                if let last = directories.popLast() { _ = Foundation.close(last) }
                _ = names.popLast()
                continue
            }
            let parent = directories.last ?? root
            let isLast = pending.isEmpty
            // Directories on the way; at the end a regular file, or a directory when one is asked for or found.
            let opens: (mode_t) -> Bool = { type in
                !isLast || directory ? type == S_IFDIR : type == S_IFREG || type == S_IFDIR
            }
            let descriptor: Int32
            switch Self.lookAndOpen(name, in: parent, opening: opens) {
            case .absent(let code):
                return code == ENOENT || code == ENOTDIR ? .failure(.missing) : .failure(.failed(posixError(code, path: path)))
            case .notOpened(let info) where info.st_mode & S_IFMT == S_IFLNK:
                links += 1
                guard links <= 40, let target = Self.readLink(parent, name) else {
                    if links > 40 { return .failure(.failed(TransportError(.io, host: host, path: path, "too many levels of symbolic links"))) }
                    pending.insert(name, at: 0)  // no longer a link (swapped meanwhile): look again
                    continue
                }
                if target.hasPrefix("/") {
                    directories.forEach { _ = Foundation.close($0) }
                    directories = []
                    names = []
                }
                pending = target.split(separator: "/", omittingEmptySubsequences: true).map(String.init) + pending
                continue
            case .notOpened(let info):
                // As over SFTP, whose servers answer "no such file" (ENOTDIR) for a path below a file.
                if !isLast || directory { return .failure(.missing) }
                return .failure(.failed(TransportError.notRegular(info.st_mode, path: path, host: host)))
            case .openFailed(let code):
                // Swapped for a link (or another kind of file) since it was looked at: look again.
                if code == ELOOP || code == ENOTDIR || code == ENXIO {
                    links += 1
                    if links > 40 { return .failure(.failed(TransportError(.io, host: host, path: path, "too many levels of symbolic links"))) }
                    pending.insert(name, at: 0)
                    continue
                }
                return code == ENOENT ? .failure(.missing) : .failure(.failed(posixError(code, path: path)))
            case .opened(let opened):
                descriptor = opened
            }
            if isLast { return .success((descriptor, "/" + (names + [name]).joined(separator: "/"))) }
            directories.append(descriptor)
            names.append(name)
        }
        // The path named the root itself, or ended in `..` or a link to a directory.
        let descriptor = openat(directories.last ?? root, ".", O_RDONLY | O_CLOEXEC | O_DIRECTORY)
        guard descriptor >= 0 else { return .failure(.failed(posixError(errno, path: path))) }
        return .success((descriptor, "/" + names.joined(separator: "/")))
    }

    private static func readLink(_ directory: Int32, _ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlinkat(directory, name, &buffer, buffer.count - 1)
        guard length >= 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func posixError(_ code: Int32, path: String) -> TransportError {
        let reason = String(cString: strerror(code))
        switch code {
        case EACCES, EPERM: return TransportError(.permissionDenied, host: host, path: path, "permission denied")
        default: return TransportError(.io, host: host, path: path, reason.lowercased())
        }
    }
}
