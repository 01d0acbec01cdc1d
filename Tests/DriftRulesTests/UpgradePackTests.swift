import DriftCore
import DriftRules
import DriftTestSupport
import Foundation
import Testing

/// The shipped upgrade packs (Rules/upgrade/): every rule's examples run, as the built-in
/// rules' do, and every rule says where its change is defined.
@Suite struct UpgradePackExampleTests {
    static let builtin: String = {
        do { return try BuiltinRules.directory() } catch { fatalError("no built-in rules: \(error)") }
    }()

    static let packs: [UpgradePack] = {
        do { return try UpgradePacks.available(in: UpgradePacks.directory(in: builtin)) } catch {
            fatalError("upgrade packs do not load: \(error)")
        }
    }()

    /// The built-in rules (for their secrets, placeholders and formats) and every pack.
    static let ruleSet: RuleSet = {
        do {
            var set = try RuleSet.load(directories: [builtin])
            for pack in packs { try set.merge(contentsOf: pack.file) }
            return set
        } catch {
            fatalError("upgrade packs do not load: \(error)")
        }
    }()

    static var packRuleIDs: [String] { ruleSet.rules.filter { $0.upgrade != nil }.map(\.id) }

    @Test func theJunoPackIsShipped() throws {
        let juno = try #require(Self.packs.first { $0.target.to == "juno" })
        #expect(juno.target.from == "icehouse")
        #expect(Self.ruleSet.upgrades.map(\.target) == Self.packs.map(\.target))
        #expect(Self.packRuleIDs.count > 20)
    }

    @Test(arguments: UpgradePackExampleTests.packRuleIDs)
    func examplesBehaveAsDeclared(ruleID: String) throws {
        let rule = try #require(Self.ruleSet.rule(id: ruleID))
        #expect(!rule.examples.passing.isEmpty && !rule.examples.failing.isEmpty)
        let problems = RuleEngine.checkExamples(of: rule, in: Self.ruleSet)
        #expect(problems.isEmpty, "\(problems.map(\.description).joined(separator: "\n"))")
    }

    @Test(arguments: UpgradePackExampleTests.packRuleIDs)
    func citesItsSourceAndIsAnUpgradeCheck(ruleID: String) throws {
        let rule = try #require(Self.ruleSet.rule(id: ruleID))
        #expect(rule.category == .upgrade)
        #expect(!rule.source.isEmpty)
        // A citation names a repository file (repo@ref:path) or a URL, not just prose.
        #expect(rule.source.contains { ($0.contains("@") && $0.contains(".py")) || $0.contains("https://") }, "\(rule.source)")
        #expect(rule.id.hasPrefix((rule.upgrade?.to ?? "?") + "."), "pack rule ids start with the release they check for")
    }

    @Test func theGuideRulesLoadWithoutThePacks() throws {
        let guideOnly = try RuleSet.load(directories: [Self.builtin])
        #expect(guideOnly.upgrades.isEmpty)
        #expect(guideOnly.rules.allSatisfy { $0.category == .guide })
        let withJuno = try RuleSet.load(directories: [Self.builtin], upgradeTo: "Juno")
        #expect(withJuno.upgrades.map(\.target.to) == ["juno"])
        #expect(withJuno.rules.count > guideOnly.rules.count)
    }

    @Test func anUnknownReleaseListsThePacksThereAre() throws {
        do {
            _ = try RuleSet.load(directories: [Self.builtin], upgradeTo: "kilo")
            Issue.record("expected an unknown upgrade target")
        } catch let unknown as UnknownUpgradeTarget {
            #expect(unknown.name == "kilo")
            #expect(unknown.description.contains("unknown upgrade target 'kilo'"))
            #expect(unknown.description.contains("juno (from icehouse"))
        }
    }
}

private let secrets = SecretPolicy(keyPatterns: ["*password*"])

/// An upgrade pack written inline around one rule body.
private func pack(_ body: String, upgrade: Bool = true) -> String {
    (upgrade ? "upgrade: {from: icehouse, to: juno}\n" : "") + """
    file: /etc/nova/nova.conf
    format: oslo-ini
    rules:
      - id: juno.r
        title: test rule
        examples: {pass: ["[DEFAULT]\\n"], fail: ["[DEFAULT]\\n"]}
    \(body.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
    """
}

private func load(_ yaml: String) throws -> RuleSet {
    var set = RuleSet(secrets: secrets)
    try set.merge(yaml: yaml, file: "pack.yaml")
    return set
}

private func evaluate(_ ruleBody: String, _ text: String) throws -> Finding {
    let set = try load(pack(ruleBody))
    let engine = RuleEngine(ruleSet: set, architecture: .neutron)
    let host = InventoryHost(name: "compute1", roles: [.compute], services: [], vars: ["controller": "controller"])
    return try #require(engine.evaluate(set.rules[0], on: host, file: try document(text), services: []))
}

