import DriftCore
import DriftParsing
import DriftRules
import DriftTestSupport
import Testing

private let secrets = SecretPolicy(keyPatterns: ["*password*"])

/// Builds a rule set from YAML written inline, as a user's rule file would be.
func ruleSet(_ rulesYAML: String, placeholders: [String] = ["NOVA_PASS", "INTERFACE_NAME"]) throws -> RuleSet {
    var set = RuleSet(placeholders: placeholders, secrets: secrets)
    try set.merge(yaml: rulesYAML, file: "test.yaml")
    return set
}

func document(_ text: String, path: String = "/etc/nova/nova.conf") throws -> FileState {
    .parsed(try DocumentParser.parse(text: text, path: path, format: .osloINI, secrets: secrets))
}

private func rule(_ body: String) -> String {
    """
    file: /etc/nova/nova.conf
    rules:
      - id: r
        title: test rule
        section: DEFAULT
        guide: {chapter: 7, section: "Test"}
        examples: {pass: ["[DEFAULT]\\n"], fail: ["[DEFAULT]\\n"]}
    \(body.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
    """
}

private let compute = InventoryHost(name: "compute1", roles: [.compute], services: [],
                                    vars: ["management_ip": "10.0.0.31", "controller": "controller"])

private func evaluate(_ ruleBody: String, _ file: String, host: InventoryHost = compute) throws -> Finding {
    let set = try ruleSet(rule(ruleBody))
    let engine = RuleEngine(ruleSet: set, architecture: .neutron)
    return try #require(engine.evaluate(set.rules[0], on: host, file: try document(file), services: []))
}

@Suite struct MatcherTests {
    @Test func equalsComparesTheLastOccurrence() throws {
        let finding = try evaluate("key: my_ip\nequals: \"{{management_ip}}\"",
                                   "[DEFAULT]\nmy_ip = 10.0.0.99\nmy_ip = 10.0.0.31\n")
        #expect(finding.status == .pass)
        #expect(finding.line == 3)
        #expect(finding.expected == "10.0.0.31")
        #expect(finding.actual == "10.0.0.31")
    }

    @Test func equalsFailsWithExpectedAndActual() throws {
        let finding = try evaluate("key: my_ip\nequals: \"{{management_ip}}\"", "[DEFAULT]\nmy_ip = 10.0.0.32\n")
        #expect(finding.status == .fail)
        #expect(finding.expected == "10.0.0.31")
        #expect(finding.actual == "10.0.0.32")
        #expect(finding.line == 2)
        #expect(finding.message == "expected '10.0.0.31', found '10.0.0.32'")
    }

    @Test func aMissingKeyFailsWithoutALine() throws {
        let finding = try evaluate("key: my_ip\nequals: x", "[DEFAULT]\nother = 1\n")
        #expect(finding.status == .fail)
        #expect(finding.line == nil)
        #expect(finding.actual == nil)
        #expect(finding.message == "'my_ip' is not set in [DEFAULT]")
    }

    @Test(arguments: ["True", "true", "TRUE", "1", "on", "yes"])
    func osloBooleansCompareCaseInsensitively(value: String) throws {
        #expect(try evaluate("key: vnc_enabled\nequals: \"True\"", "[DEFAULT]\nvnc_enabled = \(value)\n").status == .pass)
    }

    @Test(arguments: ["False", "0", "off", "no", "maybe"])
    func otherWordsAreNotTrue(value: String) throws {
        #expect(try evaluate("key: vnc_enabled\nequals: \"True\"", "[DEFAULT]\nvnc_enabled = \(value)\n").status == .fail)
    }

    @Test func anInvalidBooleanSaysSo() throws {
        let finding = try evaluate("key: vnc_enabled\nequals: \"True\"", "[DEFAULT]\nvnc_enabled = maybe\n")
        #expect(finding.message.contains("'maybe' is not a valid bool value"))
    }

    @Test func stringsAreCaseSensitive() throws {
        #expect(try evaluate("key: auth_strategy\nequals: keystone", "[DEFAULT]\nauth_strategy = Keystone\n").status == .fail)
    }

    @Test func intsCompareNumerically() throws {
        #expect(try evaluate("key: network_size\nequals: \"254\"\ntype: int", "[DEFAULT]\nnetwork_size = 0254\n").status == .pass)
        #expect(try evaluate("key: network_size\nequals: \"254\"\ntype: int", "[DEFAULT]\nnetwork_size = 255\n").status == .fail)
    }

