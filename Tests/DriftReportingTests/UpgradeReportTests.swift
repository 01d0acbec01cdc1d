import DriftCore
import DriftReporting
import Foundation
import Testing

/// The sample run plus two upgrade checks (`--upgrade-to juno`): one failing with its fix, one passing.
func sampleUpgradeRun() -> AuditRun {
    var run = sampleRun()
    run.upgrade = UpgradeTarget(from: "icehouse", to: "juno")
    run.findings += [
        Finding(rule: "juno.nova.default.glance_host", title: "glance_host is [glance] host in Juno", host: "compute2",
                file: "/etc/nova/nova.conf", section: "DEFAULT", key: "glance_host", status: .fail, severity: .low,
                expected: "[glance] host = controller", actual: "controller", line: 26,
                message: "Juno still reads [DEFAULT] glance_host but deprecates it for [glance] host", guide: nil,
                fix: "write host = controller in [glance] and remove glance_host from [DEFAULT]", category: .upgrade),
        Finding(rule: "juno.nova.default.neutron_url", title: "neutron_url is [neutron] url in Juno", host: "compute1",
                file: "/etc/nova/nova.conf", section: "DEFAULT", key: "neutron_url", status: .pass, severity: .low,
                expected: "[neutron] url", actual: nil, line: nil, message: "'neutron_url' is not set in [DEFAULT]",
                guide: nil, category: .upgrade),
    ]
    return run
}

@Suite struct UpgradeReportTests {
    /// Reports/report.schema.json, the report's contract.
    func schema() throws -> [String: Any] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Reports/report.schema.json").path
        let data = try #require(FileManager.default.contents(atPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The property names the schema allows (and, with additionalProperties false, requires) at a path.
    func properties(_ path: [String]) throws -> Set<String> {
        var node: Any = try schema()
        for step in path { node = try #require((node as? [String: Any])?[step], "schema has no \(path)") }
        let object = try #require(node as? [String: Any])
        let properties = try #require(object["properties"] as? [String: Any])
        #expect(Set(try #require(object["required"] as? [String])) == Set(properties.keys), "\(path): every property is required")
        return Set(properties.keys)
    }

    func report(_ run: AuditRun) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(JSONReport.render(run).utf8)) as? [String: Any])
    }

    @Test func theJSONReportMatchesTheSchemaWithAndWithoutUpgradeChecks() throws {
        for run in [sampleRun(), sampleUpgradeRun()] {
            let object = try report(run)
            let summary = try #require(object["summary"] as? [String: Any])
            #expect(Set(summary.keys) == (try properties(["properties", "summary"])))
            if let upgrade = summary["upgrade"] as? [String: Any] {
                #expect(Set(upgrade.keys) == (try properties(["$defs", "upgrade_summary"])))
            } else {
                #expect(summary["upgrade"] is NSNull)
                #expect(run.upgrade == nil)
            }
            let findings = try #require(object["findings"] as? [[String: Any]])
            let allowed = try properties(["$defs", "finding"])
            for finding in findings { #expect(Set(finding.keys) == allowed) }
        }
    }

    @Test func upgradeChecksAreCountedApartFromTheGuides() throws {
        let summary = try #require(try report(sampleUpgradeRun())["summary"] as? [String: Any])
        // The guide's counts are the sample's own: 3 checks, 2 failing.
        #expect(summary["checks"] as? Int == 3)
        #expect(summary["fail"] as? Int == 2)
        let upgrade = try #require(summary["upgrade"] as? [String: Any])
        #expect(upgrade["from"] as? String == "icehouse")
        #expect(upgrade["to"] as? String == "juno")
        #expect(upgrade["checks"] as? Int == 2)
        #expect(upgrade["fail"] as? Int == 1)
        #expect(upgrade["pass"] as? Int == 1)
        #expect((upgrade["failing_by_severity"] as? [String: Any])?["low"] as? Int == 1)
        let findings = try #require(try report(sampleUpgradeRun())["findings"] as? [[String: Any]])
        let glance = try #require(findings.first { $0["rule"] as? String == "juno.nova.default.glance_host" })
        #expect(glance["category"] as? String == "upgrade")
        #expect(glance["fix"] as? String == "write host = controller in [glance] and remove glance_host from [DEFAULT]")
        #expect(findings.filter { $0["category"] as? String == "guide" }.count == 3)
    }

    @Test func theTerminalSummaryListsUpgradeChangesInABlockOfTheirOwn() throws {
        let text = TextReport(color: false).render(sampleUpgradeRun())
        #expect(text.contains("  checks: 1 pass, 2 fail, 0 error, 0 waived, 0 skipped\n"))
        #expect(text.contains("  upgrade: 1 to change before juno, 1 pass, 0 error, 0 waived, 0 skipped\n"))
        let block = try #require(text.range(of: "Before upgrading to juno (from icehouse): 1 change on 1 host\n"))
        let guideFailure = try #require(text.range(of: "vncserver_proxyclient_address\n"))
        #expect(guideFailure.lowerBound < block.lowerBound)
        #expect(text[block.upperBound...].hasPrefix("""
            CHANGE low      compute2  /etc/nova/nova.conf:26  [DEFAULT] glance_host
                  Juno still reads [DEFAULT] glance_host but deprecates it for [glance] host  (juno.nova.default.glance_host)
                  fix: write host = controller in [glance] and remove glance_host from [DEFAULT]
            """))
        #expect(text.contains("DRIFT: 2 problems (2 failing checks on 2 hosts)\n"))
        #expect(text.contains("UPGRADE: 1 change before juno on 1 host\n"))
        #expect(!TextReport(color: false).render(sampleRun()).contains("UPGRADE"), "nothing about upgrades without --upgrade-to")
    }
}
