import DriftCore
import Foundation

/// How the `openssh` transport runs the system `ssh` client for one host: batch mode
/// (never a prompt), no TTY, no forwarding, strict host key checking (or accept-new),
/// and the inventory's settings as options over whatever `~/.ssh/config` says.
///
/// One `ssh` is the host's control master (`OpenSSHMaster`): it makes the connection, proves
/// the host key and logs in, once. Every read is then an `ssh` multiplexed over it.
struct OpenSSHCommand: Sendable {
    let host: String
    let executable: String
    let options: [String]
    let destination: String
    let environment: [String: String]
    /// Seconds for connecting and for each operation.
    let timeout: Double
    /// The name known_hosts lists the host under, for messages (ssh's own wording wins when it gives one).
    let knownHostsName: String
    let knownHostsFile: String
    /// The inventory's key file, and the legacy algorithms it allows, for advice in errors.
    let identity: String?
    let legacy: LegacySSHAlgorithms

    init(host: InventoryHost, options sshOptions: SSHOptions) throws(TransportError) {
        let connection = host.connection
        self.host = host.name
        guard let executable = Self.find("ssh", in: sshOptions.environment["PATH"] ?? "/usr/bin:/bin") else {
            throw TransportError(.unsupported, host: host.name,
                                 "transport: openssh needs the ssh client, which is not on PATH (Debian: openssh-client)")
        }
        // ssh only warns about a missing -i file and logs in with a default key instead; the
        // inventory named this key, so its absence is the mistake, as with transport: ssh.
        if let identity = connection.identity, !FileManager.default.fileExists(atPath: identity) {
            throw TransportError(.authentication, host: host.name, "identity file '\(identity)' does not exist")
        }
        self.executable = executable
        identity = connection.identity
        legacy = connection.legacyAlgorithms
        timeout = connection.timeout ?? sshOptions.operationTimeout
        destination = connection.address ?? host.name
        environment = sshOptions.environment
        let port = connection.port ?? 22
        knownHostsName = port == 22 ? destination : "[\(destination)]:\(port)"
        knownHostsFile = connection.knownHosts ?? sshOptions.homeDirectory + "/.ssh/known_hosts"

        var options: [String] = []
        switch sshOptions.configFile {
        case .standard: break
        case .file(let path): options += ["-F", path]
        case .none: options += ["-F", "none"]
        }
        for setting in [
            "BatchMode=yes",
            "StrictHostKeyChecking=\(sshOptions.acceptNewHostKeys ? "accept-new" : "yes")",
            "ConnectTimeout=\(Int(timeout.rounded(.up)))",
            "ForwardAgent=no", "ForwardX11=no", "ClearAllForwardings=yes", "PermitLocalCommand=no",
            // Names are never looked up beyond what the operator's resolver already does for `address:`.
            "CanonicalizeHostname=no",
            "LogLevel=ERROR",
        ] {
            options += ["-o", setting]
        }
        if let value = connection.port { options += ["-p", String(value)] }
        if let value = connection.user { options += ["-l", value] }
        if let value = connection.identity { options += ["-o", "IdentityFile=" + Self.configWord(value)] }
        if let value = connection.knownHosts { options += ["-o", "UserKnownHostsFile=" + Self.configWord(value)] }
        if let files = sshOptions.globalKnownHostsFiles {
            options += ["-o", "GlobalKnownHostsFile=" + (files.isEmpty ? "none" : files.map(Self.configWord).joined(separator: " "))]
        }
        options += LegacyAlgorithmOptions.arguments(for: connection.legacyAlgorithms)
        self.options = options + ["-T"]
    }

    /// The control master: connects, checks the host key, logs in, then serves `socket` until stopped.
    func startMaster(socket: String) throws(TransportError) -> ChildProcess {
        try run(options + ["-o", "ControlMaster=yes", "-o", "ControlPersist=no", "-o", "ControlPath=" + Self.configWord(socket),
                           "-N", "--", destination], stdinFromNull: true)
    }

    /// One session over the master at `socket`, opened within `seconds`: the SFTP subsystem
    /// (speaking on stdin and stdout), or one command line for the remote shell.
    func start(through socket: String, subsystem: Bool = false, _ remote: String,
               within seconds: Double) throws(TransportError) -> MuxSession {
        do {
            return try MuxSession(socketPath: socket, command: remote, subsystem: subsystem, within: seconds)
        } catch {
            throw TransportError(error.endsHost ? .dropped : .protocolError, host: host, error.message)
        }
    }

    private func run(_ arguments: [String], stdinFromNull: Bool) throws(TransportError) -> ChildProcess {
        do {
            return try ChildProcess(executable: executable, arguments: arguments, environment: environment,
                                    stdinFromNull: stdinFromNull)
        } catch {
            throw TransportError(error.kind, host: host, error.message)
        }
    }

    /// A value for `ssh -o Keyword=value` that ssh reads as exactly this one word: quoted (a
    /// known_hosts path with a space is one file, not two), `\` and `"` escaped, and `%` doubled
    /// (ssh expands `%` tokens in file names).
    static func configWord(_ value: String) -> String {
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "%", with: "%%")
        return "\"" + escaped + "\""
    }

    private static func find(_ name: String, in path: String) -> String? {
        path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// The `ssh -o` options that allow a host's legacy algorithms. Key exchange and host keys are
/// appended to ssh's defaults (`+`), so nothing else about its choice changes. User keys are
/// listed whole: ssh signs an RSA key with the first RSA algorithm of the list the server
/// advertises, and an sshd that lists `rsa-sha2-*` while accepting only `ssh-rsa` would get
/// SHA-2; with `pubkey: [ssh-rsa]` an RSA key is signed with `ssh-rsa`, as libssh2 1.10 signs it.
enum LegacyAlgorithmOptions {
    /// OpenSSH 9.2's default `PubkeyAcceptedAlgorithms` without its SHA-2 RSA entries.
    static let publicKeyWithoutRSA = [
        "ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
        "ecdsa-sha2-nistp521-cert-v01@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com",
        "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    static func arguments(for legacy: LegacySSHAlgorithms) -> [String] {
        var arguments = [("KexAlgorithms", legacy.keyExchange), ("HostKeyAlgorithms", legacy.hostKey)].flatMap { keyword, names in
            names.isEmpty ? [] : ["-o", "\(keyword)=+" + names.joined(separator: ",")]
        }
        if !legacy.publicKey.isEmpty {
            arguments += ["-o", "PubkeyAcceptedAlgorithms=" + (publicKeyWithoutRSA + legacy.publicKey).joined(separator: ",")]
        }
        return arguments
    }
}
