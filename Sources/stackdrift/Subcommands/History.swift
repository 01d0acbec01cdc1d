import ArgumentParser
import DriftAudit
import DriftCore
import DriftDiff
import DriftParsing
import DriftReporting
import DriftRules
import DriftStore
import Foundation

/// `--db` and `--key-file`, shared by every command that reads or writes the store.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The run history: an SQLite file (default: $XDG_DATA_HOME/stackdrift/stackdrift.db, "
            + "else ~/.local/share/stackdrift/stackdrift.db), or a PostgreSQL database shared by several auditors, "
            + "postgresql://USER@HOST:PORT/DB (password from PGPASSWORD or ~/.pgpass, never in the URL).",
        valueName: "file|url"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp(
        "The redaction key file (default: $STACKDRIFT_KEY_FILE, else beside an SQLite database; a PostgreSQL "
            + "history's auditors share one).", valueName: "file"))
    var keyFile: String?

    var path: String { db ?? SnapshotStore.defaultPath() }

    /// Opens the history; a missing SQLite file is a usage error, not a new empty database.
    func open(_ console: Console, access: StoreAccess = .read) throws -> SnapshotStore {
        try openStore(path, keyFile: keyFile, access: access, console: console, mustExist: true)
    }
}

/// Opens the history named by `--db` (a path or a PostgreSQL URL). Any failure to open it (no
/// such file, a refused password, a newer schema, another key) is a usage or configuration
/// error: exit 64, with the store's message, which never holds a password.
func openStore(_ db: String, keyFile: String?, access: StoreAccess, console: Console, mustExist: Bool) throws -> SnapshotStore {
    do {
        let location = try StoreLocation(db)
        if mustExist, case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            console.error("no database at '\(path)' (run an audit first, or give --db)")
            throw ExitCode(AuditExitCode.usage.rawValue)
        }
        return try SnapshotStore.open(location, keyFile: keyFile, access: access)
    } catch let error as StoreError where error.isStorageFailure {
        // Not a usage error: the command was right, the storage failed.
        console.error("nothing was done: \(error)")
        throw ExitCode(AuditExitCode.incomplete.rawValue)
    } catch let error as StoreError {
        console.error("\(error)")
        throw ExitCode(AuditExitCode.usage.rawValue)
    }
}

/// Runs a store call, turning a missing run or host into a usage error with its message.
func storeCall<T>(_ console: Console, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as StoreError {
        console.error(error.kind == .notFound ? error.message : "\(error)")
        throw ExitCode(error.kind == .notFound ? AuditExitCode.usage.rawValue : AuditExitCode.incomplete.rawValue)
    }
}

/// "2026-11-24 02:30:05" (UTC).
private func shortDate(_ date: Date) -> String {
    String(date.formatted(.iso8601).prefix(19)).replacingOccurrences(of: "T", with: " ")
}

private func padded(_ text: String, _ width: Int, right: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return right ? padding + text : text + padding
}

struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the stored audit runs, newest first.",
        discussion: """
        Status is finished, interrupted (the audit was killed before it finished; nothing of it \
        was kept) or running. Problems are the things to fix (each root cause once, as the reports \
        list them). The other counts are the guide's checks; a run with --upgrade-to shows its \
        failing upgrade checks apart, under upgrade (juno: 70).

        Each run names the auditor that made it (audit --auditor, by default its machine's host name) \
        and the inventory it audited: in a history shared by several auditors, --auditor and \
        --inventory list one's runs. A run is "interrupted" only by the next run of the same \
        auditor and inventory, so a running run of another auditor is alive.

        Examples:
          stackdrift runs
          stackdrift runs --limit 7 --db /var/lib/stackdrift/audit.db
          stackdrift runs --auditor region-b --db postgresql://stackdrift@db.example.net/stackdrift
        """)

    @OptionGroup var database: DatabaseOption
    @Option(name: .long, help: ArgumentHelp("Show only this many runs.", valueName: "n")) var limit: Int?
    @Option(name: .long, help: ArgumentHelp("Only the runs this auditor made.", valueName: "name")) var auditor: String?
    @Option(name: .long, help: ArgumentHelp("Only the runs of this inventory (its absolute path, as listed).", valueName: "file"))
    var inventory: String?

    func run() throws {
        let console = Console(noColor: false)
        let store = try database.open(console)
        let runs = try storeCall(console) { try store.runs(limit: limit, auditor: auditor, inventory: inventory) }
        guard !runs.isEmpty else {
            let filtered = auditor != nil || inventory != nil ? " matching the filters" : ""
            console.out("no runs\(filtered) in \(store.path)\n")
            return
        }
        let header = ["run", "started (UTC)", "status", "exit", "hosts", "down", "problems", "pass", "fail", "error", "waived",
                      "upgrade", "auditor", "inventory"]
        let auditorWidth = max(7, runs.map { ($0.auditor ?? "-").count }.max() ?? 0)
        let widths = [5, 19, 11, 4, 5, 4, 8, 6, 5, 5, 6, 7, auditorWidth, 0]
        func row(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in padded(cell, widths[index], right: ![1, 2, 11, 12, 13].contains(index)) }
                .joined(separator: "  ") + "\n"
        }
        var output = row(header)
        for run in runs {
            let started = String(run.startedAt.prefix(19)).replacingOccurrences(of: "T", with: " ")
            output += row(["\(run.id)", started, run.status, run.exitCode.map(String.init) ?? "-", "\(run.hosts)",
                           "\(run.hostsFailed)", run.problems.map(String.init) ?? "-", "\(run.passed)", "\(run.failed)",
                           "\(run.errors)", "\(run.waived)", run.upgradeTo.map { "\($0): \(run.upgradeFailed)" } ?? "-",
                           run.auditor ?? "-", run.inventory ?? "-"])
        }
        console.out(output)
    }
}

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show, line by line, how a host's files changed between two runs.",
        discussion: """
        Without --to, the newest run that collected the host; without --from, the run before it \
        that collected the host. Secrets appear as their redaction tags: a changed secret shows \
        as a changed tag, never as itself.

        Examples:
          stackdrift diff compute1
          stackdrift diff compute1 /etc/nova/nova.conf --from 12 --to 19

        Exit codes: 0 no differences; 1 differences; 64 unknown host or run.
        """)

    @OptionGroup var database: DatabaseOption
    @Argument(help: ArgumentHelp("The host, as named in the inventory.", valueName: "host")) var host: String
    @Argument(help: ArgumentHelp("Only this file (absolute path on the host).", valueName: "file")) var file: String?
    @Option(name: .long, help: ArgumentHelp("The older run.", valueName: "run")) var from: Int64?
    @Option(name: .long, help: ArgumentHelp("The newer run.", valueName: "run")) var to: Int64?
    @Flag(name: .long, help: "Never colour the output (NO_COLOR is honoured too).") var noColor = false

    func run() throws {
        let console = Console(noColor: noColor)
        let store = try database.open(console)
        let runs = try storeCall(console) { try store.runs(of: host) }
        guard !runs.isEmpty else {
            let known = (try? store.hostNames()) ?? []
            console.error("no run collected host '\(host)'" + (known.isEmpty ? "" : " (known hosts: \(known.joined(separator: ", ")))"))
            throw ExitCode(AuditExitCode.usage.rawValue)
        }
        let newer = to ?? runs.last!.id
        guard let older = from ?? runs.last(where: { $0.id < newer })?.id else {
            console.error("run \(newer) is the first run that collected '\(host)'; there is nothing to compare it with")
            throw ExitCode(AuditExitCode.usage.rawValue)
        }
        let changes = try storeCall(console) { try store.diff(host: host, path: file, from: older, to: newer) }
        let color = console.colorAllowed(forStderr: false)
        // Each piece made visible before it is painted: the output goes out `painted`.
        func paint(_ text: String, _ code: String) -> String {
            color ? "\u{1B}[\(code)m\(VisibleText.terminal(text))\u{1B}[0m" : VisibleText.terminal(text)
        }
        var output = ""
        for change in changes {
            switch change.kind {
            case .new: output += paint("new file \(host):\(change.path) (run \(newer))", "1") + "\n"
            case .vanished: output += paint("vanished \(host):\(change.path) (missing in run \(newer))", "1") + "\n"
            case .changed:
                output += paint("--- \(host):\(change.path) (run \(older))", "1") + "\n"
                output += paint("+++ \(host):\(change.path) (run \(newer))", "1") + "\n"
                for hunk in change.hunks {
                    output += paint(hunk.header, "36") + "\n"
                    for line in hunk.lines {
                        let text = String(line.kind.marker) + line.text
                        switch line.kind {
                        case .removed: output += paint(text, "31") + "\n"
                        case .added: output += paint(text, "32") + "\n"
                        case .context: output += VisibleText.terminal(text) + "\n"
                        }
                    }
                }
            }
        }
        if changes.isEmpty {
            console.out("no differences in \(file.map { "\(host):\($0)" } ?? host) between runs \(older) and \(newer)\n")
            return
        }
        console.out(painted: output)
        throw ExitCode(1)
    }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every version of a host's file, or every value one of its keys has had.",
        discussion: """
        KEY is SECTION.KEY for files with sections (DEFAULT.my_ip, ovs.local_ip, \
        filter:cache.memcache_servers) and the bare key otherwise (net.ipv4.ip_forward, -l). Each \
        line is the run where the value changed and the value from then on; secrets appear as \
        their redaction tags. MySQL's includes are read from what the same run stored.

        Examples:
          stackdrift history compute1 /etc/nova/nova.conf
          stackdrift history compute1 /etc/nova/nova.conf DEFAULT.vncserver_proxyclient_address
          stackdrift history network /etc/sysctl.conf net.ipv4.ip_forward
        """)

    @OptionGroup var database: DatabaseOption
    @Option(name: .long, help: ArgumentHelp("Extra rule directory, for the formats of site files (repeatable).", valueName: "dir"))
    var rules: [String] = []
    @Argument(help: ArgumentHelp("The host, as named in the inventory.", valueName: "host")) var host: String
    @Argument(help: ArgumentHelp("Absolute path of the file on the host.", valueName: "file")) var file: String
    @Argument(help: ArgumentHelp("SECTION.KEY (or KEY for files without sections).", valueName: "key")) var key: String?

    func run() throws {
        let console = Console(noColor: true)
        let store = try database.open(console)
        guard let key else {
            let versions = try storeCall(console) { try store.history(host: host, path: file) }
            guard !versions.isEmpty else {
                console.error("no run stored '\(file)' of host '\(host)'")
                throw ExitCode(AuditExitCode.usage.rawValue)
            }
            var output = ""
            var previous: [String]?
            for version in versions {
                let lines = version.content.map(LineDiff.lines)
                var change = ""
                if let lines, let previous {
                    let hunks = LineDiff.hunks(old: previous, new: lines)
                    let added = hunks.flatMap(\.lines).filter { $0.kind == .added }.count
                    let removed = hunks.flatMap(\.lines).filter { $0.kind == .removed }.count
                    change = "+\(added) -\(removed) lines"
                } else if let lines {
                    change = "\(lines.count) lines"
                } else {
                    change = version.status
                }
                output += "run \(version.runID)  \(shortDate(version.startedAt))  \(change)\n"
                previous = lines ?? previous
            }
            console.out(output)
            return
        }
        let ruleSet: RuleSet
        do {
            ruleSet = try RuleSet.load(directories: [try BuiltinRules.directory()] + rules)
        } catch {
            console.error("\(error)")
            throw ExitCode(AuditExitCode.usage.rawValue)
        }
        let format = ruleSet.format(forFile: file) ?? FormatDetector.format(forPath: file)
        var section: String?
        var name = key
        if format?.hasSections == true {
            guard let dot = key.firstIndex(of: ".") else {
                console.error("'\(file)' has sections: give the key as SECTION.KEY (DEFAULT.\(key))")
                throw ExitCode(AuditExitCode.usage.rawValue)
            }
            section = String(key[..<dot])
            name = String(key[key.index(after: dot)...])
        }
        let versions = try storeCall(console) {
            try ValueHistory.values(store: store, host: host, path: file, section: section, key: name, ruleSet: ruleSet)
        }
        guard !versions.isEmpty else {
            console.error("no run stored '\(file)' of host '\(host)'")
            throw ExitCode(AuditExitCode.usage.rawValue)
        }
        var output = ""
        for version in versions {
            let value: String
            if let note = version.note {
                value = "(\(note))"
            } else if version.values.isEmpty {
                value = "(not set)"
            } else {
                let place = version.line.map { line in
                    version.file.map { $0 == file ? "  (line \(line))" : "  (\($0):\(line))" } ?? "  (line \(line))"
                } ?? ""
                value = version.values.map { "'\($0)'" }.joined(separator: ", ") + place
            }
            output += "run \(version.runID)  \(shortDate(version.startedAt))  \(key) = \(value)\n"
        }
        console.out(output)
    }
}

struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete runs older than a number of days, keeping the latest copy of every file.",
        discussion: """
        A run older than the limit is kept when it holds the newest stored content of some host's \
        file (a host audited last a year ago, a file that has since vanished), so pruning never \
        loses the last known state of anything. Takes the audit lock, so it never runs under an \
        audit (in a PostgreSQL history, it waits for every auditor's audit to finish).

        Examples:
          stackdrift prune --keep-days 90 --dry-run
          stackdrift prune --keep-days 365 --vacuum --db /var/lib/stackdrift/audit.db
        """)

    @OptionGroup var database: DatabaseOption
    @Option(name: .long, help: ArgumentHelp("Keep the runs of the last N days.", valueName: "n")) var keepDays: Int
    @Flag(name: .long, help: "Say what would be deleted, change nothing.") var dryRun = false
    @Flag(name: .long, help: "Give the freed space back to the file system afterwards (rewrites the database).") var vacuum = false
    @Option(name: .long, help: ArgumentHelp("Seconds to wait for a running audit.", valueName: "seconds"))
    var lockTimeout: Double = 600

    func validate() throws {
        guard keepDays >= 0 else { throw ValidationError("--keep-days must be zero or more") }
    }

    func run() throws {
        let console = Console(noColor: true)
        let store = try database.open(console)
        let lock: AnyObject
        do {
            lock = try store.lockHistory(wait: lockTimeout) { console.error($0) }
        } catch let error as StoreError {
            console.error("\(error)")
            throw ExitCode(error.kind == .busy ? AuditExitCode.busy.rawValue : AuditExitCode.incomplete.rawValue)
        }
        defer { withExtendedLifetime(lock) {} }
        let report = try storeCall(console) { try store.prune(keepDays: keepDays, dryRun: dryRun, vacuum: vacuum) }
        let verb = dryRun ? "would delete" : "deleted"
        var output = report.removedRuns.isEmpty ? "no run is older than \(keepDays) days\n"
            : "\(verb) \(report.removedRuns.count) run\(report.removedRuns.count == 1 ? "" : "s") (\(ranges(report.removedRuns)))\n"
        if !report.keptForContent.isEmpty {
            output += "kept \(report.keptForContent.count) older run\(report.keptForContent.count == 1 ? "" : "s") holding the last "
                + "copy of a file (\(ranges(report.keptForContent)))\n"
        }
        if !dryRun, !report.removedRuns.isEmpty {
            output += "freed \(report.removedBlobs) stored blobs; database \(megabytes(report.bytesBefore)) -> \(megabytes(report.bytesAfter))"
                + (vacuum ? "\n" : " (space is reused by later runs; --vacuum gives it back)\n")
        }
        console.out(output)
    }

    private func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }

    /// "3-9, 12, 15-20".
    private func ranges(_ ids: [Int64]) -> String {
        var parts: [String] = []
        var start = ids.first, end = ids.first
        for id in ids.dropFirst() {
            if let current = end, id == current + 1 { end = id; continue }
            if let start, let end { parts.append(start == end ? "\(start)" : "\(start)-\(end)") }
            start = id
            end = id
        }
        if let start, let end { parts.append(start == end ? "\(start)" : "\(start)-\(end)") }
        return "runs " + parts.joined(separator: ", ")
    }
}

