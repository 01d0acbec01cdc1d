import Foundation

/// A minimal SFTP version 3 client (draft-ietf-secsh-filexfer-02) over the stdin and
/// stdout of `ssh -s … sftp`: open, read to the end, fstat, close, list a directory.
/// Nothing that writes.
///
/// Reads go one request at a time until the server answers end-of-file; a short
/// answer moves the offset by what came back, so procfs files (size 0, short reads)
/// arrive whole.
final class SFTPClient {
    /// Why a request got no answer.
    enum Failure: Error {
        /// The process ended or closed its output: the connection is gone.
        case closed
        case timedOut
        /// The server sent something this client does not understand.
        case malformed(String)
    }

    private enum Packet: UInt8 {
        case initialize = 1, version = 2, open = 3, close = 4, read = 5, fstat = 8, openDirectory = 11, readDirectory = 12
        case realpath = 16, stat = 17
        case status = 101, handle = 102, data = 103, name = 104, attributes = 105
    }

    private let process: any RemoteStream
    private var received: [UInt8] = []
    private var nextID: UInt32 = 1

    init(process: any RemoteStream) {
        self.process = process
    }

    /// Sends `SSH_FXP_INIT` and waits for the server's version.
    func start(within seconds: Double) throws(Failure) {
        var packet = SSHWireWriter()
        packet.byte(Packet.initialize.rawValue)
        packet.uint32(3)
        try send(packet, within: seconds)
        let (type, _) = try receive(within: seconds)
        guard type == Packet.version.rawValue else { throw .malformed("expected the SFTP version, got packet type \(type)") }
    }

    /// What `path` is, following links, asked without opening it: `nil` for a regular file,
    /// else the outcome to report (as `SFTPSession.refusal(beforeReading:)` over libssh2).
    func refusal(beforeReading path: String, host: String, timeout: Double) throws(Failure) -> FileRead? {
        try refusal(beforeReading: path, host: host, until: Date().addingTimeInterval(timeout))
    }

    private func refusal(beforeReading path: String, host: String, until end: Date) throws(Failure) -> FileRead? {
        var reply = try request(.stat, until: end) { $0.string(path) }
        if reply.type == Packet.status.rawValue { return try status(&reply.reader, path: path, host: host) }
        guard reply.type == Packet.attributes.rawValue else { throw .malformed("expected attributes of '\(path)'") }
        guard let mode = Self.permissions(&reply.reader) else { return nil }
        switch mode & 0o170000 {
        case 0o100000: return nil
        case 0o040000: return .directory(path, host: host)
        default: return .failed(TransportError.notRegular(mode_t(mode), path: path, host: host))
        }
    }

    /// Where `path` leads once the server has followed its symbolic links (`SSH_FXP_REALPATH`).
    func resolve(_ path: String, host: String, timeout: Double) throws(Failure) -> PathResolution {
        var reply = try request(.realpath, until: Date().addingTimeInterval(timeout)) { $0.string(path) }
        if reply.type == Packet.status.rawValue {
            switch try status(&reply.reader, path: path, host: host) {
            case .failed(let error): return .failed(error)
            default: return .missing
            }
        }
        guard reply.type == Packet.name.rawValue, reply.reader.uint32() == 1, let name = reply.reader.string() else {
            throw .malformed("expected one name resolving '\(path)'")
        }
        return .resolved(String(decoding: name, as: UTF8.self))
    }

    /// The permissions (with the file type bits) of an SFTP v3 `ATTRS`, when it carries them.
    private static func permissions(_ reader: inout SSHWireReader) -> UInt32? {
        guard let flags = reader.uint32() else { return nil }
        if flags & 0x1 != 0, reader.uint64() == nil { return nil }                           // size
        if flags & 0x2 != 0, reader.uint32() == nil || reader.uint32() == nil { return nil }  // uid, gid
        guard flags & 0x4 != 0 else { return nil }
        return reader.uint32()
    }

    /// Reads `path` whole, once the server has said it is a regular file; `timeout` bounds it all.
    func read(_ path: String, limit: Int, host: String, timeout: Double) throws(Failure) -> FileRead {
        let end = Date().addingTimeInterval(timeout)
        if let refused = try refusal(beforeReading: path, host: host, until: end) { return refused }
        var reply = try request(.open, until: end) { packet in
            packet.string(path)
            packet.uint32(0x0000_0001)  // SSH_FXF_READ
            packet.uint32(0)            // no attributes
        }
        if reply.type == Packet.status.rawValue { return try status(&reply.reader, path: path, host: host) }
        guard reply.type == Packet.handle.rawValue, let handle = reply.reader.string() else {
            throw .malformed("expected a handle for '\(path)'")
        }
        // Not closed after a failure: the connection is then gone or stuck, and waiting on it again helps no one.
        let outcome = try readToEnd(handle, path: path, limit: limit, host: host, until: end)
        _ = try request(.close, until: end) { $0.string(handle) }
        return outcome
    }

