internal import CLibSSH2
import Foundation
import Synchronization

/// Serialises `--accept-new` appends, so hosts collected at once never interleave their lines.
private let knownHostsAppendLock = Mutex(())

/// A known_hosts file loaded into libssh2's `LIBSSH2_KNOWNHOSTS`, freed when released.
///
/// libssh2 matches plain and hashed (`|1|salt|hash`) host names and `[host]:port`
/// entries. Lines it cannot read (key types it does not know, `@cert-authority`)
/// are skipped rather than failing the whole file, as libssh2's own `readfile`
/// would; `@revoked` keys, which libssh2 ignores, are kept aside and always refused.
final class KnownHosts {
    enum Check {
        case match
        /// The host is listed with another key of the same type; `expected` is the listed one.
        case mismatch(expected: [UInt8])
        case notFound
    }

    let path: String
    private let handle: OpaquePointer
    private let session: LibSSH2Session
    private(set) var revoked: Set<[UInt8]> = []

    init(session: LibSSH2Session, path: String) throws(TransportError) {
        guard let handle = libssh2_knownhost_init(session.handle) else {
            throw session.failure("preparing to read known_hosts '\(path)'")
        }
        self.handle = handle
        self.session = session
        self.path = path
        try load()
    }

    deinit { libssh2_knownhost_free(handle) }

    private func load() throws(TransportError) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TransportError(.io, host: session.host, "cannot read known_hosts '\(path)'")
        }
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if trimmed.hasPrefix("@") {
                let fields = trimmed.split(whereSeparator: \.isWhitespace)
                if fields.first == "@revoked", fields.count >= 4, let blob = Data(base64Encoded: String(fields[3])) {
                    revoked.insert([UInt8](blob))
                }
                continue
            }
            // A line libssh2 cannot parse (an unknown key type) is skipped, as OpenSSH skips what it cannot use.
            _ = libssh2_knownhost_readline(handle, trimmed, trimmed.utf8.count, LIBSSH2_KNOWNHOST_FILE_OPENSSH)
        }
    }

    /// Looks `name` up (`host` or `[host]:port`, exactly as OpenSSH writes it) with a key of `type`.
    func check(_ name: String, blob: [UInt8], type: HostKey.KeyType) throws(TransportError) -> Check {
        var entry: UnsafeMutablePointer<libssh2_knownhost>?
        let mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | type.knownHostMask
        let result = blob.withUnsafeBytes { bytes in
            // Port -1: `name` already carries the port the way OpenSSH records it, so only that spelling matches.
            libssh2_knownhost_checkp(handle, name, -1, bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                                     bytes.count, mask, &entry)
        }
        switch result {
        case LIBSSH2_KNOWNHOST_CHECK_MATCH:
            return .match
        case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
            let encoded = entry.flatMap { $0.pointee.key }.map { String(cString: $0) } ?? ""
            return .mismatch(expected: Data(base64Encoded: encoded).map { [UInt8]($0) } ?? [])
        case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
            return .notFound
        default:
            throw session.failure("checking the host key against known_hosts '\(path)'")
        }
    }

    /// The keys recorded for `name`, by type. libssh2 has no lookup by name alone (hashed
    /// names cannot be listed), so each type is asked about with a key no entry can hold:
    /// a listed host answers "mismatch" and hands back the key it has.
    func knownKeys(for name: String) throws(TransportError) -> [HostKey] {
        var keys: [HostKey] = []
        for type in HostKey.KeyType.allCases {
            if case .mismatch(let expected) = try check(name, blob: [0], type: type) {
                keys.append(HostKey(blob: expected, type: type))
            }
        }
        return keys
    }

    /// Appends `key` for `name` as one plain OpenSSH line, creating the file (0600) and
    /// its directory (0700) when needed. Another host of the same audit may have written
    /// the file meanwhile, so the caller re-checks under `withAppendLock`.
    static func append(_ key: HostKey, for name: String, to path: String, host: String) throws(TransportError) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw TransportError(.io, host: host, "cannot create the directory of known_hosts '\(path)'")
            }
        }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw TransportError(.io, host: host, "cannot write known_hosts '\(path)': \(String(cString: strerror(errno)).lowercased())")
        }
        defer { close(descriptor) }
        var line = "\(name) \(key.type.rawValue) \(Data(key.blob).base64EncodedString())\n"
        var info = stat()
        if fstat(descriptor, &info) == 0, info.st_size > 0, !endsWithNewline(path) { line = "\n" + line }
        let written = line.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        guard written == line.utf8.count else {
            throw TransportError(.io, host: host, "cannot write known_hosts '\(path)': \(String(cString: strerror(errno)).lowercased())")
        }
    }

    static func withAppendLock<T>(_ body: () throws(TransportError) -> T) throws(TransportError) -> T {
        try knownHostsAppendLock.withLock { _ throws(TransportError) in try body() }
    }

    private static func endsWithNewline(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return true }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd(), end > 0 else { return true }
        try? handle.seek(toOffset: end - 1)
        return (try? handle.read(upToCount: 1)) == Data([0x0a])
    }
}
