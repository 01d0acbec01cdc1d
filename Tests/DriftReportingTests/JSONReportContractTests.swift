import DriftCore
import DriftReporting
import DriftTestSupport
import Foundation
import Testing

/// The JSON report against its schema, validated by an implementation of JSON Schema that is not ours.
@Suite struct JSONReportContractTests {
    static let schema = ExternalProgram.packageRoot + "/Reports/report.schema.json"

    func validate(_ json: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [String]? {
        let errors = try JSONSchemaValidator.errors(in: json, schema: Self.schema)
        if errors == nil {
            _ = ExternalProgram.require(nil as String?, "Python's jsonschema in .build/pyenv", sourceLocation: sourceLocation)
        }
        return errors
    }

    @Test func theFullFixtureValidates() throws {
        guard let errors = try validate(JSONReport.render(ReportFixture.run())) else { return }
        #expect(errors == [])
    }

    @Test func aReportWithoutHistoryValidatesWithNullChanges() throws {
        let json = JSONReport.render(ReportFixture.run(changes: nil))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["changes"] is NSNull)
        guard let errors = try validate(json) else { return }
        #expect(errors == [])
    }

    @Test func theValidatorRejectsWhatTheSchemaForbids() throws {
        let json = JSONReport.render(ReportFixture.run())
        let broken = json.replacingOccurrences(of: "\"category\": \"upgrade\"", with: "\"category\": \"sideways\"")
            .replacingOccurrences(of: "\"files_unchanged\": 3", with: "\"files_unchanged\": -3")
        guard let errors = try validate(broken) else { return }
        #expect(errors.contains { $0.contains("'sideways' is not one of ['guide', 'upgrade']") })
        #expect(errors.contains { $0.hasPrefix("/changes/summary/files_unchanged:") })
    }

    @Test func findingsCarryTheirCategoryAndTheSummaryCountsUpgradeChecksApart() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(JSONReport.render(ReportFixture.run()).utf8)) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.filter { $0["category"] as? String == "upgrade" }.count == 2)
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["fail"] as? Int == 8, "the top-level counts are the guide's")
        let upgrade = try #require(summary["upgrade"] as? [String: Any])
        #expect(upgrade["from"] as? String == "icehouse" && upgrade["to"] as? String == "juno")
        #expect(upgrade["fail"] as? Int == 1 && upgrade["pass"] as? Int == 1)
    }

    @Test func changesListFilesWithTheirDiffsAndFindingsByKind() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(JSONReport.render(ReportFixture.run()).utf8)) as? [String: Any])
        let changes = try #require(object["changes"] as? [String: Any])
        #expect((changes["previous_run"] as? [String: Any])?["id"] as? Int == 6)
        let files = try #require(changes["files"] as? [[String: Any]])
        #expect(files.map { $0["change"] as? String } == ["vanished", "changed", "new"])
        let hunk = try #require((files[1]["hunks"] as? [[String: Any]])?.first)
        #expect(hunk["header"] as? String == "@@ -4,4 +4,4 @@")
        #expect((hunk["lines"] as? [String])?.contains("-novncproxy_base_url = http://controller:6080/vnc_auto.html") == true)
        let findings = try #require(changes["findings"] as? [[String: Any]])
        #expect(findings.map { $0["change"] as? String } == ["new", "fixed", "still-failing"])
    }

    @Test func neverIncludesFileContents() {
        let json = JSONReport.render(ReportFixture.run())
        // Lines only in the files' text (not in a diff, a value or a message).
        for line in ["rabbit_host = controller", "connection = mysql://nova:", "ok = 1"] {
            #expect(!json.contains(line), "'\(line)' is file content")
        }
    }

    @Test func sameStateSameBytesWhateverTheOrderOfTheRun() {
        var shuffled = ReportFixture.run()
        shuffled.findings.reverse()
        shuffled.hosts.reverse()
        shuffled.changes?.files.reverse()
        shuffled.changes?.findings.reverse()
        #expect(JSONReport.render(shuffled) == JSONReport.render(ReportFixture.run()))
    }
}
