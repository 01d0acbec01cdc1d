import DriftAudit
import DriftCore
import DriftReporting
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

    @Test(arguments: [TransportKind.ssh, .openssh])
    func aHostCutOffPartWayReportsItsUnreadFilesAsNotCollectedNotAsDrift(_ kind: TransportKind) throws {
        // Issue 19: the files a host had not sent yet were recorded as missing, and every rule
        // reading them failed with "file does not exist".
        let inventory = try Inventory.load(path: DemoFleet.inventory)
        let compute = try #require(inventory.hosts.first { $0.name == "compute1" })
        let trees = try ChrootTrees(["compute1": try #require(compute.connection.root)])
        precondition(TestUser.ensure())
        let scratch = try TemporaryDirectory(prefix: "stackdrift-ssh-partial")
        let key = try SSHTestKey(in: scratch, name: "id_ed25519")
        let server = try SSHTestServer(.init(authorizedKeys: [key.publicKey], chroot: trees.root(of: "compute1")))
        let whole = try LoopbackListener(), cut = try LoopbackListener()
        let knownHosts = try scratch.write("known_hosts", [whole.port, cut.port].map { "[127.0.0.1]:\($0) \(server.hostPublicKey)" }
            .joined(separator: "\n") + "\n")
        func audit(through relay: LoopbackListener) throws -> AuditRun {
            var host = compute
            host.connection = ConnectionSettings(transport: kind, address: "127.0.0.1", port: relay.port,
                                                 user: SSHTestTools.loginUser, identity: key.privateKey,
                                                 knownHosts: knownHosts, timeout: 10)
            // Allowed, not needed here: the report says what the inventory allowed all the same.
            host.connection.legacyAlgorithms = .debian7
            let fleet = Inventory(architecture: inventory.architecture, vars: inventory.vars, hosts: [host])
            let options = SSHOptions(configFile: .none, homeDirectory: scratch.path, environment: ["PATH": "/usr/bin:/bin"])
            let auditor = Auditor(inventory: fleet, ruleSet: try RuleSet.load(directories: [try BuiltinRules.directory()]),
                                  collector: Collector(transports: Auditor.defaultTransports(ssh: options), jobs: 1),
                                  toolVersion: "test", clock: { Date(timeIntervalSince1970: 1_764_000_000) })
            return try auditor.scratchRun()
        }
        whole.relay(to: server.port, cuttingAfter: Int.max)
        let complete = try audit(through: whole)
        #expect(complete.hosts[0].collected, "\(complete.hosts[0])")
        // The same session cut when half of what the server sends has passed: mid-collection.
        cut.relay(to: server.port, cuttingAfter: whole.bytesFromTarget / 2)
        let partial = try audit(through: cut)

        let host = partial.hosts[0]
        #expect(host.errorKind == "dropped", "\(host)")
        #expect(host.error?.contains("not collected and their checks not evaluated") == true, "\(host)")
        let notCollected = Set(host.files.filter { $0.status == .notCollected }.map(\.path))
        #expect(!notCollected.isEmpty && host.files.contains { $0.status == .parsed }, "cut mid-collection: \(host.files)")
        let completeStatus = Dictionary(uniqueKeysWithValues: complete.hosts[0].files.map { ($0.path, $0.status) })
        #expect(host.files.allSatisfy { $0.status != .missing || completeStatus[$0.path] == .missing }, "nothing present is missing")
        // No finding about a file that was not collected, and every finding is one the complete run has too.
        #expect(!partial.findings.contains { notCollected.contains($0.file) })
        let completeFindings = Set(complete.findings)
        #expect(partial.findings.allSatisfy { completeFindings.contains($0) },
                "\(partial.findings.filter { !completeFindings.contains($0) })")
        #expect(partial.exitCode == 2)
        let json = ReportFormat.json.render(partial, options: .init())
        let errors = try JSONSchemaValidator.errors(in: json, schema: DemoFleet.root + "/../../Reports/report.schema.json")
        #expect(errors == nil || errors == [], "\(errors ?? [])")
        #expect(json.contains("\"status\":\"not-collected\""))
        #expect(host.legacyAlgorithms == LegacySSHAlgorithms.debian7.summary)
        #expect(json.contains("\"legacy_algorithms\":["))
    }
}
