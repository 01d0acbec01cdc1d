import DriftAudit
import DriftCore
import DriftFix
import DriftRules
import DriftSamples
import DriftStore
import DriftTestSupport
import Foundation
import Testing

/// The demo fleet fixed and audited again: `stackdrift fix`'s patches applied with GNU patch,
/// and its playbook run with ansible-core, leave only the manual steps failing.
@Suite struct DemoFleetFixTests {
    /// A scratch copy of the demo audited into a database of its own, with its fixes.
    struct Fixed {
        let copy: DemoFleetCopy
        let store: SnapshotStore
        let scratch: TemporaryDirectory
        let before: AuditRun
        let fixes: [HostFix]

        init() throws {
            copy = try DemoFleetCopy(from: DemoFleet.root)
            scratch = try TemporaryDirectory(prefix: "fix")
            try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: scratch.path + "/history.db.key"))
            store = try SnapshotStore(path: scratch.path + "/history.db")
            let outcome = try DemoFleet.audit(store: store, inventory: copy.inventory)
            before = try store.loadRun(outcome.header.id!)
            fixes = try HostFix.fixes(of: try store.reader(run: outcome.header.id!))
        }

        func tree(_ host: String) -> String { copy.root + "/trees/" + host }

        func reaudit() throws -> AuditRun {
            let outcome = try DemoFleet.audit(store: store, inventory: copy.inventory)
            return try store.loadRun(outcome.header.id!)
        }
    }

    static var patchProgram: String? { ExternalProgram.which("patch") }

    @Test func patchesAppliedWithGNUPatchLeaveOnlyTheManualSteps() throws {
        guard let patch = ExternalProgram.require(Self.patchProgram, "GNU patch") else { return }
        let fixed = try Fixed()
        let patched = fixed.fixes.filter(\.hasEdits)
        #expect(Set(patched.map(\.plan.host)) == ["block1", "compute2", "network"])
        for fix in patched {
            let file = try fixed.scratch.write(fix.plan.host + ".patch", try fix.patch(run: nil))
            // --dry-run first: a patch that applies only with fuzz or an offset would say so.
            for dryRun in [true, false] {
                let result = try ExternalProgram.run(patch, ["-p1", "--batch", "--forward", "-F0", "-d", fixed.tree(fix.plan.host), "-i", file]
                                                     + (dryRun ? ["--dry-run"] : []))
                let output = String(decoding: result.stdout, as: UTF8.self)
                #expect(result.status == 0, "\(fix.plan.host): \(output) \(result.stderr)")
                #expect(!output.contains("offset") && !output.contains("fuzz"), "\(fix.plan.host): \(output)")
            }
        }
        try Self.expectOnlyManualStepsFail(before: fixed.before, after: try fixed.reaudit(), fixes: fixed.fixes)
    }

    /// After the fix: every check that failed and was fixed passes, every check left to a person
    /// may still fail, and nothing that passed fails.
    static func expectOnlyManualStepsFail(before: AuditRun, after: AuditRun, fixes: [HostFix],
                                          sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let manual = Set(fixes.flatMap { $0.plan.manual.flatMap(\.findings) }.map(\.identity))
        let fixedIDs = Set(fixes.flatMap { $0.plan.fixed.flatMap(\.findings) }.map(\.identity))
        #expect(!fixedIDs.isEmpty, sourceLocation: sourceLocation)
        let failing = after.findings.filter { $0.status == .fail || $0.status == .error }
        #expect(failing.allSatisfy { manual.contains($0.identity) },
                "still failing but not manual: \(failing.filter { !manual.contains($0.identity) }.map { "\($0.host) \($0.rule)" })",
                sourceLocation: sourceLocation)
        let passed = Set(before.findings.filter { $0.status == .pass }.map(\.identity))
        let regressed = after.findings.filter { passed.contains($0.identity) && $0.status != .pass }
        #expect(regressed.isEmpty, "passed before, not after: \(regressed.map { "\($0.host) \($0.rule): \($0.message)" })",
                sourceLocation: sourceLocation)
        let statuses = Dictionary(after.findings.map { ($0.identity, $0.status) }, uniquingKeysWith: { first, _ in first })
        for identity in fixedIDs { #expect(statuses[identity] == .pass, "\(identity) was fixed", sourceLocation: sourceLocation) }
    }

    @Test func theManualStepsAreTheSecretsAndTheChoices() throws {
        let fixed = try Fixed()
        let manual = Set(fixed.fixes.flatMap { fix in fix.plan.manual.flatMap(\.findings).map { "\(fix.plan.host) \($0.rule)" } })
        #expect(manual == [
            "controller nova.default.neutron_admin_password.placeholder",
            "controller consistency.neutron-password.same",
            "controller messaging.rabbit_password.same",
            "compute2 consistency.nova.vncserver_proxyclient_address.unique",
            "compute2 consistency.ml2.tunnel_id_ranges.same",
            "compute2 consistency.ceilometer.metering_secret.same",
        ])
        let placeholder = try #require(fixed.fixes.first { $0.plan.host == "controller" }?.plan.manual
            .first { $0.rules == ["nova.default.neutron_admin_password.placeholder"] })
        #expect(placeholder.manual.first?.instruction.contains("secret") == true)
    }

    @Test func noPatchOrPlaybookHoldsADemoSecretOrARedactionTag() throws {
        let fixed = try Fixed()
        var texts = try fixed.fixes.filter(\.hasEdits).map { try $0.patch(run: nil) }
        texts.append(try PlaybookWriter.playbook(fixed.fixes, run: nil))
        for text in texts {
            for secret in DemoFleetSecrets.all { #expect(!text.contains(secret), "'\(secret)' in\n\(text)") }
            #expect(!Redactor.holdsTag(text))
        }
    }

    @Test func theExactPatchOfCompute2() throws {
        let fixed = try Fixed()
        let compute2 = try #require(fixed.fixes.first { $0.plan.host == "compute2" })
        let text = try compute2.patch(run: nil)
        let hunks = text.split(separator: "\n", omittingEmptySubsequences: false).drop { !$0.hasPrefix("---") }
        #expect(hunks.filter { $0.hasPrefix("-") || $0.hasPrefix("+") } == [
            "--- a/etc/neutron/plugins/ml2/ml2_conf.ini", "+++ b/etc/neutron/plugins/ml2/ml2_conf.ini",
            "-tunnel_id_ranges = 1:2000", "+tunnel_id_ranges = 1:1000",
            "--- a/etc/nova/nova.conf", "+++ b/etc/nova/nova.conf",
            "-vncserver_proxyclient_address = 10.0.0.31", "+vncserver_proxyclient_address = 10.0.0.32",
            "-linuxnet_interface_driver = nova.network.linux_net.LinuxOVSIInterfaceDriver",
            "+linuxnet_interface_driver = nova.network.linux_net.LinuxOVSInterfaceDriver",
            "+notification_driver = ceilometer.compute.nova_notifier",
        ])
    }
}

