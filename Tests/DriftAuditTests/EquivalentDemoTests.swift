import DriftAudit
import DriftCore
import DriftReporting
import DriftRules
import DriftStore
import DriftTestSupport
import Foundation
import Testing

/// Issue 14: the demo fleet, its drifts fixed, rewritten in spellings Icehouse reads exactly as
/// the guide's (Fixtures/equivalent-demo, whose README lists every rewrite and the counts
/// measured before and after). Operators' files look like these.
@Suite struct EquivalentDemoTests {
    static let inventory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/equivalent-demo/inventory.yaml").path

    @Test func equivalentSpellingsAreNotDriftAndTheOneTrueProblemIsToldOnce() throws {
        let run = try DemoFleet.run(inventory: Self.inventory)
        let failing = run.findings.filter { $0.status == .fail }
        #expect(failing.map { "\($0.host) \($0.rule)" } == ["controller mysql.includes.exist"],
                "\(failing.map { "\($0.host) \($0.rule): \($0.message)" }.joined(separator: "\n"))")
        #expect(run.findings.filter { $0.status == .error }.isEmpty,
                "\(run.findings.filter { $0.status == .error }.map { "\($0.host) \($0.rule): \($0.message)" })")
        // The missing conf.d/ is reported at the line naming it; the file's own values are still checked.
        let include = try #require(failing.first)
        let myCnf = try String(contentsOfFile: URL(fileURLWithPath: Self.inventory).deletingLastPathComponent()
            .appendingPathComponent("trees/controller/etc/mysql/my.cnf").path, encoding: .utf8)
        #expect(myCnf.split(separator: "\n", omittingEmptySubsequences: false)[try #require(include.line) - 1]
                == "!includedir /etc/mysql/conf.d/")
        #expect(include.severity == .high)
        let mysql = run.findings.filter { $0.host == "controller" && $0.rule.hasPrefix("mysql.mysqld.") }
        #expect(mysql.count == 6 && mysql.allSatisfy { $0.status == .pass })
    }

    @Test func acceptedSpellingsSayWhyTheyAreTheGuidesValue() throws {
        let run = try DemoFleet.run(inventory: Self.inventory)
        func finding(_ host: String, _ rule: String) throws -> Finding {
            try #require(run.findings.first { $0.host == host && $0.rule == rule })
        }
        #expect(try finding("compute1", "nova.keystone_authtoken.auth_host").message
                == "'auth_host' is '10.0.0.11', which is controller on this node (/etc/hosts line 5)")
        #expect(try finding("controller", "nova.keystone_authtoken.auth_host").message
                == "'auth_host' is '127.0.0.1' is this node, which is controller")
        let port = try finding("compute1", "nova.keystone_authtoken.auth_port")
        #expect(port.status == .pass && port.origin?.kind == .builtinDefault && port.line == nil)
        let database = try finding("compute1", "nova.database.connection.mysql")
        #expect(database.origin?.kind == .deprecatedName && database.origin?.option == "[DATABASE] sql_connection")
        let qemu = try finding("compute2", "nova-compute.libvirt.virt_type.qemu")
        #expect(qemu.status == .pass && qemu.message.contains("'/proc/cpuinfo' was not read"))
        // The controller is the network node too: the NTP step for other nodes is not its.
        #expect(!run.findings.contains { $0.host == "controller" && $0.rule == "ntp.server.controller" })
        #expect(try finding("controller", "l3_agent.default.use_namespaces").status == .pass)
        // The report carries where a value came from.
        let report = try #require(try JSONSerialization.jsonObject(with: Data(JSONReport.render(run).utf8)) as? [String: Any])
        let findings = try #require(report["findings"] as? [[String: Any]])
        let reported = try #require(findings.first { $0["host"] as? String == "compute1" && $0["rule"] as? String == "nova.keystone_authtoken.auth_port" })
        let source = try #require(reported["source"] as? [String: Any])
        #expect(source["kind"] as? String == "default")
        #expect(source["option"] as? String == "[keystone_authtoken] auth_port")
        #expect((source["defined_at"] as? [String])?.first?.hasPrefix("openstack/python-keystoneclient@0.7.1:") == true)
    }

    @Test func aStoredRunKeepsWhereEachValueCameFrom() throws {
        let directory = try TemporaryDirectory(prefix: "equivalent-store")
        let store = try SnapshotStore(path: directory.path + "/audit.db")
        let outcome = try DemoFleet.audit(store: store, inventory: Self.inventory)
        let stored = try store.loadRun(try #require(outcome.header.id))
        func origins(_ run: AuditRun) -> [String] {
            run.findings.compactMap { finding in
                finding.origin.map { "\(finding.host) \(finding.rule) \($0.kind.rawValue) \($0.option) \($0.definedAt)" }
            }.sorted()
        }
        // Every report is written from the stored run: the origins must survive the store.
        #expect(origins(stored).count > 30)
        #expect(origins(stored).contains { $0.hasPrefix("compute1 nova.keystone_authtoken.auth_port default [keystone_authtoken] auth_port") })
    }
}
