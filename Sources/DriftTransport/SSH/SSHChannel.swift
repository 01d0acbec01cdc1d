internal import CLibSSH2

/// A session channel (`LIBSSH2_CHANNEL`) running one command, freed when released.
final class SSHChannel {
    private let handle: OpaquePointer
    private let session: LibSSH2Session
    private let path: String

    /// Opens a channel and starts `command` in it; `path` is the file the command is about, for errors.
    init(session: LibSSH2Session, command: String, path: String) throws(TransportError) {
        try session.arm(path: path, "opening an SSH channel")
        guard let handle = stackdrift_ssh2_channel_open_session(session.handle) else {
            throw session.failure(path: path, "opening an SSH channel")
        }
        self.handle = handle
        self.session = session
        self.path = path
        try session.arm(path: path, "starting 'sudo -n cat' for '\(path)'")
        try session.check(libssh2_channel_process_startup(handle, "exec", 4, command, UInt32(command.utf8.count)),
                          path: path, "starting 'sudo -n cat' for '\(path)'")
    }

    deinit { _ = libssh2_channel_free(handle) }

    /// Reads stream 0 (stdout) or 1 (stderr) to its end; `nil` once more than `limit` bytes arrived.
    func read(stream: Int32, limit: Int) throws(TransportError) -> [UInt8]? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 32_768)
        while true {
            try session.arm(path: path, "reading the output of 'sudo -n cat' for '\(path)'")
            let count = buffer.withUnsafeMutableBytes { raw in
                libssh2_channel_read_ex(handle, stream, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
            }
            try session.check(count, path: path, "reading the output of 'sudo -n cat' for '\(path)'")
            if count == 0 { return bytes }
            bytes += buffer[0..<count]
            if bytes.count > limit { return nil }
        }
    }

    /// Waits for the command to end and returns its exit status.
    func exitStatus() throws(TransportError) -> Int32 {
        try session.arm(path: path, "waiting for 'sudo -n cat' to finish")
        try session.check(libssh2_channel_close(handle), path: path, "closing the SSH channel")
        try session.check(libssh2_channel_wait_closed(handle), path: path, "waiting for 'sudo -n cat' to finish")
        return libssh2_channel_get_exit_status(handle)
    }
}
