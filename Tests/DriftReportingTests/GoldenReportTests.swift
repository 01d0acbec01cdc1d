import DriftCore
import DriftReporting
import DriftTestSupport
import Foundation
import Testing

/// Every format of the hand-made run, byte for byte. Clock, version and redaction tags are
/// fixed in the fixture, so a difference is a change in the report. Regenerate with
/// `STACKDRIFT_RECORD_GOLDEN=1 swift test --filter GoldenReportTests` and review the diff.
@Suite struct GoldenReportTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path

    static func check(_ text: String, _ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        try GoldenFile.check(text, against: directory + "/" + name,
                             regenerate: "STACKDRIFT_RECORD_GOLDEN=1 swift test --filter GoldenReportTests",
                             sourceLocation: sourceLocation)
    }

    @Test func html() throws {
        try Self.check(HTMLReport(rationales: ReportFixture.rationales).render(ReportFixture.run()), "report.html")
    }

    @Test func json() throws {
        try Self.check(JSONReport.render(ReportFixture.run()), "report.json")
    }

    @Test func junit() throws {
        try Self.check(JUnitReport.render(ReportFixture.run()), "report.junit.xml")
    }

    @Test func text() throws {
        try Self.check(TextReport(color: false).render(ReportFixture.run()), "report.txt")
    }

    @Test func colouredText() throws {
        try Self.check(TextReport(color: true).render(ReportFixture.run()), "report.color.txt")
    }

    @Test func everyFormatRendersThroughReportFormat() {
        let run = ReportFixture.run()
        let options = ReportFormat.Options(color: false, rationales: ReportFixture.rationales)
        #expect(ReportFormat.html.render(run, options: options) == HTMLReport(rationales: ReportFixture.rationales).render(run))
        #expect(ReportFormat.json.render(run, options: options) == JSONReport.render(run))
        #expect(ReportFormat.junit.render(run, options: options) == JUnitReport.render(run))
        #expect(ReportFormat.text.render(run, options: options) == TextReport(color: false).render(run))
    }
}