    @Test func setsIgnoreOrderAndSpacingButListsDoNot() throws {
        #expect(try evaluate("key: d\nequals: \"gre,vxlan\"\ntype: set", "[DEFAULT]\nd = vxlan , gre\n").status == .pass)
        #expect(try evaluate("key: d\nequals: \"gre,vxlan\"\ntype: list", "[DEFAULT]\nd = gre, vxlan\n").status == .pass)
        #expect(try evaluate("key: d\nequals: \"gre,vxlan\"\ntype: list", "[DEFAULT]\nd = vxlan,gre\n").status == .fail)
        #expect(try evaluate("key: d\nequals: \"gre\"\ntype: set", "[DEFAULT]\nd = gre,vxlan\n").status == .fail)
    }

    @Test func oneOfAcceptsAnyListedValue() throws {
        let body = "key: period\none-of: [hour, day]"
        #expect(try evaluate(body, "[DEFAULT]\nperiod = day\n").status == .pass)
        let finding = try evaluate(body, "[DEFAULT]\nperiod = month\n")
        #expect(finding.status == .fail)
        #expect(finding.expected == "one of 'hour', 'day'")
    }

    @Test func presentAndAbsent() throws {
        #expect(try evaluate("key: debug\npresent: true", "[DEFAULT]\ndebug =\n").status == .pass)
        #expect(try evaluate("key: debug\npresent: true", "[DEFAULT]\n").status == .fail)
        #expect(try evaluate("key: debug\nabsent: true", "[DEFAULT]\n").status == .pass)
        let finding = try evaluate("key: debug\nabsent: true", "[DEFAULT]\ndebug = True\n")
        #expect(finding.status == .fail)
        #expect(finding.line == 2)
    }

    @Test func regexMatchesWholeValues() throws {
        let body = "key: tunnel_id_ranges\nregex: \"[0-9]+:[0-9]+\""
        #expect(try evaluate(body, "[DEFAULT]\ntunnel_id_ranges = 1:1000\n").status == .pass)
        #expect(try evaluate(body, "[DEFAULT]\ntunnel_id_ranges = 1:1000,x\n").status == .fail)
    }

    @Test func containsLooksAtEveryOccurrence() throws {
        let body = "key: notification_driver\ncontains: ceilometer.compute.nova_notifier"
        let both = "[DEFAULT]\nnotification_driver = a.rpc\nnotification_driver = ceilometer.compute.nova_notifier\n"
        let pass = try evaluate(body, both)
        #expect(pass.status == .pass)
        #expect(pass.line == 3)
        let fail = try evaluate(body, "[DEFAULT]\nnotification_driver = a.rpc\n")
        #expect(fail.status == .fail)
        #expect(fail.message.contains("found 'a.rpc'"))
    }

    @Test func containsLooksInsideListValues() throws {
        let body = "key: type_drivers\ncontains: gre\ntype: list"
        #expect(try evaluate(body, "[DEFAULT]\ntype_drivers = flat, gre\n").status == .pass)
        #expect(try evaluate(body, "[DEFAULT]\ntype_drivers = flat,vlan\n").status == .fail)
    }

    @Test func notPlaceholderFindsTokensInsideValues() throws {
        let body = "key: connection\nnot-placeholder: true"
        let fail = try evaluate(body, "[DEFAULT]\nconnection = mysql://nova:NOVA_PASS@controller/nova\n")
        #expect(fail.status == .fail)
        #expect(fail.message.contains("'NOVA_PASS'") == false, "URL passwords are masked, so the token is not named")
        #expect(try evaluate(body, "[DEFAULT]\nconnection = mysql://nova:MY_NOVA_PASSWORD@controller/nova\n").status == .pass)
        let iface = try evaluate("key: flat_interface\nnot-placeholder: true", "[DEFAULT]\nflat_interface = INTERFACE_NAME\n")
        #expect(iface.status == .fail)
        #expect(iface.message == "'flat_interface' still holds the guide placeholder 'INTERFACE_NAME'")
        #expect(try evaluate(body, "[DEFAULT]\n").status == .fail, "an unset key is not a real value")
    }

    @Test func secretValuesAreMaskedInFindings() throws {
        let finding = try evaluate("key: admin_password\nnot-placeholder: true", "[DEFAULT]\nadmin_password = NOVA_PASS\n")
        #expect(finding.status == .fail)
        #expect(finding.secret)
        #expect(finding.actual == SecretPolicy.maskText)
        #expect(!finding.message.contains("NOVA_PASS"))
        let pass = try evaluate("key: admin_password\nnot-placeholder: true", "[DEFAULT]\nadmin_password = hunter2\n")
        #expect(pass.status == .pass)
        #expect(pass.actual == SecretPolicy.maskText)
    }
}

