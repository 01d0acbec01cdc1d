import DriftCore
import DriftTestSupport
import DriftTransport
import Foundation
import Testing

/// How the SSH transports log in: key types, passphrases, ssh-agent, passwords, and
/// `~/.ssh/config` aliases.
@Suite struct SSHAuthenticationTests {
    @Test func ecdsaKeysWork() throws {
        let keys = try TemporaryDirectory(prefix: "stackdrift-ssh-keys")
        let ecdsa = try SSHTestKey(in: keys, name: "id_ecdsa", type: "ecdsa")
        let fixture = try SSHFixture { $0.authorizedKeys.append(ecdsa.publicKey) }
        #expect(connectError(fixture.transport(.ssh), fixture.host(.ssh, identity: ecdsa.privateKey)) == nil)
    }

    @Test func anRSAKeyRefusedOverLibssh2ExplainsTheSHA1LimitAndWorksOverOpenSSH() throws {
        let keys = try TemporaryDirectory(prefix: "stackdrift-ssh-keys")
        let rsa = try SSHTestKey(in: keys, name: "id_rsa", type: "rsa")
        let fixture = try SSHFixture { $0.authorizedKeys.append(rsa.publicKey) }
        let error = try #require(connectError(fixture.transport(.ssh), fixture.host(.ssh, identity: rsa.privateKey)))
        #expect(error.kind == .authentication, "\(error)")
        #expect(error.message.contains("SHA-1 'ssh-rsa'") && error.message.contains("transport: openssh"), "\(error)")
        #expect(connectError(fixture.transport(.openssh), fixture.host(.openssh, identity: rsa.privateKey)) == nil)
    }

