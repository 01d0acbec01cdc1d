import DriftCore
import Foundation

/// How the `openssh` transport runs the system `ssh` client for one host: batch mode
/// (never a prompt), no TTY, no forwarding, strict host key checking (or accept-new),
/// and the inventory's settings as options over whatever `~/.ssh/config` says.
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

    init(host: InventoryHost, options sshOptions: SSHOptions) throws(TransportError) {
        let connection = host.connection
        self.host = host.name
        guard let executable = Self.find("ssh", in: sshOptions.environment["PATH"] ?? "/usr/bin:/bin") else {
            throw TransportError(.unsupported, host: host.name,
                                 "transport: openssh needs the ssh client, which is not on PATH (Debian: openssh-client)")
        }
        self.executable = executable
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
            "LogLevel=ERROR",
        ] {
            options += ["-o", setting]
        }
        if let value = connection.port { options += ["-p", String(value)] }
        if let value = connection.user { options += ["-l", value] }
        if let value = connection.identity { options += ["-i", value] }
        if let value = connection.knownHosts { options += ["-o", "UserKnownHostsFile=\(value)"] }
        self.options = options + ["-T"]
    }

    /// Starts ssh running `remote`: the SFTP subsystem, or one command line for the remote shell.
    func start(subsystem: Bool = false, _ remote: String) throws(TransportError) -> ChildProcess {
        let arguments = options + (subsystem ? ["-s"] : ["-n"]) + ["--", destination, remote]
        do {
            return try ChildProcess(executable: executable, arguments: arguments, environment: environment,
                                    stdinFromNull: !subsystem)
        } catch {
            throw TransportError(error.kind, host: host, error.message)
        }
    }

    private static func find(_ name: String, in path: String) -> String? {
        path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
