import DriftTestSupport
import Foundation
import Testing

@Suite struct RulesCommandTests {
    @Test func listFiltersByRoleAndFile() throws {
        let storage = try CLI.run(["rules", "list", "--role", "object-storage"])
        #expect(storage.status == 0, "\(storage.stderr)")
        #expect(storage.stdout.contains("rsyncd.global.address  high  [object-storage]  /etc/rsyncd.conf [global] address"))
        #expect(!storage.stdout.contains("nova.default.my_ip"))
        let file = try CLI.run(["rules", "list", "--file", "/etc/memcached.conf"])
        // The value rule and the consistency rules that read memcached.conf.
        #expect(file.stdout.contains("memcached.listen.object-proxy"))
        #expect(file.stdout.contains("consistency.swift-proxy.memcache_servers"))
        #expect(file.stdout.contains("consistency.dashboard-cache.address"))
        let counts = try #require(file.stdout.split(separator: "\n").last)
        #expect(counts.hasPrefix("4 of "), "\(counts)")
    }

    @Test func aMistypedFilterExits64WithTheValidValues() throws {
        let result = try CLI.run(["rules", "list", "--role", "comptue"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown role 'comptue' (valid: controller, network, compute"))
    }

    @Test func showGivesTheGuidesWordsAndWhereTheRuleIsDefined() throws {
        let result = try CLI.run(["rules", "show", "ceilometer.database.connection"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("chapter 13, Telemetry, step 7"))
        #expect(result.stdout.contains("connection = mongodb://ceilometer:CEILOMETER_DBPASS@controller:27017/ceilometer"))
        #expect(result.stdout.contains("The PDF splits the URL"))
        #expect(result.stdout.contains("Rules/ceilometer.conf.yaml:"))
        let missing = try CLI.run(["rules", "show", "ceilometer.database"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("did you mean ceilometer.database.connection"))
    }

    @Test func lintPassesTheBuiltinRulesAndNamesAMisbehavingExample() throws {
        let builtin = try CLI.run(["rules", "lint"])
        #expect(builtin.status == 0, "\(builtin.stderr)")
        #expect(builtin.stdout == "rules are clean\n")

        let scratch = try Scratch(prefix: "stackdrift-lint")
        try scratch.write("site/nova.yaml", """
        file: /etc/nova/nova.conf
        rules:
          - id: site.nova.debug
            title: debug is off
            section: DEFAULT
            key: debug
            equals: "False"
            guide: {chapter: 7, section: "Site policy"}
            examples:
              pass: ["[DEFAULT]\\ndebug = True\\n"]
              fail: ["[DEFAULT]\\ndebug = True\\n"]
        """)
        let site = try CLI.run(["rules", "lint", scratch.path + "/site"])
        #expect(site.status == 1)
        #expect(site.stderr.contains(scratch.path + "/site/nova.yaml:3:5: error: rule 'site.nova.debug': pass example 1 gave fail"),
                "\(site.stderr)")
    }
}

@Suite(.serialized) struct WaiverCommandTests {
    func audit(waivers: String) throws -> (CLI.Result, [String: Any]) {
        let scratch = try Scratch(prefix: "stackdrift-waivers")
        let file = try scratch.write("waivers.yaml", waivers)
        let result = try CLI.run(["audit", "-i", "Examples/demo/inventory.yaml", "--db", scratch.path + "/a.db",
                                  "--waivers", file, "--json", scratch.path + "/r.json"])
        let data = (try? Data(contentsOf: URL(fileURLWithPath: scratch.path + "/r.json"))) ?? Data()
        return (result, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    @Test func anActiveWaiverTurnsAFailureIntoWaivedWithItsReason() throws {
        let (result, report) = try audit(waivers: """
        waivers:
          - rule: lvm.devices.filter.reject-rest
            host: block1
            reason: CHG-2211 sdc is being migrated; filter restored after the move
            expires: 2099-12-31
        """)
        #expect(result.status == 1, "the other drifts still fail")
        #expect(result.stdout.contains("DRIFT: 8 problems (11 failing checks on 3 hosts)"), "\(result.stdout)")
        let findings = report["findings"] as? [[String: Any]] ?? []
        let waived = try #require(findings.first { $0["rule"] as? String == "lvm.devices.filter.reject-rest" })
        #expect(waived["status"] as? String == "waived")
        let note = try #require(waived["waiver"] as? [String: Any])
        #expect(note["reason"] as? String == "CHG-2211 sdc is being migrated; filter restored after the move")
        #expect(note["expires"] as? String == "2099-12-31")
        #expect(note["expired"] as? Bool == false)
    }

    @Test func anExpiredWaiverFailsAgainAndSaysSo() throws {
        let (result, report) = try audit(waivers: """
        waivers:
          - {rule: lvm.devices.filter.reject-rest, host: block1, reason: CHG-1000, expires: 2020-01-31}
        """)
        #expect(result.status == 1)
        #expect(result.stdout.contains("DRIFT: 9 problems (12 failing checks on 4 hosts)"))
        #expect(result.stdout.contains("waiver expired on 2020-01-31: CHG-1000"))
        let findings = report["findings"] as? [[String: Any]] ?? []
        let finding = try #require(findings.first { $0["rule"] as? String == "lvm.devices.filter.reject-rest" })
        #expect(finding["status"] as? String == "fail")
        #expect((finding["waiver"] as? [String: Any])?["expired"] as? Bool == true)
    }

    @Test func aWaiverMayNameAnUpgradeCheckTheAuditDoesNotRun() throws {
        let (result, _) = try audit(waivers: """
        waivers:
          - {rule: juno.nova.default.glance_host, reason: moved after the upgrade window, expires: 2099-01-01}
        """)
        #expect(result.status == 1, "accepted; nothing to waive without --upgrade-to: \(result.stderr)")
    }

    @Test func aBrokenWaiversFileStopsTheAuditBeforeCollecting() throws {
        let (result, _) = try audit(waivers: "waivers:\n  - {rule: lvm.devices.filter.reject-rst, reason: x, expires: 2099-01-01}\n")
        #expect(result.status == 64)
        #expect(result.stderr.contains("waivers.yaml:2:12: error: waivers[0].rule: no rule matches 'lvm.devices.filter.reject-rst'"),
                "\(result.stderr)")
    }
}