/// ansible-core from the test virtualenv (`.ci/setup test` installs it).
enum AnsiblePlaybook {
    static var script: String { ExternalProgram.packageRoot + "/.build/pyenv/bin/ansible-playbook" }

    static var python: String? {
        guard let python = ExternalProgram.python, FileManager.default.fileExists(atPath: script) else { return nil }
        return python
    }

    /// Runs the playbook against the demo copy's trees over `connection: local`, each host's
    /// `stackdrift_root` its tree; Ansible gets a home and configuration of its own.
    static func run(_ playbook: String, trees: String, hosts: [String], scratch: TemporaryDirectory,
                    extra: [String] = []) throws -> ExternalProgram.Output {
        let python = python!
        let inventory = hosts.map { "\($0) ansible_connection=local ansible_python_interpreter=\(python) stackdrift_root=\(trees)/\($0)" }
        let inventoryFile = try scratch.write("hosts.ini", inventory.joined(separator: "\n") + "\n")
        let config = try scratch.write("ansible.cfg", "[defaults]\nstdout_callback = default\nnocolor = true\n")
        let environment = ["ANSIBLE_CONFIG": config, "ANSIBLE_HOME": scratch.path + "/ansible-home", "HOME": scratch.path,
                           "ANSIBLE_LOCAL_TEMP": scratch.path + "/ansible-tmp", "ANSIBLE_NOCOLOR": "1",
                           "ANSIBLE_FORCE_COLOR": "0"]
        return try ExternalProgram.run(python, [script, "-i", inventoryFile, playbook] + extra, environment: environment)
    }
}

