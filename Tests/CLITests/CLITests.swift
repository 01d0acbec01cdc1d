import DriftTestSupport
import Foundation
import Testing

/// Runs the built `stackdrift` binary the way an operator or cron does.
enum CLI {
    static let packageRoot = URL(fileURLWithPath: ExternalProgram.packageRoot)

    /// The binary sits beside the test bundle in the build directory.
    static var binary: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("stackdrift").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/stackdrift").path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The process was killed by a signal (`status` is then the signal's number).
        var signaled = false
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let output = try ExternalProgram.run(binary, arguments, environment: environment, currentDirectory: packageRoot.path)
        return Result(status: output.status, stdout: String(decoding: output.stdout, as: UTF8.self), stderr: output.stderr,
                      signaled: output.signaled)
    }
}

/// A scratch directory for databases, reports and inventories.
typealias Scratch = TemporaryDirectory

private let demoInventory = "Examples/demo/inventory.yaml"

@Suite(.serialized) struct CLITests {
    @Test func demoAuditReportsDriftStoresTheRunAndExits1() throws {
        let scratch = try Scratch(prefix: "stackdrift-cli")
        let result = try CLI.run(["audit", "--inventory", demoInventory, "--db", scratch.path + "/a.db",
                                  "--json", scratch.path + "/report.json"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("stackdrift audit of 7 hosts"))
        #expect(result.stdout.contains("FAIL  high     fix /etc/nova/nova.conf:22 on compute2: [DEFAULT] vncserver_proxyclient_address"))
        #expect(result.stdout.contains("expected '10.0.0.32', found '10.0.0.31'"))
        #expect(result.stdout.contains("DRIFT: 9 problems (12 failing checks on 4 hosts)"))
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/a.db"))
        let report = try String(contentsOfFile: scratch.path + "/report.json", encoding: .utf8)
        #expect(report.contains("\"schema\": \"stackdrift-report/1\""))
        for secret in DemoFleetSecrets.all {
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret) && !report.contains(secret),
                    "'\(secret)' leaked")
        }
    }

    @Test func aSecondRunGetsTheNextRunID() throws {
        let scratch = try Scratch(prefix: "stackdrift-cli")
        _ = try CLI.run(["audit", "-i", demoInventory, "--db", scratch.path + "/a.db", "--quiet"])
        let second = try CLI.run(["audit", "-i", demoInventory, "--db", scratch.path + "/a.db"])
        #expect(second.stdout.contains("(run 2)"))
    }

    @Test func jsonOnStdoutSendsTheSummaryToStderr() throws {
        let scratch = try Scratch(prefix: "stackdrift-cli")
        let result = try CLI.run(["audit", "-i", demoInventory, "--db", scratch.path + "/a.db", "--json", "-"])
        #expect(result.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["schema"] as? String == "stackdrift-report/1")
        #expect(result.stderr.contains("DRIFT"))
    }

    @Test func aCleanFleetExits0() throws {
        let scratch = try Scratch(prefix: "stackdrift-cli")
        let inventory = try scratch.write("clean.yaml", """
        architecture: neutron
        vars: {controller: controller}
        hosts:
          - name: compute1
            transport: local
            root: \(CLI.packageRoot.path)/Examples/demo/trees/compute1
            roles: [compute]
            vars: {management_ip: 10.0.0.31, tunnel_ip: 10.0.1.31}
        """)
        let result = try CLI.run(["audit", "-i", inventory, "--db", scratch.path + "/a.db"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("OK: no drift from the guide"))
    }

    @Test func anUnreachableHostMakesTheAuditIncompleteButTheRestIsAudited() throws {
        let scratch = try Scratch(prefix: "stackdrift-cli")
        let inventory = try scratch.write("partial.yaml", """
        architecture: neutron
        vars: {controller: controller}
        defaults: {transport: local}
        hosts:
          - {name: compute1, root: \(CLI.packageRoot.path)/Examples/demo/trees/compute1, roles: [compute],
             vars: {management_ip: 10.0.0.31, tunnel_ip: 10.0.1.31}}
          - {name: gone, root: /nonexistent/tree, roles: [compute]}
        """)
        let result = try CLI.run(["audit", "-i", inventory, "--db", scratch.path + "/a.db", "--json", scratch.path + "/r.json"])
        #expect(result.status == 2)
        #expect(result.stdout.contains("HOST FAILED  gone: local tree '/nonexistent/tree' does not exist"))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path + "/r.json"))) as? [String: Any]
        let summary = report?["summary"] as? [String: Any]
        #expect(summary?["pass"] as? Int ?? 0 > 30, "compute1 was still audited")
    }

    @Test func aMalformedInventoryExits64NamingFileAndLine() throws {
        let scratch = try Scratch(prefix: "stackdrift-cli")
        let inventory = try scratch.write("bad.yaml", "architecture: neutron\nhosts:\n  - name: c1\n    roles: [comptue]\n")
        let result = try CLI.run(["audit", "-i", inventory, "--db", scratch.path + "/a.db"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("bad.yaml:4:"))
        #expect(result.stderr.contains("unknown role 'comptue'"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/a.db"), "nothing happens before the inventory is valid")
    }

    @Test func aMissingRuleDirectoryExits64() throws {
        let scratch = try Scratch(prefix: "stackdrift-cli")
        let result = try CLI.run(["audit", "-i", demoInventory, "--rules", "/nonexistent/rules", "--db", scratch.path + "/a.db"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("rule directory '/nonexistent/rules' does not exist"))
    }

    @Test func extraRuleDirectoriesAddRules() throws {
        let scratch = try Scratch(prefix: "stackdrift-cli")
        try scratch.write("rules/site.yaml", """
        file: /etc/nova/nova.conf
        rules:
          - id: site.nova.verbose
            title: nova logs verbosely
            section: DEFAULT
            key: verbose
            equals: "False"
            guide: {section: "site policy"}
            examples: {pass: ["[DEFAULT]\\nverbose = False\\n"], fail: ["[DEFAULT]\\nverbose = True\\n"]}
        """)
        let result = try CLI.run(["audit", "-i", demoInventory, "--rules", scratch.path + "/rules",
                                  "--db", scratch.path + "/a.db"])
        #expect(result.stdout.contains("(site.nova.verbose)"))
    }

    @Test func usageErrorsExit64() throws {
        #expect(try CLI.run(["audit"]).status == 64)
        #expect(try CLI.run(["audit", "-i", demoInventory, "--jobs", "0"]).status == 64)
        #expect(try CLI.run(["audit", "-i", demoInventory, "--host-timeout", "0"]).status == 64)
        #expect(try CLI.run(["frobnicate"]).status == 64)
    }

    @Test func helpTeachesWithExamples() throws {
        let help = try CLI.run(["audit", "--help"])
        #expect(help.status == 0)
        for fragment in ["--inventory", "--rules", "--db", "--json", "--accept-new", "--host-timeout", "Examples:", "Exit codes"] {
            #expect(help.stdout.contains(fragment), "help lacks '\(fragment)'")
        }
        let top = try CLI.run(["--help"])
        #expect(top.stdout.contains("audit"))
        #expect(try CLI.run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == false)
    }

    @Test func anUnknownSSHHostFailsUntilAcceptNewRecordsItsKey() throws {
        if getuid() == 0 { try #require(TestUser.ensure()) }
        let scratch = try Scratch(prefix: "stackdrift-cli")
        let key = try SSHTestKey(in: scratch, name: "id_ed25519")
        let server = try SSHTestServer(.init(authorizedKeys: [key.publicKey]))
        let knownHosts = scratch.path + "/known_hosts"
        let inventory = try scratch.write("ssh.yaml", """
        architecture: neutron
        vars: {controller: controller}
        defaults: {transport: ssh, user: \(SSHTestTools.loginUser), identity: \(key.privateKey), known_hosts: \(knownHosts),
                   timeout: 5}
        hosts:
          - {name: compute9, address: 127.0.0.1, port: \(server.port), roles: [compute],
             vars: {management_ip: 10.0.0.39, tunnel_ip: 10.0.1.39}}
        """)
        // Keep the developer's own ~/.ssh and ssh-agent out of it.
        let environment = ["HOME": scratch.path, "SSH_AUTH_SOCK": ""]
        let arguments = ["audit", "-i", inventory, "--db", scratch.path + "/a.db"]

        let refused = try CLI.run(arguments, environment: environment)
        #expect(refused.status == 2)
        #expect(refused.stdout.contains("HOST FAILED  compute9: host key for '[127.0.0.1]:\(server.port)' is not in known_hosts"),
                "\(refused.stdout)")
        #expect(!refused.stderr.contains("collecting"), "no progress line when not on a terminal")

        let accepted = try CLI.run(arguments + ["--accept-new"], environment: environment)
        #expect(!accepted.stdout.contains("HOST FAILED"), "\(accepted.stdout)")
        let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
        #expect(recorded.contains(server.hostPublicKey), "\(recorded)")

        let known = try CLI.run(arguments, environment: environment)
        #expect(!known.stdout.contains("HOST FAILED"), "known from now on without --accept-new")
    }

    @Test func quietStillPrintsOneLinePerFailedHostAndUnwritableReport() throws {
        // Issue 19: with --quiet an audit where a host was unreachable printed nothing, so cron mailed nothing.
        let scratch = try Scratch(prefix: "stackdrift-cli")
        let closed = try SSHTestTools.freePort()
        let inventory = try scratch.write("fleet.yaml", """
        architecture: neutron
        vars: {controller: controller}
        defaults: {transport: ssh, user: nobody, known_hosts: \(scratch.path)/known_hosts, timeout: 5}
        hosts:
          - {name: gone1, address: 127.0.0.1, port: \(closed), roles: [compute]}
          - {name: gone2, address: 127.0.0.1, port: \(closed), roles: [compute]}
          - {name: lab, roles: [controller], transport: local, root: \(scratch.path)}
        """)
        let result = try CLI.run(["audit", "-i", inventory, "--db", scratch.path + "/a.db", "--quiet",
                                  "--json", scratch.path + "/no/such/dir/report.json"],
                                 environment: ["HOME": scratch.path, "SSH_AUTH_SOCK": ""])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty, "\(result.stdout)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 3, "\(result.stderr)")
        #expect(lines.filter { $0.hasPrefix("HOST FAILED  gone") && $0.contains("refused") }.count == 2, "\(result.stderr)")
        #expect(lines.contains { $0.contains("cannot write the json report") }, "\(result.stderr)")
    }

    @Test func noColorIsHonoured() throws {
        let scratch = try Scratch(prefix: "stackdrift-cli")
        let result = try CLI.run(["audit", "-i", demoInventory, "--db", scratch.path + "/a.db"], environment: ["NO_COLOR": "1"])
        #expect(!result.stdout.contains("\u{1B}["))
    }
}
