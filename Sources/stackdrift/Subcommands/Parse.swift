import ArgumentParser
import DriftAudit
import DriftCore
import DriftParsing
import DriftReporting
import DriftRules
import Foundation

struct Parse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how stackdrift reads a configuration file.",
        discussion: """
        Prints every entry in the order the consuming program reads it, with its section and \
        line, to settle whether a finding comes from the file or from the parser. A file the \
        program would reject prints a compiler-style error on stderr; one it reads but refuses to \
        start on (a my.cnf whose !includedir directory is missing) prints its entries and the error. \
        Secret values are masked.

        The format is chosen from the path (nova.conf: oslo-ini, my.cnf: mysql, lvm.conf: lvm, \
        proxy-server.conf: paste-ini, …); --as overrides it.

        Formats: \(ConfigFormat.choices)

        Examples:
          stackdrift parse /etc/nova/nova.conf
          stackdrift parse --json /etc/lvm/lvm.conf
          stackdrift parse --as mysql --root /srv/copies/db1 /srv/copies/db1/etc/mysql/my.cnf

        Exit codes: 0 read; 1 the program would reject the file; 2 the file cannot be read; 64 usage error.
        """
    )

    @Argument(help: ArgumentHelp("The file to read.", valueName: "file"))
    var file: String

    @Option(name: .customLong("as"), help: ArgumentHelp("Read the file as this format.", valueName: "format"))
    var format: String?

    @Flag(name: .long, help: "Print {\"format\", \"entries\": [{\"file\", \"section\", \"key\", \"value\", \"line\"}]} as JSON.")
    var json = false

    @Option(name: .long, help: ArgumentHelp(
        "Directory standing in for '/' when following MySQL !include paths (default: /); includes are followed only "
            + "inside the including file's directory and /etc/mysql.", valueName: "dir"))
    var root: String?

    func run() throws {
        let console = Console(noColor: true)
        let chosen: ConfigFormat
        if let format {
            guard let named = ConfigFormat(rawValue: format) else {
                console.error("unknown format '\(format)' (valid: \(ConfigFormat.choices))")
                throw ExitCode(64)
            }
            chosen = named
        } else if let detected = FormatDetector.format(forPath: file) {
            chosen = detected
        } else {
            console.error("cannot tell the format of '\(file)' from its name; use --as (valid: \(ConfigFormat.choices))")
            throw ExitCode(64)
        }
        let read: LocalFileRead
        switch LocalFileRead.read(file, format: chosen, root: root) {
        case .success(let done): read = done
        case .failure(let failure):
            console.error(failure.message)
            throw ExitCode(failure.isUsage ? 64 : 2)
        }
        // The one secret policy (Rules/secrets.yaml): a weaker stand-in would show what reports hide.
        let secrets: SecretPolicy
        do {
            secrets = try RuleSet.load(directories: [try BuiltinRules.directory()]).secrets
        } catch {
            console.error("cannot load the secret policy from the built-in rules, so values cannot be masked: \(error)")
            throw ExitCode(64)
        }
        do {
            let document = try DocumentParser.parse(read.bytes, path: file, format: chosen, secrets: secrets, includes: read.includes)
            for warning in document.warnings { console.error(warning.description.replacingOccurrences(of: ": error: ", with: ": warning: "), prefixed: false) }
            console.out(json ? ParseReport.json(document, secrets: secrets) : ParseReport.text(document, secrets: secrets))
            // The program refuses to start on these, though the rest of the file reads (and is printed).
            for error in document.errors + document.refusedIncludes { console.error(error.description, prefixed: false) }
            if !document.errors.isEmpty || !document.refusedIncludes.isEmpty { throw ExitCode(1) }
        } catch let diagnostic as Diagnostic {
            console.error(diagnostic.description, prefixed: false)
            throw ExitCode(1)
        }
    }
}