    /// Lists `directory`'s entry names, without `.` and `..`.
    func list(_ directory: String, host: String, timeout: Double) throws(Failure) -> DirectoryListing {
        let end = Date().addingTimeInterval(timeout)
        var reply = try request(.openDirectory, until: end) { $0.string(directory) }
        if reply.type == Packet.status.rawValue {
            return DirectoryListing(failed: try status(&reply.reader, path: directory, host: host), directory: directory, host: host)
        }
        guard reply.type == Packet.handle.rawValue, let handle = reply.reader.string() else {
            throw .malformed("expected a handle for directory '\(directory)'")
        }
        var names: [String] = []
        while true {
            var answer = try request(.readDirectory, until: end) { $0.string(handle) }
            if answer.type == Packet.status.rawValue {
                guard let code = answer.reader.uint32() else { throw .malformed("truncated status for '\(directory)'") }
                if code == 1 { break }  // SSH_FX_EOF
                let message = answer.reader.string().map { String(decoding: $0, as: UTF8.self) } ?? ""
                return DirectoryListing(failed: .sftpStatus(code, serverMessage: message, path: directory, host: host),
                                        directory: directory, host: host)
            }
            guard answer.type == Packet.name.rawValue, let count = answer.reader.uint32() else {
                throw .malformed("unexpected packet type \(answer.type) listing '\(directory)'")
            }
            for _ in 0..<count {
                guard let name = answer.reader.string(), answer.reader.string() != nil,
                      Self.skipAttributes(&answer.reader) else {
                    throw .malformed("truncated name entry listing '\(directory)'")
                }
                let text = String(decoding: name, as: UTF8.self)
                if text != "." && text != ".." { names.append(text) }
            }
        }
        _ = try request(.close, until: end) { $0.string(handle) }
        return .entries(names)
    }

    /// Steps over an SFTP v3 `ATTRS` structure; `false` when it is cut short.
    private static func skipAttributes(_ reader: inout SSHWireReader) -> Bool {
        guard let flags = reader.uint32() else { return false }
        if flags & 0x1 != 0, reader.uint64() == nil { return false }                           // size
        if flags & 0x2 != 0, reader.uint32() == nil || reader.uint32() == nil { return false }  // uid, gid
        if flags & 0x4 != 0, reader.uint32() == nil { return false }                           // permissions
        if flags & 0x8 != 0, reader.uint32() == nil || reader.uint32() == nil { return false }  // atime, mtime
        if flags & 0x8000_0000 != 0 {                                                          // extended pairs
            guard let pairs = reader.uint32() else { return false }
            for _ in 0..<pairs where reader.string() == nil || reader.string() == nil { return false }
        }
        return true
    }

    private func readToEnd(_ handle: [UInt8], path: String, limit: Int, host: String,
                           until end: Date) throws(Failure) -> FileRead {
        var bytes: [UInt8] = []
        while true {
            var answer = try request(.read, until: end) { packet in
                packet.string(handle)
                packet.uint64(UInt64(bytes.count))
                packet.uint32(32_768)
            }
            if answer.type == Packet.data.rawValue {
                guard let chunk = answer.reader.string() else { throw .malformed("truncated data for '\(path)'") }
                bytes += chunk
                if bytes.count > limit { return .tooLarge(path, host: host, limit: limit) }
                continue
            }
            guard answer.type == Packet.status.rawValue, let code = answer.reader.uint32() else {
                throw .malformed("unexpected packet type \(answer.type) reading '\(path)'")
            }
            if code == 1 { return .content(bytes) }  // SSH_FX_EOF
            // Linux lets a directory be opened; reading it fails, and only fstat says why.
            if try isDirectory(handle, until: end) { return .directory(path, host: host) }
            let message = answer.reader.string().map { String(decoding: $0, as: UTF8.self) } ?? ""
            return .sftpStatus(code, serverMessage: message, path: path, host: host)
        }
    }

    private func isDirectory(_ handle: [UInt8], until end: Date) throws(Failure) -> Bool {
        var reply = try request(.fstat, until: end) { $0.string(handle) }
        guard reply.type == Packet.attributes.rawValue, let permissions = Self.permissions(&reply.reader) else { return false }
        return permissions & 0o170000 == 0o040000
    }

    private func status(_ reader: inout SSHWireReader, path: String, host: String) throws(Failure) -> FileRead {
        guard let code = reader.uint32() else { throw .malformed("truncated status for '\(path)'") }
        let message = reader.string().map { String(decoding: $0, as: UTF8.self) } ?? ""
        return .sftpStatus(code, serverMessage: message, path: path, host: host)
    }

    /// Sends one request and waits for the answer carrying its id.
    private func request(_ type: Packet, until end: Date,
                         _ body: (inout SSHWireWriter) -> Void) throws(Failure) -> (type: UInt8, reader: SSHWireReader) {
        let seconds = end.timeIntervalSinceNow
        guard seconds > 0 else { throw .timedOut }
        let id = nextID
        nextID &+= 1
        var packet = SSHWireWriter()
        packet.byte(type.rawValue)
        packet.uint32(id)
        body(&packet)
        try send(packet, within: seconds)
        while true {
            var (replyType, reader) = try receive(within: seconds)
            if reader.uint32() == id { return (replyType, reader) }
        }
    }

    private func send(_ packet: SSHWireWriter, within seconds: Double) throws(Failure) {
        var framed = SSHWireWriter()
        framed.string(packet.bytes)
        switch process.send(framed.bytes, within: seconds) {
        case .data: return
        case .endOfFile: throw .closed
        case .timedOut: throw .timedOut
        }
    }

    /// The next packet: its type and a reader past the type byte.
    private func receive(within seconds: Double) throws(Failure) -> (UInt8, SSHWireReader) {
        while true {
            if received.count >= 4 {
                var header = SSHWireReader(received)
                let length = Int(header.uint32() ?? 0)
                guard length >= 1, length <= 1 << 20 else { throw .malformed("SFTP packet of \(length) bytes") }
                if received.count >= 4 + length {
                    let packet = Array(received[4..<4 + length])
                    received.removeFirst(4 + length)
                    return (packet[0], SSHWireReader(packet, offset: 1))
                }
            }
            switch process.receive(upTo: 65_536, within: seconds) {
            case .data(let bytes): received += bytes
            case .endOfFile: throw .closed
            case .timedOut: throw .timedOut
            }
        }
    }
}
