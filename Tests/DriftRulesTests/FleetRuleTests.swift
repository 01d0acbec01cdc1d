import DriftCore
import DriftParsing
import DriftRules
import DriftTestSupport
import Testing

private let secrets = SecretPolicy(keyPatterns: ["*password*", "metering_secret"])

/// One host of a fleet under test: its roles, variables and files (path → text).
private struct TestHost {
    var name: String
    var roles: [Role]
    var vars: [String: String] = [:]
    var files: [String: String] = [:]
    var facts: [HostFact: String] = [:]

    func evidence(_ set: RuleSet) throws -> HostEvidence {
        var states: [String: FileState] = [:]
        for (path, text) in files {
            let format = set.format(forFile: path) ?? .osloINI
            states[path] = .parsed(try DocumentParser.parse(text: text, path: path, format: format, secrets: secrets))
        }
        return HostEvidence(host: InventoryHost(name: name, roles: roles, services: [], vars: vars), files: states, facts: facts)
    }
}

private func rules(_ yaml: String) throws -> RuleSet {
    var set = RuleSet(placeholders: ["NOVA_PASS", "RABBIT_PASS"], secrets: secrets)
    try set.merge(yaml: yaml, file: "test.yaml")
    return set
}

private func evaluate(_ yaml: String, _ hosts: [TestHost], nameResolution: NameResolution = .hosts) throws -> [Finding] {
    let set = try rules(yaml)
    return RuleEngine(ruleSet: set, architecture: .neutron).evaluate(fleet: try hosts.map { try $0.evidence(set) },
                                                                     nameResolution: nameResolution)
}

/// `status host:file` for each finding of a rule, sorted.
private func outcomes(_ findings: [Finding], rule: String = "r") -> [String] {
    findings.filter { $0.rule == rule }.map { "\($0.status.rawValue) \($0.host):\($0.file)" }.sorted()
}

/// The loader wants examples of both kinds; these tests evaluate fleets of their own instead.
private let examples = "examples: {pass: [{files: {/etc/unused: x}}], fail: [{files: {/etc/unused: x}}]}"

@Suite struct ConsistencyTests {
    static let samePassword = """
    rules:
      - id: r
        title: one RabbitMQ password
        consistent: same
        guide: {chapter: 2, section: "Test"}
        \(examples)
        values:
          - {file: /etc/nova/nova.conf, section: DEFAULT, key: rabbit_password}
          - {file: /etc/neutron/neutron.conf, section: DEFAULT, key: rabbit_password}
    """