private let neutronURL = """
    section: DEFAULT
    key: neutron_url
    moved-to: {section: neutron, key: url, old-key: deprecated}
    source: "openstack/nova@2014.2:nova/network/neutronv2/api.py"
    """

@Suite struct MovedToTests {
    @Test func aMovedKeyFailsNamingTheNewSectionKeyAndValue() throws {
        let finding = try evaluate(neutronURL, "[DEFAULT]\nmy_ip = 10.0.0.31\nneutron_url = http://controller:9696\n")
        #expect(finding.status == .fail)
        #expect(finding.category == .upgrade)
        #expect(finding.line == 3)
        #expect(finding.message == "Juno still reads [DEFAULT] neutron_url but deprecates it for [neutron] url")
        #expect(finding.expected == "[neutron] url = http://controller:9696")
        #expect(finding.actual == "http://controller:9696")
        #expect(finding.fix == "write url = http://controller:9696 in [neutron] and remove neutron_url from [DEFAULT]")
    }

    @Test func anUnsetKeyOrAMissingFilePasses() throws {
        #expect(try evaluate(neutronURL, "[neutron]\nurl = http://controller:9696\n").status == .pass)
        let set = try load(pack(neutronURL))
        let engine = RuleEngine(ruleSet: set, architecture: .neutron)
        let host = InventoryHost(name: "compute1", roles: [.compute], services: [])
        #expect(engine.evaluate(set.rules[0], on: host, file: .missing, services: [])?.status == .pass)
    }

    @Test func theNewKeyAlreadySetMakesTheOldOneLeftOverOrAConflict() throws {
        let same = try evaluate(neutronURL, "[DEFAULT]\nneutron_url = http://c:9696\n[neutron]\nurl = http://c:9696\n")
        #expect(same.status == .fail)
        #expect(same.message == "[neutron] url is already set to the same value; [DEFAULT] neutron_url is left over")
        #expect(same.fix == "remove neutron_url from [DEFAULT]: [neutron] url already holds the value")
        let other = try evaluate(neutronURL, "[DEFAULT]\nneutron_url = http://a:9696\n[neutron]\nurl = http://b:9696\n")
        #expect(other.message == "[DEFAULT] neutron_url and [neutron] url (line 4) are both set, to different values")
    }

    @Test func anIgnoredKeySaysTheValueStopsApplying() throws {
        let body = """
            section: DEFAULT
            key: libvirt_type
            moved-to: {section: libvirt, key: virt_type, old-key: ignored}
            source: "openstack/nova@2014.2:nova/virt/libvirt/driver.py"
            """
        let alone = try evaluate(body, "[DEFAULT]\nlibvirt_type = qemu\n")
        #expect(alone.message == "Juno ignores [DEFAULT] libvirt_type: it reads [libvirt] virt_type")
        #expect(alone.fix == "write virt_type = qemu in [libvirt] and remove libvirt_type from [DEFAULT]")
        let overridden = try evaluate(body, "[DEFAULT]\nlibvirt_type = qemu\n[libvirt]\nvirt_type = kvm\n")
        #expect(overridden.message == "Juno ignores [DEFAULT] libvirt_type and uses [libvirt] virt_type (line 4) instead")
    }

