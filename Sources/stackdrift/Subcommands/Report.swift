import ArgumentParser
import DriftCore
import DriftReporting
import DriftRules
import DriftStore
import Foundation

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a stored run again, in any report format.",
        discussion: """
        Every audit is stored in the database with its findings and the redacted text of each \
        file, so any run can be reported again later, in any format, as it was: what changed \
        since the run before it included.

        Formats:
          text   the terminal summary (coloured on a terminal; NO_COLOR is honoured)
          json   the report contract, Reports/report.schema.json
          html   one self-contained page: open it offline, print it to PDF
          junit  JUnit XML for CI systems, one test case per rule and host

        Examples:
          The latest run as HTML:
            stackdrift report latest --format html -o report.html

          Run 12 of a chosen database, as JUnit XML for a CI job:
            stackdrift report 12 --db /var/lib/stackdrift/audit.db --format junit -o junit.xml

        Exit codes: 0 rendered; 2 the run cannot be read; 64 usage error or no such run.
        """
    )

    @Argument(help: ArgumentHelp("The run's id, or 'latest'.", valueName: "run"))
    var runID: String

    @Option(name: .long, help: ArgumentHelp(
        "The database holding the run, a file or a postgresql:// URL (default: as for audit).", valueName: "file|url"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp("The redaction key file (default: as for audit).", valueName: "file"))
    var keyFile: String?

    @Option(name: .long, help: ArgumentHelp("text, json, html or junit.", valueName: "format"))
    var format: ReportFormat = .text

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp(
        "Write the report to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Option(name: .long, help: ArgumentHelp(
        "Extra rule directory whose rationales the HTML report shows (repeatable).", valueName: "dir"))
    var rules: [String] = []

    @Flag(name: .long, help: "Never colour the text report (NO_COLOR is honoured too).")
    var noColor = false

    @Flag(name: .long, help: "List every finding under its problem in the text report.")
    var verbose = false

    func validate() throws {
        if runID != "latest", Int64(runID).map({ $0 < 1 }) ?? true {
            throw ValidationError("'\(runID)' is not a run id (a positive number) or 'latest'")
        }
    }

    func run() throws {
        let console = Console(noColor: noColor)
        let path = db ?? SnapshotStore.defaultPath()
        let location: StoreLocation
        do {
            location = try StoreLocation(path)
        } catch {
            console.error("\(error)")
            throw ExitCode(64)
        }
        if case .sqlite = location, !FileManager.default.fileExists(atPath: path) {
            console.error("no database at '\(path)' (audits store their runs there; name another with --db)")
            throw ExitCode(64)
        }
        let store: SnapshotStore
        do {
            store = try SnapshotStore.open(location, keyFile: keyFile, access: .read)
        } catch let error as StoreError {
            // A server that refuses the connection is a configuration error, a damaged file an unreadable run.
            console.error("\(error)")
            throw ExitCode(error.kind == .open || error.kind == .schemaTooNew ? 64 : 2)
        }
        let stored: StoredRunReader
        do {
            guard let id = runID == "latest" ? try store.latestRunID() : Int64(runID) else {
                console.error("'\(path)' holds no finished run yet")
                throw ExitCode(64)
            }
            stored = try store.reader(run: id)
        } catch let error as StoreError {
            console.error("\(error)")
            throw ExitCode(error.kind == .notFound ? 64 : 2)
        }
        // Only the HTML shows the rules' rationales (a run checked for an upgrade wants its pack's
        // too); without them it still renders, so a rule directory that since changed or went
        // away never stops a stored run from being reported.
        var rationales: [String: String] = [:]
        if format == .html {
            do {
                rationales = try RuleSet.load(directories: [try BuiltinRules.directory()] + rules,
                                              upgradeTo: stored.header.upgrade?.to).rationales
            } catch {
                console.error("warning: the rules cannot be read, so the report shows no rationales: \(error)")
            }
        }

        let destination = ReportDestination(format: format, path: output ?? "-")
        let color = format == .text && destination.isStandardOutput && console.colorAllowed(forStderr: false)
        let options = ReportFormat.Options(color: color, rationales: rationales, verbose: verbose)
        do {
            try destination.write(console: console) { try format.write(stored, options: options, to: $0) }
        } catch {
            throw ExitCode(2)
        }
    }
}

extension ReportFormat: ExpressibleByArgument {}