@Suite struct RuleSelectionTests {
    let rules = """
    file: /etc/nova/nova.conf
    defaults:
      section: DEFAULT
      guide: {chapter: 8, section: "Test"}
    rules:
      - {id: all, title: t, key: a, present: true, examples: {pass: ["[DEFAULT]\\na=1\\n"], fail: ["[DEFAULT]\\n"]}}
      - {id: compute-only, title: t, key: a, present: true, roles: [compute],
         examples: {pass: ["[DEFAULT]\\na=1\\n"], fail: ["[DEFAULT]\\n"]}}
      - {id: neutron-only, title: t, key: a, present: true, networking: neutron,
         examples: {pass: ["[DEFAULT]\\na=1\\n"], fail: ["[DEFAULT]\\n"]}}
      - {id: legacy-controller, title: t, key: a, present: true, networking: nova-network, roles: [controller],
         examples: {pass: ["[DEFAULT]\\na=1\\n"], fail: ["[DEFAULT]\\n"]}}
      - {id: telemetry, title: t, key: a, present: true, services: [telemetry],
         examples: {pass: ["[DEFAULT]\\na=1\\n"], fail: ["[DEFAULT]\\n"]}}
    services:
      telemetry: [/etc/ceilometer/ceilometer.conf]
    """

    @Test func selectsByRoleAndNetworkingVariant() throws {
        let set = try ruleSet(rules)
        let neutron = RuleEngine(ruleSet: set, architecture: .neutron)
        let legacy = RuleEngine(ruleSet: set, architecture: .novaNetwork)
        let computeHost = InventoryHost(name: "c", roles: [.compute])
        let controller = InventoryHost(name: "k", roles: [.controller])
        let both = InventoryHost(name: "b", roles: [.controller, .compute])
        #expect(neutron.rules(for: computeHost).map(\.id) == ["all", "compute-only", "neutron-only", "telemetry"])
        #expect(neutron.rules(for: controller).map(\.id) == ["all", "neutron-only", "telemetry"])
        #expect(legacy.rules(for: controller).map(\.id) == ["all", "legacy-controller", "telemetry"])
        #expect(legacy.rules(for: both).map(\.id) == ["all", "compute-only", "legacy-controller", "telemetry"])
    }

    @Test func serviceRulesAreSkippedWhereTheServiceDoesNotRun() throws {
        let set = try ruleSet(rules)
        let engine = RuleEngine(ruleSet: set, architecture: .neutron)
        let file = try document("[DEFAULT]\na = 1\n")

        let declaredNone = InventoryHost(name: "c", roles: [.compute], services: [])
        let skipped = engine.evaluate(HostEvidence(host: declaredNone, files: ["/etc/nova/nova.conf": file]))
        #expect(skipped.first { $0.rule == "telemetry" }?.status == .skipped)

        let detected = InventoryHost(name: "c", roles: [.compute], services: nil)
        #expect(engine.filesToCollect(for: detected).contains("/etc/ceilometer/ceilometer.conf"))
        #expect(!engine.filesToCollect(for: declaredNone).contains("/etc/ceilometer/ceilometer.conf"))
        let evidence = HostEvidence(host: detected, files: ["/etc/nova/nova.conf": file,
                                                            "/etc/ceilometer/ceilometer.conf": .present])
        #expect(engine.services(of: evidence) == [.telemetry])
        #expect(engine.evaluate(evidence).first { $0.rule == "telemetry" }?.status == .pass)
    }

    @Test func rulesOnFilesThatWereNotCollectedYieldNoFinding() throws {
        // Issue 19: a host that dropped part-way had its unread files reported as missing, and
        // every rule reading them failed with "file does not exist".
        let set = try ruleSet(rules)
        let engine = RuleEngine(ruleSet: set, architecture: .neutron)
        let declared = InventoryHost(name: "c", roles: [.compute], services: [.telemetry])
        #expect(engine.evaluate(HostEvidence(host: declared, files: ["/etc/nova/nova.conf": .notCollected])).isEmpty)
        #expect(engine.evaluate(HostEvidence(host: declared, files: ["/etc/nova/nova.conf": .missing])).count == 4,
                "a missing file still fails every rule reading it")