    @Test func sameNamesTheOddOneOutAgainstTheMajority() throws {
        let findings = try evaluate(Self.samePassword, [
            TestHost(name: "controller", roles: [.controller], files: [
                "/etc/nova/nova.conf": "[DEFAULT]\nrabbit_password = good1\n",
                "/etc/neutron/neutron.conf": "[DEFAULT]\nrabbit_password = good1\n"]),
            TestHost(name: "compute1", roles: [.compute], files: ["/etc/nova/nova.conf": "[DEFAULT]\nrabbit_password = good1\n"]),
            TestHost(name: "compute2", roles: [.compute], files: ["/etc/nova/nova.conf": "[DEFAULT]\nrabbit_password = stale9\n"]),
        ])
        #expect(outcomes(findings) == [
            "fail compute2:/etc/nova/nova.conf", "pass compute1:/etc/nova/nova.conf",
            "pass controller:/etc/neutron/neutron.conf", "pass controller:/etc/nova/nova.conf",
        ])
        let odd = try #require(findings.first { $0.host == "compute2" })
        // Secrets are labelled, never shown: the majority's is A.
        #expect(odd.actual == "<secret B>" && odd.expected == "<secret A>" && odd.secret)
        #expect(odd.line == 2)
        #expect(odd.message == "differs from the value of controller:/etc/nova/nova.conf, controller:/etc/neutron/neutron.conf, compute1:/etc/nova/nova.conf")
        for finding in findings {
            for text in [finding.actual, finding.expected, finding.message] {
                #expect(!(text ?? "").contains("good1") && !(text ?? "").contains("stale9"))
            }
        }
    }

    @Test func aTieHasNoMajorityAndEveryValueFails() throws {
        let findings = try evaluate(Self.samePassword, [
            TestHost(name: "a", roles: [.compute], files: ["/etc/nova/nova.conf": "[DEFAULT]\nrabbit_password = one\n"]),
            TestHost(name: "b", roles: [.compute], files: ["/etc/nova/nova.conf": "[DEFAULT]\nrabbit_password = two\n"]),
        ])
        #expect(outcomes(findings) == ["fail a:/etc/nova/nova.conf", "fail b:/etc/nova/nova.conf"])
        #expect(findings.allSatisfy { $0.message.contains("none is in the majority") })
    }

    @Test func aLoneValueIsSkippedNotPassed() throws {
        let findings = try evaluate(Self.samePassword, [
            TestHost(name: "a", roles: [.compute], files: ["/etc/nova/nova.conf": "[DEFAULT]\nrabbit_password = one\n"]),
        ])
        #expect(outcomes(findings) == ["skipped a:/etc/nova/nova.conf"])
    }

    @Test func aReferenceSourceWinsOverTheMajority() throws {
        let yaml = """
        rules:
          - id: r
            title: services connect where MySQL listens
            consistent: same
            reference: 0
            guide: {chapter: 2, section: "Test"}
            \(examples)
            values:
              - {file: /etc/mysql/my.cnf, format: mysql, section: mysqld, key: bind-address, roles: [controller]}
              - {file: /etc/nova/nova.conf, section: database, key: connection, transform: url-address}
        """
        let findings = try evaluate(yaml, [
            TestHost(name: "controller", roles: [.controller], vars: ["management_ip": "10.0.0.11"], files: [
                "/etc/mysql/my.cnf": "[mysqld]\nbind-address = 10.0.0.11\n",
                "/etc/nova/nova.conf": "[database]\nconnection = mysql://nova:pw@controller/nova\n"]),
            // Resolves 'controller' through its own /etc/hosts, which is wrong here.
            TestHost(name: "compute1", roles: [.compute], files: [
                "/etc/hosts": "10.0.0.99 controller\n",
                "/etc/nova/nova.conf": "[database]\nconnection = mysql://nova:pw@controller/nova\n"]),
            TestHost(name: "compute2", roles: [.compute], files: [
                "/etc/hosts": "10.0.0.99 controller\n",
                "/etc/nova/nova.conf": "[database]\nconnection = mysql://nova:pw@controller/nova\n"]),
        ])
        // The controller's own name falls back to the inventory (its management_ip).
        #expect(outcomes(findings) == [
            "fail compute1:/etc/nova/nova.conf", "fail compute2:/etc/nova/nova.conf",
            "pass controller:/etc/mysql/my.cnf", "pass controller:/etc/nova/nova.conf",
        ])
        #expect(findings.first { $0.host == "compute1" }?.actual == "10.0.0.99")
        #expect(findings.allSatisfy { !($0.actual ?? "").contains("pw") })
    }

    @Test func uniqueNamesTheCopyAndNotTheOwner() throws {
        let yaml = """
        rules:
          - id: r
            title: own tunnel address
            consistent: unique
            owner: "{{tunnel_ip}}"
            guide: {chapter: 8, section: "Test"}
            \(examples)
            values:
              - {file: /etc/neutron/plugins/ml2/ml2_conf.ini, section: ovs, key: local_ip}
        """
        func host(_ name: String, own: String, set: String) -> TestHost {
            TestHost(name: name, roles: [.compute], vars: ["tunnel_ip": own],
                     files: ["/etc/neutron/plugins/ml2/ml2_conf.ini": "[ovs]\nlocal_ip = \(set)\n"])
        }
        let findings = try evaluate(yaml, [host("c1", own: "10.0.1.31", set: "10.0.1.31"),
                                           host("c2", own: "10.0.1.32", set: "10.0.1.31"),
                                           host("c3", own: "10.0.1.33", set: "10.0.1.33")])
        #expect(outcomes(findings).map { String($0.prefix(7)) } == ["fail c2", "pass c1", "pass c3"])
        #expect(findings.first { $0.host == "c2" }?.message == "'10.0.1.31' is c1's value, copied here from another host")
    }

    @Test func includedLooksForTheReferenceAmongTheElements() throws {
        let yaml = """
        rules:
          - id: r
            title: proxy caches in its own memcached
            consistent: included
            scope: host
            reference: 0
            type: list
            guide: {chapter: 11, section: "Test"}
            \(examples)
            values:
              - {file: /etc/memcached.conf, format: memcached, key: "-l"}
              - {file: /etc/swift/proxy-server.conf, format: paste-ini, section: "filter:cache", key: memcache_servers, transform: host-part}
        """
        func proxy(_ name: String, listen: String, servers: String) -> TestHost {
            TestHost(name: name, roles: [.objectProxy], files: [
                "/etc/memcached.conf": "-l \(listen)\n",
                "/etc/swift/proxy-server.conf": "[filter:cache]\nmemcache_servers = \(servers)\n"])
        }
        let findings = try evaluate(yaml, [proxy("p1", listen: "10.0.2.61", servers: "10.0.2.61:11211,10.0.2.62:11211"),
                                           proxy("p2", listen: "10.0.2.62", servers: "10.0.2.61:11211")])
        // Host scope: p2's list is compared with p2's memcached only.
        #expect(outcomes(findings) == ["fail p2:/etc/swift/proxy-server.conf", "pass p1:/etc/swift/proxy-server.conf"])
    }

    @Test func hostScopeComparesWithinEachHostOnly() throws {
        let yaml = """
        rules:
          - id: r
            title: one ceilometer password
            consistent: same
            scope: host
            guide: {chapter: 13, section: "Test"}
            \(examples)
            values:
              - {file: /etc/ceilometer/ceilometer.conf, section: keystone_authtoken, key: admin_password}
              - {file: /etc/ceilometer/ceilometer.conf, section: service_credentials, key: os_password}
        """
        func host(_ name: String, _ first: String, _ second: String) -> TestHost {
            TestHost(name: name, roles: [.compute], files: ["/etc/ceilometer/ceilometer.conf":
                "[keystone_authtoken]\nadmin_password = \(first)\n[service_credentials]\nos_password = \(second)\n"])
        }
        // Different passwords on different hosts are fine; a pair that disagrees is not.
        let findings = try evaluate(yaml, [host("c1", "x", "x"), host("c2", "y", "y"), host("c3", "y", "z")])
        #expect(findings.filter { $0.status == .pass }.map(\.host).sorted() == ["c1", "c1", "c2", "c2"])
        #expect(findings.filter { $0.status == .fail }.map(\.host) == ["c3", "c3"])
    }
}

