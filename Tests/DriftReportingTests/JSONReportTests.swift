import DriftCore
import DriftReporting
import Foundation
import Testing

func sampleRun() -> AuditRun {
    let failing = Finding(
        rule: "nova.default.vncserver_proxyclient_address", title: "VNC proxy clients reach the node",
        host: "compute2", file: "/etc/nova/nova.conf", section: "DEFAULT", key: "vncserver_proxyclient_address",
        status: .fail, severity: .medium, expected: "10.0.0.32", actual: "10.0.0.31", line: 22,
        message: "expected '10.0.0.32', found '10.0.0.31'",
        guide: GuideReference(chapter: 7, section: "Configure a compute node", step: "3"),
        fix: "set vncserver_proxyclient_address = 10.0.0.32 in [DEFAULT]")
    let secret = Finding(
        rule: "nova.default.rabbit_password.placeholder", title: "RabbitMQ password", host: "compute1",
        file: "/etc/nova/nova.conf", section: "DEFAULT", key: "rabbit_password", status: .pass, severity: .critical,
        expected: "a real value, not a guide placeholder", actual: SecretPolicy.maskText, line: 3,
        message: "'rabbit_password' is set and is not a guide placeholder", guide: GuideReference(chapter: 2, section: "Messaging server"),
        secret: true)
    let absent = Finding(
        rule: "ml2.ovs.local_ip", title: "local_ip", host: "compute1", file: "/etc/neutron/plugins/ml2/ml2_conf.ini",
        section: "ovs", key: "local_ip", status: .fail, severity: .high, expected: "10.0.1.31", actual: nil, line: nil,
        message: "'local_ip' is not set in [ovs]", guide: nil)
    return AuditRun(
        id: 7, startedAt: Date(timeIntervalSince1970: 1_764_000_000), finishedAt: Date(timeIntervalSince1970: 1_764_000_002),
        toolVersion: "9.9.9", inventory: "/srv/inventory.yaml", architecture: .neutron,
        hosts: [
            HostResult(name: "compute2", roles: [.compute], services: [.telemetry],
                       files: [FileResult(path: "/etc/nova/nova.conf", status: .parsed, format: .osloINI)]),
            HostResult(name: "compute1", roles: [.compute], services: [],
                       files: [FileResult(path: "/etc/nova/nova.conf", status: .parsed, format: .osloINI),
                               FileResult(path: "/etc/neutron/plugins/ml2/ml2_conf.ini", status: .missing, format: .osloINI)]),
            HostResult(name: "network", roles: [.network], services: [], error: "connection refused",
                       errorKind: "refused", files: []),
        ],
        findings: [failing, secret, absent], exitCode: 2)
}