struct DB: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Database maintenance.",
        subcommands: [Check.self, Copy.self, Rekey.self])

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a whole history into a new, empty database: SQLite into PostgreSQL, or back.",
            discussion: """
            Every run is copied with its id, hosts, files, findings and overview, as stored, so \
            'runs', 'report', 'diff' and 'history' say the same of the copy. The target must be \
            empty (a new SQLite file, or a PostgreSQL database with no runs). Both histories are \
            locked while copying; a copy cut short leaves the target empty.

            The copied runs' secrets are tags under the source's redaction key: an SQLite copy gets \
            the key file beside it (<file>.key); the auditors of a PostgreSQL copy are given the \
            source's key file (--key-file), which the command names.

            Examples:
              stackdrift db copy --from /var/lib/stackdrift/audit.db --to postgresql://stackdrift@db.example.net/stackdrift
              stackdrift db copy --from postgresql://stackdrift@db.example.net/stackdrift --to /srv/backup/audit.db

            Exit codes: 0 copied; 2 the copy failed (the target is left empty); 64 a history cannot be opened, \
            or the target is not empty; 75 an audit kept a history busy past --lock-timeout.
            """)

        @Option(name: .long, help: ArgumentHelp("The history to copy: an SQLite file or a postgresql:// URL.", valueName: "file|url"))
        var from: String
        @Option(name: .long, help: ArgumentHelp("The new history: an SQLite file or a postgresql:// URL.", valueName: "file|url"))
        var to: String
        @Option(name: .long, help: ArgumentHelp(
            "The source's redaction key file (default: $STACKDRIFT_KEY_FILE, else beside an SQLite source).", valueName: "file"))
        var keyFile: String?
        @Option(name: .long, help: ArgumentHelp("Seconds to wait for running audits.", valueName: "seconds"))
        var lockTimeout: Double = 600

        func run() throws {
            let console = Console(noColor: true)
            let source = try openStore(from, keyFile: keyFile, access: .read, console: console, mustExist: true)
            let sourceLocation = try storeCall(console) { try StoreLocation(from) }
            let targetLocation = try storeCall(console) { try StoreLocation(to) }
            let key = RedactionKeySource.resolve(for: sourceLocation, keyFile: keyFile)
            var keyNote = ""
            if case .sqlite(let path) = targetLocation {
                if FileManager.default.fileExists(atPath: path) {
                    console.error("'\(path)' exists; copy into a new file")
                    throw ExitCode(AuditExitCode.usage.rawValue)
                }
                if let key, try storeCall(console, { try key.install(at: path + ".key") }) {
                    keyNote = "redaction key: \(path).key (copied from '\(key.path)')\n"
                }
            } else if let key {
                keyNote = "redaction key: give the auditors of the copy '\(key.path)' (--key-file)\n"
            }
            let target = try openStore(to, keyFile: nil, access: .read, console: console, mustExist: false)
            let copied: [String: Int]
            do {
                copied = try source.copy(into: target, wait: lockTimeout) { console.error($0) }
            } catch let error as StoreError {
                console.error("\(error)")
                throw ExitCode(error.kind == .busy ? AuditExitCode.busy.rawValue
                               : error.kind == .open ? AuditExitCode.usage.rawValue : AuditExitCode.incomplete.rawValue)
            }
            let counts = ["runs", "hosts", "blobs"].map { "\(copied[$0] ?? 0) \($0)" }.joined(separator: ", ")
            console.out("copied \(counts) from \(source.path) to \(target.path)\n" + keyNote)
        }
    }

    struct Rekey: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a new redaction key for the database (when its key file is lost, or to rotate it).",
            discussion: """
            Secrets are stored as tags keyed by the database's key file (<db>.key). When that \
            file is lost, audits refuse to run rather than make a new key silently, which would \
            show every secret as changed. Restore the file from a backup if you can; otherwise \
            this writes a new key. Each run records the key it was tagged with, so the first run \
            under the new key compares secrets with earlier runs by presence only, and \
            'stackdrift diff' across the break does the same.

            Examples:
              stackdrift db rekey --db /var/lib/stackdrift/audit.db

            Exit codes: 0 new key written; 2 it could not be written; 64 no database.
            """)

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let console = Console(noColor: true)
            guard FileManager.default.fileExists(atPath: database.path) else {
                console.error("no database at '\(database.path)' (run an audit first, or give --db)")
                throw ExitCode(AuditExitCode.usage.rawValue)
            }
            let keys = try storeCall(console) { try SnapshotStore.rekey(path: database.path) }
            console.out("new redaction key \(keys.new) written to \(database.path).key"
                        + (keys.earlier.isEmpty ? "\n" : "; earlier runs were tagged with \(keys.earlier.joined(separator: ", ")), "
                           + "whose secrets the next run compares by presence only\n"))
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the database: integrity, schema version, references, and (--deep) every stored hash.",
            discussion: """
            Runs killed before they finished are noted, not reported as problems: they leave \
            nothing behind but their 'running' row, and earlier runs are intact.

            Examples:
              stackdrift db check
              stackdrift db check --deep --db /var/lib/stackdrift/audit.db

            Exit codes: 0 sound; 1 problems found.
            """)

        @OptionGroup var database: DatabaseOption
        @Flag(name: .long, help: "Also inflate every stored blob and compare it with its hash.") var deep = false

        func run() throws {
            let console = Console(noColor: true)
            let store = try database.open(console)
            let result = try storeCall(console) { try store.check(deep: deep) }
            var output = ""
            for note in result.notes { output += "note: \(note)\n" }
            for problem in result.problems { output += "problem: \(problem)\n" }
            let version = (try? store.schemaVersion()) ?? 0
            output += result.problems.isEmpty ? "ok: \(database.path) (schema \(version))\n"
                : "\(result.problems.count) problem\(result.problems.count == 1 ? "" : "s") in \(database.path)\n"
            console.out(output)
            if !result.problems.isEmpty { throw ExitCode(1) }
        }
    }
}
