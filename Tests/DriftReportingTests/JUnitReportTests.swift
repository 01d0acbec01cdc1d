import DriftCore
import DriftReporting
import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The JUnit XML as a CI system reads it: through an XML parser.
final class JUnitDocument: NSObject, XMLParserDelegate {
    struct TestCase {
        var suite: String
        var classname: String
        var name: String
        var outcome = "passed"
        var message: String?
        var body = ""
    }

    var suites: [[String: String]] = []
    var cases: [TestCase] = []
    var root: [String: String] = [:]
    private var inOutcome = false

    init(_ xml: String) throws {
        super.init()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = self
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.coderReadCorrupt) }
    }

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch element {
        case "testsuites": root = attributes
        case "testsuite": suites.append(attributes)
        case "testcase":
            cases.append(TestCase(suite: suites.last?["name"] ?? "", classname: attributes["classname"] ?? "",
                                  name: attributes["name"] ?? ""))
        case "failure", "error", "skipped":
            cases[cases.count - 1].outcome = element
            cases[cases.count - 1].message = attributes["message"]
            inOutcome = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inOutcome { cases[cases.count - 1].body += string }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        if ["failure", "error", "skipped"].contains(element) { inOutcome = false }
    }

    func testCase(_ classname: String, _ name: String) -> TestCase? {
        cases.first { $0.classname == classname && $0.name == name }
    }
}

@Suite struct JUnitReportTests {
    let xml = JUnitReport.render(ReportFixture.run())

    @Test func oneFailingCasePerProblemThenOnePerRuleAndHostAndEachWholeHostsCollection() throws {
        let document = try JUnitDocument(xml)
        let run = ReportFixture.run(), overview = ReportFixture.run().overview
        let inProblems = Set(overview.attention.map { "\($0.host) \($0.rule)" })
        let pairs = Set(run.findings.map { "\($0.host) \($0.rule)" }).subtracting(inProblems)
        let whole = overview.hosts.count { $0.collected && $0.files(.unreadable) + $0.files(.unparseable) == 0 }
        #expect(document.cases.count == overview.problems.count + pairs.count + whole)
        #expect(document.root["tests"] == String(document.cases.count))
        #expect(document.root["failures"] == String(overview.problems.count { $0.status == .fail }))
        #expect(document.root["failures"] == String(document.cases.count { $0.outcome == "failure" }))
        #expect(document.root["timestamp"] == "2025-11-24T16:00:00Z")
        #expect(document.root["time"] == "2", "whole seconds, as the database keeps times")
    }

    @Test func upgradeChecksAreASuiteOfTheirOwn() throws {
        let document = try JUnitDocument(xml)
        #expect(document.suites.map { $0["name"] } == ["stackdrift.guide", "stackdrift.upgrade"])
        #expect(document.cases.filter { $0.suite == "stackdrift.upgrade" }.map(\.name).sorted()
                == ["/etc/nova/nova.conf [DEFAULT] rpc_backend", "upgrade.juno.nova.my_ip"], "a problem, and a passing check")
        #expect(!document.cases.contains { $0.suite == "stackdrift.guide" && $0.name.hasPrefix("upgrade.") })
        let guideOnly = JUnitReport.render(ReportFixture.run().withoutUpgradeChecks)
        #expect(!guideOnly.contains("stackdrift.upgrade"))
    }

    @Test func failuresCarryExpectedVersusActualAsText() throws {
        let document = try JUnitDocument(xml)
        let failing = try #require(document.testCase("compute2", "/etc/nova/nova.conf [DEFAULT] novncproxy_base_url"))
        #expect(failing.outcome == "failure")
        #expect(failing.message == "Browsers reach the console proxy")
        #expect(failing.body.contains("expected: http://controller:6080/vnc_auto.html"))
        #expect(failing.body.contains("actual:   " + ReportFixture.script), "the script is text in the report, read back intact")
        #expect(failing.body.contains("fix: set novncproxy_base_url"))
        let image = try #require(document.testCase("compute2", "/etc/nova/nova.conf [DEFAULT] glance_host"))
        #expect(image.message == "<b>bold</b> & \"quoted\" title", "quotes survive an attribute")
        #expect(image.body.contains("expected 'controller', found '\(ReportFixture.image)'"))
    }

    @Test func hostileTextCannotEndOrBreakTheDocument() throws {
        #expect(!xml.contains("]]>"), "written as ]]&gt;, so no CDATA section can be closed")
        #expect(!xml.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "XML 1.0 forbids control characters")
        let document = try JUnitDocument(xml)
        let controls = try #require(document.cases.first { $0.classname == "compute2" && $0.name.hasSuffix("[DEFAULT] odd]]>") })
        #expect(controls.outcome == "error")
        #expect(controls.body.contains("cannot evaluate 'a\u{241B}[31mred\u{2407}\u{2400}b\\u{202e}c' ]]>"))
        #expect(document.cases.contains { $0.classname == ReportFixture.hostileHost })
    }

    @Test func aHostThatWasNotCollectedIsAnError() throws {
        let document = try JUnitDocument(xml)
        let storage = try #require(document.testCase("storage1", "(collection)"))
        #expect(storage.outcome == "error")
        #expect(storage.message == "host could not be collected")
        #expect(storage.body.contains("to do: connection refused " + ReportFixture.script))
        #expect(document.testCase("compute2", "(collection)") == nil, "its unparseable file is a problem of its own")
        let broken = try #require(document.testCase("compute2", "/etc/site/broken.conf"))
        #expect(broken.outcome == "error", "broken.conf could not be parsed")
        #expect(broken.message == "cannot parse '/etc/site/broken.conf' at line 3")
        #expect(broken.body.contains("fix the syntax at line 3"))
        #expect(try #require(document.testCase("compute1", "(collection)")).outcome == "passed")
    }

    @Test func waivedAndSkippedChecksAreSkippedWithTheReason() throws {
        let document = try JUnitDocument(xml)
        let waived = try #require(document.testCase("compute1", "nova.default.my_ip"))
        #expect(waived.outcome == "skipped")
        #expect(waived.message == "waived until 2099-12-31: renumbering <b>in progress</b> ]]>")
        let expired = try #require(document.testCase("compute2", "/etc/nova/nova.conf [DEFAULT] notification_driver"))
        #expect(expired.outcome == "failure")
        #expect(expired.body.contains("waiver expired 2025-11-01: Telemetry rolled out next sprint"))
        #expect(try #require(document.testCase("compute1", "nova.default.rabbit_password.placeholder")).outcome == "passed")
    }
}

extension AuditRun {
    var withoutUpgradeChecks: AuditRun {
        var run = self
        run.findings.removeAll { $0.category == .upgrade }
        return run
    }
}