@Suite struct JSONReportTests {
    @Test func followsTheContractLayout() throws {
        let json = JSONReport.render(sampleRun())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == JSONReport.schemaVersion)
        let run = try #require(object["run"] as? [String: Any])
        #expect(run["id"] as? Int == 7)
        #expect(run["tool_version"] as? String == "9.9.9")
        #expect(run["started"] as? String == "2025-11-24T16:00:00Z")
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["checks"] as? Int == 3)
        #expect(summary["fail"] as? Int == 2)
        #expect(summary["hosts_failed"] as? Int == 1)
        #expect(summary["files_missing"] as? Int == 1)

        let hosts = try #require(object["hosts"] as? [[String: Any]])
        #expect(hosts.map { $0["name"] as? String } == ["compute1", "compute2", "network"])
        #expect(hosts[2]["status"] as? String == "failed")
        #expect(hosts[2]["error"] as? String == "connection refused")

        let findings = try #require(object["findings"] as? [[String: Any]])
        for key in ["rule", "host", "file", "section", "key", "status", "severity", "expected", "actual", "line", "message", "guide"] {
            #expect(findings.allSatisfy { $0.keys.contains(key) }, "every finding has '\(key)', null or not")
        }
        // Sorted by host, file, line (absent keys last), rule.
        #expect(findings.map { $0["rule"] as? String } == [
            "ml2.ovs.local_ip", "nova.default.rabbit_password.placeholder", "nova.default.vncserver_proxyclient_address",
        ])
        let absent = try #require(findings.first { $0["rule"] as? String == "ml2.ovs.local_ip" })
        #expect(absent["line"] is NSNull)
        #expect(absent["actual"] is NSNull)
        #expect(absent["guide"] is NSNull)
    }

    @Test func aFindingWithEveryFieldSetPrintsEachOfThem() throws {
        var finding = Finding(
            rule: "nova.database.connection.consistent", title: "One \"database\"\n", host: "compute1",
            file: "/etc/nova/nova.conf", section: "database", key: "connection", status: .fail, severity: .high,
            expected: "a\u{2028}b", actual: "c\\d", line: 12, message: "differs", guide: GuideReference(chapter: 5, section: "Compute", step: "2.b"),
            fix: "set it", secret: false)
        finding.waiver = WaiverNote(reason: "until the move", expires: "2027-01-01", expired: true,
                                    definedAt: SourceLocation(file: "/srv/waivers.yaml", line: 4, column: 3))
        finding.items = ["compute2", "é"]
        finding.origin = ValueOrigin(kind: .builtinDefault, option: "[database] connection", definedAt: ["nova@2014.1:db.py:9"])
        finding.remedy = .manual("do it by hand")
        finding.reference = ValuePlace(host: "controller", file: "/etc/nova/nova.conf", section: "database", key: nil, line: nil)
        var run = sampleRun()
        run.findings = [finding]
        let object = try #require(try JSONSerialization.jsonObject(with: Data(JSONReport.render(run).utf8)) as? [String: Any])
        let printed = try #require((object["findings"] as? [[String: Any]])?.first)
        #expect(printed["id"] as? String == finding.id && printed["problem"] as? String != nil)
        #expect(printed["title"] as? String == "One \"database\"\n" && printed["expected"] as? String == "a\u{2028}b")
        #expect(printed["actual"] as? String == "c\\d" && printed["line"] as? Int == 12 && printed["secret"] as? Bool == false)
        let guide = try #require(printed["guide"] as? [String: Any])
        #expect(guide["chapter"] as? Int == 5 && guide["section"] as? String == "Compute" && guide["step"] as? String == "2.b")
        let waiver = try #require(printed["waiver"] as? [String: Any])
        #expect(waiver["reason"] as? String == "until the move" && waiver["expired"] as? Bool == true
                && waiver["defined_at"] as? String == "/srv/waivers.yaml:4:3")
        #expect(printed["items"] as? [String] == ["compute2", "é"])
        let source = try #require(printed["source"] as? [String: Any])
        #expect(source["kind"] as? String == "default" && source["defined_at"] as? [String] == ["nova@2014.1:db.py:9"])
        #expect((printed["remedy"] as? [String: Any])?["manual"] as? String == "do it by hand")
        let reference = try #require(printed["reference"] as? [String: Any])
        #expect(reference["host"] as? String == "controller" && reference["key"] is NSNull && reference["line"] is NSNull)
        #expect(printed.count == 23, "every key of the contract, no other: \(printed.keys.sorted())")
    }

    @Test func findingsOfManyHostsPrintOnePerLineInReportOrderAcrossBatches() throws {
        // More hosts than a batch prints at once, some without findings (also the first and last).
        var run = sampleRun()
        run.hosts = (0..<150).map { HostResult(name: String(format: "compute%03d", $0), roles: [.compute], services: [], files: []) }
        var findings: [Finding] = []
        for host in 0..<150 {
            let checks = host % 3 == 0 ? 0 : host % 4 + 1
            for check in 0..<checks {
                findings.append(Finding(rule: "rule.\(check)", title: "t", host: String(format: "compute%03d", host),
                                        file: "/etc/nova/nova.conf", section: "DEFAULT", key: "k\(check)", status: .pass,
                                        severity: .low, expected: nil, actual: nil, line: check + 1, message: "m", guide: nil))
            }
        }
        run.findings = findings
        let json = JSONReport.render(run)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let printed = try #require(object["findings"] as? [[String: Any]])
        #expect(printed.map { $0["id"] as? String } == run.findings.inReportOrder().map(\.id))
        let lines = json.split(separator: "\n").filter { $0.hasPrefix("    {\"id\":") }
        #expect(lines.count == run.findings.count, "one finding per line")
        #expect(json == JSONReport.render(run))
    }

    @Test func keepsTheContractsKeyOrder() {
        let json = JSONReport.render(sampleRun())
        let positions = ["\"schema\"", "\"run\"", "\"summary\"", "\"hosts\"", "\"findings\""].map {
            json.range(of: $0)!.lowerBound
        }
        #expect(positions == positions.sorted())
    }

    @Test func isByteIdenticalForTheSameState() {
        var shuffled = sampleRun()
        shuffled.findings.reverse()
        shuffled.hosts.reverse()
        #expect(JSONReport.render(shuffled) == JSONReport.render(sampleRun()))
    }
}

