import ArgumentParser
import DriftAudit
import DriftCore
import DriftReporting
import DriftRules
import DriftStore
import DriftTransport
import Foundation

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Collect, check and store the configuration of every host in an inventory.",
        discussion: """
        Every host's files are read (from a local directory tree, or over SSH), parsed the way the \
        service reading them does, and checked against the guide's rules in Rules/ plus any --rules \
        directories. The run is stored in the database; a summary goes to the terminal.

        Examples:
          Audit the demo fleet and write the JSON report:
            stackdrift audit --inventory Examples/demo/inventory.yaml --json report.json

          Add site rules and keep history in a chosen database:
            stackdrift audit -i /etc/stackdrift/fleet.yaml --rules /etc/stackdrift/rules --db /var/lib/stackdrift/audit.db

          Print the JSON report on stdout for a pipeline (the summary then goes to stderr):
            stackdrift audit -i fleet.yaml --json - | jq '.summary'

        Exit codes: 0 no failing check; 1 failing checks (drift); 2 audit incomplete (a host or file \
        could not be collected, a check could not be evaluated; wins over 1); 64 usage or configuration error.
        """
    )

    @Option(name: [.short, .long], help: ArgumentHelp("Inventory YAML describing the hosts to audit.", valueName: "file"))
    var inventory: String

    @Option(name: .long, help: ArgumentHelp(
        "Extra rule directory, in addition to the built-in Rules/ (repeatable).", valueName: "dir"))
    var rules: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "SQLite database for the run history (default: $XDG_DATA_HOME/stackdrift/stackdrift.db, "
            + "else ~/.local/share/stackdrift/stackdrift.db).", valueName: "file"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp("Write the JSON report to this file ('-' for stdout).", valueName: "file"))
    var json: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Hosts collected at once.", valueName: "n"))
    var jobs: Int = 8

    @Option(name: .long, help: ArgumentHelp("Largest file read from a host, in bytes.", valueName: "bytes"))
    var maxFileSize: Int = Collector.defaultMaxFileSize

    @Flag(name: .long, help: "Never colour the terminal summary (NO_COLOR is honoured too).")
    var noColor = false

    @Flag(name: [.short, .long], help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard maxFileSize >= 1 else { throw ValidationError("--max-file-size must be at least 1 byte") }
    }

    func run() throws {
        let console = Console(noColor: noColor)
        let loadedInventory: Inventory
        let ruleSet: RuleSet
        let store: SnapshotStore
        do {
            loadedInventory = try Inventory.load(path: inventory)
            ruleSet = try RuleSet.load(directories: [try BuiltinRules.directory()] + rules)
            store = try SnapshotStore(path: db ?? SnapshotStore.defaultPath())
        } catch {
            console.error("\(error)")
            throw ExitCode(AuditExitCode.usage.rawValue)
        }

        let collector = Collector(transports: Auditor.defaultTransports(), jobs: jobs, maxFileSize: maxFileSize)
        let auditor = Auditor(inventory: loadedInventory, ruleSet: ruleSet, collector: collector)
        let outcome: Auditor.Outcome
        do {
            outcome = try auditor.run(store: store)
        } catch {
            console.error("\(error)")
            throw ExitCode(AuditExitCode.incomplete.rawValue)
        }
        if let storeError = outcome.storeError {
            console.error("the run could not be stored: \(storeError)")
        }

        let summaryToStderr = json == "-"
        if let json {
            let report = JSONReport.render(outcome.run)
            if json == "-" {
                FileHandle.standardOutput.write(Data(report.utf8))
            } else {
                do {
                    try Data(report.utf8).write(to: URL(fileURLWithPath: json), options: .atomic)
                } catch {
                    console.error("cannot write the JSON report to '\(json)': \(error.localizedDescription)")
                    throw ExitCode(AuditExitCode.incomplete.rawValue)
                }
            }
        }
        if !quiet {
            let text = TextReport(color: console.colorAllowed(forStderr: summaryToStderr)).render(outcome.run)
            if summaryToStderr { console.error(text, prefixed: false) } else { console.out(text) }
            if let json, json != "-" { console.note("report: \(json)", toStderr: summaryToStderr) }
            console.note("database: \(store.path) (run \(outcome.run.id.map(String.init) ?? "?"))", toStderr: summaryToStderr)
        }
        throw ExitCode(Int32(outcome.run.exitCode))
    }
}