        // Services left to detection: an uncollected marker leaves its service's rules unjudged,
        // neither skipped (the service may run) nor evaluated; the other rules are judged.
        let detected = InventoryHost(name: "c", roles: [.compute], services: nil)
        let file = try document("[DEFAULT]\na = 1\n")
        let unknownService = engine.evaluate(HostEvidence(host: detected, files: ["/etc/nova/nova.conf": file,
                                                                                  "/etc/ceilometer/ceilometer.conf": .notCollected]))
        #expect(unknownService.map(\.rule) == ["all", "compute-only", "neutron-only"])
        #expect(unknownService.allSatisfy { $0.status == .pass })
        #expect(!FileState.notCollected.exists)
    }

    @Test func fileProblemsBecomeFailuresOrErrors() throws {
        let set = try ruleSet(rules)
        let engine = RuleEngine(ruleSet: set, architecture: .neutron)
        let host = InventoryHost(name: "c", roles: [.compute], services: [])
        let rule = try #require(set.rule(id: "all"))
        let missing = try #require(engine.evaluate(rule, on: host, file: .missing, services: []))
        #expect(missing.status == .fail)
        #expect(missing.message == "file '/etc/nova/nova.conf' does not exist")
        let unreadable = try #require(engine.evaluate(rule, on: host, file: .unreadable(reason: "permission denied"), services: []))
        #expect(unreadable.status == .error)
        let diagnostic = Diagnostic(.syntax, at: SourceLocation(file: "/etc/nova/nova.conf", line: 7), "expected '='")
        let unparseable = try #require(engine.evaluate(rule, on: host, file: .unparseable(diagnostic), services: []))
        #expect(unparseable.status == .error)
        #expect(unparseable.line == 7)
    }
}

@Suite struct TemplateTests {
    @Test func substitutesInventoryVariables() throws {
        let template = try Template("http://{{ controller }}:{{port}}/v2.0")
        #expect(template.variables == ["controller", "port"])
        #expect(try template.render(["controller": "ctl", "port": "35357"]) == "http://ctl:35357/v2.0")
    }

    @Test func aMissingVariableIsNamed() throws {
        let template = try Template("{{tunnel_ip}}")
        #expect(throws: Template.MissingVariable(name: "tunnel_ip")) { try template.render([:]) }
    }

    @Test func malformedReferencesAreRejected() {
        #expect(throws: Template.SyntaxError.self) { try Template("{{unclosed") }
        #expect(throws: Template.SyntaxError.self) { try Template("{{bad-name}}") }
    }

    @Test func aRuleNeedingAnUndefinedVariableIsAnErrorForThatHost() throws {
        let finding = try evaluate("key: local_ip\nequals: \"{{tunnel_ip}}\"", "[DEFAULT]\nlocal_ip = 1\n")
        #expect(finding.status == .error)
        #expect(finding.message == "rule needs inventory variable 'tunnel_ip', which host 'compute1' does not define")
    }
}

@Suite struct RuleLoaderTests {
    private func expectError(_ yaml: String, line: Int, _ fragment: String,
                             sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        expectDiagnostic(.rule, file: "test.yaml", line: line, containing: fragment,
                         sourceLocation: sourceLocation) { _ = try ruleSet(yaml) }
    }

    private let head = "file: /etc/nova/nova.conf\nrules:\n"
    private let examples = "examples: {pass: [\"[DEFAULT]\\n\"], fail: [\"[DEFAULT]\\n\"]}"

    @Test func reportsAnUnknownMatcherFieldAtItsLine() {
        expectError(head + "  - id: a\n    title: t\n    section: DEFAULT\n    key: k\n    equal: x\n", line: 7,
                    "unknown field 'equal'")
    }

    @Test func needsExactlyOneMatcher() {
        expectError(head + "  - {id: a, title: t, section: DEFAULT, key: k, guide: {section: s}, \(examples)}\n",
                    line: 3, "exactly one matcher")
        expectError(head + "  - {id: a, title: t, section: DEFAULT, key: k, present: true, absent: true, guide: {section: s}, \(examples)}\n",
                    line: 3, "found present, absent")
    }

    @Test func rejectsDuplicateIDs() {
        let rule = "  - {id: a, title: t, section: DEFAULT, key: k, present: true, guide: {section: s}, \(examples)}\n"
        expectError(head + rule + rule, line: 4, "duplicate rule id 'a' (first defined at test.yaml:3")
    }

    @Test func needsExamplesOfBothKinds() {
        expectError(head + "  - {id: a, title: t, section: DEFAULT, key: k, present: true, guide: {section: s}, examples: {pass: [x]}}\n",
                    line: 3, "at least one 'pass' and one 'fail'")
    }

