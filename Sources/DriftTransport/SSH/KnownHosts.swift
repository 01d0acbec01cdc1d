import DriftCore
import Foundation
import Synchronization

/// Serialises `--accept-new` appends, so hosts collected at once never interleave their lines.
private let knownHostsAppendLock = Mutex(())

/// known_hosts files read and judged as OpenSSH's client does (`hostfile.c`, `match.c`,
/// `sshconnect.c` at 9.2), so that the libssh2 transport trusts exactly what `ssh` trusts.
///
/// libssh2's own known-host matching knows neither wildcard nor negated patterns, nor
/// `@revoked`; issue 19 found it recording, with `--accept-new`, a key that a `* ssh-ed25519 …`
/// line contradicts. The rules here: a line applies to a host when its name field (a comma list
/// of patterns with `*`, `?` and `!`, or one `|1|salt|hash`) matches the host's known_hosts name,
/// lower-cased; the offered key is *known* when an applying plain line holds it, *changed* when
/// applying plain lines hold only other keys (of any type), *revoked* when an applying `@revoked`
/// line holds it, and *new* otherwise. Off port 22 the name is `[host]:port`, and a new key is
/// looked up once more under the bare host, where only a match counts. `@cert-authority` lines
/// concern certificates, which libssh2 cannot check: they never match a plain key.
struct KnownHosts {
    enum Marker: Equatable {
        case none, certificateAuthority, revoked
    }

    /// One usable line.
    struct Entry {
        var marker: Marker
        /// The name field: patterns, or a hashed name.
        var names: String
        var key: HostKey.Blob
        var file: String
        var line: Int
    }

    enum Verdict {
        /// A line holds the key.
        case known
        /// Lines apply to the host but hold other keys; `recorded` is the last of them.
        case changed(recorded: Entry)
        case revoked(entry: Entry)
        /// No line applies (or, off port 22, none with the key under the bare host). `revokedUnderBareHost`:
        /// off port 22, a line for the bare host revokes the key; ssh then refuses the key when
        /// strict, yet records it with `accept-new` (the bare-host check is advisory there), and so does this.
        case new(revokedUnderBareHost: Entry?)
    }

    /// Every usable line of the files, in order: the user's files first, then the system's.
    var entries: [Entry] = []

    /// Reads `files`; a missing file holds nothing, an unreadable one is an error.
    init(files: [String], host: String) throws(TransportError) {
        for path in files {
            guard FileManager.default.fileExists(atPath: path) else { continue }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TransportError(.io, host: host, "cannot read known_hosts '\(path)'")
            }
            entries += Self.parse(String(decoding: data, as: UTF8.self), file: path)
        }
    }

    init(entries: [Entry]) { self.entries = entries }

    /// The usable lines of one file's text; what OpenSSH skips (comments, bad markers, unknown
    /// key types, undecodable keys, truncated lines) is skipped.
    static func parse(_ text: String, file: String) -> [Entry] {
        var entries: [Entry] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var rest = Substring(rawLine).drop { $0 == " " || $0 == "\t" }
            if rest.isEmpty || rest.hasPrefix("#") { continue }
            var marker = Marker.none
            if rest.hasPrefix("@") {
                guard let end = rest.firstIndex(where: { $0 == " " || $0 == "\t" }) else { continue }
                switch rest[..<end] {
                case "@cert-authority": marker = .certificateAuthority
                case "@revoked": marker = .revoked
                default: continue  // an unknown marker: OpenSSH skips the line
                }
                rest = rest[end...].drop { $0 == " " || $0 == "\t" }
                if rest.hasPrefix("@") { continue }  // one marker only
            }
            let fields = rest.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 3, !fields[1].hasPrefix("#"),
                  let key = HostKey.Blob(type: String(fields[1]), base64: String(fields[2])) else { continue }
            entries.append(Entry(marker: marker, names: String(fields[0]), key: key, file: file, line: index + 1))
        }
        return entries
    }

    /// The lines whose name field matches `name` (`host` or `[host]:port`).
    func entries(for name: String) -> [Entry] {
        let lowered = name.lowercased()
        return entries.filter { Self.namesMatch($0.names, lowered) }
    }

    /// How OpenSSH judges `key` offered by the host known as `name` on `port`; with an alias
    /// (`HostKeyAlias`), `name` is the alias and no port is involved.
    func verdict(for key: HostKey.Blob, host name: String, port: Int, alias: Bool = false) -> Verdict {
        let lookup = alias ? name : Self.name(name, port: port)
        let verdict = Self.judge(key, entries(for: lookup))
        // OpenSSH's "checking without port identifier": a new key is known if the bare host lists it.
        guard case .new = verdict, !alias, port != 22 else { return verdict }
        switch Self.judge(key, entries(for: name)) {
        case .known: return .known
        case .revoked(let entry): return .new(revokedUnderBareHost: entry)
        default: return verdict
        }
    }

    /// Key types recorded for the host as plain keys, in file order: what to ask the server for first.
    func recordedTypes(host name: String, port: Int, alias: Bool = false) -> [String] {
        var types: [String] = []
        for entry in entries(for: alias ? name : Self.name(name, port: port)) where entry.marker == .none {
            if !types.contains(entry.key.type) { types.append(entry.key.type) }
        }
        return types
    }

    /// `host`, or `[host]:port` off port 22: how OpenSSH names a host in known_hosts.
    static func name(_ host: String, port: Int) -> String { port == 22 ? host : "[\(host)]:\(port)" }

    private static func judge(_ key: HostKey.Blob, _ applying: [Entry]) -> Verdict {
        var verdict = Verdict.new(revokedUnderBareHost: nil)
        for entry in applying where entry.marker == .none {
            if entry.key == key {
                verdict = .known
                break
            }
            verdict = .changed(recorded: entry)
        }
        if let revoked = applying.first(where: { $0.marker == .revoked && $0.key == key }) { return .revoked(entry: revoked) }
        return verdict
    }

    /// OpenSSH's `match_maybe_hashed`: a hashed field is the HMAC-SHA1 of the name under its
    /// salt; otherwise a comma list where some pattern matches and no negated one does.
    static func namesMatch(_ field: String, _ name: String) -> Bool {
        if field.hasPrefix("|") {
            let parts = field.split(separator: "|", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[1] == "1", let salt = Data(base64Encoded: String(parts[2])), salt.count == 20,
                  let hash = Data(base64Encoded: String(parts[3])) else { return false }
            return Digest.hmacSHA1(key: [UInt8](salt), Array(name.utf8)) == [UInt8](hash)
        }
        var positive = false
        for pattern in field.split(separator: ",", omittingEmptySubsequences: false) {
            let negated = pattern.hasPrefix("!")
            let body = (negated ? pattern.dropFirst() : pattern).lowercased()
            guard body.utf8.count < 1023, Glob.matches(pattern: body, name) else { continue }
            if negated { return false }
            positive = true
        }
        return positive
    }

    /// Appends `key` for `name` as one plain OpenSSH line, creating the file (0600) and its
    /// directory (0700) when needed. Another host of the same audit may have written the file
    /// meanwhile, so the caller re-checks under `withAppendLock`.
    static func append(_ key: HostKey.Blob, for name: String, to path: String, host: String) throws(TransportError) {
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
        var line = "\(name) \(key.type) \(Data(key.bytes).base64EncodedString())\n"
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
