internal import CLibSSH2

/// An SFTP session over a libssh2 session (`LIBSSH2_SFTP`), shut down when released.
final class SFTPSession {
    private let handle: OpaquePointer
    private let session: LibSSH2Session

    init(session: LibSSH2Session) throws(TransportError) {
        try session.arm("starting the SFTP subsystem")
        guard let handle = libssh2_sftp_init(session.handle) else {
            throw session.failure("starting the SFTP subsystem (is 'Subsystem sftp' configured in sshd?)")
        }
        self.handle = handle
        self.session = session
    }

    deinit { _ = libssh2_sftp_shutdown(handle) }

    /// What `path` is, following links, asked without opening it: `nil` for a regular file,
    /// else the outcome to report (missing, a directory, a FIFO or device refused, or the
    /// server's error). Opening a FIFO would block sftp-server (and `cat`) until a writer came,
    /// leaving it behind on the node after the audit gave up.
    func refusal(beforeReading path: String) -> FileRead? {
        do {
            try session.arm(path: path, "looking at '\(path)' over SFTP")
            var attributes = LIBSSH2_SFTP_ATTRIBUTES()
            let code = libssh2_sftp_stat_ex(handle, path, UInt32(path.utf8.count), LIBSSH2_SFTP_STAT, &attributes)
            if code < 0 { return try statusOutcome(path, "looking at '\(path)' over SFTP") }
            guard attributes.flags & UInt(LIBSSH2_SFTP_ATTR_PERMISSIONS) != 0 else { return nil }
            let mode = attributes.permissions
            switch mode & UInt(LIBSSH2_SFTP_S_IFMT) {
            case UInt(LIBSSH2_SFTP_S_IFREG): return nil
            case UInt(LIBSSH2_SFTP_S_IFDIR): return .directory(path, host: session.host)
            default: return .failed(TransportError.notRegular(mode_t(truncatingIfNeeded: mode), path: path, host: session.host))
            }
        } catch {
            return .failed(error)
        }
    }

    /// Reads `path` to its end, once the server has said it is a regular file. The size the
    /// server reports is never trusted: procfs files (`/proc/cpuinfo`) report 0 and servers
    /// may answer a read short.
    func read(_ path: String, limit: Int) -> FileRead {
        if let refused = refusal(beforeReading: path) { return refused }
        do {
            try session.arm(path: path, "opening '\(path)' over SFTP")
            guard let opened = libssh2_sftp_open_ex(handle, path, UInt32(path.utf8.count), UInt(LIBSSH2_FXF_READ), 0,
                                                    LIBSSH2_SFTP_OPENFILE) else {
                return try statusOutcome(path, "opening '\(path)' over SFTP")
            }
            let file = SFTPFile(handle: opened, session: session)
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 32_768)
            while true {
                try session.arm(path: path, "reading '\(path)' over SFTP")
                let count = buffer.withUnsafeMutableBytes { raw in
                    libssh2_sftp_read(opened, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
                }
                if count == 0 { break }
                if count < 0 {
                    let outcome = try statusOutcome(path, "reading '\(path)' over SFTP")
                    // Linux lets a directory be opened; reading it fails, and only fstat says why.
                    if libssh2_sftp_last_error(handle) == LIBSSH2_FX_FAILURE, file.isDirectory() {
                        return .directory(path, host: session.host)
                    }
                    return outcome
                }
                bytes += buffer[0..<count]
                if bytes.count > limit { return .tooLarge(path, host: session.host, limit: limit) }
            }
            try file.close(path)
            return .content(bytes)
        } catch {
            return .failed(error)
        }
    }

