import ArgumentParser
import DriftAnsible
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
        subcommands: [Import.self, Show.self, Sudoers.self]
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

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a stackdrift inventory from an Ansible inventory (INI, YAML, or ansible-inventory --list JSON).",
            discussion: """
            Reads the inventory as Ansible does (groups, :children, :vars, host ranges such as \
            compute[01:20]) and gives each host the roles of the nearest groups in the role map: the \
            guide's role names, kolla-ansible's groups (control, network, compute, storage, cinder-volume, \
            swift-*-server) and OpenStack-Ansible's (compute_hosts, storage_hosts, network_hosts, \
            os-infra_hosts, swift_proxy, ...). --role-map GROUP=ROLE adds or replaces an entry; \
            GROUP=none removes one. ansible_host, ansible_port, ansible_user, \
            ansible_ssh_private_key_file and ansible_become become address, port, user, identity and \
            sudo; a value that is still a Jinja template is refused, naming the host and variable. \
            Hosts in no mapped group, and the deployment host (ansible_connection=local), are left \
            out with a note. Dynamic inventories and OpenStack-Ansible: import the output of \
            'ansible-inventory -i SOURCE --list'.

            The result is an ordinary stackdrift inventory with a comment naming its source: review \
            it (the rules' variables such as management_ip are carried over only when the Ansible \
            inventory sets them under those names) and keep it.

            Examples:
              stackdrift inventory import ansible/inventory/multinode -o fleet.yaml
              ansible-inventory -i inventory/ --list > inventory.json && stackdrift inventory import inventory.json
              stackdrift inventory import hosts.ini --role-map db=controller --role-map monitoring=none

            Exit codes: 0 written; 64 the inventory or an option has mistakes (all of them are listed).
            """)

        @Argument(help: ArgumentHelp("The Ansible inventory file.", valueName: "file")) var file: String
        @Option(name: .long, help: ArgumentHelp(
            "Map an Ansible group to a role (\(Role.choices)) or to none (repeatable).", valueName: "group=role"))
        var roleMap: [String] = []
        @Option(name: .long, help: ArgumentHelp("The cloud's networking (\(NetworkingVariant.choices)).", valueName: "variant"))
        var architecture: String = NetworkingVariant.neutron.rawValue
        @Option(name: .shortAndLong, help: ArgumentHelp("Write the inventory here instead of stdout.", valueName: "file"))
        var output: String?

        func run() throws {
            let console = Console(noColor: true)
            var overrides: [String: Role?] = [:]
            for entry in roleMap {
                do {
                    let (group, role) = try RoleMap.parseOverride(entry)
                    overrides[group] = role
                } catch {
                    console.error(error.message)
                    throw ExitCode(64)
                }
            }
            guard let variant = NetworkingVariant(rawValue: architecture) else {
                console.error("unknown architecture '\(architecture)' (valid: \(NetworkingVariant.choices))")
                throw ExitCode(64)
            }
            let result: AnsibleImport.Result
            do {
                let ruleSet = try RuleSet.load(directories: [try BuiltinRules.directory()])
                let options = AnsibleImport.Options(
                    roleMap: RoleMap(overrides: overrides), requiredGroups: Array(overrides.keys).sorted(),
                    architecture: variant, ruleVariables: Set(ruleSet.rules.flatMap(\.variables)),
                    toolVersion: StackdriftVersion.current)
                result = try AnsibleImport.run(try AnsibleImport.read(path: file), options: options)
            } catch {
                console.error("\(error)")
                throw ExitCode(64)
            }
            for note in result.notes { console.error("note: \(note)", prefixed: false) }
            if let output {
                do {
                    // As reports are written: never through a link or over a device, the mode kept.
                    try ReportDestination.writeAtomically(to: output) { try $0.write(result.yaml) }
                } catch let refusal as ReportDestination.Refusal {
                    console.error("refusing to write '\(output)': \(refusal.reason)")
                    throw ExitCode(64)
                } catch {
                    console.error("cannot write '\(output)': \(error.localizedDescription)")
                    throw ExitCode(64)
                }
                console.error("\(result.hosts.count) host\(result.hosts.count == 1 ? "" : "s") written to \(output)", prefixed: false)
            } else {
                console.out(result.yaml)
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
