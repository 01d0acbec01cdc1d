import DriftCore
import DriftTestSupport
import DriftTransport
import Foundation
import Testing

/// The guide's nodes run Debian 7: an sshd offering what OpenSSH 6.0 offers (RSA and ECDSA host
/// keys, SHA-1 `ssh-rsa` signatures, `diffie-hellman-group14-sha1`, no curve25519). Both
/// transports reach it with an ECDSA key and its ECDSA host key recorded; what needs SHA-1 (its
/// RSA host key, an RSA user key) works only where the inventory allows it (`legacy:`), and is
/// refused with advice saying so otherwise.
@Suite struct SSHLegacyNodeTests {
    static let transports = SSHFaultTests.transports

    /// A Debian-7-like sshd accepting both user keys, with known_hosts listing the host key of `recorded` type.
    struct LegacyNode {
        let fixture: SSHFixture
        let keys: TemporaryDirectory
        let ecdsa: SSHTestKey, rsa: SSHTestKey
        let path: String

        init(recorded: String) throws {
            let keys = try TemporaryDirectory(prefix: "stackdrift-legacy-keys")
            let ecdsa = try SSHTestKey(in: keys, name: "id_ecdsa", type: "ecdsa")
            let rsa = try SSHTestKey(in: keys, name: "id_rsa", type: "rsa")
            fixture = try SSHFixture { configuration in
                configuration.likeDebian7()
                configuration.authorizedKeys += [ecdsa.publicKey, rsa.publicKey]
            }
            self.keys = keys
            self.ecdsa = ecdsa
            self.rsa = rsa
            let server = fixture.server
            try fixture.scratch.write("known_hosts", "\(server.knownHostsName) \(server.hostPublicKeys[recorded]!)\n")
            path = try fixture.write("etc/nova/nova.conf", "[DEFAULT]\nmy_ip = 10.0.0.31\n")
        }

        func read(_ kind: TransportKind, key: SSHTestKey, legacy: LegacySSHAlgorithms = LegacySSHAlgorithms()) -> Result<String?, TransportError> {
            var host = fixture.host(kind, identity: key.privateKey)
            host.connection.legacyAlgorithms = legacy
            do {
                let session = try fixture.transport(kind).connect(to: host)
                defer { session.close() }
                return .success(text(of: session.read(path, limit: 1024)))
            } catch {
                return .failure(error)
            }
        }
    }

    @Test(arguments: transports)
    func anECDSAKeyReachesADebian7NodeWithNothingLegacyAllowed(_ kind: TransportKind) throws {
        let node = try LegacyNode(recorded: "ecdsa")
        #expect(try node.read(kind, key: node.ecdsa).get() == "[DEFAULT]\nmy_ip = 10.0.0.31\n")
    }

    @Test(arguments: transports)
    func itsRecordedRSAHostKeyNeedsLegacy(_ kind: TransportKind) throws {
        let node = try LegacyNode(recorded: "rsa")
        guard case .failure(let error) = node.read(kind, key: node.ecdsa) else {
            Issue.record("a recorded RSA host key needs ssh-rsa, which is legacy")
            return
        }
        // The node proves its ECDSA key instead, which known_hosts does not hold: a changed key, as ssh says.
        #expect(error.kind == .hostKeyMismatch, "\(error)")
        #expect(error.message.contains("legacy: true"), "\(error)")
        #expect(try node.read(kind, key: node.ecdsa, legacy: .debian7).get() == "[DEFAULT]\nmy_ip = 10.0.0.31\n")
        let hostKeyOnly = LegacySSHAlgorithms(hostKey: ["ssh-rsa"])
        #expect(try node.read(kind, key: node.ecdsa, legacy: hostKeyOnly).get() != nil, "exactly what is needed suffices")
    }

    @Test(arguments: transports)
    func anRSAUserKeyNeedsLegacy(_ kind: TransportKind) throws {
        let node = try LegacyNode(recorded: "ecdsa")
        guard case .failure(let error) = node.read(kind, key: node.rsa) else {
            Issue.record("an RSA user key signs with ssh-rsa, which is legacy")
            return
        }
        #expect(error.kind == .authentication, "\(error)")
        #expect(error.message.contains("legacy: true"), "\(error)")
        #expect(try node.read(kind, key: node.rsa, legacy: LegacySSHAlgorithms(publicKey: ["ssh-rsa"])).get() != nil)
    }
}