    /// Lists `directory`'s entry names, without `.` and `..`.
    func list(_ directory: String) -> DirectoryListing {
        do {
            try session.arm(path: directory, "opening directory '\(directory)' over SFTP")
            guard let opened = libssh2_sftp_open_ex(handle, directory, UInt32(directory.utf8.count), 0, 0,
                                                    LIBSSH2_SFTP_OPENDIR) else {
                return DirectoryListing(failed: try statusOutcome(directory, "opening directory '\(directory)' over SFTP"),
                                        directory: directory, host: session.host)
            }
            let file = SFTPFile(handle: opened, session: session)
            var names: [String] = []
            // A name longer than PATH_MAX cannot be a file anyone includes; 4 KiB holds any real one.
            var buffer = [CChar](repeating: 0, count: 4_096)
            while true {
                try session.arm(path: directory, "listing '\(directory)' over SFTP")
                var attributes = LIBSSH2_SFTP_ATTRIBUTES()
                let length = libssh2_sftp_readdir_ex(opened, &buffer, buffer.count, nil, 0, &attributes)
                if length == 0 { break }
                if length < 0 {
                    return DirectoryListing(failed: try statusOutcome(directory, "listing '\(directory)' over SFTP"),
                                            directory: directory, host: session.host)
                }
                let name = buffer[0..<Int(length)].withUnsafeBufferPointer { raw in
                    String(decoding: UnsafeRawBufferPointer(raw), as: UTF8.self)
                }
                if name != "." && name != ".." { names.append(name) }
            }
            try file.close(directory)
            return .entries(names)
        } catch {
            return .failed(error)
        }
    }

    /// Where `path` leads once the server has followed its symbolic links (`SSH_FXP_REALPATH`).
    func resolve(_ path: String) -> PathResolution {
        do {
            try session.arm(path: path, "resolving '\(path)' over SFTP")
            var buffer = [CChar](repeating: 0, count: 4_097)
            let length = libssh2_sftp_symlink_ex(handle, path, UInt32(path.utf8.count), &buffer, UInt32(buffer.count - 1),
                                                 LIBSSH2_SFTP_REALPATH)
            if length < 0 {
                switch try statusOutcome(path, "resolving '\(path)' over SFTP") {
                case .failed(let error): return .failed(error)
                default: return .missing
                }
            }
            let bytes = buffer[0..<Int(length)].map { UInt8(bitPattern: $0) }
            return .resolved(String(decoding: bytes, as: UTF8.self))
        } catch {
            return .failed(error)
        }
    }

    /// The outcome of a failed SFTP call: the server's status when it answered one, else the session's error.
    private func statusOutcome(_ path: String, _ doing: String) throws(TransportError) -> FileRead {
        guard libssh2_session_last_errno(session.handle) == LIBSSH2_ERROR_SFTP_PROTOCOL else {
            throw session.failure(path: path, doing)
        }
        return .sftpStatus(UInt32(libssh2_sftp_last_error(handle)), serverMessage: "", path: path, host: session.host)
    }
}

/// An open SFTP file handle (`LIBSSH2_SFTP_HANDLE`), closed when released if not before.
private final class SFTPFile {
    let handle: OpaquePointer
    private let session: LibSSH2Session
    private var open = true

    init(handle: OpaquePointer, session: LibSSH2Session) {
        self.handle = handle
        self.session = session
    }

    deinit {
        // Only reached on an error path, whose error is the one worth reporting.
        if open { _ = libssh2_sftp_close_handle(handle) }
    }

    func close(_ path: String) throws(TransportError) {
        open = false
        try session.arm(path: path, "closing '\(path)' over SFTP")
        try session.check(libssh2_sftp_close_handle(handle), path: path, "closing '\(path)' over SFTP")
    }

    func isDirectory() -> Bool {
        var attributes = LIBSSH2_SFTP_ATTRIBUTES()
        guard libssh2_sftp_fstat_ex(handle, &attributes, 0) == 0,
              attributes.flags & UInt(LIBSSH2_SFTP_ATTR_PERMISSIONS) != 0 else { return false }
        return attributes.permissions & UInt(LIBSSH2_SFTP_S_IFMT) == UInt(LIBSSH2_SFTP_S_IFDIR)
    }
}