    @Test func anEncryptedKeyNeedsItsPassphraseFromTheEnvironmentOrAFile() throws {
        let passphrase = "correct horse battery staple"
        let scratch = try TemporaryDirectory(prefix: "stackdrift-ssh-keys")
        let key = try SSHTestKey(in: scratch, name: "id_encrypted", passphrase: passphrase)
        let fixture = try SSHFixture { $0.authorizedKeys.append(key.publicKey) }
        let host = fixture.host(.ssh, identity: key.privateKey)

        let missing = try #require(connectError(fixture.transport(.ssh), host))
        #expect(missing.kind == .authentication, "\(missing)")
        #expect(missing.message.contains("STACKDRIFT_SSH_PASSPHRASE"), "\(missing)")

        let wrong = try #require(connectError(fixture.transport(.ssh, environment: ["STACKDRIFT_SSH_PASSPHRASE": "wrong horse"]), host))
        #expect(!wrong.message.contains("wrong horse"), "a passphrase never appears in an error")

        #expect(connectError(fixture.transport(.ssh, environment: ["STACKDRIFT_SSH_PASSPHRASE": passphrase]), host) == nil)

        let file = try scratch.write("passphrase", passphrase + "\n")
        chmod(file, 0o600)
        #expect(connectError(fixture.transport(.ssh), fixture.host(.ssh, identity: key.privateKey, passphraseFile: file)) == nil)
        chmod(file, 0o644)
        let exposed = try #require(connectError(fixture.transport(.ssh), fixture.host(.ssh, identity: key.privateKey,
                                                                                      passphraseFile: file)))
        #expect(exposed.message.contains("readable by others"), "\(exposed)")
        #expect(!exposed.message.contains(passphrase))
    }

    @Test(arguments: SSHFaultTests.transports)
    func sshAgentKeysAreUsed(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let socket = fixture.scratch.path + "/agent.sock"
        let agent = try TestDaemon(["/usr/bin/ssh-agent", "-D", "-a", socket])
        defer { agent.stop() }
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: socket) { usleep(10_000) }
        try SSHTestTools.run("/usr/bin/ssh-add", ["-q", fixture.key.privateKey], environment: ["SSH_AUTH_SOCK": socket])
        let host = fixture.host(kind, identity: .some(nil))
        #expect(connectError(fixture.transport(kind), host)?.kind == .authentication, "no key without the agent")
        #expect(connectError(fixture.transport(kind, environment: ["SSH_AUTH_SOCK": socket]), host) == nil)
    }

    @Test(.enabled(if: getuid() == 0, "needs root to give the test user a password"))
    func aPasswordIsUsedOnlyWhenTheInventoryNamesItsVariable() throws {
        let fixture = try SSHFixture { $0.passwordAuthentication = true }
        let password = "pw-" + UUID().uuidString
        try TestUser.setPassword(password)
        let withoutKey = fixture.host(.ssh, identity: .some(nil))
        #expect(connectError(fixture.transport(.ssh, environment: ["AUDIT_PASSWORD": password]), withoutKey)?.kind
                == .authentication, "not without password_env")
        let host = fixture.host(.ssh, identity: .some(nil), passwordEnv: "AUDIT_PASSWORD")
        #expect(connectError(fixture.transport(.ssh, environment: ["AUDIT_PASSWORD": password]), host) == nil)
        let wrong = try #require(connectError(fixture.transport(.ssh, environment: ["AUDIT_PASSWORD": "not-it-42"]), host))
        #expect(wrong.kind == .authentication && !wrong.message.contains("not-it-42"), "\(wrong)")
        let unset = try #require(connectError(fixture.transport(.ssh), host))
        #expect(unset.message.contains("'AUDIT_PASSWORD'"), "\(unset)")
    }

    @Test(arguments: SSHFaultTests.transports)
    func sshConfigAliasesSupplyWhatTheInventoryLeavesOut(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let config = try fixture.scratch.write("ssh_config", """
        Host lab-*
            HostName \(fixture.server.address)
            Port \(fixture.server.port)
            User \(SSHTestTools.loginUser)
            IdentityFile \(fixture.key.privateKey)
        Host *
            Port 1
        """)
        let path = try fixture.write("etc/nova/nova.conf", "via alias\n")
        let host = InventoryHost(name: "compute7", roles: [.compute], connection: ConnectionSettings(
            transport: kind, address: "lab-compute7", knownHosts: fixture.knownHosts, timeout: 5))
        var options = fixture.options()
        options.configFile = .file(config)
        let transport: any Transport = kind == .ssh ? SSHTransport(options: options) : OpenSSHTransport(options: options)
        let session = try transport.connect(to: host)
        defer { session.close() }
        #expect(text(of: session.read(path, limit: 100)) == "via alias\n")
    }

    @Test func proxyJumpIsLeftToTheOpenSSHTransport() throws {
        // The jump host is the same sshd on another loopback address (ssh refuses a jump to itself).
        let port = try SSHTestTools.freePort()
        let fixture = try SSHFixture { $0.extraLines.append("ListenAddress 127.0.0.2:\(port)") }
        try Data(("[127.0.0.2]:\(port) \(fixture.server.hostPublicKey)\n").utf8).append(to: fixture.knownHosts)
        let user = SSHTestTools.loginUser
        let config = try fixture.scratch.write("ssh_config", """
        Host behind-jump
            HostName \(fixture.server.address)
            Port \(fixture.server.port)
            ProxyJump \(user)@127.0.0.2:\(port)
        Host *
            User \(user)
            IdentityFile \(fixture.key.privateKey)
            UserKnownHostsFile \(fixture.knownHosts)
            StrictHostKeyChecking yes
            BatchMode yes
        """)
        let host = InventoryHost(name: "behind", roles: [.compute], connection: ConnectionSettings(
            transport: .ssh, address: "behind-jump", knownHosts: fixture.knownHosts, timeout: 5))
        var options = fixture.options()
        options.configFile = .file(config)
        let error = try #require(connectError(SSHTransport(options: options), host))
        #expect(error.kind == .unsupported && error.message.contains("transport: openssh"), "\(error)")

        var viaOpenSSH = host
        viaOpenSSH.connection.transport = .openssh
        #expect(connectError(OpenSSHTransport(options: options), viaOpenSSH) == nil)
        #expect(fixture.server.log.contains("port \(port)"), "the jump host was used: \(fixture.server.log)")
    }
}

extension Data {
    func append(to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: self)
    }
}
