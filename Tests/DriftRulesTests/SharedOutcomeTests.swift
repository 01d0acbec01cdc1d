import DriftCore
import DriftParsing
@testable import DriftRules
import Testing

/// A value check on a document the run shares among hosts is decided once per content and the
/// variables its rule names (`RuleEngine.outcome(of:…)`): a host whose variables differ, or
/// whose resolver answers otherwise, must still get exactly the findings its own copy gives.
@Suite struct SharedOutcomeTests {
    static let rules = BuiltinRuleExampleTests.ruleSet

    /// One nova.conf on every compute: a name written as an address (decided by each node's
    /// /etc/hosts) and the node's own address (decided by its management_ip).
    static let novaConf = """
        [DEFAULT]
        rpc_backend = rabbit
        rabbit_host = 10.0.0.11
        my_ip = 10.0.0.31
        vncserver_proxyclient_address = 10.0.0.31
        glance_host = controller
        auth_strategy = keystone

        [keystone_authtoken]
        auth_host = 10.0.0.11
        auth_uri = http://10.0.0.11:5000
        admin_password = NOVA_PASS

        [database]
        connection = mysql://nova:NOVA_DBPASS@controller/nova

        [xenserver]
        connection_password = NOVA_PASS

        """

    /// compute0 is the node the file was written for; odd nodes map controller elsewhere, so
    /// 10.0.0.11 is another host there; every node's own address differs.
    static func hosts(_ node: Int) -> (InventoryHost, String) {
        let address = node == 0 ? "10.0.0.31" : "10.0.1.\(node)"
        let host = InventoryHost(name: "compute\(node)", roles: [.compute], services: [],
                                 vars: ["controller": "controller", "controller_ip": "10.0.0.11",
                                        "management_ip": address, "tunnel_ip": "10.0.2.\(node)"])
        let controller = node % 2 == 1 ? "10.0.0.12" : "10.0.0.11"
        return (host, "127.0.0.1 localhost\n\(controller) controller\n\(address) compute\(node)\n")
    }

    /// Every host's findings, with nova.conf parsed for each host or one shared document.
    static func findings(shared: Bool, engine: RuleEngine) throws -> [[Finding]] {
        var sharedNova = try DocumentParser.parse(text: novaConf, path: "/etc/nova/nova.conf", format: .osloINI, secrets: rules.secrets)
        sharedNova.sharedDigest = Digest.sha256(Array(novaConf.utf8))
        let fleet = (0..<6).map(hosts)
        let directory = FleetDirectory(hosts: fleet.map(\.0), nameResolution: .hosts)
        return try fleet.map { host, hostsText in
            let nova = shared ? sharedNova
                : try DocumentParser.parse(text: novaConf, path: "/etc/nova/nova.conf", format: .osloINI, secrets: rules.secrets)
            let hostsFile = try DocumentParser.parse(text: hostsText, path: "/etc/hosts", format: .hosts, secrets: rules.secrets)
            let evidence = HostEvidence(host: host, files: ["/etc/nova/nova.conf": .parsed(nova), "/etc/hosts": .parsed(hostsFile)])
            return engine.evaluate(host: evidence, directory: directory).findings
        }
    }

    @Test func everyHostGetsTheFindingsOfItsOwnCopy() throws {
        let engine = RuleEngine(ruleSet: Self.rules, architecture: .neutron)
        let own = try Self.findings(shared: false, engine: engine)
        // One engine for both: what it decided on documents parsed per host is not kept.
        let glance = SharedOutcomeKey(rule: "nova.default.glance_host", path: "/etc/nova/nova.conf", format: .osloINI,
                                      digest: Digest.sha256(Array(Self.novaConf.utf8)), vars: ["controller": "controller"])
        #expect(engine.sharedOutcomes.known(glance) == nil)
        let shared = try Self.findings(shared: true, engine: engine)
        #expect(engine.sharedOutcomes.known(glance) != nil)
        #expect(own.count == shared.count)
        for index in own.indices {
            #expect(own[index].count == shared[index].count)
            let differing = zip(own[index], shared[index]).filter { $0 != $1 }.map(\.0.rule)
            #expect(differing.isEmpty, "compute\(index): \(differing)")
        }
        // The comparison compares something: the same file passes on one node and fails on another,
        // for want of the node's own address and because controller is elsewhere.
        func status(_ rule: String, _ node: Int) -> FindingStatus? { own[node].first { $0.rule == rule }?.status }
        #expect(status("nova.default.my_ip", 0) == .pass && status("nova.default.my_ip", 2) == .fail)
        #expect(status("nova.keystone_authtoken.auth_host", 0) == .pass && status("nova.keystone_authtoken.auth_host", 1) == .fail)
        #expect(status("nova.keystone_authtoken.auth_host", 2) == .pass)
        // The placeholder scan of a format holding secrets, masked, on every host alike.
        #expect(own.allSatisfy { findings in findings.contains {
            $0.rule == "placeholders.any-file" && $0.key == "connection_password" && $0.status == .fail && $0.secret
        } })
    }

    @Test func anOutcomeIsMadeOncePerContentAndVariables() throws {
        let engine = RuleEngine(ruleSet: Self.rules, architecture: .neutron)
        _ = try Self.findings(shared: true, engine: engine)
        var digest = Digest.sha256(Array(Self.novaConf.utf8))
        func key(_ rule: String, node: Int = 0) -> SharedOutcomeKey {
            let names = engine.templateVariables[rule] ?? []
            return SharedOutcomeKey(rule: rule, path: "/etc/nova/nova.conf", format: .osloINI, digest: digest,
                                    vars: Self.hosts(node).0.vars.filter { names.contains($0.key) })
        }
        // A name the file spells as the guide does: one outcome for the fleet, resting on no resolver answer.
        #expect(engine.templateVariables["nova.default.glance_host"] == ["controller"])
        #expect(engine.sharedOutcomes.known(key("nova.default.glance_host"))?.asked == [])
        // A name written as its address: the answers it rests on are kept with it.
        let asked = try #require(engine.sharedOutcomes.known(key("nova.keystone_authtoken.auth_host"))?.asked)
        #expect(asked.count == 1 && asked[0].written == "10.0.0.11" && asked[0].answer != nil)
        // The node's own address: one outcome per value of the variable.
        #expect(engine.templateVariables["nova.default.my_ip"] == ["management_ip"])
        for node in 0..<6 {
            #expect(key("nova.default.my_ip", node: node).vars.count == 1)
            #expect(engine.sharedOutcomes.known(key("nova.default.my_ip", node: node)) != nil)
        }
        digest[0] ^= 1
        #expect(engine.sharedOutcomes.known(key("nova.default.glance_host")) == nil, "another content")
    }
}
