import DriftTestSupport
import Foundation
import Testing

private let demoInventory = "Examples/demo/inventory.yaml"

/// `audit --html/--json/--junit` and `stackdrift report RUN --format …`.
@Suite(.serialized) struct ReportCommandTests {
    @Test func auditWritesEveryFormatAskedFor() throws {
        let scratch = try Scratch(prefix: "stackdrift-report")
        let result = try CLI.run(["audit", "-i", demoInventory, "--db", scratch.path + "/a.db", "--json", scratch.path + "/r.json",
                                  "--html", scratch.path + "/r.html", "--junit", scratch.path + "/junit.xml"])
        #expect(result.status == 1, "\(result.stderr)")
        let html = try String(contentsOfFile: scratch.path + "/r.html", encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>stackdrift: DRIFT: 9 problems (12 failing checks on 4 hosts) (run 1)</title>"))
        #expect(html.contains("<dt>Why</dt>"), "rationales come from the rules the audit loaded")
        let junit = try String(contentsOfFile: scratch.path + "/junit.xml", encoding: .utf8)
        #expect(junit.contains("<testcase classname=\"compute2\" name=\"/etc/nova/nova.conf [DEFAULT] vncserver_proxyclient_address\""))
        #expect(junit.contains("failures=\"9\""), "one failing case per problem")
        for line in ["json report: \(scratch.path)/r.json", "html report: \(scratch.path)/r.html",
                     "junit report: \(scratch.path)/junit.xml"] {
            #expect(result.stdout.contains(line))
        }
        for secret in DemoFleetSecrets.all {
            #expect(!html.contains(secret) && !junit.contains(secret), "'\(secret)' leaked")
        }
    }

    @Test func oneReportMayTakeStandardOutput() throws {
        let scratch = try Scratch(prefix: "stackdrift-report")
        let html = try CLI.run(["audit", "-i", demoInventory, "--db", scratch.path + "/a.db", "--html", "-"])
        #expect(html.status == 1)
        #expect(html.stdout.hasPrefix("<!DOCTYPE html>") && html.stdout.hasSuffix("</html>\n"))
        #expect(html.stderr.contains("DRIFT: 9 problems (12 failing checks"), "the summary moves to stderr")

        let two = try CLI.run(["audit", "-i", demoInventory, "--db", scratch.path + "/a.db", "--json", "-", "--junit", "-"])
        #expect(two.status == 64)
        #expect(two.stderr.contains("only one report can go to standard output ('-'), not --json and --junit"))
    }

    @Test func theSummaryIsColouredOnATerminalUnlessNoColor() throws {
        guard let script = ExternalProgram.which("script") else { return }
        let scratch = try Scratch(prefix: "stackdrift-report")
        func onTerminal(_ environment: [String: String]) throws -> String {
            // script(1) gives the command a pseudo-terminal for stdout and stderr.
            let command = "\(CLI.binary) audit -i \(demoInventory) --db \(scratch.path)/a.db"
            let output = try ExternalProgram.run(script, ["-qec", command, "/dev/null"],
                                                 environment: environment.merging(["TERM": "xterm"]) { $1 })
            return String(decoding: output.stdout, as: UTF8.self)
        }
        let plainEnvironment = ProcessInfo.processInfo.environment["NO_COLOR"] == nil ? [:] : ["NO_COLOR": ""]
        #expect(try onTerminal(plainEnvironment).contains("\u{1B}[31mDRIFT\u{1B}[0m"))
        #expect(!(try onTerminal(["NO_COLOR": "1"]).contains("\u{1B}[3")))
    }

    @Test func usageMistakesExit64() throws {
        let scratch = try Scratch(prefix: "stackdrift-report")
        let notARun = try CLI.run(["report", "yesterday", "--db", scratch.path + "/a.db"])
        #expect(notARun.status == 64)
        #expect(notARun.stderr.contains("'yesterday' is not a run id (a positive number) or 'latest'"))
        let badFormat = try CLI.run(["report", "1", "--format", "pdf", "--db", scratch.path + "/a.db"])
        #expect(badFormat.status == 64)
        #expect(badFormat.stderr.contains("pdf"))
        let noDatabase = try CLI.run(["report", "latest", "--db", scratch.path + "/none.db"])
        #expect(noDatabase.status == 64)
        #expect(noDatabase.stderr.contains("no database at '\(scratch.path)/none.db'"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/none.db"), "report never creates a database")
        let help = try CLI.run(["report", "--help"])
        for fragment in ["--format", "--output", "--db", "latest", "Examples:", "Exit codes"] {
            #expect(help.stdout.contains(fragment), "help lacks '\(fragment)'")
        }
    }

    /// A stored run rendered again is the report the audit wrote, byte for byte, in every
    /// format: the first run, and a second one with changes since the first and upgrade checks.
    @Test func reportRendersAStoredRunAsTheAuditDid() throws {
        let scratch = try Scratch(prefix: "stackdrift-report")
        try FileManager.default.copyItem(atPath: "Examples/demo", toPath: scratch.path + "/demo")
        let inventory = scratch.path + "/demo/inventory.yaml", novaConf = scratch.path + "/demo/trees/compute1/etc/nova/nova.conf"
        for (run, extra) in [(1, [String]()), (2, ["--upgrade-to", "juno"])] {
            if run == 2 {
                let text = try String(contentsOfFile: novaConf, encoding: .utf8)
                try text.replacingOccurrences(of: "verbose=True\n", with: "verbose=False\n").write(toFile: novaConf, atomically: true, encoding: .utf8)
            }
            let prefix = scratch.path + "/audit\(run)"
            let audit = try CLI.run(["audit", "-i", inventory, "--db", scratch.path + "/a.db", "--json", prefix + ".json",
                                     "--html", prefix + ".html", "--junit", prefix + ".xml"] + extra, environment: ["NO_COLOR": "1"])
            #expect(audit.status == 1, "\(audit.stderr)")
            for (format, file) in [("json", prefix + ".json"), ("html", prefix + ".html"), ("junit", prefix + ".xml")] {
                let again = try CLI.run(["report", run == 1 ? "1" : "latest", "--db", scratch.path + "/a.db",
                                         "--format", format, "-o", scratch.path + "/again." + format])
                #expect(again.status == 0, "\(again.stderr)")
                let written = try String(contentsOfFile: file, encoding: .utf8)
                let rendered = try String(contentsOfFile: scratch.path + "/again." + format, encoding: .utf8)
                #expect(rendered == written, "run \(run), \(format): \(GoldenFile.firstDifference(written, rendered))")
                if run == 2, format == "json" {
                    #expect(written.contains("\"previous_run\": {") && written.contains("-verbose=True"), "the second run has changes")
                    #expect(written.contains("\"category\": \"upgrade\""), "and upgrade checks")
                }
            }
            let text = try CLI.run(["report", "\(run)", "--db", scratch.path + "/a.db"], environment: ["NO_COLOR": "1"])
            #expect(text.status == 0)
            #expect(audit.stdout.hasPrefix(text.stdout), "the terminal summary, as the audit printed it")
        }
    }

    /// A report that cannot be written does not stop the others: they are written, the summary
    /// is printed, the failure is named and the exit code is 2. Two reports on one file are refused.
    @Test func aReportThatCannotBeWrittenDoesNotHideTheOthers() throws {
        let scratch = try Scratch(prefix: "stackdrift-report-write")
        let result = try CLI.run(["audit", "-i", demoInventory, "--db", scratch.path + "/a.db",
                                  "--json", scratch.path + "/missing/dir/report.json", "--html", scratch.path + "/report.html"],
                                 environment: ["NO_COLOR": "1"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot write the json report to '\(scratch.path)/missing/dir/report.json': No such file or directory"),
                "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/report.html"))
        #expect(result.stdout.contains("DRIFT: 9 problems (12 failing checks on 4 hosts)"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).allSatisfy { !$0.hasPrefix(".report") },
                "no temporary file is left behind")

        let clash = try CLI.run(["audit", "-i", demoInventory, "--db", scratch.path + "/a.db",
                                 "--json", scratch.path + "/r", "--junit", scratch.path + "/./r"])
        #expect(clash.status == 64)
        #expect(clash.stderr.contains("--json and --junit both write"))
    }

    /// `report` renders json, text and junit without the rules; html falls back to no rationales.
    @Test func unreadableRulesOnlyCostTheHTMLItsRationales() throws {
        let scratch = try Scratch(prefix: "stackdrift-report-rules")
        _ = try CLI.run(["audit", "-i", demoInventory, "--db", scratch.path + "/a.db", "--quiet"])
        try "rules: [".write(toFile: scratch.path + "/broken.yaml", atomically: true, encoding: .utf8)
        for format in ["json", "junit", "text", "html"] {
            let result = try CLI.run(["report", "latest", "--db", scratch.path + "/a.db", "--format", format, "--rules", scratch.path])
            #expect(result.status == 0, "\(format): \(result.stderr)")
            #expect(result.stderr.contains("warning: the rules cannot be read") == (format == "html"), "\(format): \(result.stderr)")
        }
    }
}