@Suite struct JSONValueTests {
    @Test func escapesControlCharactersQuotesAndLineSeparators() {
        let value = JSONValue.string("a\"b\\c\n\t\u{01}\u{2028}é")
        #expect(value.rendered(pretty: false) == #""a\"b\\c\n\t\u0001\u2028é""#)
    }

    /// A string whose only character to escape is a C1 control, an Arabic letter mark, a byte
    /// order mark or a non-character is escaped too, in values and in printed findings: JSON
    /// printed on a terminal stays as safe as text.
    @Test(arguments: [("\u{9B}", "\\u009b"), ("\u{85}", "\\u0085"), ("\u{61C}", "\\u061c"), ("\u{FEFF}", "\\ufeff"),
                      ("\u{FFFF}", "\\uffff"), ("\u{202E}", "\\u202e")])
    func escapesEveryInvisibleScalarAlone(scalar: String, escaped: String) {
        #expect(JSONValue.string("ab\(scalar)[31mc").rendered(pretty: false) == "\"ab\(escaped)[31mc\"")
        var run = sampleRun()
        run.findings[0].message = "value ab\(scalar)c"
        let report = JSONReport.render(run)
        #expect(report.contains("value ab\(escaped)c"))
        #expect(!report.unicodeScalars.contains(Unicode.Scalar(UInt32(escaped.dropFirst(2), radix: 16)!)!))
    }

    /// The scan for what needs escaping looks at eight bytes at a time: each escapable byte,
    /// at every offset of a longer string (and in its last, shorter part), is still found.
    @Test func findsWhatToEscapeAtEveryOffset() {
        let specials: [(String, String)] = [("\"", "\\\""), ("\\", "\\\\"), ("\n", "\\n"), ("\u{01}", "\\u0001"),
                                            ("\u{1F}", "\\u001f"), ("\u{7F}", "\\u007f"), ("\u{9B}", "\\u009b"),
                                            ("\u{61C}", "\\u061c"), ("\u{2028}", "\\u2028"), ("\u{FEFF}", "\\ufeff")]
        for (scalar, escaped) in specials {
            for offset in 0..<27 {
                let head = String(repeating: "a", count: offset), tail = String(repeating: "z", count: 26 - offset)
                let text = head + scalar + tail
                #expect(JSONValue.string(text).rendered(pretty: false) == "\"" + head + escaped + tail + "\"",
                        "\(escaped) at offset \(offset)")
            }
        }
        // Bytes the word test flags that need no escape (a space, '!', '#', '[', ']', '~', 'é').
        let plain = " !#[]~é" + String(repeating: "x", count: 20)
        #expect(JSONValue.string(plain).rendered(pretty: false) == "\"" + plain + "\"")
    }

    @Test func printsNestedValuesDeterministically() {
        let value = JSONValue.object([("b", .int(1)), ("a", .array([.null, .bool(true), .object([])]))])
        #expect(value.rendered() == "{\n  \"b\": 1,\n  \"a\": [\n    null,\n    true,\n    {}\n  ]\n}\n")
        #expect(value.rendered(pretty: false) == #"{"b":1,"a":[null,true,{}]}"#)
    }
}

@Suite struct TextReportTests {
    @Test func listsFailuresWithHostFileLineAndExpectedVersusActual() {
        let text = TextReport(color: false).render(sampleRun())
        #expect(text.contains("fix /etc/nova/nova.conf:22 on compute2: [DEFAULT] vncserver_proxyclient_address"))
        #expect(text.contains("expected '10.0.0.32', found '10.0.0.31'"))
        #expect(text.contains("HOST FAILED  network: connection refused"))
        #expect(text.contains("checks: 1 pass, 2 fail, 0 error"))
        #expect(text.contains("DRIFT: 2 problems (2 failing checks on 2 hosts)"))
        #expect(text.contains("INCOMPLETE"))
        #expect(!text.contains("\u{1B}["), "no escape codes without colour")
    }

    @Test func coloursOnlyWhenAsked() {
        #expect(TextReport(color: true).render(sampleRun()).contains("\u{1B}[31m"))
    }

    @Test func capsTheListAndSaysHowManyMore() {
        let text = TextReport(color: false, maxFindings: 1).render(sampleRun())
        #expect(text.contains("… and 1 more"))
    }
}