@Suite struct HostRuleTests {
    static let hostNames = """
    rules:
      - id: r
        title: names resolve
        scan: host-names
        guide: {chapter: 2, section: "Test"}
        \(examples)
    """

    @Test func everyHostNameMustResolveToItsManagementAddress() throws {
        let hosts = "10.0.0.11 controller\n10.0.0.21 network\n"
        let findings = try evaluate(Self.hostNames, [
            TestHost(name: "controller", roles: [.controller], vars: ["management_ip": "10.0.0.11"], files: ["/etc/hosts": hosts]),
            TestHost(name: "network", roles: [.network], vars: ["management_ip": "10.0.0.21"],
                     files: ["/etc/hosts": "127.0.1.1 network\n" + hosts]),
            TestHost(name: "compute1", roles: [.compute], vars: ["management_ip": "10.0.0.31"], files: ["/etc/hosts": hosts]),
        ])
        let failing = findings.filter { $0.status == .fail }.map { "\($0.host): \($0.message)" }
        // network's first line for its own name wins (glibc), and nobody knows compute1.
        #expect(failing.contains { $0.hasPrefix("network:") && $0.contains("network") && $0.contains("127.0.1.1") })
        #expect(failing.filter { $0.contains("compute1") }.count == 3, "\(failing)")
        #expect(!findings.contains { $0.host == "controller" && $0.status == .fail && !$0.message.contains("compute1") })
        // The names that resolve are one passing finding per host, not one per name.
        let passing = findings.filter { $0.status == .pass }
        #expect(passing.map(\.host).sorted() == ["compute1", "controller", "network"])
        #expect(passing.allSatisfy { $0.key == nil && $0.message == "the other hosts of the fleet resolve to their management addresses" })
    }

