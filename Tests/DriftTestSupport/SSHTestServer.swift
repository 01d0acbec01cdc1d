import Foundation

/// A real OpenSSH `sshd` for tests: bound to 127.0.0.1 on a free high port, with a
/// throwaway ed25519 host key and a configuration of its own in a temporary
/// directory. It is stopped when released, and within a second should the test
/// process die first.
package final class SSHTestServer: @unchecked Sendable {
    package struct Configuration: Sendable {
        /// Public key lines allowed to log in (any user).
        package var authorizedKeys: [String]
        package var passwordAuthentication = false
        /// Serve SFTP only, inside this root-owned directory (needs root).
        package var chroot: String?
        /// Further sshd_config lines.
        package var extraLines: [String] = []
        /// Serve a node's tree at the real paths: in a mount namespace of the sshd's own, each
        /// top-level directory of the tree (`etc/`, `var/`) is laid over the machine's (a read-only
        /// overlay; the machine's files show through where the tree has none) and its
        /// `proc/cpuinfo` is bound on `/proc/cpuinfo`, as Benchmarks/fleet does. Nothing outside
        /// the namespace changes. Needs root.
        package var mountedTree: String?
        /// Host key types (ssh-keygen's names), one key each; the first is `hostPublicKey`.
        package var hostKeyTypes = ["ed25519"]

        package init(authorizedKeys: [String], passwordAuthentication: Bool = false, chroot: String? = nil,
                    extraLines: [String] = [], mountedTree: String? = nil) {
            self.authorizedKeys = authorizedKeys
            self.passwordAuthentication = passwordAuthentication
            self.chroot = chroot
            self.extraLines = extraLines
            self.mountedTree = mountedTree
        }

        /// Makes the server offer what Debian 7's OpenSSH 6.0 offers: RSA and ECDSA host keys
        /// only, SHA-1 `ssh-rsa` signatures (no `rsa-sha2-*`, which came with 7.2), its key
        /// exchanges, ciphers and MACs (nothing of 6.2 and later: no curve25519, chacha20, GCM or -etm).
        package mutating func likeDebian7() {
            hostKeyTypes = ["rsa", "ecdsa"]
            extraLines += [
                "KexAlgorithms diffie-hellman-group14-sha1,ecdh-sha2-nistp256",
                "HostKeyAlgorithms ssh-rsa,ecdsa-sha2-nistp256",
                "PubkeyAcceptedAlgorithms ssh-rsa,ecdsa-sha2-nistp256",
                "Ciphers aes128-ctr,aes192-ctr,aes256-ctr,aes128-cbc,aes256-cbc",
                "MACs hmac-sha1,hmac-sha2-256,hmac-sha2-512",
            ]
        }
    }

    package let address = "127.0.0.1"
    package let port: Int
    package let directory: TemporaryDirectory
    /// `ssh-ed25519 AAAA…`, the server's (first) public host key.
    package let hostPublicKey: String
    /// Every host key, by ssh-keygen type name (`ed25519`, `rsa`, `ecdsa`).
    package let hostPublicKeys: [String: String]
    private let process: TestDaemon

    package init(_ configuration: Configuration) throws {
        directory = try TemporaryDirectory(prefix: "stackdrift-sshd")
        var keys: [String: String] = [:]
        for type in configuration.hostKeyTypes {
            let hostKey = directory.path + "/ssh_host_\(type)_key"
            try SSHTestTools.run("/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "test-host", "-f", hostKey]
                                 + (type == "rsa" ? ["-b", "2048"] : []))
            keys[type] = try SSHTestTools.publicKey(of: hostKey)
        }
        hostPublicKeys = keys
        hostPublicKey = keys[configuration.hostKeyTypes[0]]!
        try directory.write("authorized_keys", configuration.authorizedKeys.joined(separator: "\n") + "\n")
        if getuid() == 0 {
            // sshd running as root insists on its privilege separation directory.
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        }
        var lastLog = ""
        for _ in 0..<5 {
            let port = try SSHTestTools.freePort()
            let config = try directory.write("sshd_config", Self.config(configuration, port: port, directory: directory.path))
            let log = directory.path + "/sshd.log"
            var command = ["/usr/sbin/sshd", "-D", "-e", "-f", config, "-E", log]
            if let tree = configuration.mountedTree {
                // Each top-level directory of the tree (etc, var) over the machine's own, read-only.
                let tops = ((try? FileManager.default.contentsOfDirectory(atPath: tree)) ?? []).filter { $0 != "proc" }.sorted()
                var script = tops.map { #"mount -t overlay overlay -o "lowerdir=$1/\#($0):/\#($0)" /\#($0)"# }
                    .joined(separator: " && ")
                if FileManager.default.fileExists(atPath: tree + "/proc/cpuinfo") {
                    script += (script.isEmpty ? "" : " && ") + #"mount --bind "$1/proc/cpuinfo" /proc/cpuinfo"#
                }
                if script.isEmpty { script = "true" }
                // unshare execs the shell, which execs sshd: the daemon keeps one process id.
                command = ["/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                           script + #" && shift && exec "$@""#, "node", tree] + command
            }
            let process = try TestDaemon(command)
            if SSHTestTools.waitUntilListening(port: port, while: { process.isRunning }) {
                self.port = port
                self.process = process
                return
            }
            process.stop()
            lastLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        }
        throw SSHTestTools.Failure("sshd did not start: \(lastLog)")
    }

    deinit { process.stop() }

    /// The processes this sshd runs for its connections (sessions, and what they started), and
    /// any process anywhere whose command line names `path` (a `cat` orphaned by its session):
    /// what a transport leaves running on the "node". Waits up to `seconds` for them to go.
    package func sessionProcesses(naming path: String, within seconds: Double = 5) -> [ProcessTable.Entry] {
        ProcessTable.waitUntilGone(within: seconds) { table in
            let listener = table.entries.first { $0.parent == process.pid && $0.command.hasPrefix("/usr/sbin/sshd") }
            let sessions = listener.map { table.descendants(of: $0.pid) } ?? []
            let orphans = table.entries.filter { $0.command.contains(path) && !$0.command.contains("sshd_config") }
            return sessions + orphans.filter { orphan in !sessions.contains { $0.pid == orphan.pid } }
        }
    }

    /// What sshd logged so far, to explain a failing test.
    package var log: String { (try? String(contentsOfFile: directory.path + "/sshd.log", encoding: .utf8)) ?? "" }

    /// The name known_hosts lists this server under.
    package var knownHostsName: String { "[\(address)]:\(port)" }

    /// A known_hosts line for this server.
    package var knownHostsLine: String { "\(knownHostsName) \(hostPublicKey)" }

    private static func config(_ configuration: Configuration, port: Int, directory: String) -> String {
        var lines = ["ListenAddress 127.0.0.1:\(port)"] + configuration.hostKeyTypes.map { "HostKey \(directory)/ssh_host_\($0)_key" }
        lines += [
            "PidFile none",
            "AuthorizedKeysFile \(directory)/authorized_keys",
            // The throwaway files live under /tmp, which StrictModes would reject.
            "StrictModes no",
            // Without PAM, so that containers without an audit subsystem can run it.
            "UsePAM no",
            "PubkeyAuthentication yes",
            "PasswordAuthentication \(configuration.passwordAuthentication ? "yes" : "no")",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "UseDNS no",
            "PrintMotd no",
            "PrintLastLog no",
            "LogLevel VERBOSE",
            "MaxStartups 200",
            "Subsystem sftp internal-sftp",
        ]
        if let chroot = configuration.chroot {
            lines += ["ChrootDirectory \(chroot)", "ForceCommand internal-sftp"]
        }
        return (lines + configuration.extraLines).joined(separator: "\n") + "\n"
    }
}

/// A key pair made with ssh-keygen in a temporary directory.
package struct SSHTestKey: Sendable {
    package let privateKey: String
    package let publicKey: String

    /// `type` is an ssh-keygen type (`ed25519`, `ecdsa`, `rsa`).
    package init(in directory: TemporaryDirectory, name: String, type: String = "ed25519", passphrase: String = "") throws {
        privateKey = directory.path + "/" + name
        var arguments = ["-q", "-t", type, "-N", passphrase, "-C", "stackdrift-test-\(name)", "-f", privateKey]
        if type == "rsa" { arguments += ["-b", "2048"] }
        try SSHTestTools.run("/usr/bin/ssh-keygen", arguments)
        publicKey = try SSHTestTools.publicKey(of: privateKey)
    }
}

/// Small process and socket helpers for the SSH test harness.
package enum SSHTestTools {
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
        package init(_ description: String) { self.description = description }
    }

    /// The user tests log in as: an unprivileged account of their own when running as root
    /// (so that file permissions and sudo mean something), else the current user.
    package static var loginUser: String {
        getuid() == 0 ? TestUser.name : (String(validatingCString: getpwuid(getuid()).pointee.pw_name) ?? "nobody")
    }

    /// Runs a program, throwing with its output when it fails; returns stdout.
    @discardableResult
    package static func run(_ executable: String, _ arguments: [String], input: String? = nil,
                           environment: [String: String]? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        // Captured in files, not pipes (`ExternalProgram.captured` says why).
        let result = try ExternalProgram.captured(process, input: input.map { Data($0.utf8) })
        guard result.status == 0, !result.signaled else {
            throw Failure("\(executable) \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return String(decoding: result.stdout, as: UTF8.self)
    }

    /// `ssh-ed25519 AAAA…` (without the comment) from `path.pub`.
    package static func publicKey(of privateKey: String) throws -> String {
        let text = try String(contentsOfFile: privateKey + ".pub", encoding: .utf8)
        return text.split(separator: " ").prefix(2).joined(separator: " ")
    }

    /// OpenSSH's fingerprint of a public key file, `SHA256:…`.
    package static func fingerprint(of publicKeyFile: String) throws -> String {
        let line = try run("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", publicKeyFile])
        return String(line.split(separator: " ")[1])
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    package static func freePort() throws -> Int {
        let listener = try LoopbackListener()
        return listener.port
    }

    /// Polls until something accepts connections on 127.0.0.1:`port`, for at most five seconds.
    static func waitUntilListening(port: Int, while alive: () -> Bool) -> Bool {
        for _ in 0..<500 {
            guard alive() else { return false }
            if LoopbackListener.canConnect(port: port) { return true }
            usleep(10_000)
        }
        return false
    }
}