    @Test func theNewValueMayBeBuiltFromSeveralKeysWithTheirDefaults() throws {
        let body = """
            section: keystone_authtoken
            key: auth_host
            moved-to:
              key: identity_uri
              value: "{{value:auth_protocol|https}}://{{value}}:{{value:auth_port|35357}}"
              replaces: [auth_host, auth_port, auth_protocol]
              old-key: deprecated
            source: "openstack/keystonemiddleware@1.0.0:keystonemiddleware/auth_token.py"
            """
        let full = try evaluate(body, "[keystone_authtoken]\nauth_host = controller\nauth_port = 5001\nauth_protocol = http\n")
        #expect(full.expected == "[keystone_authtoken] identity_uri = http://controller:5001")
        #expect(full.fix == "write identity_uri = http://controller:5001 in [keystone_authtoken] "
                + "and remove auth_host, auth_port and auth_protocol from [keystone_authtoken]")
        // auth_protocol and auth_port left to their defaults: https and 35357.
        let defaults = try evaluate(body, "[keystone_authtoken]\nauth_host = controller\n")
        #expect(defaults.expected == "[keystone_authtoken] identity_uri = https://controller:35357")
        let done = try evaluate(body, "[keystone_authtoken]\nauth_host = controller\nidentity_uri = https://controller:35357\n")
        #expect(done.message.contains("already set to the same value"))
    }

    @Test func aSecretIsMovedWithoutBeingShown() throws {
        let body = """
            section: DEFAULT
            key: neutron_admin_password
            moved-to: {section: neutron, key: admin_password, old-key: deprecated}
            source: "openstack/nova@2014.2:nova/network/neutronv2/api.py"
            """
        let finding = try evaluate(body, "[DEFAULT]\nneutron_admin_password = s3cr3t-Value\n")
        #expect(finding.status == .fail)
        #expect(finding.secret)
        #expect(finding.fix == "move the value of neutron_admin_password from [DEFAULT] to admin_password in [neutron] "
                + "(not shown: it is secret)")
        for text in [finding.fix, finding.expected, finding.actual, finding.message] {
            #expect(!(text ?? "").contains("s3cr3t"), "\(text ?? "")")
        }
    }

    @Test func foundValuesInAFixAreMaskedWhenSecret() throws {
        let body = """
            section: database
            key: connection
            absent: true
            fix: "move connection = {{value}} elsewhere; the password is {{value:db_password|unset}}"
            source: "https://wiki.openstack.org/wiki/ReleaseNotes/Juno"
            """
        let finding = try evaluate(body, "[database]\nconnection = mysql://nova:pw-9f2c@controller/nova\ndb_password = pw-9f2c\n")
        #expect(finding.fix == "move connection = mysql://nova:<secret>@controller/nova elsewhere; the password is <secret>")
        let unset = try evaluate(body, "[database]\nconnection = sqlite://\n")
        #expect(unset.fix == "move connection = sqlite:// elsewhere; the password is unset")
    }
}

@Suite struct UpgradePackLoadingTests {
    @Test func anUpgradeCheckWithoutASourceIsRejectedAtItsLine() {
        expectDiagnostic(.rule, file: "pack.yaml", line: 5, containing: "upgrade check 'juno.r' needs a 'source'") {
            _ = try load(pack("section: DEFAULT\nkey: libvirt_type\nabsent: true"))
        }
    }

    @Test func movedToBelongsInAPack() {
        expectDiagnostic(.rule, file: "pack.yaml", line: 9, containing: "'moved-to' is an upgrade check") {
            _ = try load(pack("section: DEFAULT\nkey: neutron_url\nmoved-to: {key: url, old-key: deprecated}\n"
                              + "guide: {section: x}", upgrade: false))
        }
    }

    @Test func movedToSaysWhetherTheOldKeyIsStillRead() {
        expectDiagnostic(.rule, file: "pack.yaml", line: 10, containing: "old-key") {
            _ = try load(pack("section: DEFAULT\nkey: neutron_url\nmoved-to: {key: url, old-key: maybe}\nsource: x"))
        }
    }

    @Test func foundValuesAreNotExpectations() {
        expectDiagnostic(.rule, file: "pack.yaml", line: 10, containing: "use them in 'fix' or 'moved-to'") {
            _ = try load(pack("section: DEFAULT\nkey: neutron_url\nequals: \"{{value}}\"\nsource: x"))
        }
    }

    @Test func theReleasePairIsTwoNames() {
        expectDiagnostic(.rule, file: "pack.yaml", line: 1, containing: "must be one release name") {
            _ = try load("upgrade: {from: icehouse, to: \"juno 2014.2\"}\n")
        }
    }

    @Test func aPackRuleCarriesItsTargetAndNeedsNoGuideStep() throws {
        let set = try load(pack(neutronURL))
        #expect(set.upgrades == [UpgradePack(target: UpgradeTarget(from: "icehouse", to: "juno"), file: "pack.yaml")])
        #expect(set.rules[0].upgrade == UpgradeTarget(from: "icehouse", to: "juno"))
        #expect(set.rules[0].guide == nil)
        #expect(set.rules[0].source == ["openstack/nova@2014.2:nova/network/neutronv2/api.py"])
        #expect(set.rules[0].describe().contains("  source:     openstack/nova@2014.2:nova/network/neutronv2/api.py"))
    }
}

@Suite struct FoundValueTemplateTests {
    @Test func foundValuesAreNotInventoryVariables() throws {
        let template = try Template("{{value:auth_protocol|https}}://{{controller}}:{{value}}")
        #expect(template.variables == ["controller"])
        #expect(template.refersToFoundValues)
        #expect(try template.render(["controller": "c"]) == "https://c:")
        #expect(try template.render(["controller": "c"]) { $0 == nil ? "35357" : nil } == "https://c:35357")
    }

    @Test func aFoundValueNamesAKey() {
        #expect(throws: Template.SyntaxError.self) { try Template("{{value:}}") }
        #expect(throws: Template.SyntaxError.self) { try Template("{{value:a b}}") }
    }
}
