import ArgumentParser
import DriftAudit
import DriftCore
import DriftRules
import Foundation

struct InventoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inventory",
        abstract: "Import an Ansible inventory, show what an audit will read, write the sudoers lines it needs.",
        discussion: """
        Examples:
          stackdrift inventory import ansible/inventory/multinode -o /etc/stackdrift/fleet.yaml
          stackdrift inventory show /etc/stackdrift/fleet.yaml
          stackdrift inventory sudoers /etc/stackdrift/fleet.yaml --host compute1 > stackdrift.sudoers
        """,
        subcommands: [Show.self, Sudoers.self]
    )

    /// The inventory and rules both subcommands plan with, as the audit would.
    struct PlanOptions: ParsableArguments {
        @Argument(help: ArgumentHelp("The stackdrift inventory (YAML).", valueName: "file"))
        var file: String

        @Option(name: .long, help: ArgumentHelp("Extra rule directory, as given to audit (repeatable).", valueName: "dir"))
        var rules: [String] = []

        func plan(console: Console) throws -> (AuditPlan, Inventory) {
            do {
                let inventory = try Inventory.load(path: file)
                let ruleSet = try RuleSet.load(directories: [try BuiltinRules.directory()] + rules)
                return (AuditPlan(inventory: inventory, ruleSet: ruleSet), inventory)
            } catch {
                console.error("\(error)")
                throw ExitCode(64)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each host's roles, services, transport, rules and files, without connecting.",
            discussion: """
            The files are exactly those an audit asks the host for: every file a rule for its roles \
            reads, the service marker files when the inventory leaves services to detection, and the \
            sources of facts (/proc/cpuinfo). A MySQL option file's includes are read too, once it is read.

            Examples:
              stackdrift inventory show fleet.yaml
              stackdrift inventory show fleet.yaml --json | jq '.hosts[] | {name, files: (.files | length)}'

            Exit codes: 0 shown; 64 the inventory or a rule file has mistakes (all of them are listed).
            """)

        @OptionGroup var options: PlanOptions
        @Flag(name: .long, help: "Print {\"inventory\", \"architecture\", \"hosts\": [...]} as JSON.") var json = false

        func run() throws {
            let console = Console(noColor: true)
            let (plan, inventory) = try options.plan(console: console)
            if json {
                FileHandle.standardOutput.write(try plan.json(inventory: inventory.sourceFile))
            } else {
                console.out(plan.text(inventory: inventory.sourceFile))
            }
        }
    }

    struct Sudoers: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the sudoers lines each host with sudo: true needs for an audit.",
            discussion: """
            One 'CAT -- FILE' per file the audit reads on the host (rules, service markers, /proc/cpuinfo), \
            with the host's cat_path (default /usr/bin/cat; /bin/cat on Debian 7), exactly as the audit runs \
            it. Hosts needing the same lines share one block. What cannot be listed in advance (the files \
            MySQL's !includedir names) is explained in comments, with the narrowest form sudoers allows.

            Examples:
              stackdrift inventory sudoers fleet.yaml
              stackdrift inventory sudoers fleet.yaml --host compute1 > compute1.sudoers
              visudo -cf compute1.sudoers && install -m 0440 compute1.sudoers /etc/sudoers.d/stackdrift

            Exit codes: 0 written; 64 the inventory has mistakes, or --host names no host in it.
            """)

        @OptionGroup var options: PlanOptions
        @Option(name: .long, help: ArgumentHelp("Only this host's lines, as a drop-in for that node.", valueName: "name"))
        var host: String?
        @Option(name: .long, help: ArgumentHelp(
            "The audit user on the nodes (default: each host's user, else the name you run stackdrift as).",
            valueName: "name"))
        var user: String?
        @Flag(name: .long, help: ArgumentHelp(
            "The nodes run sudo 1.9.10 or later (Debian 12; not Debian 7): allow the .cnf files of MySQL's include "
                + "directories with a regular expression instead of explaining it in a comment."))
        var sudoRegex = false

        func run() throws {
            let console = Console(noColor: true)
            var (plan, inventory) = try options.plan(console: console)
            if let host {
                guard plan.hosts.contains(where: { $0.host.name == host }) else {
                    console.error("no host '\(host)' in \(options.file) (hosts: \(plan.hosts.map(\.host.name).joined(separator: ", ")))")
                    throw ExitCode(64)
                }
                plan.hosts = plan.hosts.filter { $0.host.name == host }
            }
            let policy = SudoersPolicy(plan: plan, user: user, defaultUser: ProcessInfo.processInfo.userName,
                                       regexForIncludes: sudoRegex)
            console.out(policy.render(header: [
                "sudoers lines for stackdrift audits, from \(inventory.sourceFile ?? options.file) (stackdrift \(StackdriftVersion.current))",
            ]))
        }
    }
}
