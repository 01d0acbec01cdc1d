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
        let session = try fixture.transport(kind, config: config).connect(to: host)
        defer { session.close() }
        #expect(text(of: session.read(path, limit: 100)) == "via alias\n")
    }

    @Test(arguments: SSHFaultTests.transports)
    func proxyJumpReachesAHostThroughItsJumpHostVerifyingBothKeys(_ kind: TransportKind) throws {
        // Issue 19: transport: ssh refused ProxyJump and sent the operator to transport: openssh.
        // The jump host is the same sshd on another loopback address (ssh refuses a jump to itself).
        let port = try SSHTestTools.freePort()
        let fixture = try SSHFixture { $0.extraLines.append("ListenAddress 127.0.0.2:\(port)") }
        let path = try fixture.write("etc/nova/nova.conf", "behind the jump\n")
        let user = SSHTestTools.loginUser
        // The jump host's key is looked up in the file ssh_config gives it, as ssh does.
        let jumpKnownHosts = try fixture.scratch.write("jump_known_hosts", "[127.0.0.2]:\(port) \(fixture.server.hostPublicKey)\n")
        let config = try fixture.scratch.write("ssh_config", """
        Host behind-jump
            HostName \(fixture.server.address)
            Port \(fixture.server.port)
            ProxyJump \(user)@127.0.0.2:\(port)
        Host 127.0.0.2
            UserKnownHostsFile \(jumpKnownHosts)
        Host *
            User \(user)
            IdentityFile \(fixture.key.privateKey)
            StrictHostKeyChecking yes
            BatchMode yes
        """)
        let host = InventoryHost(name: "behind", roles: [.compute], connection: ConnectionSettings(
            transport: kind, address: "behind-jump", knownHosts: fixture.knownHosts, timeout: 5))
        let transport = fixture.transport(kind, config: config)
        let session = try transport.connect(to: host)
        #expect(text(of: session.read(path, limit: 100)) == "behind the jump\n")
        session.close()
        #expect(fixture.server.log.contains("port \(port)"), "the jump host was used: \(fixture.server.log)")

        // Either key unknown: refused, naming which host.
        try Data().write(to: URL(fileURLWithPath: jumpKnownHosts))
        let jumpUnknown = try #require(connectError(transport, host))
        #expect(jumpUnknown.kind == .unknownHostKey && jumpUnknown.message.contains("127.0.0.2"), "\(jumpUnknown)")
        try Data("[127.0.0.2]:\(port) \(fixture.server.hostPublicKey)\n".utf8).write(to: URL(fileURLWithPath: jumpKnownHosts))
        try Data().write(to: URL(fileURLWithPath: fixture.knownHosts))
        let targetUnknown = try #require(connectError(transport, host))
        #expect(targetUnknown.kind == .unknownHostKey && targetUnknown.message.contains("[127.0.0.1]:\(fixture.server.port)"),
                "\(targetUnknown)")
    }

    @Test func proxyCommandIsLeftToTheOpenSSHTransport() throws {
        let fixture = try SSHFixture()
        let config = try fixture.scratch.write("ssh_config", "Host via-command\n    ProxyCommand nc %h %p\n")
        let host = InventoryHost(name: "behind", roles: [.compute], connection: ConnectionSettings(
            transport: .ssh, address: "via-command", knownHosts: fixture.knownHosts, timeout: 5))
        let error = try #require(connectError(fixture.transport(.ssh, config: config), host))
        #expect(error.kind == .unsupported && error.message.contains("transport: openssh"), "\(error)")
    }

    @Test func sshConfigIncludeAndMatchSupplyTheConnectionOnBothTransports() throws {
        let fixture = try SSHFixture()
        try fixture.scratch.write(".ssh/config.d/lab.conf", """
        Host cmp1-inc
            HostName \(fixture.server.address)
        Match host \(fixture.server.address) originalhost cmp1-*
            Port \(fixture.server.port)
            IdentityFile \(fixture.key.privateKey)
        """)
        let config = try fixture.scratch.write(".ssh/config", "Include config.d/*.conf\nHost *\n    User \(SSHTestTools.loginUser)\n")
        let path = try fixture.write("etc/nova/nova.conf", "included\n")
        for kind in SSHFaultTests.transports {
            let host = InventoryHost(name: "cmp1", roles: [.compute], connection: ConnectionSettings(
                transport: kind, address: "cmp1-inc", knownHosts: fixture.knownHosts, timeout: 5))
            let session = try fixture.transport(kind, config: config).connect(to: host)
            #expect(text(of: session.read(path, limit: 100)) == "included\n", "\(kind)")
            session.close()
        }
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
