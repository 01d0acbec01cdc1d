import DriftAudit
import DriftCore
import DriftReporting
import DriftTestSupport
import Foundation
import Testing

/// The demo fleet, built from the Icehouse guide, audited with the Juno upgrade pack.
@Suite struct DemoFleetUpgradeTests {
    static let guideOnly: AuditRun = {
        do { return try DemoFleet.run() } catch { fatalError("demo audit failed: \(error)") }
    }()

    static let withJuno: AuditRun = {
        do { return try DemoFleet.run(upgradeTo: "juno") } catch { fatalError("demo audit failed: \(error)") }
    }()

    func upgradeFailure(_ host: String, _ file: String, _ key: String) throws -> Finding {
        try #require(Self.withJuno.findings.first {
            $0.category == .upgrade && $0.status == .fail && $0.host == host && $0.file == file && $0.key == key
        }, "no upgrade finding for \(host) \(file) \(key)")
    }

    @Test func theGuidesNovaOptionsThatJunoMovesAreListedWithTheirReplacement() throws {
        let nova = "/etc/nova/nova.conf"
        for host in ["controller", "compute1", "compute2"] {
            let url = try upgradeFailure(host, nova, "neutron_url")
            #expect(url.fix == "write url = http://controller:9696 in [neutron] and remove neutron_url from [DEFAULT]")
            #expect(url.expected == "[neutron] url = http://controller:9696")
            for (old, new, value) in [("neutron_auth_strategy", "auth_strategy", "keystone"),
                                      ("neutron_admin_tenant_name", "admin_tenant_name", "service"),
                                      ("neutron_admin_username", "admin_username", "neutron"),
                                      ("neutron_admin_auth_url", "admin_auth_url", "http://controller:35357/v2.0")] {
                #expect(try upgradeFailure(host, nova, old).fix
                        == "write \(new) = \(value) in [neutron] and remove \(old) from [DEFAULT]")
            }
            #expect(try upgradeFailure(host, nova, "neutron_admin_password").fix
                    == "move the value of neutron_admin_password from [DEFAULT] to admin_password in [neutron] (not shown: it is secret)")
            for key in ["auth_host", "auth_port", "auth_protocol"] {
                let fragment = try upgradeFailure(host, nova, key)
                #expect(fragment.section == "keystone_authtoken")
                #expect(fragment.fix == "write identity_uri = http://controller:35357 in [keystone_authtoken] "
                        + "and remove auth_host, auth_port and auth_protocol from [keystone_authtoken]")
            }
        }
        // glance_host is set on the compute nodes only (chapter 7, step 4).
        for host in ["compute1", "compute2"] {
            #expect(try upgradeFailure(host, nova, "glance_host").fix == "write host = controller in [glance] and remove glance_host from [DEFAULT]")
        }
        #expect(!Self.withJuno.findings.contains { $0.host == "controller" && $0.key == "glance_host" && $0.status == .fail })
    }

    @Test func everyServiceAndTheProxyGiveUpTheAuthFragments() throws {
        let files = ["controller": ["/etc/nova/nova.conf", "/etc/neutron/neutron.conf", "/etc/glance/glance-api.conf",
                                    "/etc/glance/glance-registry.conf", "/etc/cinder/cinder.conf", "/etc/ceilometer/ceilometer.conf"],
                     "network": ["/etc/neutron/neutron.conf"], "block1": ["/etc/cinder/cinder.conf"],
                     "proxy1": ["/etc/swift/proxy-server.conf"]]
        for (host, paths) in files {
            for path in paths {
                let finding = try upgradeFailure(host, path, "auth_host")
                #expect(finding.fix?.hasPrefix("write identity_uri = http://controller:35357 in [") == true, "\(finding)")
            }
        }
        #expect(try upgradeFailure("proxy1", "/etc/swift/proxy-server.conf", "paste.filter_factory").fix?
                    .contains("keystonemiddleware.auth_token:filter_factory") == true)
        // Block Storage's own [DEFAULT] glance_host does not move.
        #expect(!Self.withJuno.findings.contains { $0.file == "/etc/cinder/cinder.conf" && $0.key == "glance_host" && $0.category == .upgrade })
    }

    @Test func upgradeFindingsAreApartAndLeaveTheGuideVerdictAlone() {
        let guide = Self.withJuno.findings.filter { $0.category == .guide }
        #expect(guide == Self.guideOnly.findings, "the pack adds findings and changes none of the guide's")
        let upgrade = Self.withJuno.findings.filter { $0.category == .upgrade }
        #expect(!upgrade.isEmpty && upgrade.allSatisfy { $0.rule.hasPrefix("juno.") })
        #expect(Self.guideOnly.findings.allSatisfy { $0.category == .guide })
        #expect(Self.withJuno.upgrade == UpgradeTarget(from: "icehouse", to: "juno"))
        #expect(Self.guideOnly.upgrade == nil)
        // Every failing upgrade check says what to write instead.
        #expect(upgrade.filter { $0.status == .fail }.allSatisfy { ($0.fix ?? "").isEmpty == false })
        #expect(Self.withJuno.exitCode == Int(AuditExitCode.drift.rawValue))
    }

    @Test func reportsKeepThemApartAndHoldNoSecret() throws {
        let json = JSONReport.render(Self.withJuno)
        let text = TextReport(color: false, maxFindings: 1000).render(Self.withJuno)
        for secret in DemoFleetSecrets.all {
            #expect(!json.contains(secret) && !text.contains(secret), "'\(secret)' leaked")
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let summary = try #require(object["summary"] as? [String: Any])
        let upgrade = try #require(summary["upgrade"] as? [String: Any])
        let failingUpgrade = Self.withJuno.findings.filter { $0.category == .upgrade && $0.status == .fail }.count
        #expect(upgrade["to"] as? String == "juno" && upgrade["from"] as? String == "icehouse")
        #expect(upgrade["fail"] as? Int == failingUpgrade)
        #expect(summary["fail"] as? Int == Self.guideOnly.count(.fail), "the guide's count is the guide's alone")
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.filter { $0["category"] as? String == "upgrade" }.count
                == Self.withJuno.findings.filter { $0.category == .upgrade }.count)
        #expect(text.contains("Before upgrading to juno (from icehouse): \(failingUpgrade) changes on"))
        #expect(text.contains("CHANGE low      compute1  /etc/nova/nova.conf:30  [DEFAULT] neutron_url"))
        #expect(text.contains("      fix: write url = http://controller:9696 in [neutron] and remove neutron_url from [DEFAULT]"))
        #expect(text.contains("(\(Self.guideOnly.count(.fail)) failing checks on"))
    }
}
