import DriftCore
import DriftTestSupport
import DriftTransport
import Foundation

/// A test sshd with a client key authorised on it, a known_hosts file that lists it,
/// and a directory of files to read, all thrown away afterwards.
final class SSHFixture {
    let scratch: TemporaryDirectory
    let key: SSHTestKey
    let server: SSHTestServer
    /// Files served to the tests; readable by the login user.
    let files: TemporaryDirectory
    let knownHosts: String

    init(configure: (inout SSHTestServer.Configuration) -> Void = { _ in }, trusted: Bool = true) throws {
        if getuid() == 0 { precondition(TestUser.ensure(), "cannot create the test user \(TestUser.name)") }
        scratch = try TemporaryDirectory(prefix: "stackdrift-ssh-client")
        key = try SSHTestKey(in: scratch, name: "id_ed25519")
        var configuration = SSHTestServer.Configuration(authorizedKeys: [key.publicKey])
        configure(&configuration)
        server = try SSHTestServer(configuration)
        files = try TemporaryDirectory(prefix: "stackdrift-ssh-files")
        knownHosts = try scratch.write("known_hosts", trusted ? server.knownHostsLine + "\n" : "")
    }

    /// Lists the server's key under another port too (for a relay in front of it).
    func trust(port: Int) throws {
        try Data("[\(server.address)]:\(port) \(server.hostPublicKey)\n".utf8).append(to: knownHosts)
    }

    /// Writes a fixture file and returns its absolute path on the "remote" host.
    @discardableResult
    func write(_ relativePath: String, _ text: String) throws -> String { try files.write(relativePath, text) }

    /// An inventory host reaching the test server.
    func host(_ transport: TransportKind, name: String = "node1", port: Int? = nil, sudo: Bool = false,
              user: String? = SSHTestTools.loginUser, identity: String?? = .none, knownHosts: String? = nil,
              timeout: Double? = 5, passwordEnv: String? = nil, passphraseFile: String? = nil) -> InventoryHost {
        InventoryHost(name: name, roles: [.compute], connection: ConnectionSettings(
            transport: transport, address: server.address, port: port ?? server.port, user: user, sudo: sudo,
            identity: identity ?? key.privateKey, knownHosts: knownHosts ?? self.knownHosts, timeout: timeout,
            passphraseFile: passphraseFile, passwordEnv: passwordEnv))
    }

    /// Options isolated from the developer's own ~/.ssh and ssh-agent, and from the machine's known hosts.
    func options(acceptNew: Bool = false, environment: [String: String] = [:], hostTimeout: Double = 60) -> SSHOptions {
        var base = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": scratch.path]
        base.merge(environment) { _, new in new }
        return SSHOptions(acceptNewHostKeys: acceptNew, hostTimeout: hostTimeout, configFile: .none, globalKnownHostsFiles: [],
                          homeDirectory: scratch.path, environment: base)
    }

    /// A transport of `kind` with `options()`, reading the ssh configuration `config` when given.
    func transport(_ kind: TransportKind, acceptNew: Bool = false, environment: [String: String] = [:],
                   hostTimeout: Double = 60, config: String? = nil) -> any Transport {
        var options = options(acceptNew: acceptNew, environment: environment, hostTimeout: hostTimeout)
        if let config { options.configFile = .file(config) }
        return kind == .openssh ? OpenSSHTransport(options: options) : SSHTransport(options: options)
    }
}

/// The text of a successful read, else nil.
func text(of read: FileRead) -> String? {
    if case .content(let bytes) = read { return String(decoding: bytes, as: UTF8.self) }
    return nil
}

/// The error of a failed read, else nil.
func failure(of read: FileRead) -> TransportError? {
    if case .failed(let error) = read { return error }
    return nil
}

/// The error `connect` throws, else nil.
func connectError(_ transport: any Transport, _ host: InventoryHost) -> TransportError? {
    do {
        let session = try transport.connect(to: host)
        session.close()
        return nil
    } catch {
        return error
    }
}