extension DemoFleetFixTests {
    @Test func thePlaybookMakesThePatchesChangesIdempotently() throws {
        guard ExternalProgram.require(AnsiblePlaybook.python, "ansible-core in .build/pyenv") != nil,
              let patch = ExternalProgram.require(Self.patchProgram, "GNU patch") else { return }
        let patched = try Fixed(), played = try Fixed(), checked = try Fixed()
        let hosts = patched.fixes.filter(\.hasEdits).map(\.plan.host)
        for fix in patched.fixes where fix.hasEdits {
            let file = try patched.scratch.write(fix.plan.host + ".patch", try fix.patch(run: nil))
            #expect(try ExternalProgram.run(patch, ["-p1", "--batch", "-d", patched.tree(fix.plan.host), "-i", file]).status == 0)
        }
        let playbook = try played.scratch.write("stackdrift-fix.yml", try PlaybookWriter.playbook(played.fixes, run: nil))

        // --check --diff on an untouched copy: the patch's lines, and no file changed.
        let dry = try AnsiblePlaybook.run(playbook, trees: checked.copy.root + "/trees", hosts: hosts,
                                          scratch: checked.scratch, extra: ["--check", "--diff"])
        let dryOutput = String(decoding: dry.stdout, as: UTF8.self)
        #expect(dry.status == 0, "\(dryOutput)\n\(dry.stderr)")
        var shown = 0
        for fix in checked.fixes where fix.hasEdits {
            for change in fix.changes {
                for region in change.hunkRegions where PlaybookWriter.showsDiff(of: region, in: change) {
                    shown += 1
                    let lines = change.oldLines[region.oldStart..<region.oldEnd].map { "-" + $0 } + region.new.map { "+" + $0 }
                    for line in lines { #expect(dryOutput.contains(line), "--check --diff lacks '\(line)'") }
                }
            }
        }
        #expect(shown >= 3)
        // Ansible's diff prints the node's lines around each change: none beside a secret is shown.
        for secret in DemoFleetSecrets.all { #expect(!dryOutput.contains(secret), "'\(secret)' in --check --diff") }

        let first = try AnsiblePlaybook.run(playbook, trees: played.copy.root + "/trees", hosts: hosts, scratch: played.scratch)
        #expect(first.status == 0, "\(String(decoding: first.stdout, as: UTF8.self))\n\(first.stderr)")
        for fix in played.fixes where fix.hasEdits {
            for change in fix.changes {
                let byPatch = try Data(contentsOf: URL(fileURLWithPath: patched.tree(fix.plan.host) + change.path))
                let byAnsible = try Data(contentsOf: URL(fileURLWithPath: played.tree(fix.plan.host) + change.path))
                #expect(byPatch == byAnsible, "\(fix.plan.host):\(change.path) differs between patch and playbook")
            }
        }
        // A second run changes nothing.
        let second = try AnsiblePlaybook.run(playbook, trees: played.copy.root + "/trees", hosts: hosts, scratch: played.scratch)
        let recap = String(decoding: second.stdout, as: UTF8.self)
        #expect(second.status == 0)
        #expect(recap.contains("changed=0") && !recap.contains(Regex(#/changed=[1-9]/#)), "\(recap)")
        // And the untouched copy is untouched.
        for fix in checked.fixes where fix.hasEdits {
            for change in fix.changes {
                let now = try Data(contentsOf: URL(fileURLWithPath: checked.tree(fix.plan.host) + change.path))
                let original = try Data(contentsOf: URL(fileURLWithPath: DemoFleet.root + "/trees/" + fix.plan.host + change.path))
                #expect(now == original, "--check changed \(change.path)")
            }
        }
    }
}
