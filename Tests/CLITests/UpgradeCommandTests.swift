import DriftTestSupport
import Foundation
import Testing

/// `stackdrift audit --upgrade-to` and the rules commands on upgrade packs, as an operator runs them.
@Suite(.serialized) struct UpgradeCommandTests {
    @Test func auditUpgradeToJunoListsTheChangesApartFromDrift() throws {
        let scratch = try Scratch(prefix: "stackdrift-upgrade")
        let result = try CLI.run(["audit", "-i", "Examples/demo/inventory.yaml", "--upgrade-to", "juno", "--no-color",
                                  "--db", scratch.path + "/a.db", "--json", scratch.path + "/report.json"])
        #expect(result.status == 1, "\(result.stderr)")
        let out = result.stdout
        let block = try #require(out.range(of: "Before upgrading to juno (from icehouse): "), "\(out)")
        // The guide's drift comes first, unchanged; the upgrade block after it.
        let drift = try #require(out.range(of: "FAIL  critical"))
        #expect(drift.lowerBound < block.lowerBound)
        #expect(!out[..<block.lowerBound].contains("juno."), "no upgrade check among the guide's failures")
        #expect(out.contains("CHANGE low      compute2  /etc/nova/nova.conf:26  [DEFAULT] glance_host"))
        #expect(out.contains("      fix: write host = controller in [glance] and remove glance_host from [DEFAULT]"))
        #expect(out.contains("DRIFT: 9 problems (12 failing checks on 4 hosts)"))
        #expect(out.contains("UPGRADE: "))
        let report = try String(contentsOfFile: scratch.path + "/report.json", encoding: .utf8)
        #expect(report.contains("\"category\": \"upgrade\""))
        #expect(report.contains("\"category\": \"guide\""))
        for secret in DemoFleetSecrets.all {
            #expect(!out.contains(secret) && !result.stderr.contains(secret) && !report.contains(secret), "'\(secret)' leaked")
        }
        // 'runs' counts the guide's checks, as a run without --upgrade-to would, and the upgrade's apart
        // (before the auditor and inventory columns).
        let summary = try #require(out.split(separator: "\n").first { $0.hasPrefix("  checks: ") })
        let counts = summary.split(whereSeparator: { !$0.isNumber }).map { Int($0)! }
        let failing = try #require(out.split(separator: "\n").first { $0.hasPrefix("UPGRADE: ") }).split(separator: " ")[1]
        let runs = try CLI.run(["runs", "--db", scratch.path + "/a.db"])
        let row = try #require(runs.stdout.split(separator: "\n").last).split(separator: " ", omittingEmptySubsequences: true)
        #expect(row.dropLast(2).suffix(6).map(String.init) == ["\(counts[0])", "\(counts[1])", "\(counts[2])", "\(counts[3])", "juno:", String(failing)],
                "\(runs.stdout)")
    }

    @Test func anUnknownReleaseExits64AndListsThePacks() throws {
        let scratch = try Scratch(prefix: "stackdrift-upgrade")
        let result = try CLI.run(["audit", "-i", "Examples/demo/inventory.yaml", "--upgrade-to", "kilo",
                                  "--db", scratch.path + "/a.db"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown upgrade target 'kilo'; available: juno (from icehouse: "), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/a.db"), "nothing is collected or stored")
    }

    @Test func rulesShowPrintsTheSourceAndListFindsThePack() throws {
        let show = try CLI.run(["rules", "show", "juno.nova.default.glance_host"])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("  upgrade:    icehouse → juno"))
        #expect(show.stdout.contains("  source:     nkapotoxin/fs_spc111t_plus_hc@4a67861fb52303f1fa10813895dbf70135d0cc08:nova/image/glance.py:43"))
        #expect(show.stdout.contains("Rules/upgrade/icehouse-to-juno.yaml:"))
        let without = try CLI.run(["rules", "list", "--file", "/etc/keystone/keystone.conf"])
        #expect(!without.stdout.contains("juno."), "packs are opt-in")
        let with = try CLI.run(["rules", "list", "--file", "/etc/keystone/keystone.conf", "--upgrade-to", "juno"])
        #expect(with.stdout.contains("juno.keystone.token.provider  medium  [controller]  /etc/keystone/keystone.conf [token] provider"))
    }

    @Test func lintRejectsAnUpgradeCheckWithoutASource() throws {
        let scratch = try Scratch(prefix: "stackdrift-lint")
        try scratch.write("packs/kilo.yaml", """
        upgrade: {from: juno, to: kilo}
        file: /etc/nova/nova.conf
        rules:
          - id: kilo.nova.default.neutron_url
            title: neutron_url is gone
            section: DEFAULT
            key: neutron_url
            absent: true
            examples:
              pass: ["[neutron]\\nurl = x\\n"]
              fail: ["[DEFAULT]\\nneutron_url = x\\n"]
        """)
        let result = try CLI.run(["rules", "lint", scratch.path + "/packs"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(scratch.path + "/packs/kilo.yaml:4:5: error: rules[0]: upgrade check 'kilo.nova.default.neutron_url' needs a 'source'"),
                "\(result.stderr)")
    }
}