    @Test func aFleetWhereEveryNameResolvesHasOnePassingFindingPerHost() throws {
        let hosts = (1...30).map { "10.0.0.\($0) node\($0)" }.joined(separator: "\n") + "\n"
        let fleet = (1...30).map { TestHost(name: "node\($0)", roles: [.compute], vars: ["management_ip": "10.0.0.\($0)"],
                                             files: ["/etc/hosts": hosts]) }
        let findings = try evaluate(Self.hostNames, fleet)
        #expect(findings.count == 30 && findings.allSatisfy { $0.status == .pass && $0.expected == "every fleet host's management address" })
    }

    /// A node whose /etc/hosts names only itself and the controller (clouds that resolve names
    /// through DNS): one failing finding counting and listing the missing names, not one per name
    /// (at 1,000 such nodes that was a million findings).
    @Test func missingNamesAreOneFindingThatListsThemAll() throws {
        let fleet = (1...40).map { index in
            TestHost(name: "node\(index)", roles: [.compute], vars: ["management_ip": "10.0.0.\(index)"],
                     files: ["/etc/hosts": "10.0.0.1 node1\n10.0.0.\(index) node\(index)\n"])
        }
        let findings = try evaluate(Self.hostNames, fleet)
        let node7 = findings.filter { $0.host == "node7" }
        let missing = try #require(node7.first { $0.status == .fail })
        #expect(node7.filter { $0.status == .fail }.count == 1)
        #expect(missing.items == (2...40).filter { $0 != 7 }.map { "node\($0)" })
        #expect(missing.message == "38 of the fleet's 40 host names are not in /etc/hosts, so this host cannot reach them by name: "
                + "node2, node3, node4, node5, node6 and 33 others")
        #expect(missing.key == nil && missing.line == nil)
        #expect(node7.contains { $0.status == .pass }, "the names it has resolve")
        #expect(findings.filter { $0.status == .fail }.count == 40, "one per host, not one per missing name")
    }

    /// With `name_resolution: dns` the file need not list the fleet; a line that contradicts the
    /// inventory still fails, since the resolver reads /etc/hosts before DNS.
    @Test func underDNSOnlyContradictingLinesFail() throws {
        let fleet = [
            TestHost(name: "controller", roles: [.controller], vars: ["management_ip": "10.0.0.11"],
                     files: ["/etc/hosts": "127.0.0.1 localhost\n10.0.0.11 controller\n"]),
            TestHost(name: "compute1", roles: [.compute], vars: ["management_ip": "10.0.0.31"],
                     files: ["/etc/hosts": "10.0.0.11 controller\n10.0.0.31 compute1\n"]),
            TestHost(name: "compute2", roles: [.compute], vars: ["management_ip": "10.0.0.32"],
                     files: ["/etc/hosts": "10.0.0.99 controller\n"]),
        ]
        let findings = try evaluate(Self.hostNames, fleet, nameResolution: .dns)
        #expect(findings.filter { $0.status == .fail }.map { "\($0.host) \($0.key ?? "")" } == ["compute2 controller"])
        #expect(findings.filter { $0.status == .pass }.map(\.host).sorted() == ["compute1", "controller"])
        #expect(findings.first { $0.host == "controller" }?.message.contains("DNS") == true)
        // The same fleet under the guide's /etc/hosts resolution: every node lacks names.
        let guide = try evaluate(Self.hostNames, fleet)
        #expect(guide.filter { $0.status == .fail && $0.items != nil }.map(\.host).sorted() == ["compute1", "compute2", "controller"])
    }

    /// Under DNS a host's few lines are looked up in the fleet (not the fleet's names in each
    /// file): a line spelling a fleet name in another case still contradicts it, once, and the
    /// contradictions come in inventory order whatever order the file has them in.
    @Test func underDNSTheFilesOwnLinesAreMatchedToTheFleetByTheResolversName() throws {
        var fleet = (1...30).map { index in
            TestHost(name: "compute\(index)", roles: [.compute], vars: ["management_ip": "10.0.1.\(index)"],
                     files: ["/etc/hosts": "127.0.0.1 localhost\n10.0.1.\(index) compute\(index)\n"])
        }
        fleet[0].files["/etc/hosts"] = "127.0.0.1 localhost\n10.9.9.9 COMPUTE12 compute12\n10.0.1.1 compute1\n"
            + "10.9.9.8 Compute7\n10.0.1.3 compute3\n10.9.9.7 compute12\n"
        let findings = try evaluate(Self.hostNames, fleet, nameResolution: .dns)
        let failing = findings.filter { $0.status == .fail }
        #expect(failing.map { "\($0.host) \($0.key ?? "") \($0.actual ?? "")" } == ["compute1 compute7 10.9.9.8", "compute1 compute12 10.9.9.9"])
        #expect(findings.filter { $0.status == .pass }.count == 29)
    }

    @Test func noneEqualWithAStarLooksAtEveryEntry() throws {
        let yaml = """
        file: /etc/hosts
        rules:
          - id: r
            title: no 127.0.1.1
            key: "*"
            none-equal: 127.0.1.1
            guide: {chapter: 2, section: "Test"}
            \(examples)
        """
        let clean = try evaluate(yaml, [TestHost(name: "a", roles: [.compute], files: ["/etc/hosts": "127.0.0.1 localhost\n# 127.0.1.1 a\n"])])
        #expect(clean.map(\.status) == [.pass])
        let dirty = try evaluate(yaml, [TestHost(name: "a", roles: [.compute],
                                                 files: ["/etc/hosts": "127.0.0.1 localhost\n127.0.1.1 a.example a\n"])])
        #expect(dirty.map(\.status) == [.fail])
        #expect(dirty.first?.line == 2)
    }

    static let factRule = """
    file: /etc/nova/nova-compute.conf
    rules:
      - id: r
        title: qemu without VT-x
        section: libvirt
        key: virt_type
        equals: qemu
        when: {fact: cpu-virtualization, equals: none}
        guide: {chapter: 7, section: "Test"}
        \(examples)
    """

    @Test(arguments: [("vmx", FindingStatus.skipped), ("svm", .skipped), ("none", .fail)])
    func factsGateRules(_ flag: String, _ expected: FindingStatus) throws {
        let findings = try evaluate(Self.factRule, [TestHost(
            name: "c", roles: [.compute], files: ["/etc/nova/nova-compute.conf": "[libvirt]\nvirt_type = kvm\n"],
            facts: [.cpuVirtualization: flag])])
        #expect(findings.map(\.status) == [expected])
    }

    @Test func anUnknownFactIsAnErrorWhereTheOutcomeDependsOnIt() throws {
        let findings = try evaluate(Self.factRule, [TestHost(
            name: "c", roles: [.compute], files: ["/etc/nova/nova-compute.conf": "[libvirt]\nvirt_type = kvm\n"])])
        #expect(findings.map(\.status) == [.error])
        #expect(findings.first?.message.contains("/proc/cpuinfo") == true)
        #expect(findings.first?.message.contains("where it applies, it fails: expected 'qemu', found 'kvm'") == true)
    }

    /// Issue 14: virt_type = qemu works on any CPU, so it passes without /proc/cpuinfo.
    @Test func aValueRightWhateverTheFactPassesWithoutIt() throws {
        let findings = try evaluate(Self.factRule, [TestHost(
            name: "c", roles: [.compute], files: ["/etc/nova/nova-compute.conf": "[libvirt]\nvirt_type = qemu\n"])])
        #expect(findings.map(\.status) == [.pass])
        #expect(findings.first?.message.contains("right whatever the host's cpu-virtualization ('/proc/cpuinfo' was not read)") == true)
    }

    @Test func cpuFlagsAreReadFromEveryProcessor() {
        #expect(HostFact.cpuVirtualization.derive(from: Array("processor : 0\nflags : fpu vme sse2 vmx\n".utf8)) == "vmx")
        #expect(HostFact.cpuVirtualization.derive(from: Array("flags\t\t: fpu svm lm\n".utf8)) == "svm")
        #expect(HostFact.cpuVirtualization.derive(from: Array("flags : fpu vmxnet sse2\n".utf8)) == "none", "a whole flag, not a prefix")
        #expect(HostFact.cpuVirtualization.derive(from: []) == "none")
    }
}

