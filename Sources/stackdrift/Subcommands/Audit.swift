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

          Accept known deviations until they expire:
            stackdrift audit -i fleet.yaml --waivers /etc/stackdrift/waivers.yaml

          Before an upgrade, also list what the Icehouse cloud must change for Juno (options moved, \
        renamed, deprecated or ignored there), each with what to write instead:
            stackdrift audit -i fleet.yaml --upgrade-to juno

          Print the JSON report on stdout for a pipeline (the summary then goes to stderr):
            stackdrift audit -i fleet.yaml --json - | jq '.summary'

          Write the HTML report for people and JUnit XML for a CI job:
            stackdrift audit -i fleet.yaml --html report.html --junit junit.xml

          First audit of new nodes over SSH: record their host keys in known_hosts (a changed key is \
        still refused), 16 hosts at once:
            stackdrift audit -i fleet.yaml --accept-new --jobs 16

        Host keys are always checked against known_hosts; there is no option to skip the check. \
        Passphrases and passwords come from the environment or files named in the inventory, never \
        from the command line. A progress line is drawn on stderr when stdout and stderr are terminals.

        Exit codes: 0 no failing check; 1 failing checks (drift); 2 audit incomplete (a host or file \
        could not be collected, a check could not be evaluated; wins over 1); 64 usage or configuration error \
        (an unknown --upgrade-to release among them); 75 another audit kept the database busy past \
        --lock-timeout (nothing was collected; try again). With --upgrade-to, a failing upgrade check counts \
        as a failing check (exit 1), reported apart from guide drift; without it there are none.

        The terminal summary and the report say what changed since the previous run of each host \
        (files new, changed or vanished; failures new, fixed or still failing); 'stackdrift diff' \
        shows the lines.
        """
    )

    @Option(name: [.short, .long], help: ArgumentHelp("Inventory YAML describing the hosts to audit.", valueName: "file"))
    var inventory: String

    @Option(name: .long, help: ArgumentHelp(
        "Extra rule directory, in addition to the built-in Rules/ (repeatable).", valueName: "dir"))
    var rules: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "Also check what must change before upgrading to this release, from the pack in Rules/upgrade/ "
            + "(juno); failing upgrade checks are reported apart and count as failing checks.", valueName: "release"))
    var upgradeTo: String?

    @Option(name: .long, help: ArgumentHelp(
        "YAML file of accepted deviations (rule, optional host/role/file/key, reason, expires).", valueName: "file"))
    var waivers: String?

    @Option(name: .long, help: ArgumentHelp(
        "The run history: an SQLite file (default: $XDG_DATA_HOME/stackdrift/stackdrift.db, "
            + "else ~/.local/share/stackdrift/stackdrift.db), or a PostgreSQL database shared by several auditors, "
            + "postgresql://USER@HOST:PORT/DB (password from PGPASSWORD or ~/.pgpass, never in the URL).",
        valueName: "file|url"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp(
        "The redaction key file (default: $STACKDRIFT_KEY_FILE, else beside an SQLite database). Every auditor of a "
            + "PostgreSQL history needs the same one: the first audit creates it; copy it to the others.",
        valueName: "file"))
    var keyFile: String?

    @Option(name: .long, help: ArgumentHelp(
        "Who makes this run, as 'runs' lists it (default: this machine's host name). Runs follow the previous run "
            + "of the same auditor and inventory.", valueName: "name"))
    var auditor: String?

    @Option(name: .long, help: ArgumentHelp(
        "Seconds to wait for another audit using the same database before giving up with exit code 75.",
        valueName: "seconds"))
    var lockTimeout: Double = 600

    @Option(name: .long, help: ArgumentHelp("Write the JSON report to this file ('-' for stdout).", valueName: "file"))
    var json: String?

    @Option(name: .long, help: ArgumentHelp(
        "Write the HTML report (one self-contained page) to this file ('-' for stdout).", valueName: "file"))
    var html: String?

    @Option(name: .long, help: ArgumentHelp("Write JUnit XML for CI to this file ('-' for stdout).", valueName: "file"))
    var junit: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Hosts collected at once.", valueName: "n"))
    var jobs: Int = 8

    @Option(name: .long, help: ArgumentHelp("Largest file read from a host, in bytes.", valueName: "bytes"))
    var maxFileSize: Int = Collector.defaultMaxFileSize

    @Flag(name: .long, help: ArgumentHelp(
        "Record the host key of SSH hosts not yet in known_hosts (as ssh's StrictHostKeyChecking=accept-new); "
            + "a changed key is still refused."))
    var acceptNew = false

    @Option(name: .long, help: ArgumentHelp(
        "Seconds allowed for everything done on one SSH host; the inventory's timeout bounds each step.",
        valueName: "seconds"))
    var hostTimeout: Double = SSHOptions.defaultHostTimeout

    @Flag(name: .long, help: ArgumentHelp(
        "Judge every host afresh. By default a host whose files, inventory entry, rules and waivers are all "
            + "unchanged since the previous run takes that run's verdicts from the database (the results are the same, "
            + "only cheaper); use this after editing defaults by hand or to measure."))
    var noReuse = false

    @Flag(name: .long, help: "Never colour the terminal summary (NO_COLOR is honoured too).")
    var noColor = false

    @Flag(name: [.short, .long], help: "Print nothing but errors: one line per host that failed and per report that could not be written.")
    var quiet = false

    @Flag(name: .long, help: "List every finding under its problem in the terminal summary.")
    var verbose = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard maxFileSize >= 1 else { throw ValidationError("--max-file-size must be at least 1 byte") }
        guard hostTimeout > 0 else { throw ValidationError("--host-timeout must be a positive number of seconds") }
        guard lockTimeout >= 0 else { throw ValidationError("--lock-timeout must be zero or more seconds") }
        if let auditor, auditor.isEmpty || auditor.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 } == true }) {
            throw ValidationError("--auditor must be a non-empty name on one line")
        }
        try ReportDestination.validate(reports)
    }

    /// The reports asked for, in the order they are written.
    var reports: [ReportDestination] {
        [(ReportFormat.json, json), (.html, html), (.junit, junit)].compactMap { format, path in
            path.map { ReportDestination(format: format, path: $0) }
        }
    }

    /// The machine's name from the kernel (`gethostname`): no resolver is asked.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }

    func run() throws {
        let console = Console(noColor: noColor)
        let loadedInventory: Inventory
        let ruleSet: RuleSet
        let waiverSet: WaiverSet
        let store: SnapshotStore
        let lock: AnyObject
        let databasePath = db ?? SnapshotStore.defaultPath()
        do {
            loadedInventory = try Inventory.load(path: inventory)
            ruleSet = try RuleSet.load(directories: [try BuiltinRules.directory()] + rules, upgradeTo: upgradeTo)
            let ruleDirectories = [try BuiltinRules.directory()] + rules
            waiverSet = try waivers.map {
                try WaiverSet.load(path: $0, rules: ruleSet,
                                   dormantRuleIDs: UpgradePacks.dormantRuleIDs(inRuleDirectories: ruleDirectories, loaded: ruleSet))
            } ?? WaiverSet()
        } catch {
            console.error("\(error)")
            throw ExitCode(AuditExitCode.usage.rawValue)
        }
        store = try openStore(databasePath, keyFile: keyFile, access: .write, console: console, mustExist: false)
        if let created = store.createdKeyFile, StoreLocation.isShared(databasePath), !quiet {
            console.error("note: created the redaction key '\(created)'; give every other auditor of this history a copy "
                          + "(--key-file), so that one secret gets one tag")
        }
        let auditorName = auditor ?? Self.hostName()
        let identity = InventoryIdentity(auditor: auditorName, inventory: loadedInventory.sourceFile)
        // One audit of an inventory writes at a time, so "since the previous run" means one run;
        // audits of other inventories (other auditors of a shared history) go on.
        do {
            lock = try store.lock(inventory: identity, wait: lockTimeout) { message in
                if !quiet { console.error(message) }
            }
            let interrupted = try store.markInterruptedRuns(of: identity)
            if interrupted > 0, !quiet {
                console.error("note: \(interrupted) earlier run\(interrupted == 1 ? " was" : "s were") killed before finishing; "
                              + "marked interrupted (earlier runs are intact)")
            }
        } catch let error as StoreError where error.kind == .busy {
            console.error("\(error)")
            throw ExitCode(AuditExitCode.busy.rawValue)
        } catch {
            console.error("\(error)")
            throw ExitCode(AuditExitCode.incomplete.rawValue)
        }
        defer { withExtendedLifetime(lock) {} }

        let ssh = SSHOptions(acceptNewHostKeys: acceptNew, hostTimeout: hostTimeout)
        let collector = Collector(transports: Auditor.defaultTransports(ssh: ssh), jobs: jobs, maxFileSize: maxFileSize)
        var audit = Auditor(inventory: loadedInventory, ruleSet: ruleSet, waivers: waiverSet, collector: collector)
        audit.reuse = !noReuse
        let meter: ProgressMeter? = ProgressMeter.isWanted(
            quiet: quiet, stdoutIsTerminal: isatty(STDOUT_FILENO) == 1, stderrIsTerminal: isatty(STDERR_FILENO) == 1)
            ? ProgressMeter { console.error(painted: $0, prefixed: false, newline: false) } : nil
        let progress: (@Sendable (Int, Int, Int) -> Void)? = meter.map { meter in
            { @Sendable done, total, failed in meter.update(done: done, total: total, failed: failed) }
        }
        let outcome: Auditor.Outcome
        do {
            outcome = try audit.run(store: store, auditor: auditorName, progress: progress)
            meter?.finish()
        } catch {
            meter?.finish()
            console.error("\(error)")
            throw ExitCode(AuditExitCode.incomplete.rawValue)
        }
        if let storeError = outcome.storeError {
            console.error("the run could not be stored: \(storeError)")
        }

        let summaryToStderr = reports.contains(where: \.isStandardOutput)
        let options = ReportFormat.Options(rationales: ruleSet.rationales)
        // Every report is attempted: one that cannot be written (a full disk, a missing
        // directory) neither hides the others nor the summary, and makes the exit code 2.
        // Reports are rendered from the stored run, host by host, exactly as 'stackdrift report' does.
        var unwritten = false
        for report in reports {
            guard let stored = outcome.stored else {
                console.error("the \(report.format.rawValue) report was not written: the run could not be stored")
                unwritten = true
                continue
            }
            do {
                try report.write(console: console) { try report.format.write(stored, options: options, to: $0) }
            } catch {
                unwritten = true
            }
        }
        if quiet {
            // Cron mails what is printed: each host that failed is one line (a report that could
            // not be written has said so above), and nothing else.
            for line in TextReport(color: false).hostFailures(outcome.overview) { console.error(line, prefixed: false) }
        } else {
            let text = TextReport(color: console.colorAllowed(forStderr: summaryToStderr), verbose: verbose).render(summaryOf: outcome.summary)
            // Painted: TextReport makes every value visible itself, then adds its colours.
            if summaryToStderr { console.error(painted: text, prefixed: false) } else { console.out(painted: text) }
            for report in reports where !report.isStandardOutput && outcome.stored != nil {
                console.note("\(report.format.rawValue) report: \(report.path)", toStderr: summaryToStderr)
            }
            if outcome.stored != nil {
                console.note("database: \(store.path) (run \(outcome.header.id.map(String.init) ?? "?"))", toStderr: summaryToStderr)
            }
        }
        throw ExitCode(unwritten ? AuditExitCode.incomplete.rawValue : Int32(outcome.header.exitCode))
    }
}
