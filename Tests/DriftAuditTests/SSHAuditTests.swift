import DriftAudit
import DriftCore
import DriftRules
import DriftTestSupport
import DriftTransport
import Foundation
import Testing

/// The demo fleet audited over SSH gives exactly the findings of the local audit: one
/// sshd per host, each chrooted into a copy of that host's tree (chroot needs root).
@Suite(.enabled(if: getuid() == 0, "sshd can chroot into the demo trees only when run as root"))
struct SSHAuditTests {
    @Test(arguments: [TransportKind.ssh, .openssh])
    func theDemoFleetOverSSHHasTheLocalFindings(_ kind: TransportKind) throws {
        let local = try DemoFleet.run()
        let inventory = try Inventory.load(path: DemoFleet.inventory)
        let trees = try ChrootTrees(Dictionary(uniqueKeysWithValues: inventory.hosts.compactMap { host in
            host.connection.root.map { (host.name, $0) }
        }))
        precondition(TestUser.ensure())
        let scratch = try TemporaryDirectory(prefix: "stackdrift-ssh-audit")
        let key = try SSHTestKey(in: scratch, name: "id_ed25519")
        var servers: [String: SSHTestServer] = [:]
        for host in inventory.hosts {
            servers[host.name] = try SSHTestServer(.init(authorizedKeys: [key.publicKey], chroot: trees.root(of: host.name)))
        }
        let knownHosts = try scratch.write("known_hosts", servers.values.map(\.knownHostsLine).joined(separator: "\n") + "\n")

        var remote = inventory
        for index in remote.hosts.indices {
            let server = try #require(servers[remote.hosts[index].name])
            remote.hosts[index].connection = ConnectionSettings(
                transport: kind, address: server.address, port: server.port, user: SSHTestTools.loginUser,
                identity: key.privateKey, knownHosts: knownHosts, timeout: 10)
        }
        let options = SSHOptions(configFile: .none, homeDirectory: scratch.path, environment: ["PATH": "/usr/bin:/bin"])
        let auditor = Auditor(inventory: remote, ruleSet: try RuleSet.load(directories: [try BuiltinRules.directory()]),
                              collector: Collector(transports: Auditor.defaultTransports(ssh: options), jobs: 4),
                              toolVersion: "test", clock: { Date(timeIntervalSince1970: 1_764_000_000) })
        let overSSH = try auditor.scratchRun()

        #expect(overSSH.hosts == local.hosts)
        #expect(overSSH.findings == local.findings)
        #expect(overSSH.exitCode == local.exitCode)
        #expect(overSSH.findings.count > 80)
    }
}
