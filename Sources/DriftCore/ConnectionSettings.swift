/// Everything a transport needs to reach one host, after `defaults` were merged in.
package struct ConnectionSettings: Sendable, Hashable {
    package var transport: TransportKind
    /// Network address or SSH alias; `nil` means the host's name.
    package var address: String?
    package var port: Int?
    package var user: String?
    /// Read files with `sudo -n CAT -- PATH` instead of SFTP, for root-only files.
    package var sudo: Bool
    /// The node's `cat`, run through sudo by its absolute path so that the sudoers line
    /// allowing it can name exactly that program; `nil` means `defaultCatPath`.
    package var catPath: String?
    /// Local transport: absolute path of the directory standing in for `/`.
    package var root: String?
    /// Private key file (`~` already expanded).
    package var identity: String?
    /// known_hosts file (`~` already expanded).
    package var knownHosts: String?
    /// Seconds allowed for connecting and for each operation.
    package var timeout: Double?
    /// File holding the passphrase of `identity` (`~` already expanded); else `STACKDRIFT_SSH_PASSPHRASE`.
    package var passphraseFile: String?
    /// Name of the environment variable holding the SSH password; password authentication
    /// is attempted only when this is set.
    package var passwordEnv: String?
    /// SHA-1-era algorithms the host may use (`legacy:` in the inventory); none by default.
    package var legacyAlgorithms = LegacySSHAlgorithms()
    /// Directories (besides the including file's own) that MySQL includes may be read from
    /// (`include_dirs:`); anything else a node's my.cnf names is a finding, never a read.
    package var includeConfinement = IncludeConfinement()

    package init(
        transport: TransportKind = .ssh, address: String? = nil, port: Int? = nil, user: String? = nil,
        sudo: Bool = false, root: String? = nil, identity: String? = nil, knownHosts: String? = nil,
        timeout: Double? = nil, passphraseFile: String? = nil, passwordEnv: String? = nil, catPath: String? = nil
    ) {
        self.transport = transport
        self.address = address
        self.port = port
        self.user = user
        self.sudo = sudo
        self.root = root
        self.identity = identity
        self.knownHosts = knownHosts
        self.timeout = timeout
        self.passphraseFile = passphraseFile
        self.passwordEnv = passwordEnv
        self.catPath = catPath
    }

    /// Where Debian 12 (merged /usr) has `cat`; Debian 7 has it only at `/bin/cat`.
    package static let defaultCatPath = "/usr/bin/cat"

    /// The `cat` that `sudo: true` runs on this host.
    package var effectiveCatPath: String { catPath ?? Self.defaultCatPath }
}
