import Foundation

/// Settings shared by the `ssh` (libssh2) and `openssh` (system client) transports
/// that come from the command line and the environment rather than the inventory.
package struct SSHOptions: Sendable {
    /// Which `ssh_config` file supplies `Host` aliases.
    package enum ConfigFile: Sendable, Hashable {
        /// `~/.ssh/config` (the `openssh` transport also reads the system-wide file, as `ssh` does).
        case standard
        /// This file only.
        case file(String)
        /// No configuration file at all.
        case none
    }

    /// Record the key of a host that is not in known_hosts yet, as OpenSSH's
    /// `StrictHostKeyChecking=accept-new`; a changed key is refused all the same.
    package var acceptNewHostKeys: Bool
    /// Seconds allowed for connecting and for each operation, when the inventory sets no `timeout`.
    package var operationTimeout: Double
    /// Seconds allowed for everything done on one host, from connecting to the last file.
    package var hostTimeout: Double
    package var configFile: ConfigFile
    /// The system-wide known_hosts files, consulted (never written) after the user's; `nil`
    /// means OpenSSH's defaults, `/etc/ssh/ssh_known_hosts` and `/etc/ssh/ssh_known_hosts2`.
    package var globalKnownHostsFiles: [String]?
    /// Where `~` points: the default known_hosts, identities and `~/.ssh/config` are found there.
    package var homeDirectory: String
    /// The environment credentials are read from: `SSH_AUTH_SOCK`, `STACKDRIFT_SSH_PASSPHRASE`,
    /// the variable an inventory's `password_env` names, and `PATH` to find `ssh`.
    package var environment: [String: String]

    package static let defaultOperationTimeout = 10.0
    package static let defaultHostTimeout = 300.0
    /// The environment variable holding the passphrase of encrypted private keys.
    package static let passphraseVariable = "STACKDRIFT_SSH_PASSPHRASE"

    package init(acceptNewHostKeys: Bool = false, operationTimeout: Double = SSHOptions.defaultOperationTimeout,
                hostTimeout: Double = SSHOptions.defaultHostTimeout, configFile: ConfigFile = .standard,
                globalKnownHostsFiles: [String]? = nil,
                homeDirectory: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.acceptNewHostKeys = acceptNewHostKeys
        self.operationTimeout = operationTimeout
        self.hostTimeout = hostTimeout
        self.configFile = configFile
        self.globalKnownHostsFiles = globalKnownHostsFiles
        self.homeDirectory = homeDirectory ?? environment["HOME"] ?? NSHomeDirectory()
        self.environment = environment
    }

    /// The configuration files the libssh2 transport reads, as `ssh` would: the user's (relative
    /// `Include`s in `~/.ssh`), then, by default, the system's (relative to `/etc/ssh`).
    var configFiles: [SSHConfig.File] {
        let user = homeDirectory + "/.ssh"
        switch configFile {
        case .standard:
            return [SSHConfig.File(path: user + "/config", includeDirectory: user),
                    SSHConfig.File(path: "/etc/ssh/ssh_config", includeDirectory: "/etc/ssh")]
        case .file(let path): return [SSHConfig.File(path: path, includeDirectory: user)]
        case .none: return []
        }
    }
}
