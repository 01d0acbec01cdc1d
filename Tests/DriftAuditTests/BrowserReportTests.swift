import DriftAudit
import DriftCore
import DriftReporting
import DriftSamples
import DriftTestSupport
import Foundation
import Testing

/// The demo fleet's HTML report in a real browser (headless Chromium, from a file: URL, no
/// server): its findings are in the DOM, a `<script>` and an `onerror` handler planted in a
/// config value did not run, and the filter works. A screenshot is left for a person to look at.
@Suite(.serialized) struct BrowserReportTests {
    /// Config values that would mark the page if they ever ran.
    static let plantedScript = "novncproxy_base_url = <script>document.title='pwned';document.documentElement.dataset.pwned='script'</script>"
    static let plantedImage = #"glance_host = "><img src=x onerror="document.documentElement.dataset.pwned='img'">"#
    static let screenshots = ExternalProgram.packageRoot + "/.build/report-screenshots"

    struct Page {
        var run: AuditRun
        var url: URL
        let scratch: TemporaryDirectory
    }

    /// The demo fleet with the planted values on compute2, audited and written as HTML.
    static func plantedReport() throws -> Page {
        let demo = try DemoFleetCopy(from: DemoFleet.root)
        try demo.replaceLine(host: "compute2", path: "/etc/nova/nova.conf",
                             "novncproxy_base_url = http://controller:6080/vnc_auto.html", with: plantedScript)
        try demo.replaceLine(host: "compute2", path: "/etc/nova/nova.conf", "glance_host = controller", with: plantedImage)
        let run = try DemoFleet.run(inventory: demo.inventory)
        let scratch = try TemporaryDirectory(prefix: "browser-report")
        let path = try scratch.write("report.html", HTMLReport(rationales: DemoReportTests.rationales).render(run))
        return Page(run: run, url: URL(fileURLWithPath: path), scratch: scratch)
    }

    static func chromium() -> HeadlessChromium? {
        ExternalProgram.require(HeadlessChromium.find()?.executable, "chromium (Debian's chromium package)")
            .map(HeadlessChromium.init(executable:))
    }

    @Test func theDemoReportLoadsWithItsFindingsAndNoPlantedScriptRuns() throws {
        guard let chromium = Self.chromium() else { return }
        let page = try Self.plantedReport()
        let dom = try chromium.dumpDOM(page.url)

        // The planted values reached the report: they are failing findings now.
        let failing = page.run.findings.filter { $0.status == .fail }
        #expect(failing.contains { $0.rule == "nova.default.novncproxy_base_url" && $0.host == "compute2" })
        // ...and are in the DOM as text, while neither the script nor the handler ran.
        #expect(dom.contains("novncproxy_base_url = &lt;script&gt;document.title='pwned'"))
        #expect(dom.contains("glance_host = \"&gt;&lt;img src=x onerror=\"document.documentElement.dataset.pwned='img'\"&gt;"))
        #expect(!dom.contains("data-pwned"), "a planted script or handler ran")
        #expect(!dom.contains("<title>pwned</title>"))
        let problems = page.run.overview.problems.count { $0.status == .fail }
        #expect(dom.contains("<title>stackdrift: DRIFT: \(problems) problems (\(failing.count) failing checks on 4 hosts) (run 1)</title>"))
        #expect(dom.components(separatedBy: "<script").count == 2, "the report's own script is the only one")
        #expect(!dom.contains("<img"))

        // Every failing finding of the demo is in the page, and the page's own script ran.
        for finding in failing {
            #expect(dom.contains("<code>\(finding.rule)</code>"), "\(finding.host) \(finding.rule) is missing")
        }
        // Needs attention lists the problems, each once, its checks collapsed beneath it.
        let causes = page.run.overview.problems
        #expect(dom.components(separatedBy: "<li class=\"cause ").count - 1 == causes.count)
        for problem in causes { #expect(dom.contains("id=\"\(problem.id)\""), "\(problem.title) is missing") }
        #expect(dom.components(separatedBy: "<details><summary>").count - 1 >= causes.count, "findings collapsed under each")

        // Failing, erroring and waived checks are listed; passing and skipped ones are counted.
        let listed = page.run.findings.filter { [.fail, .error, .waived].contains($0.status) }.count
        #expect(dom.contains("<output id=\"shown\">\(listed) of \(listed) checks shown</output>"))
        #expect(dom.contains("<form id=\"filter\" class=\"filter\">"), "the filter is shown once its script runs")

        // For a person to look at: the top of the report, and compute2's failing checks with the planted values.
        try FileManager.default.createDirectory(atPath: Self.screenshots, withIntermediateDirectories: true)
        let top = Self.screenshots + "/demo-report.png", compute2 = Self.screenshots + "/demo-report-compute2-failing.png"
        try chromium.screenshot(page.url, to: top)
        try chromium.screenshot(URL(string: page.url.absoluteString + "#host=compute2&status=fail")!, to: compute2, height: 7000)
        print("note: screenshots of the demo report: \(top), \(compute2)")
    }

    @Test func theFilterWorksFromTheAddressWithoutAServer() throws {
        guard let chromium = Self.chromium() else { return }
        let page = try Self.plantedReport()
        let total = page.run.findings.filter { [.fail, .error, .waived].contains($0.status) }.count
        let compute2Failing = page.run.findings.filter { $0.host == "compute2" && $0.status == .fail }.count
        let dom = try chromium.dumpDOM(URL(string: page.url.absoluteString + "#host=compute2&status=fail")!)
        #expect(dom.contains("<output id=\"shown\">\(compute2Failing) of \(total) checks shown</output>"))
        // Other hosts' sections are hidden, compute2's failing checks are not.
        let controller = try #require(dom.range(of: "<h3>controller</h3>"))
        let controllerSection = try #require(dom.range(of: "<section", options: .backwards, range: dom.startIndex..<controller.lowerBound))
        #expect(dom[controllerSection.lowerBound..<controller.lowerBound].contains("hidden=\"\""))
        // The script appends hidden="" to what it hides; a shown check ends right after its status.
        func shown(host: String, status: String) throws -> Int {
            let pattern = #"data-finding="check" data-host=""# + NSRegularExpression.escapedPattern(for: host)
                + #"" data-severity="[a-z]+" data-status=""# + status + #"">"#
            let regex = try NSRegularExpression(pattern: pattern)
            return regex.numberOfMatches(in: dom, range: NSRange(dom.startIndex..., in: dom))
        }
        #expect(try shown(host: "compute2", status: "fail") == compute2Failing)
        #expect(try shown(host: "compute2", status: "pass") == 0)
        #expect(try shown(host: "controller", status: "fail") == 0)

        let critical = page.run.findings.filter { $0.severity == .critical && $0.status == .fail }.count
        let bySeverity = try chromium.dumpDOM(URL(string: page.url.absoluteString + "#severity=critical&status=fail")!)
        #expect(bySeverity.contains("<output id=\"shown\">\(critical) of \(total) checks shown</output>"))
    }
}
