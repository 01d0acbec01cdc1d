import ArgumentParser
import DriftAudit
import DriftCore
import DriftFix
import DriftStore
import Foundation

struct Fix: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn a stored run's fixable drift into a patch per host, or one Ansible playbook.",
        discussion: """
        Every failing value check states the edit that makes it pass: a value set, a key added \
        to its section (or the section added), one more value of a multi-valued option, a line \
        commented out, a filter inserted into a pipeline, an element appended to an LVM array. \
        The edits are written in the file's own style and touch no other line. What needs a \
        secret or a choice (a placeholder password, two hosts disagreeing) is never patched: it \
        is listed, with the exact instruction, as left to you.

        Formats:
          patch    DIR/<host>.patch for each host with something to fix: a unified diff whose \
        paths (a/etc/..., b/etc/...) are relative to the host's root. Its header lists what it \
        fixes and what is left. It never shows a secret: lines beside a secret get less context.
          ansible  DIR/stackdrift-fix.yml: one play per host making the same edits with \
        ansible.builtin.replace, idempotent, so --check --diff shows the patch's lines.

        Examples:
          Patches for the latest run, reviewed and applied on a node:
            stackdrift fix latest -o fixes/
            less fixes/compute2.patch
            ssh compute2 sudo patch -p1 -d / < fixes/compute2.patch

          A local tree (transport: local) is patched in place:
            patch -p1 -d trees/compute2 < fixes/compute2.patch

          The same edits as a playbook, dry-run first:
            stackdrift fix latest --format ansible -o fixes/
            ansible-playbook -i hosts.ini --become --check --diff fixes/stackdrift-fix.yml

          Then audit again: only the steps left to you still fail.

        Exit codes: 0 everything failing is fixed by the output; 1 some steps are left to you \
        (listed on standard output); 2 the run or a file cannot be read, or the output cannot be \
        written; 64 usage error or no such run.
        """
    )

    @Argument(help: ArgumentHelp("The run's id, or 'latest' (the default).", valueName: "run"))
    var runID: String = "latest"

    @Option(name: .long, help: ArgumentHelp("Only this host (repeatable).", valueName: "host"))
    var host: [String] = []

    @OptionGroup var database: DatabaseOption

    @Option(name: .long, help: ArgumentHelp("patch or ansible.", valueName: "format"))
    var format: FixFormat = .patch

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp(
        "The directory the patches or the playbook are written to (created if needed; default: the current one).",
        valueName: "dir"))
    var output: String = "."

    enum FixFormat: String, ExpressibleByArgument, CaseIterable {
        case patch, ansible
    }

    func validate() throws {
        if runID != "latest", Int64(runID).map({ $0 < 1 }) ?? true {
            throw ValidationError("'\(runID)' is not a run id (a positive number) or 'latest'")
        }
    }

    func run() throws {
        let console = Console(noColor: true)
        let store = try database.open(console)
        let stored = try storeCall(console) { () throws -> StoredRunReader in
            guard let id = runID == "latest" ? try store.latestRunID() : Int64(runID) else {
                throw StoreError(.notFound, path: database.path, operation: "finding the latest run",
                                 "'\(database.path)' holds no finished run yet")
            }
            return try store.reader(run: id)
        }
        let known = Set(stored.overview.hosts.map(\.name))
        if let unknown = host.first(where: { !known.contains($0) }) {
            console.error("run \(stored.header.id ?? 0) has no host '\(unknown)' (it has: \(known.sorted().joined(separator: ", ")))")
            throw ExitCode(AuditExitCode.usage.rawValue)
        }

        let fixes: [HostFix]
        do {
            // Items are problems: a root cause and its consequences are fixed (and listed) once.
            let problems = ProblemIndex(stored.overview)
            fixes = try HostFix.fixes(of: stored, only: host.isEmpty ? nil : Set(host),
                                      problem: { problems.problemOf[$0.id].map(ProblemID.init) })
        } catch {
            console.error("\(error)")
            throw ExitCode(AuditExitCode.incomplete.rawValue)
        }

        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            switch format {
            case .patch:
                for fix in fixes where fix.hasEdits {
                    let path = (output as NSString).appendingPathComponent(fix.plan.host + ".patch")
                    try Data(try fix.patch(run: stored.header).utf8).write(to: URL(fileURLWithPath: path))
                    console.out("\(fix.plan.host): \(fix.plan.fixed.count) fixed in \(path)\n")
                }
            case .ansible:
                let path = (output as NSString).appendingPathComponent("stackdrift-fix.yml")
                let playbook = try PlaybookWriter.playbook(fixes, run: stored.header)
                try Data(playbook.utf8).write(to: URL(fileURLWithPath: path))
                let count = fixes.reduce(0) { $0 + $1.plan.fixed.count }
                console.out("\(count) fixed on \(fixes.filter(\.hasEdits).count) hosts in \(path)\n")
            }
        } catch {
            console.error("cannot write the fixes to '\(output)': \(error)")
            throw ExitCode(AuditExitCode.incomplete.rawValue)
        }

        var left = 0
        for fix in fixes {
            for item in fix.manual {
                for step in item.manual {
                    console.out("\(fix.plan.host): left to you: \(item.id) \(step.rule): \(step.instruction)\n")
                    left += 1
                }
            }
        }
        if left > 0 {
            console.out("\(left) step\(left == 1 ? "" : "s") left to you; audit again once done\n")
            throw ExitCode(1)
        }
        if !fixes.contains(where: \.hasEdits) { console.out("nothing to fix: no check fails\n") }
    }
}