    @Test func rejectsBadRegexesTemplatesRolesAndTypes() {
        let base = "  - {id: a, title: t, section: DEFAULT, key: k, guide: {section: s}, \(examples), "
        expectError(head + base + "regex: \"[\"}\n", line: 3, "invalid regular expression '['")
        expectError(head + base + "equals: \"{{oops\"}\n", line: 3, "unclosed '{{'")
        expectError(head + base + "present: true, roles: [storage]}\n", line: 3, "unknown role 'storage'")
        expectError(head + base + "equals: x, type: boolean}\n", line: 3, "unknown type 'boolean' (valid: \(ValueType.choices))")
        expectError(head + base + "present: false}\n", line: 3, "'present' takes 'true'")
    }

    @Test func needsASectionForSectionedFormats() {
        expectError(head + "  - {id: a, title: t, key: k, present: true, guide: {section: s}, \(examples)}\n",
                    line: 3, "needs a 'section'")
    }

    @Test func rejectsRelativeFiles() {
        expectError("file: nova.conf\nrules: []\n", line: 1, "must be an absolute path")
    }

    @Test func inheritsFileDefaults() throws {
        let set = try ruleSet("""
        file: /etc/nova/nova.conf
        defaults:
          section: DEFAULT
          roles: [compute]
          networking: nova-network
          severity: low
          guide: {chapter: 8, section: "Legacy networking"}
          example-vars: {management_ip: 10.0.0.31}
        rules:
          - {id: a, title: t, key: k, present: true, guide: {step: "2"}, \(examples)}
        """)
        let rule = try #require(set.rule(id: "a"))
        #expect(rule.valueCheck?.section == "DEFAULT")
        #expect(rule.roles == [.compute])
        #expect(rule.networking == .novaNetwork)
        #expect(rule.severity == .low)
        #expect(rule.guide == GuideReference(chapter: 8, section: "Legacy networking", step: "2"))
        #expect(rule.examples.vars == ["management_ip": "10.0.0.31"])
        #expect(rule.valueCheck?.format == .osloINI)
        #expect(rule.definedAt.line == 10)
    }

    @Test func reportsExamplesThatMisbehave() throws {
        let set = try ruleSet("""
        file: /etc/nova/nova.conf
        rules:
          - id: wrong
            title: t
            section: DEFAULT
            key: my_ip
            equals: 10.0.0.31
            guide: {section: s}
            examples:
              pass: ["[DEFAULT]\\nmy_ip = 10.0.0.32\\n"]
              fail: ["[DEFAULT]\\nmy_ip = 10.0.0.31\\n"]
        """)
        let problems = RuleEngine.checkExamples(of: try #require(set.rule(id: "wrong")), in: set)
        #expect(problems.count == 2)
        #expect(problems.map(\.declared) == [FindingStatus.pass, .fail])
        #expect(problems[0].description.hasPrefix("test.yaml:3:"))
    }
}

/// Guide placeholders are found as whole tokens, wherever they stand in a value.
@Suite struct PlaceholderTokenTests {
    static let rules = RuleSet(placeholders: ["RABBIT_PASS", "NOVA_DBPASS", "CONTROLLER_IP", "ÉTÉ_PASS"])

    @Test func aTokenIsFoundAsAWholeWordAnywhere() {
        #expect(Self.rules.placeholders(in: "RABBIT_PASS") == ["RABBIT_PASS"])
        #expect(Self.rules.placeholders(in: "mysql://nova:NOVA_DBPASS@controller/nova") == ["NOVA_DBPASS"])
        #expect(Self.rules.placeholders(in: "http://CONTROLLER_IP:5000, RABBIT_PASS") == ["RABBIT_PASS", "CONTROLLER_IP"])
        #expect(Self.rules.placeholders(in: "«ÉTÉ_PASS»") == ["ÉTÉ_PASS"], "beside scalars of more than one byte")
        #expect(Self.rules.placeholders(in: "x ÉTÉ_PASS") == ["ÉTÉ_PASS"])
    }

    @Test func aTokenInsideAWordOrAbsentIsNot() {
        #expect(Self.rules.placeholders(in: "MY_RABBIT_PASS").isEmpty, "preceded by a word character")
        #expect(Self.rules.placeholders(in: "RABBIT_PASS2").isEmpty, "followed by a digit")
        #expect(Self.rules.placeholders(in: "éRABBIT_PASS").isEmpty, "preceded by a letter of more than one byte")
        #expect(Self.rules.placeholders(in: "RABBIT_PAS").isEmpty, "cut short")
        #expect(Self.rules.placeholders(in: "nova.network.linux_net.LinuxOVSInterfaceDriver").isEmpty)
        #expect(Self.rules.placeholders(in: "").isEmpty)
        #expect(RuleSet(placeholders: [""]).placeholders(in: "ANY").isEmpty, "an empty token is never found")
    }
}
