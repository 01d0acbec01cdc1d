import DriftCore
import Foundation

/// Turns what a failed `ssh` wrote on stderr into the same error kinds the libssh2
/// transport reports, keeping ssh's own line in the message.
enum OpenSSHDiagnosis {
    /// - Parameter fallback: the kind when stderr says nothing recognisable (a session that
    ///   simply ended mid-transfer is `.dropped`; a failed connect is `.protocolError`).
    static func error(_ stderr: String, command: OpenSSHCommand, path: String? = nil, doing: String,
                      fallback: TransportError.Kind) -> TransportError {
        let lines = stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("@@@") && !$0.hasPrefix("Warning: Permanently added") }
        func line(containing fragment: String) -> String? { lines.first { $0.contains(fragment) } }
        func make(_ kind: TransportError.Kind, _ summary: String, _ detail: String?) -> TransportError {
            let quoted = detail.map { $0.hasPrefix("ssh: ") ? $0 : "ssh: " + $0 }.map { " (\(tidy($0)))" } ?? ""
            return TransportError(kind, host: command.host, path: path, summary + quoted)
        }

        if stderr.contains("REVOKED HOST KEY DETECTED") || stderr.contains("was revoked and you have requested strict") {
            let name = firstMatch(#"host key for (\S+) is marked as revoked"#, in: stderr) ?? command.knownHostsName
            let offered = firstMatch(#"(SHA256:[A-Za-z0-9+/=]+)"#, in: stderr)
            return HostKeyVerdict.revoked(host: command.host, name: name, file: command.knownHostsFile,
                                          offered: offered ?? (firstMatch(#"The (\S+) host key for"#, in: stderr).map { "a \($0) key" }
                                                               ?? "the offered key"))
        }
        if stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") || stderr.contains("has changed and you have requested strict") {
            return mismatch(stderr, command: command)
        }
        if stderr.contains("host key is known for") || stderr.contains("Host key verification failed") {
            let name = firstMatch(#"known for (\S+) and"#, in: stderr) ?? command.knownHostsName
            return HostKeyVerdict.unknown(host: command.host, name: name, file: command.knownHostsFile, offered: nil)
        }
        if let detail = line(containing: "Could not resolve hostname") {
            return make(.resolve, "cannot resolve '\(command.destination)'", detail)
        }
        if let detail = line(containing: "Connection refused") {
            return make(.refused, "connection to '\(command.destination)' refused", detail)
        }
        if let detail = line(containing: "timed out") ?? line(containing: "Timeout") {
            return make(.timeout, "timed out while \(doing)", detail)
        }
        if let detail = line(containing: "Permission denied (") ?? line(containing: "Too many authentication failures") {
            var summary = "authentication refused"
            if let identity = command.identity, let algorithm = PrivateKeyFile.algorithm(of: identity),
               LegacySSHAlgorithms.knownPublicKey.contains(algorithm), !command.legacy.publicKey.contains(algorithm) {
                summary += " (key '\(identity)' is a \(algorithm) key: a node older than OpenSSH 7.2 (Debian 7) takes it "
                    + "only signed with SHA-1, which needs legacy: true for the host; or use an ECDSA key)"
            }
            return make(.authentication, summary, detail)
        }
        // ssh's limits on what a server sends before its version line, as `SocketWatch` applies them to libssh2.
        if let detail = line(containing: "banner line too long") ?? line(containing: "No SSH version received")
            ?? line(containing: "banner line contains invalid characters") {
            return make(.protocolError, "the server's banner broke OpenSSH's limits while \(doing)", detail)
        }
        if let detail = line(containing: "Connection closed") ?? line(containing: "Connection reset")
            ?? line(containing: "Broken pipe") ?? line(containing: "kex_exchange_identification")
            ?? line(containing: "closed by remote host") {
            return make(.dropped, "connection dropped while \(doing)", detail)
        }
        let last = lines.last
        return make(fallback, fallback == .dropped ? "connection dropped while \(doing)" : "ssh failed while \(doing)",
                    last ?? "ssh said nothing")
    }

    /// OpenSSH prints the offered key's fingerprint and the file and line of the recorded one.
    private static func mismatch(_ stderr: String, command: OpenSSHCommand) -> TransportError {
        let offered = firstMatch(#"(SHA256:[A-Za-z0-9+/=]+)"#, in: stderr) ?? "an unknown key"
        var offeredType = firstMatch(#"fingerprint for the (\S+) key sent"#, in: stderr)
        var file = command.knownHostsFile
        var expected = "the recorded key"
        var note: String?
        if let place = firstMatch(#"Offending \S+ key in (\S+:\d+)"#, in: stderr),
           let colon = place.lastIndex(of: ":"), let number = Int(place[place.index(after: colon)...]) {
            file = String(place[..<colon])
            if let key = recordedKey(file: file, line: number) {
                expected = HostKeyVerdict.describe(key)
                if LegacySSHAlgorithms.knownHostKey.contains(key.type.rawValue), !command.legacy.hostKey.contains(key.type.rawValue) {
                    note = "the recorded key is \(key.type.rawValue)" + HostKeyVerdict.legacyHint(key.type.rawValue)
                }
                // ssh names key types as "ED25519" or "ECDSA"; say them as the recorded key does when they agree.
                let family = ["ED25519": "ssh-ed25519", "RSA": "ssh-rsa", "DSA": "ssh-dss", "ECDSA": "ecdsa-"]
                if let prefix = offeredType.flatMap({ family[$0] }), key.type.rawValue.hasPrefix(prefix) {
                    offeredType = key.type.rawValue
                }
            }
        }
        let name = firstMatch(#"Host key for (\S+) has changed"#, in: stderr) ?? command.knownHostsName
        return HostKeyVerdict.mismatch(host: command.host, name: name, file: file, expected: expected,
                                       offered: offered + (offeredType.map { " (\($0))" } ?? ""), note: note)
    }

    /// The key on line `number` of a known_hosts file.
    private static func recordedKey(file: String, line number: Int) -> HostKey? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard number >= 1, number <= lines.count else { return nil }
        var fields = lines[number - 1].split(whereSeparator: \.isWhitespace).map(String.init)
        if fields.first?.hasPrefix("@") == true { fields.removeFirst() }
        guard fields.count >= 3, let type = HostKey.KeyType(rawValue: fields[1]),
              let blob = Data(base64Encoded: fields[2]) else { return nil }
        return HostKey(blob: [UInt8](blob), type: type)
    }

    private static func firstMatch(_ pattern: String, in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let range = Range(match.range(at: 1), in: text) else { return nil }
        return String(text[range])
    }

    /// ssh's line in this project's style: no trailing period.
    private static func tidy(_ line: String) -> String {
        line.hasSuffix(".") ? String(line.dropLast()) : line
    }
}