@Suite struct FleetComparisonTests {
    static let uniqueAddress = """
    rules:
      - id: r
        title: each node its own address
        consistent: unique
        owner: "{{management_ip}}"
        guide: {chapter: 2, section: "Test"}
        \(examples)
        values:
          - {file: /etc/nova/nova.conf, section: DEFAULT, key: my_ip}
    """

    /// Hosts reach the fleet step in whatever order their collection finished; the findings
    /// (and every message naming other hosts) come out the same.
    @Test func theOrderHostsArriveInDoesNotChangeAFinding() throws {
        let set = try rules(ConsistencyTests.samePassword)
        let engine = RuleEngine(ruleSet: set, architecture: .neutron)
        let hosts = try (1...12).map { index in
            try TestHost(name: "c\(index)", roles: [.compute], files: [
                "/etc/nova/nova.conf": "[DEFAULT]\nrabbit_password = \(index % 5 == 0 ? "odd" : "same")\n",
                "/etc/neutron/neutron.conf": "[DEFAULT]\nrabbit_password = same\n"]).evidence(set)
        }
        let directory = FleetDirectory(hosts: hosts.map(\.host))
        func findings(_ order: [HostEvidence]) -> [Finding] {
            var comparison = FleetComparison(engine: engine)
            for evidence in order { comparison.add(engine.evaluate(host: evidence, directory: directory)) }
            let verdicts = comparison.finish()
            return hosts.flatMap { verdicts.findings(forHost: $0.host.name) }
        }
        let inOrder = findings(hosts)
        #expect(inOrder.filter { $0.status == .fail }.map(\.host) == ["c5", "c10"])
        #expect(findings(hosts.reversed()) == inOrder)
        #expect(findings(hosts.shuffled()) == inOrder)
    }

