import DriftAudit
import DriftCore
import DriftRules
import DriftTestSupport
import DriftTransport
import Foundation
import Testing

/// An audit user set up only from `inventory sudoers` output reads every file on the first
/// run (issue 18). Each node is a real sshd in a mount namespace of its own, where a copy of a
/// demo tree, owned by root and readable by root only, lies over /etc (and its cpuinfo on
/// /proc/cpuinfo); the generated drop-in goes into that tree's /etc/sudoers.d, so the node's
/// own sudo reads it and nothing outside the namespace changes.
@Suite(.serialized, .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/sudo")
                                && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"),
                             "needs root (mount namespaces, the test user), sudo and unshare"))
struct SudoersAuditTests {
    /// Two nodes: the controller (my.cnf with !includedir, service markers) and a compute node
    /// (/proc/cpuinfo as a fact).
    final class Nodes {
        let scratch: TemporaryDirectory
        let key: SSHTestKey
        let trees: [String: String]
        /// Started once the sudoers drop-ins are in the trees: an overlay's lower layers must not
        /// change while it is mounted.
        private(set) var servers: [String: SSHTestServer] = [:]
        private(set) var knownHosts = "/dev/null"

        init() throws {
            precondition(TestUser.ensure(), "cannot create \(TestUser.name)")
            scratch = try TemporaryDirectory(prefix: "stackdrift-sudoers")
            chmod(scratch.path, 0o755)  // sshd as the test user needs to reach the trees' parent
            key = try SSHTestKey(in: scratch, name: "id_ed25519")
            var trees: [String: String] = [:]
            for name in ["controller", "compute1"] {
                let tree = scratch.path + "/" + name
                try FileManager.default.copyItem(atPath: DemoFleet.root + "/trees/" + name, toPath: tree)
                try Self.lockDown(tree)
                trees[name] = tree
            }
            self.trees = trees
        }

        func start() throws {
            for (name, tree) in trees {
                servers[name] = try SSHTestServer(.init(authorizedKeys: [key.publicKey], mountedTree: tree))
            }
            knownHosts = try scratch.write("known_hosts", servers.values.map(\.knownHostsLine).joined(separator: "\n") + "\n")
        }

        /// Root's files, as on a node: directories 0755, files 0600, so only sudo reads them.
        static func lockDown(_ tree: String) throws {
            let enumerator = FileManager.default.enumerator(atPath: tree)
            chown(tree, 0, 0)
            while let relative = enumerator?.nextObject() as? String {
                let path = tree + "/" + relative
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                chown(path, 0, 0)
                chmod(path, (info.st_mode & S_IFMT) == S_IFDIR ? 0o755 : 0o600)
            }
        }

        func inventory(_ kind: TransportKind) throws -> Inventory {
            let hosts = ["controller": "10.0.0.11", "compute1": "10.0.0.31"].sorted(by: { $0.key > $1.key }).map { name, ip in
                let port = servers[name]?.port ?? 22  // before start: only for planning
                return "  - {name: \(name), roles: [\(name == "controller" ? "controller" : "compute")], address: 127.0.0.1, "
                    + "port: \(port), vars: {management_ip: \(ip), tunnel_ip: 10.0.1.31}}"
            }
            return try Inventory.parse("""
            architecture: neutron
            vars: {controller: controller, controller_ip: 10.0.0.11}
            defaults: {transport: \(kind.rawValue), user: \(TestUser.name), sudo: true, identity: \(key.privateKey),
                       known_hosts: \(knownHosts), timeout: 10}
            hosts:
            \(hosts.joined(separator: "\n"))
            """, file: scratch.path + "/fleet.yaml", baseDirectory: scratch.path)
        }

        /// Installs `text` as the node's drop-in after `visudo -c -f` accepted it.
        func installSudoers(_ text: String, on name: String) throws {
            let directory = trees[name]! + "/etc/sudoers.d"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let staging = scratch.path + "/\(name).sudoers"
            try Data(text.utf8).write(to: URL(fileURLWithPath: staging))
            chmod(staging, 0o440)
            try SSHTestTools.run("/usr/sbin/visudo", ["-c", "-f", staging])
            let installed = directory + "/stackdrift"
            unlink(installed)
            try FileManager.default.copyItem(atPath: staging, toPath: installed)
            chown(installed, 0, 0)
            chmod(installed, 0o440)
        }

