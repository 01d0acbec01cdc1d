import DriftAudit
import DriftCore
import DriftReporting
import DriftRules
import DriftStore
import DriftTestSupport
import DriftTransport
import Foundation
import Testing

/// Issue 20: a compromised controller (`HostileNode`) audited from a local tree and over a real
/// sshd. No planted secret and no file outside /etc/mysql may appear in any report or in the
/// database's inflated contents; each include leading outside is a finding, never a read.
@Suite struct HostileNodeTests {
    static let demoController = DemoFleet.root + "/trees/controller"

    /// Audits `host` into a scratch store and returns every output: the reports rendered from
    /// the stored run, the coloured terminal summary, and every inflated blob of the database.
    static func outputs(of host: InventoryHost, ssh options: SSHOptions = SSHOptions()) throws
        -> (run: AuditRun, outputs: [(String, String)]) {
        let scratch = try TemporaryDirectory(prefix: "stackdrift-hostile")
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: scratch.path + "/h.db.key"))
        let store = try SnapshotStore(path: scratch.path + "/h.db")
        let inventory = Inventory(architecture: .neutron, vars: ["controller": "controller"], hosts: [host])
        let auditor = Auditor(inventory: inventory, ruleSet: try RuleSet.load(directories: [try BuiltinRules.directory()]),
                              collector: Collector(transports: Auditor.defaultTransports(ssh: options), jobs: 1),
                              toolVersion: "test", clock: { Date(timeIntervalSince1970: 1_764_000_000) })
        let outcome = try auditor.run(store: store)
        if let error = outcome.storeError { throw error }
        let stored = try #require(outcome.stored)
        var outputs: [(String, String)] = []
        for format in ReportFormat.allCases {
            let sink = StringSink()
            try format.write(stored, options: ReportFormat.Options(), to: sink)
            outputs.append((format.rawValue, sink.text))
        }
        outputs.append(("terminal", TextReport(color: true).render(summaryOf: stored)))
        try store.forEachBlob { id, kind, _, bytes in
            outputs.append(("blob \(id) (\(kind))", String(decoding: try bytes.get(), as: UTF8.self)))
        }
        return (try store.loadRun(outcome.header.id!), outputs)
    }

    static func expectNothingLeaked(_ outputs: [(String, String)], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        for (name, text) in outputs {
            for marker in HostileNode.markers {
                #expect(!text.contains(marker), "'\(marker)' appears in \(name)", sourceLocation: sourceLocation)
            }
            if name == "terminal" || name == "text" {
                for sequence in HostileNode.controlSequences {
                    #expect(!text.contains(sequence), "a raw control sequence reaches \(name)", sourceLocation: sourceLocation)
                }
            }
        }
    }

    static func expectIncludesRefused(_ run: AuditRun, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let refused = run.findings.filter { $0.rule == "mysql.includes.confined" && $0.status == .fail }
        let messages = refused.map(\.message).sorted()
        #expect(refused.allSatisfy { $0.severity == .high && $0.file == "/etc/mysql/my.cnf" }, sourceLocation: sourceLocation)
        #expect(messages.contains { $0.contains("'/root/.ssh/id_ed25519', outside /etc/mysql") }, "\(messages)",
                sourceLocation: sourceLocation)
        #expect(messages.contains { $0.contains("directory '/etc/ssh/', outside /etc/mysql") }, "\(messages)",
                sourceLocation: sourceLocation)
        #expect(messages.contains { $0.contains("'/etc/mysql/conf.d/zz-shadow.cnf', a symbolic link to '/etc/shadow'") },
                "\(messages)", sourceLocation: sourceLocation)
        #expect(messages.contains { $0.contains("'/etc/mysql/conf.d/zz-up.cnf', a symbolic link to '/etc/shadow'") },
                "\(messages)", sourceLocation: sourceLocation)
        let stored = run.hosts.flatMap(\.files).map(\.path)
        for outside in ["/root/.ssh/id_ed25519", "/etc/shadow", "/etc/ssh/sshd.cnf", "/etc/mysql/conf.d/zz-shadow.cnf"] {
            #expect(!stored.contains(outside), "'\(outside)' was stored", sourceLocation: sourceLocation)
        }
    }

    @Test func aHostileLocalTreeLeaksNothingAndItsIncludesAreFindings() throws {
        let scratch = try TemporaryDirectory(prefix: "stackdrift-hostile-tree")
        try HostileNode.plant(copying: Self.demoController, to: scratch.path + "/controller")
        let host = InventoryHost(name: "controller", roles: [.controller],
                                 vars: ["management_ip": "10.0.0.11", "controller": "controller"],
                                 connection: ConnectionSettings(transport: .local, root: scratch.path + "/controller"))
        let (run, outputs) = try Self.outputs(of: host)
        Self.expectIncludesRefused(run)
        Self.expectNothingLeaked(outputs)
        // The masked files are still there, tagged: nova.conf did not parse, neutron.conf did.
        let blobs = outputs.filter { $0.0.hasPrefix("blob") }.map(\.1).joined()
        #expect(blobs.contains("rabbit_password = <redacted:"))
        #expect(blobs.contains("mysql://neutron:<redacted:"))
    }

    @Test func includeDirsWidenTheConfinement() throws {
        let scratch = try TemporaryDirectory(prefix: "stackdrift-hostile-tree")
        try HostileNode.plant(copying: Self.demoController, to: scratch.path + "/controller")
        var connection = ConnectionSettings(transport: .local, root: scratch.path + "/controller")
        connection.includeConfinement = IncludeConfinement(directories: ["/etc/mysql", "/etc/ssh"])
        let host = InventoryHost(name: "controller", roles: [.controller], vars: ["management_ip": "10.0.0.11"],
                                 connection: connection)
        let (run, _) = try Self.outputs(of: host)
        let messages = run.findings.filter { $0.rule == "mysql.includes.confined" && $0.status == .fail }.map(\.message)
        #expect(!messages.contains { $0.contains("directory '/etc/ssh/'") }, "listed in include_dirs, /etc/ssh is read")
        #expect(messages.contains { $0.contains("/root/.ssh/id_ed25519") })
        #expect(run.hosts[0].files.map(\.path).contains("/etc/ssh/sshd.cnf"))
    }

    @Test(.enabled(if: getuid() == 0, "sshd can chroot into the hostile tree only when run as root"),
          arguments: [TransportKind.ssh, .openssh])
    func aHostileNodeOverSSHLeaksNothingAndItsIncludesAreFindings(_ kind: TransportKind) throws {
        let scratch = try TemporaryDirectory(prefix: "stackdrift-hostile-ssh")
        try HostileNode.plant(copying: Self.demoController, to: scratch.path + "/controller")
        let trees = try ChrootTrees(["controller": scratch.path + "/controller"])
        precondition(TestUser.ensure())
        let key = try SSHTestKey(in: scratch, name: "id_ed25519")
        let server = try SSHTestServer(.init(authorizedKeys: [key.publicKey], chroot: trees.root(of: "controller")))
        let knownHosts = try scratch.write("known_hosts", server.knownHostsLine + "\n")
        let host = InventoryHost(name: "controller", roles: [.controller], vars: ["management_ip": "10.0.0.11"],
                                 connection: ConnectionSettings(transport: kind, address: server.address, port: server.port,
                                                                user: SSHTestTools.loginUser, identity: key.privateKey,
                                                                knownHosts: knownHosts, timeout: 10))
        let options = SSHOptions(configFile: .none, homeDirectory: scratch.path, environment: ["PATH": "/usr/bin:/bin"])
        let (run, outputs) = try Self.outputs(of: host, ssh: options)
        #expect(run.hosts[0].collected, "\(run.hosts[0])")
        Self.expectIncludesRefused(run)
        Self.expectNothingLeaked(outputs)
    }
}