    /// A value copied to many hosts names a few of them and counts the rest: a message must not
    /// grow with the fleet (that made a finding per host quadratic in the fleet's size).
    @Test func messagesNameAFewHostsAndCountTheRest() throws {
        let fleet = (1...200).map { index in
            TestHost(name: String(format: "c%03d", index), roles: [.compute], vars: ["management_ip": "10.0.0.\(index)"],
                     files: ["/etc/nova/nova.conf": "[DEFAULT]\nmy_ip = 10.0.0.1\n"])
        }
        let findings = try evaluate(Self.uniqueAddress, fleet)
        let owner = try #require(findings.first { $0.host == "c001" })
        #expect(owner.status == .pass)
        #expect(owner.message == "this host's own value; also found on c002, c003, c004, c005, c006 and 194 others, where it was copied")
        let copy = try #require(findings.first { $0.host == "c150" })
        #expect(copy.status == .fail && copy.message == "'10.0.0.1' is c001's value, copied here from another host")
        #expect(findings.allSatisfy { $0.message.count < 200 })
    }
}

@Suite struct RuleTemplateTests {
    @Test func eachTakesTheCrossProductOfListsAndBindsListsToWholeFields() throws {
        let set = try rules("""
        rules:
          - id: ${service}.${key}
            title: ${key} of ${service}
            file: ${file}
            roles: "${roles}"
            section: DEFAULT
            key: ${key}
            equals: "${value}"
            guide: {chapter: 3, section: "Test"}
            examples:
              pass: [{files: {"${file}": "[DEFAULT]\\n${key} = ${value}\\n"}}]
              fail: [{files: {"${file}": "[DEFAULT]\\n${key} = other\\n"}}]
            each:
              - - {service: nova, file: /etc/nova/nova.conf, roles: [controller, compute], user: nova}
                - {service: cinder, file: /etc/cinder/cinder.conf, roles: [block-storage], user: cinder}
              - - {key: admin_user, value: "${user}"}
                - {key: auth_port, value: "35357"}
        """)
        #expect(set.rules.map(\.id) == ["nova.admin_user", "nova.auth_port", "cinder.admin_user", "cinder.auth_port"])
        #expect(set.rules[0].roles == [.controller, .compute])
        #expect(set.rules[2].roles == [.blockStorage])
        guard case .value(let check) = set.rules[2].check, case .equals(let template) = check.matcher else {
            Issue.record("not an equals rule"); return
        }
        #expect(template.text == "cinder", "a bound value may name another binding")
        #expect(check.file == "/etc/cinder/cinder.conf")
        for rule in set.rules { #expect(RuleEngine.checkExamples(of: rule, in: set).isEmpty) }
    }

    @Test func eachErrorsNameTheirLine() {
        let base = """
        rules:
          - id: r.${n}
            title: "t ${n}"
            file: /etc/nova/nova.conf
            section: DEFAULT
            key: k
            present: true
            guide: {chapter: 3, section: "Test"}
            \(examples)
        """
        expectDiagnostic(.rule, file: "test.yaml", line: 3, containing: "'${m}' is not bound by 'each'") {
            _ = try rules(base.replacingOccurrences(of: "t ${n}", with: "t ${m}") + "\n    each: [{n: a}]")
        }
        expectDiagnostic(.rule, file: "test.yaml", line: 2, containing: "refer to each other in a cycle") {
            _ = try rules(base + "\n    each: [{n: \"${n}\"}]")
        }
        expectDiagnostic(.rule, file: "test.yaml", line: 2, containing: "can only stand for a whole field") {
            _ = try rules(base + "\n    each: [{n: [a, b]}]")
        }
        expectDiagnostic(.rule, file: "test.yaml", line: 10, containing: "mixes lists and mappings") {
            _ = try rules(base + "\n    each: [[{n: a}], {n: b}]")
        }
    }

    @Test func pathsCompareWithoutTrailingOrRepeatedSlashes() {
        #expect(ValueType.path.normalize("/srv/node/") == ValueType.path.normalize("/srv//node"))
        #expect(ValueType.path.normalize("/srv/./node") == .string("/srv/node"))
        #expect(ValueType.path.normalize("/srv/node") != ValueType.path.normalize("/srv/nodes"))
        #expect(ValueType.path.normalize("relative/dir/") == .string("relative/dir"))
        #expect(ValueType.path.normalize("/") == .string("/"))
    }

    @Test func placeholdersMustBeRecognisable() {
        expectDiagnostic(.rule, file: "test.yaml", line: 1, containing: "must contain a capital letter or '%'") {
            _ = try rules("placeholders: [changeme]")
        }
    }
}
