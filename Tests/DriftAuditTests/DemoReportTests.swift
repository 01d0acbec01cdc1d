import DriftAudit
import DriftCore
import DriftReporting
import DriftRules
import DriftSamples
import DriftTestSupport
import Foundation
import Testing

/// The reports of the demo fleet: the committed samples, the schema, and no secret anywhere.
@Suite struct DemoReportTests {
    static let packageRoot = ExternalProgram.packageRoot
    static let rationales = (try? RuleSet.load(directories: [packageRoot + "/Rules"]).rationales) ?? [:]

    @Test func theCommittedSamplesAreCurrent() throws {
        for sample in try SampleReports.render(packageRoot: Self.packageRoot) {
            try GoldenFile.check(sample.text, against: Self.packageRoot + "/" + sample.path,
                                 regenerate: "swift run stackdrift-samples")
        }
    }

    @Test func theDemoJSONReportValidatesAgainstTheSchema() throws {
        let fresh = JSONReport.render(try DemoFleet.run())
        let committed = try String(contentsOfFile: Self.packageRoot + "/Reports/sample-report.json", encoding: .utf8)
        for json in [fresh, committed] {
            guard let errors = try JSONSchemaValidator.errors(in: json, schema: Self.packageRoot + "/Reports/report.schema.json")
            else {
                _ = ExternalProgram.require(nil as String?, "Python's jsonschema in .build/pyenv")
                return
            }
            #expect(errors == [])
        }
    }

    @Test func noFormatHoldsASecret() throws {
        let run = try DemoFleet.run()
        var outputs = ReportFormat.allCases.map {
            ($0.rawValue, $0.render(run, options: ReportFormat.Options(rationales: Self.rationales)))
        }
        outputs.append(("coloured text", TextReport(color: true).render(run)))
        for path in SampleReports.samples.map(\.path) {
            outputs.append((path, try String(contentsOfFile: Self.packageRoot + "/" + path, encoding: .utf8)))
        }
        for (format, output) in outputs {
            for secret in DemoFleetSecrets.all {
                #expect(!output.contains(secret), "'\(secret)' leaked into the \(format) report")
            }
        }
        // The secret checks are there, masked: set, and compared without being shown.
        let html = outputs[0].1
        #expect(html.contains("<code class=\"masked\">&lt;secret B&gt;</code>"))
        #expect(html.contains("metering_secret = &lt;redacted:"))
    }

    @Test func theHTMLQuotesTheOffendingLineOfTheDemo() throws {
        let html = HTMLReport(rationales: Self.rationales).render(try DemoFleet.run())
        #expect(html.contains("<tr class=\"hit\"><td class=\"ln\">22</td><td>vncserver_proxyclient_address = 10.0.0.31</td></tr>"))
        #expect(html.contains("<dt>Why</dt><dd>The console proxy connects"), "the rule's rationale")
        #expect(html.contains("<a href=\"#host-3\">compute2</a>"))
    }
}
