import DriftCore
import DriftTestSupport
import DriftTransport
import Foundation
import Testing

/// One trust model (issue 19): each known_hosts case is run against the OpenSSH client itself
/// (`ssh -o BatchMode=yes` against the real sshd), and both transports must give the client's
/// verdict, with and without `--accept-new`, including whether the key gets recorded. The
/// expected verdicts are the client's, not written down here.
@Suite(.serialized) struct KnownHostsTableTests {
    enum Verdict: Equatable, CustomStringConvertible {
        case accepted(recorded: Bool)
        case unknown, changed, revoked
        case other(String)

        var description: String {
            switch self {
            case .accepted(let recorded): return recorded ? "accepted and recorded" : "accepted"
            case .unknown: return "unknown"
            case .changed: return "changed"
            case .revoked: return "revoked"
            case .other(let text): return "other: \(text)"
            }
        }
    }

    struct Keys {
        let fixture: SSHFixture
        /// The server's key, another ed25519 key, an ECDSA key: `ssh-… AAAA…`.
        let server: String, other: String, ecdsa: String
        var name: String { fixture.server.knownHostsName }
        /// The server's key blob under another type name, which OpenSSH skips.
        var mistyped: String { "ssh-rsa " + server.split(separator: " ")[1] }

        /// `line`, with its name field hashed by ssh-keygen as `HashKnownHosts` would.
        func hashed(_ line: String) throws -> String {
            let file = try fixture.scratch.write("to-hash", line + "\n")
            try SSHTestTools.run("/usr/bin/ssh-keygen", ["-H", "-f", file])
            return try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// The cases: a name and the known_hosts lines (`nil`: no file at all).
    static func cases(_ keys: Keys) throws -> [(String, [String]?)] {
        let name = keys.name, key = keys.server, other = keys.other, bare = keys.fixture.server.address
        return [
            ("exact", ["\(name) \(key)"]),
            ("hashed", [try keys.hashed("\(name) \(key)")]),
            ("hashed, another key", [try keys.hashed("\(name) \(other)")]),
            ("wildcard with the key", ["* \(key)"]),
            ("wildcard with another key", ["* \(other)"]),
            ("pattern with another key", ["[127.0.0.*]:\(keys.fixture.server.port) \(other)"]),
            ("comma list", ["node.example.net,\(name) \(key)"]),
            ("bare host with the key", ["\(bare) \(key)"]),
            ("bare host with another key", ["\(bare) \(other)"]),
            ("negated", ["*,!\(name) \(other)"]),
            ("negated, then exact", ["*,!\(name) \(other)", "\(name) \(key)"]),
            ("another key, then the key", ["\(name) \(other)", "\(name) \(key)"]),
            ("another key type recorded", ["\(name) \(keys.ecdsa)"]),
            ("revoked, also listed", ["@revoked \(name) \(key)", "\(name) \(key)"]),
            ("revoked by wildcard", ["@revoked * \(key)"]),
            ("revoked under the bare host", ["@revoked \(bare) \(key)"]),
            ("revoked, another key", ["@revoked \(name) \(other)"]),
            ("certificate authority only", ["@cert-authority * \(other)"]),
            ("junk, then exact", ["# comment", "garbage", "@revokd \(name) \(key)", "\(name) ssh-ed25519 !!!",
                                  "\(name) \(keys.mistyped)", "  \t\(name) \(key) comment here"]),
            ("junk only", ["@revokd \(name) \(key)", "\(name) \(keys.mistyped)", "\(name)"]),
            ("empty file", []),
            ("no file", nil),
        ]
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh"), "needs the OpenSSH client"))
    func bothTransportsGiveTheOpenSSHClientsVerdict() throws {
        let fixture = try SSHFixture(trusted: false)
        let keys = Keys(fixture: fixture, server: fixture.server.hostPublicKey,
                        other: try SSHTestKey(in: fixture.scratch, name: "other").publicKey,
                        ecdsa: try SSHTestKey(in: fixture.scratch, name: "ecdsa", type: "ecdsa").publicKey)
        var disagreements: [String] = []
        var rows = 0
        for (name, lines) in try Self.cases(keys) {
            for acceptNew in [false, true] {
                let client = try verdict(ofClient: fixture, lines, acceptNew: acceptNew)
                for kind in SSHFaultTests.transports {
                    let transport = try verdict(of: kind, fixture, lines, acceptNew: acceptNew)
                    rows += 1
                    if transport != client {
                        disagreements.append("\(name)\(acceptNew ? " (--accept-new)" : ""): ssh says \(client), \(kind) says \(transport)")
                    }
                }
            }
        }
        #expect(rows == 88)
        #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n"))")
    }

    /// A fresh known_hosts file holding `lines`, or none.
    private func knownHosts(_ fixture: SSHFixture, _ lines: [String]?) throws -> String {
        let path = fixture.scratch.path + "/table-" + UUID().uuidString + "/known_hosts"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if let lines { try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: path)) }
        return path
    }

    private func recorded(_ path: String, _ lines: [String]?, _ fixture: SSHFixture) -> Bool {
        let now = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let before = lines.map { $0.map { $0 + "\n" }.joined() } ?? ""
        return now != before && now.contains(fixture.server.hostPublicKey.split(separator: " ")[1])
    }

    private func verdict(ofClient fixture: SSHFixture, _ lines: [String]?, acceptNew: Bool) throws -> Verdict {
        let path = try knownHosts(fixture, lines)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh")
        process.arguments = ["-F", "none", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=\(acceptNew ? "accept-new" : "yes")",
                             "-o", "UserKnownHostsFile=\"\(path)\"", "-o", "GlobalKnownHostsFile=none", "-o", "CheckHostIP=no",
                             "-o", "IdentitiesOnly=yes", "-o", "IdentityFile=\(fixture.key.privateKey)", "-o", "ConnectTimeout=5",
                             "-p", String(fixture.server.port), "-l", SSHTestTools.loginUser, fixture.server.address, "true"]
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": fixture.scratch.path]
        // Captured in files, not a pipe (`ExternalProgram.captured` says why).
        let result = try ExternalProgram.captured(process)
        let said = result.stderr
        if result.status == 0, !result.signaled { return .accepted(recorded: recorded(path, lines, fixture)) }
        if said.contains("has changed and you have requested strict checking") { return .changed }
        if said.contains("was revoked and you have requested strict checking") { return .revoked }
        if said.range(of: #"No \S+ host key is known for"#, options: .regularExpression) != nil { return .unknown }
        return .other(said)
    }

    private func verdict(of kind: TransportKind, _ fixture: SSHFixture, _ lines: [String]?, acceptNew: Bool) throws -> Verdict {
        let path = try knownHosts(fixture, lines)
        let host = fixture.host(kind, knownHosts: path)
        guard let error = connectError(fixture.transport(kind, acceptNew: acceptNew), host) else {
            return .accepted(recorded: recorded(path, lines, fixture))
        }
        switch error.kind {
        case .unknownHostKey: return .unknown
        case .hostKeyMismatch: return .changed
        case .hostKeyRevoked: return .revoked
        default: return .other("\(error)")
        }
    }
}
