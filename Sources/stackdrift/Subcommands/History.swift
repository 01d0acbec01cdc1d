import ArgumentParser
import DriftAudit
import DriftCore
import DriftDiff
import DriftParsing
import DriftReporting
import DriftRules
import DriftStore
import Foundation

/// `--db`, shared by every command that reads or writes the store.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "SQLite database of the run history (default: $XDG_DATA_HOME/stackdrift/stackdrift.db, "
            + "else ~/.local/share/stackdrift/stackdrift.db).", valueName: "file"))
    var db: String?

    var path: String { db ?? SnapshotStore.defaultPath() }

    /// Opens an existing database; a missing one is a usage error, not a new empty database.
    func open(_ console: Console) throws -> SnapshotStore {
        guard FileManager.default.fileExists(atPath: path) else {
            console.error("no database at '\(path)' (run an audit first, or give --db)")
            throw ExitCode(AuditExitCode.usage.rawValue)
        }
        do {
            // Reading the history needs no redaction key: a missing one is refused only by audits.
            return try SnapshotStore(path: path, forAuditing: false)
        } catch {
            console.error("\(error)")
            throw ExitCode(AuditExitCode.usage.rawValue)
        }
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
        was kept) or running. The counts are the guide's checks; a run with --upgrade-to shows its \
        failing upgrade checks apart, under upgrade (juno: 70).

        Examples:
          stackdrift runs
          stackdrift runs --limit 7 --db /var/lib/stackdrift/audit.db
        """)

    @OptionGroup var database: DatabaseOption
    @Option(name: .long, help: ArgumentHelp("Show only this many runs.", valueName: "n")) var limit: Int?

    func run() throws {
        let console = Console(noColor: false)
        let store = try database.open(console)
        let runs = try storeCall(console) { try store.runs(limit: limit) }
        guard !runs.isEmpty else {
            console.out("no runs in \(database.path)\n")
            return
        }
        let header = ["run", "started (UTC)", "status", "exit", "hosts", "down", "pass", "fail", "error", "waived", "upgrade"]
        let widths = [5, 19, 11, 4, 5, 4, 6, 5, 5, 6, 7]
        func row(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in padded(cell, widths[index], right: ![1, 2, 10].contains(index)) }
                .joined(separator: "  ") + "\n"
        }
        var output = row(header)
        for run in runs {
            let started = String(run.startedAt.prefix(19)).replacingOccurrences(of: "T", with: " ")
            output += row(["\(run.id)", started, run.status, run.exitCode.map(String.init) ?? "-", "\(run.hosts)",
                           "\(run.hostsFailed)", "\(run.passed)", "\(run.failed)", "\(run.errors)", "\(run.waived)",
                           run.upgradeTo.map { "\($0): \(run.upgradeFailed)" } ?? "-"])
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
        audit.

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
        let lock: AuditLock
        do {
            lock = try AuditLock(database: database.path, wait: lockTimeout) { console.error($0) }
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
        subcommands: [Check.self, Rekey.self])

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
