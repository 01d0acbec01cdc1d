import DriftCore
@testable import DriftReporting
import DriftTestSupport
import Foundation
import Testing

@Suite struct HTMLReportTests {
    let html = HTMLReport(rationales: ReportFixture.rationales).render(ReportFixture.run())

    /// The text between the first `open` and the next `close` after it.
    func between(_ open: String, _ close: String, in text: String) -> String? {
        guard let start = text.range(of: open), let end = text.range(of: close, range: start.upperBound..<text.endIndex)
        else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
    }

    /// One finding's markup in the details: from its rule id to the next finding, list of checks or file.
    func finding(_ rule: String) -> String? {
        guard let details = html.range(of: "<section id=\"findings\">"),
              let start = html.range(of: "<code>\(rule)</code>", range: details.upperBound..<html.endIndex) else { return nil }
        let ends = ["class=\"finding", "<details", "</article>"].compactMap {
            html.range(of: $0, range: start.upperBound..<html.endIndex)?.lowerBound
        }
        return ends.min().map { String(html[start.upperBound..<$0]) }
    }

    @Test func hostileValuesAppearAsTextNeverAsMarkup() {
        #expect(html.components(separatedBy: "<script").count == 2, "the report's own script only")
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>") && !html.contains("<i>"))
        #expect(html.contains("novncproxy_base_url = &lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"),
                "the quoted line, escaped")
        #expect(html.contains("&quot;&gt;&lt;img src=x onerror=&quot;document.body.dataset.pwned=1&quot;&gt;"))
        #expect(html.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; title"), "a rule title")
        #expect(html.contains("net&quot;&gt;&lt;b&gt;1"), "a host name")
        #expect(html.contains("value=\"net&quot;&gt;&lt;b&gt;1\""), "a host name in an attribute")
        #expect(html.contains("renumbering &lt;b&gt;in progress&lt;/b&gt; ]]&gt;"), "a waiver's reason")
    }

    @Test func controlAndBidirectionalCharactersAreShownNotObeyed() {
        #expect(!html.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "no raw control character")
        #expect(!html.unicodeScalars.contains { $0.value == 0x202E })
        #expect(html.contains("a\u{241B}[31mred\u{2407}\u{2400}b\\u{202e}c"))
    }

    @Test func isSelfContainedAndRunsOnlyItsOwnStyleAndScript() throws {
        #expect(!html.contains(" src=\""), "nothing is loaded: no images, scripts or frames")
        #expect(!html.contains("url(") && !html.contains("@import"))
        let links = html.components(separatedBy: "href=\"").dropFirst()
        #expect(!links.isEmpty && links.allSatisfy { $0.hasPrefix("#") }, "links only within the page")
        // The policy names the page's style sheet and script by hash: they run, nothing else does.
        let policy = try #require(between("Content-Security-Policy\" content=\"", "\"", in: html))
        let style = try #require(between("<style>", "</style>", in: html))
        let script = try #require(between("<script>", "</script>", in: html))
        func hash(_ text: String) -> String { "sha256-" + Data(Digest.sha256(Array(text.utf8))).base64EncodedString() }
        #expect(policy.hasPrefix("default-src &#39;none&#39;"))
        #expect(policy.contains("style-src &#39;\(hash(style))&#39;"))
        #expect(policy.contains("script-src &#39;\(hash(script))&#39;"))
    }

    @Test func aFailingCheckShowsExpectedActualTheHighlightedLineAndWhy() throws {
        let shown = try #require(finding("nova.default.vncserver_proxyclient_address"))
        #expect(shown.contains("<dt>expected</dt><dd><code>10.0.0.32</code></dd><dt>found</dt><dd><code>10.0.0.31</code></dd>"))
        #expect(shown.contains("<tr class=\"hit\"><td class=\"ln\">5</td><td>vncserver_proxyclient_address = 10.0.0.31</td></tr>"))
        #expect(shown.contains("<td class=\"ln\">2</td><td>rabbit_host = controller</td>"), "three lines of context before")
        #expect(shown.contains("<td class=\"ln\">8</td>") && !shown.contains("<td class=\"ln\">9</td>"), "and three after")
        #expect(shown.contains("<dt>Why</dt><dd>The console proxy connects to this address"))
        #expect(shown.contains("<dt>Guide</dt><dd>chapter 7, Configure a compute node, step 3</dd>"))
        #expect(shown.contains("<dt>Fix</dt><dd><code>set vncserver_proxyclient_address = 10.0.0.32 in [DEFAULT]</code></dd>"))
    }

    @Test func aKeyThatIsNotSetQuotesTheStartOfItsSection() throws {
        let shown = try #require(finding("nova.database.connection"))
        #expect(shown.contains("<span class=\"unset\">not set</span>"))
        #expect(shown.contains("its section begins at line 1"))
        #expect(!shown.contains("class=\"hit\""), "nothing to highlight")
    }

    @Test func secretsShowThatTheyAreSetAndWhetherTheyMatchNeverTheValue() throws {
        let shown = try #require(finding("consistency.ceilometer.metering_secret.same"))
        #expect(shown.contains("<code class=\"masked\">&lt;secret A&gt;</code>"))
        #expect(shown.contains("<code class=\"masked\">&lt;secret B&gt;</code>"))
        #expect(shown.contains("metering_secret = &lt;redacted:99aa88bb77cc&gt;"), "the quoted line holds the tag")
    }

    @Test func waiversShowTheirReasonAndExpiry() {
        #expect(html.contains("<strong>Waived until 2099-12-31: </strong>renumbering"))
        #expect(html.contains("<strong>Waiver expired on 2025-11-01: </strong>Telemetry rolled out next sprint"))
        #expect(html.contains("(waiver at /etc/stackdrift/waivers.yaml:9:5)"))
    }

    @Test func collectionErrorsAreShownWithTheirHost() {
        #expect(html.contains("data-finding=\"collection\" data-host=\"storage1\" data-status=\"error\"><strong>Not collected (refused): </strong>connection refused &lt;script&gt;"))
        #expect(html.contains("<strong>Could not be parsed at line 3: </strong>expected &#39;=&#39; after key"))
        #expect(html.contains("<tr class=\"hit\"><td class=\"ln\">3</td><td>this line has no equals sign</td></tr>"))
    }

    @Test func upgradeChecksHaveASectionOfTheirOwn() throws {
        let upgrade = try #require(between("<section id=\"upgrade\">", "<section id=\"changes\">", in: html))
        let findings = try #require(between("<section id=\"findings\">", "<section id=\"upgrade\">", in: html))
        #expect(upgrade.contains("upgrade.juno.nova.rpc_backend"))
        // A passing upgrade check is counted, not listed.
        #expect(!upgrade.contains("upgrade.juno.nova.my_ip"))
        #expect(!findings.contains("upgrade.juno."))
        #expect(html.contains("<strong>Upgrade checks: </strong>1 fail, 0 error, 0 waived, 1 pass, 0 skipped"))
    }

    @Test func summarisesByStatusSeverityHostAndFile() throws {
        let summary = try #require(between("<section id=\"summary\">", "</section>", in: html))
        #expect(summary.contains("<div class=\"card fail\"><span class=\"n\">8</span>failing</div>"))
        #expect(summary.contains("<span class=\"badge sev-critical\">critical</span> 1"))
        let compute2 = try #require(between("<a href=\"#host-2\">compute2</a>", "</tr>", in: summary))
        #expect(compute2.contains("<td class=\"n bad\">5</td><td class=\"n bad\">2</td>"), "5 fail, 2 error")
        #expect(summary.contains("<td class=\"mono\">/etc/nova/nova.conf</td><td class=\"n\">2</td>"), "nova.conf on 2 hosts")
        // Needs attention: one item per problem, most severe first, its findings beneath, each linked to its details.
        let attention = try #require(between("<h3 id=\"problems\">Needs attention</h3>", "</ol>", in: summary))
        let overview = ReportFixture.run().overview
        #expect(attention.components(separatedBy: "<li class=\"cause ").count - 1 == overview.problems.count)
        #expect(attention.range(of: "sev-critical")!.lowerBound < attention.range(of: "sev-high")!.lowerBound)
        #expect(attention.contains("<p class=\"where\">fix /etc/ceilometer/ceilometer.conf:2 on compute2 · [publisher] metering_secret</p>"))
        #expect(attention.contains("<strong>To do: </strong>connection refused"), "a host not collected says why")
        let anchor = try #require(between("<a href=\"#", "\"", in: attention))
        #expect(html.contains("<div id=\"\(anchor)\" class=\"finding fail\""))
    }

    @Test func showsWhatChangedSinceThePreviousRunWithDiffs() throws {
        #expect(html.contains("<h3>Since run 6 (2025-11-23 16:00:00 UTC)</h3>"))
        #expect(html.contains("1 newly failing · 1 fixed · 1 still failing"))
        #expect(html.contains("1 changed · 1 new · 1 vanished · 3 unchanged"))
        #expect(html.contains("<span class=\"badge st-new\">new since run 6</span>"))
        let diffs = try #require(between("<section id=\"changes\">", "</section>", in: html))
        #expect(diffs.contains("<details class=\"diff\""), "collapsible")
        #expect(diffs.contains("<tr class=\"removed\"><td class=\"ln\">6</td><td class=\"ln\"></td><td>-novncproxy_base_url = http://controller:6080/vnc_auto.html</td></tr>"))
        #expect(diffs.contains("<tr class=\"added\"><td class=\"ln\"></td><td class=\"ln\">6</td><td>+novncproxy_base_url = &lt;script&gt;"))
        #expect(diffs.contains("The file is gone from the host."))
    }

    @Test func theHeaderSaysWhatKindOfTroubleThereIs() {
        var upgradeOnly = ReportFixture.run(changes: nil)
        upgradeOnly.hosts = upgradeOnly.hosts.filter { $0.name == "compute1" }
        upgradeOnly.findings = [ReportFixture.rabbitPassword, ReportFixture.upgradeFail]
        upgradeOnly.exitCode = 1
        let upgrade = HTMLReport().render(upgradeOnly)
        #expect(upgrade.contains("<header class=\"page-head upgrade\">"))
        #expect(upgrade.contains("<title>stackdrift: UPGRADE: 1 change before juno on 1 host (run 7)</title>"))
        var clean = upgradeOnly
        clean.findings = [ReportFixture.rabbitPassword]
        clean.exitCode = 0
        let ok = HTMLReport().render(clean)
        #expect(ok.contains("<header class=\"page-head ok\">"))
        #expect(ok.contains("<title>stackdrift: OK: no drift from the guide (run 7)</title>"))
        // Exit code 2 with nothing failing: the run could not be stored, so it is not "OK".
        var unstored = clean
        unstored.exitCode = 2
        #expect(HTMLReport().render(unstored).contains("<header class=\"page-head incomplete\">"))
        #expect(html.contains("<header class=\"page-head drift\">"))
    }

    @Test func withoutHistoryThereIsNoChangesSection() {
        let plain = HTMLReport().render(ReportFixture.run(changes: nil))
        #expect(!plain.contains("id=\"changes\"") && !plain.contains("Since run"))
    }

    @Test func everyListedCheckCanBeFilteredByHostSeverityAndStatus() {
        let checks = html.components(separatedBy: "data-finding=\"check\"").count - 1
        let listed = ReportFixture.run().findings.filter { [.fail, .error, .waived].contains($0.status) }
        #expect(checks == listed.count, "every failing, erroring and waived check, and nothing else")
        #expect(html.contains("<form id=\"filter\" class=\"filter\" hidden>"), "shown by its script, useless without")
        for status in ["fail", "error", "waived"] {
            #expect(html.contains("name=\"status\" value=\"\(status)\" checked"))
        }
        #expect(!html.contains("name=\"status\" value=\"pass\""), "passing checks are counted, not listed")
    }

    /// A page of ten thousand hosts must open in a browser: passing checks are counted per host,
    /// file and rule, and a host with nothing to show has a row in the table and no section.
    @Test func passingChecksAreCountedNotListed() throws {
        let findings = try #require(between("<section id=\"findings\">", "<section id=\"upgrade\">", in: html))
        #expect(!findings.contains("nova.default.rabbit_password.placeholder"), "a passing check is not listed")
        #expect(findings.contains("not listed ("))
        #expect(html.contains("By rule: "))
        let rules = try #require(between("<table class=\"rules\">", "</table>", in: html))
        #expect(rules.contains("<code>nova.default.rabbit_password.placeholder</code>"), "but every rule that ran has a row")
    }

    @Test func writerEscapesEveryValueForItsContext() {
        var writer = HTMLWriter()
        writer.element("p", [("title", #"a"b'c<d>&e"#), ("hidden", ""), ("id", nil)], "<x> & \"y\"")
        #expect(writer.output == #"<p title="a&quot;b&#39;c&lt;d&gt;&amp;e" hidden>&lt;x&gt; &amp; &quot;y&quot;</p>"#)
    }

    /// Lines are quoted as the file's parser numbers them: CRLF, bare CR (universal newlines,
    /// oslo.config) and a parse error far down a bare-CR file, which once cut the window to
    /// nothing and crashed the report.
    @Test func quotesTheRightLineWhateverTheLineEndings() {
        let crlf = ["[DEFAULT]", "debug = True", "verbose = True", "my_ip = 10.0.0.99", "auth_strategy = keystone"]
        let bareCR = ["[DEFAULT]", "a = 1", "b = 2", "c = 3", "d = 4", "this line has no equals sign", "e = 5"]
        let finding = ReportFixture.finding("site.my_ip", "my_ip", host: "compute1", file: "/etc/nova/nova.conf",
                                            section: "DEFAULT", key: "my_ip", .fail, .high, expected: "10.0.0.31",
                                            actual: "10.0.0.99", line: 4, message: "wrong address")
        let run = AuditRun(id: 1, startedAt: ReportFixture.started, finishedAt: ReportFixture.started, toolVersion: "t",
                           inventory: nil, architecture: .neutron,
                           hosts: [HostResult(name: "compute1", roles: [.compute], services: [], files: [
                               FileResult(path: "/etc/nova/nova.conf", status: .parsed, format: .osloINI,
                                          content: Array((crlf.joined(separator: "\r\n") + "\r\n").utf8)),
                               FileResult(path: "/etc/site/old.conf", status: .unparseable, format: .osloINI,
                                          reason: "expected '='", line: 6,
                                          content: Array(bareCR.joined(separator: "\r").utf8)),
                           ])],
                           findings: [finding], exitCode: 2)
        let page = HTMLReport().render(run)
        #expect(page.contains("<tr class=\"hit\"><td class=\"ln\">4</td><td>my_ip = 10.0.0.99</td></tr>"), "\(page)")
        #expect(!page.contains("\r"))
        #expect(page.contains("<td class=\"ln\">6</td><td>this line has no equals sign</td>"))
    }
}