        func audit(_ inventory: Inventory, ruleSet: RuleSet) throws -> AuditRun {
            let options = SSHOptions(configFile: .none, homeDirectory: scratch.path, environment: ["PATH": "/usr/bin:/bin"])
            let auditor = Auditor(inventory: inventory, ruleSet: ruleSet,
                                  collector: Collector(transports: Auditor.defaultTransports(ssh: options), jobs: 2),
                                  toolVersion: "test")
            return try auditor.scratchRun()
        }
    }

    @Test(arguments: [TransportKind.ssh, .openssh])
    func anAuditUserSetUpFromInventorySudoersReadsEveryFileOnTheFirstRun(_ kind: TransportKind) throws {
        let nodes = try Nodes()
        let ruleSet = try RuleSet.load(directories: [try BuiltinRules.directory()])
        let plan = AuditPlan(inventory: try nodes.inventory(kind), ruleSet: ruleSet)
        for planned in plan.hosts {
            var one = plan
            one.hosts = [planned]
            // Debian 12's sudo (1.9.13) reads regular expressions: the includedir's files are allowed too.
            let text = SudoersPolicy(plan: one, defaultUser: "nobody", regexForIncludes: true).render(header: ["test"])
            try nodes.installSudoers(text, on: planned.host.name)
        }
        try nodes.start()

        let run = try nodes.audit(try nodes.inventory(kind), ruleSet: ruleSet)
        for planned in plan.hosts {
            let host = try #require(run.hosts.first { $0.name == planned.host.name })
            #expect(host.error == nil, "\(host.name): \(host.error ?? "")")
            for file in host.files {
                #expect([.parsed, .present, .missing].contains(file.status), "\(host.name) \(file.path): \(file.reason ?? "")")
            }
            // Every planned file was asked for; the ones the tree has were read.
            for file in planned.files {
                let exists = FileManager.default.fileExists(atPath: nodes.trees[host.name]! + file.path)
                if exists {
                    #expect(host.files.contains { $0.path == file.path && $0.status != .missing },
                            "\(host.name) \(file.path) is in the tree but was not read")
                }
            }
        }
        let controller = try #require(run.hosts.first { $0.name == "controller" })
        #expect(controller.files.contains { $0.path == "/etc/mysql/conf.d/mysqld_openstack.cnf" && $0.status == .parsed },
                "the file my.cnf's !includedir names, allowed by the regular expression: \(controller.files.filter { $0.path.hasPrefix("/etc/mysql") }.map { "\($0.path) \($0.status) \($0.reason ?? "")" })")
        let compute = try #require(run.hosts.first { $0.name == "compute1" })
        #expect(compute.files.contains { $0.path == "/proc/cpuinfo" && $0.status == .present })
        #expect(!run.findings.contains { $0.status == .error }, "\(run.findings.filter { $0.status == .error }.map(\.message))")
    }

    /// Without --sudo-regex the includedir's files are only explained, so sudo refuses the
    /// included files: the lines are exact, the comment says what to add, and a refused file
    /// is unreadable on its own while the rest of the host is read.
    @Test func withoutTheRegexTheIncludedFilesNeedTheirOwnLines() throws {
        let nodes = try Nodes()
        let ruleSet = try RuleSet.load(directories: [try BuiltinRules.directory()])
        var plan = AuditPlan(inventory: try nodes.inventory(.ssh), ruleSet: ruleSet)
        plan.hosts = plan.hosts.filter { $0.host.name == "controller" }
        let text = SudoersPolicy(plan: plan, defaultUser: "nobody").render(header: ["test"])
        #expect(text.contains("#   \(TestUser.name) ALL=(root) NOPASSWD: /usr/bin/cat ^-- /etc/mysql/conf\\.d/[A-Za-z0-9_.-]+\\.cnf$"))
        try nodes.installSudoers(text, on: "controller")
        try nodes.start()
        var controllerOnly = try nodes.inventory(.ssh)
        controllerOnly.hosts = controllerOnly.hosts.filter { $0.name == "controller" }
        let host = try #require(try nodes.audit(controllerOnly, ruleSet: ruleSet).hosts.first)
        #expect(host.collected, "\(host.error ?? "")")
        let refused = host.files.filter { $0.path.hasPrefix("/etc/mysql/conf.d/") }
        #expect(!refused.isEmpty && refused.allSatisfy { $0.status == .unreadable && $0.reason?.contains("sudo") == true },
                "\(refused)")
        #expect(host.files.contains { $0.path == "/etc/nova/nova.conf" && $0.status == .parsed }, "the rest is read")
    }
}
