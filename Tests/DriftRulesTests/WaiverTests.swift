import DriftCore
import DriftRules
import DriftTestSupport
import Foundation
import Testing

@Suite struct WaiverTests {
    static let rules: RuleSet = {
        var set = RuleSet(placeholders: [], secrets: SecretPolicy(keyPatterns: []))
        try! set.merge(yaml: """
        file: /etc/nova/nova.conf
        rules:
          - id: nova.default.vnc_enabled
            title: VNC on
            section: DEFAULT
            key: vnc_enabled
            equals: "True"
            guide: {chapter: 7, section: "Test"}
            examples: {pass: ["[DEFAULT]\\nvnc_enabled = True\\n"], fail: ["[DEFAULT]\\n"]}
        """, file: "rules.yaml")
        return set
    }()

    static func finding(host: String = "compute2", status: FindingStatus = .fail) -> Finding {
        Finding(rule: "nova.default.vnc_enabled", title: "VNC on", host: host, file: "/etc/nova/nova.conf",
                section: "DEFAULT", key: "vnc_enabled", status: status, severity: .medium, expected: "True",
                actual: "False", line: 4, message: "expected 'True', found 'False'", guide: nil)
    }

    static let hosts = [InventoryHost(name: "compute1", roles: [.compute]), InventoryHost(name: "compute2", roles: [.compute]),
                        InventoryHost(name: "controller", roles: [.controller])]

    /// 2026-11-25 at noon UTC.
    static let today = Date(timeIntervalSince1970: 1_795_608_000)

    static func waivers(_ yaml: String) throws -> WaiverSet {
        try WaiverSet.parse(yaml, file: "waivers.yaml", rules: rules)
    }

    @Test func anActiveWaiverWaivesAndSaysWhy() throws {
        let set = try Self.waivers("""
        waivers:
          - rule: nova.default.vnc*
            host: compute2
            reason: CHG-1234, consoles off until the proxy is rebuilt
            expires: 2026-11-25
        """)
        let result = set.apply(to: [Self.finding(), Self.finding(host: "compute1")], hosts: Self.hosts, today: Self.today)
        #expect(result[0].status == .waived)
        #expect(result[0].waiver == WaiverNote(reason: "CHG-1234, consoles off until the proxy is rebuilt", expires: "2026-11-25",
                                              expired: false, definedAt: SourceLocation(file: "waivers.yaml", line: 2, column: 5)))
        #expect(result[0].message.hasPrefix("waived until 2026-11-25: CHG-1234"))
        #expect(result[1].status == .fail && result[1].waiver == nil, "other hosts are not covered")
    }

    @Test func anExpiredWaiverKeepsTheFailureAndSaysItExpired() throws {
        let set = try Self.waivers("""
        waivers:
          - {rule: nova.default.vnc_enabled, roles: [compute], reason: old change, expires: 2026-11-24}
        """)
        let result = set.apply(to: [Self.finding()], hosts: Self.hosts, today: Self.today)
        #expect(result[0].status == .fail)
        #expect(result[0].waiver?.expired == true)
        #expect(result[0].message.hasSuffix("(waiver expired on 2026-11-24: old change)"))
    }

    @Test func onlyFailuresAreWaivedAndRolesFileAndKeyNarrow() throws {
        let set = try Self.waivers("""
        waivers:
          - {rule: "*", role: controller, reason: r, expires: 2030-01-01}
          - {rule: "*", file: /etc/other.conf, reason: r, expires: 2030-01-01}
          - {rule: "*", key: other_key, reason: r, expires: 2030-01-01}
        """)
        let result = set.apply(to: [Self.finding(), Self.finding(status: .pass), Self.finding(host: "controller")],
                               hosts: Self.hosts, today: Self.today)
        #expect(result.map(\.status) == [.fail, .pass, .waived])
    }

    @Test func mistakesNameTheirLine() {
        expectDiagnostic(.rule, file: "waivers.yaml", line: 2, containing: "no rule matches 'nova.default.vnc_enabeld'") {
            _ = try Self.waivers("waivers:\n  - {rule: nova.default.vnc_enabeld, reason: r, expires: 2030-01-01}\n")
        }
        expectDiagnostic(.rule, file: "waivers.yaml", line: 2, containing: "expected a date as YYYY-MM-DD, found '2030-02-30'") {
            _ = try Self.waivers("waivers:\n  - {rule: \"*\", reason: r, expires: 2030-02-30}\n")
        }
        expectDiagnostic(.rule, file: "waivers.yaml", line: 2, containing: "needs a reason") {
            _ = try Self.waivers("waivers:\n  - {rule: \"*\", reason: \" \", expires: 2030-01-01}\n")
        }
        expectDiagnostic(.rule, file: "waivers.yaml", line: 2, containing: "expires") {
            _ = try Self.waivers("waivers:\n  - {rule: \"*\", reason: r}\n")
        }
        expectDiagnostic(.rule, file: "waivers.yaml", line: 2, containing: "untill") {
            _ = try Self.waivers("waivers:\n  - {rule: \"*\", reason: r, expires: 2030-01-01, untill: x}\n")
        }
    }
}
