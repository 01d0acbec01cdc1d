import DriftCore
import DriftParsing
import DriftRules
import Testing

/// A rule set built from inline YAML with its own defaults table, the way a site's rule directory is written.
private func loaded(_ yaml: String...) throws -> RuleSet {
    var set = RuleSet(placeholders: ["NOVA_PASS", "RABBIT_PASS"], secrets: SecretPolicy(keyPatterns: ["*password*"]))
    set.weakSecrets = ["guest", "password"]
    for (index, text) in yaml.enumerated() { try set.merge(yaml: text, file: "test\(index).yaml") }
    return set
}

private let table = """
release: icehouse
options:
  - files: [/etc/cinder/cinder.conf]
    section: DEFAULT
    keys:
      - {key: auth_strategy, default: noauth, source: "openstack/cinder@2014.1:cinder/common/config.py:184"}
      - {key: rabbit_password, default: guest, source: "openstack/oslo.messaging@1.3.0:oslo/messaging/_drivers/impl_rabbit.py:75"}
      - {key: core_plugin, no-default: "neutron-server does not start without one", aliases: {ml2: [neutron.plugins.ml2.plugin.Ml2Plugin]}, source: "x@1:a.py:1"}
  - files: [/etc/cinder/cinder.conf]
    section: keystone_authtoken
    keys:
      - {key: auth_port, default: "35357", type: int, source: "openstack/python-keystoneclient@0.7.1:keystoneclient/middleware/auth_token.py:193"}
      - {key: auth_host, default: 127.0.0.1, type: host, source: "k@1:a.py:190"}
      - {key: auth_protocol, default: https, source: "k@1:a.py:196"}
      - key: auth_uri
        default: "https://127.0.0.1:35357"
        computed: "{{value:auth_protocol}}://{{value:auth_host}}:{{value:auth_port}}"
        type: announced-url
        source: "k@1:a.py:200"
  - files: [/etc/cinder/cinder.conf]
    section: database
    keys:
      - {key: connection, default: "sqlite://", deprecated: ["[DEFAULT] sql_connection", "[DATABASE] sql_connection"], source: "c@1:s.py:275"}
"""

private func rules(_ body: String) -> String {
    """
    file: /etc/cinder/cinder.conf
    format: oslo-ini
    defaults: {guide: {section: "Test"}}
    rules:
    \(body)
    """
}

private func check(_ set: RuleSet, _ id: String, _ text: String, host: InventoryHost = blockHost) throws -> Finding {
    let engine = RuleEngine(ruleSet: set, architecture: .neutron)
    let document = try DocumentParser.parse(text: text, path: "/etc/cinder/cinder.conf", format: .osloINI, secrets: set.secrets)
    let rule = try #require(set.rule(id: id))
    return try #require(engine.evaluate(rule, on: host, file: .parsed(document), services: []))
}

private let blockHost = InventoryHost(name: "block1", roles: [.controller], services: [],
                                      vars: ["controller": "controller", "management_ip": "10.0.0.41"])

@Suite struct EffectiveValueTests {
    static let ruleYAML = rules("""
      - {id: strategy, title: t, section: DEFAULT, key: auth_strategy, equals: keystone, examples: {pass: ["[DEFAULT]\\nauth_strategy = keystone\\n"], fail: ["[DEFAULT]\\n"]}}
      - {id: port, title: t, section: keystone_authtoken, key: auth_port, equals: "35357", examples: {pass: ["[keystone_authtoken]\\n"], fail: ["[keystone_authtoken]\\nauth_port = 5000\\n"]}}
      - {id: uri, title: t, section: keystone_authtoken, key: auth_uri, equals: "http://{{controller}}:35357", examples: {pass: ["[keystone_authtoken]\\nauth_uri = http://controller:35357\\n"], fail: ["[keystone_authtoken]\\n"]}}
      - {id: db, title: t, section: database, key: connection, regex: "mysql://.+", examples: {pass: ["[database]\\nconnection = mysql://c:x@controller/c\\n"], fail: ["[database]\\n"]}}
      - {id: plugin, title: t, section: DEFAULT, key: core_plugin, equals: ml2, examples: {pass: ["[DEFAULT]\\ncore_plugin = ml2\\n"], fail: ["[DEFAULT]\\n"]}}
      - {id: rabbit, title: t, section: DEFAULT, key: rabbit_password, not-placeholder: true, examples: {pass: ["[DEFAULT]\\nrabbit_password = 7d1e5c9a\\n"], fail: ["[DEFAULT]\\n"]}}
    """)

    @Test func aKeyLeftAtADefaultEqualToTheGuidesPassesAndSaysSo() throws {
        let set = try loaded(table, Self.ruleYAML)
        let finding = try check(set, "port", "[keystone_authtoken]\nauth_host = controller\n")
        #expect(finding.status == .pass)
        #expect(finding.line == nil)
        #expect(finding.origin?.kind == .builtinDefault)
        #expect(finding.origin?.option == "[keystone_authtoken] auth_port")
        #expect(finding.origin?.definedAt.first?.hasPrefix("openstack/python-keystoneclient@0.7.1:") == true)
        #expect(finding.message.contains("is not set in [keystone_authtoken], so Icehouse reads its default '35357'"))
        // Its twin: a value written that differs from the guide's fails, from the file.
        let written = try check(set, "port", "[keystone_authtoken]\nauth_port = 5000\n")
        #expect(written.status == .fail && written.origin == nil && written.line == 2)
    }

    @Test func aDefaultThatDiffersFromTheGuidesFailsNamingTheDefaultAndItsSource() throws {
        let set = try loaded(table, Self.ruleYAML)
        let finding = try check(set, "strategy", "[DEFAULT]\nverbose = True\n")
        #expect(finding.status == .fail)
        #expect(finding.message == "'auth_strategy' is not set in [DEFAULT], so Icehouse reads its default 'noauth' "
            + "(openstack/cinder@2014.1:cinder/common/config.py:184); expected 'keystone'")
        #expect(finding.origin?.kind == .builtinDefault)
        #expect(try check(set, "strategy", "[DEFAULT]\nauth_strategy = keystone\n").status == .pass)
    }

    @Test func aComputedDefaultIsBuiltFromTheFilesOtherOptions() throws {
        let set = try loaded(table, Self.ruleYAML)
        // auth_uri unset: the middleware announces its admin URL, built from the three fragments.
        let built = try check(set, "uri", "[keystone_authtoken]\nauth_host = controller\nauth_protocol = http\n")
        #expect(built.status == .pass, "\(built.message)")
        #expect(built.message.contains("reads its default 'http://controller:35357'"))
        let https = try check(set, "uri", "[keystone_authtoken]\nauth_host = controller\n")
        #expect(https.status == .fail)
        #expect(https.message.contains("'https://controller:35357'"))
    }

    @Test func aDeprecatedNameIsReadWhenTheOptionItselfIsNot() throws {
        let set = try loaded(table, Self.ruleYAML)
        let finding = try check(set, "db", "[DEFAULT]\nsql_connection = mysql://cinder:x@controller/cinder\n")
        #expect(finding.status == .pass, "\(finding.message)")
        #expect(finding.line == 2)
        #expect(finding.origin == ValueOrigin(kind: .deprecatedName, option: "[DEFAULT] sql_connection",
                                              definedAt: ["c@1:s.py:275"]))
        #expect(finding.message.contains("written as [DEFAULT] sql_connection, an older name Icehouse still reads"))
        // Group names other than DEFAULT compare without case, deprecated ones too.
        #expect(try check(set, "db", "[database]\n[DATABASE]\nsql_connection = mysql://c:x@controller/c\n").status == .pass)
        // The option itself wins over a deprecated name, as oslo.config reads them.
        let both = try check(set, "db", "[DEFAULT]\nsql_connection = mysql://c:x@controller/c\n[database]\nconnection = sqlite://\n")
        #expect(both.status == .fail && both.line == 4 && both.origin == nil)
        // Without either, SQLite's default fails.
        let none = try check(set, "db", "[DEFAULT]\n")
        #expect(none.status == .fail && none.message.contains("reads its default 'sqlite://'"))
    }

    @Test func anAliasNamesTheSameValueAndNoDefaultSaysWhy() throws {
        let set = try loaded(table, Self.ruleYAML)
        #expect(try check(set, "plugin", "[DEFAULT]\ncore_plugin = neutron.plugins.ml2.plugin.Ml2Plugin\n").status == .pass)
        #expect(try check(set, "plugin", "[DEFAULT]\ncore_plugin = neutron.plugins.openvswitch.OVSNeutronPluginV2\n").status == .fail)
        let unset = try check(set, "plugin", "[DEFAULT]\n")
        #expect(unset.status == .fail)
        #expect(unset.message == "'core_plugin' is not set in [DEFAULT] (it has no default: neutron-server does not start without one)")
        #expect(unset.origin?.kind == .notSet)
    }

    @Test func aSecretLeftAtItsPublicDefaultFailsWithoutShowingIt() throws {
        let set = try loaded(table, Self.ruleYAML)
        let finding = try check(set, "rabbit", "[DEFAULT]\nrabbit_host = controller\n")
        #expect(finding.status == .fail)
        #expect(finding.message.contains("uses its built-in default, which is public"))
        #expect(!finding.message.contains("guest") && finding.actual == nil)
    }

    @Test func upgradeChecksJudgeTheFilesOwnSpellingNotIcehousesDefaults() throws {
        let pack = """
        upgrade: {from: icehouse, to: juno}
        file: /etc/cinder/cinder.conf
        format: oslo-ini
        rules:
          - {id: juno.port, title: t, section: keystone_authtoken, key: auth_port, present: true, source: "x", examples: {pass: ["[keystone_authtoken]\\nauth_port = 1\\n"], fail: ["[keystone_authtoken]\\n"]}}
        """
        let set = try loaded(table, pack)
        let finding = try check(set, "juno.port", "[keystone_authtoken]\n")
        #expect(finding.status == .fail && finding.origin == nil)
        #expect(set.uncoveredOptions().isEmpty, "upgrade checks need no entry")
    }

    @Test func theTableRejectsWhatItCannotStand() throws {
        func problem(_ yaml: String) -> String {
            do { _ = try loaded(yaml); return "" } catch { return "\(error)" }
        }
        let head = "options:\n  - files: [/etc/cinder/cinder.conf]\n    section: DEFAULT\n    keys:\n"
        #expect(problem(head + "      - {key: a, default: x}\n").contains("test0.yaml:5:9: error: options[0].keys[0]: missing required field 'source'"))
        #expect(problem(head + "      - {key: a, source: s}\n").contains("needs exactly one of 'default'"))
        #expect(problem(head + "      - {key: a, default: x, no-default: y, source: s}\n").contains("needs exactly one of 'default'"))
        #expect(problem(head + "      - {key: a, default: x, source: s}\n      - {key: a, no-default: y, source: s}\n")
            .contains("option [DEFAULT] a of '/etc/cinder/cinder.conf' is already defined at test0.yaml:5:9"))
        #expect(problem(head + "      - {key: a, default: x, source: s, typo: 1}\n").contains("typo"))
        #expect(problem(head + "      - {key: a, default: x, deprecated: [\"[DEFAULT sql\"], source: s}\n")
            .contains("must be '[section] key' or 'key'"))
        #expect(problem(head + "      - {key: a, default: x, type: boolean, source: s}\n").contains("unknown type 'boolean'"))
        #expect(problem(head + "      - {key: a, default: x, source: \"  \"}\n").contains("option 'a' needs a 'source'"))
    }

    @Test func aConsistencyCheckComparesDefaultsOnlyWhenItSaysSo() throws {
        let options = """
        options:
          - files: [/etc/nova/nova.conf, /etc/neutron/neutron.conf]
            section: DEFAULT
            keys:
              - {key: rabbit_userid, default: guest, source: s}
        """
        func consistency(_ flag: String) -> String {
            """
            defaults: {guide: {section: "Test"}}
            rules:
              - id: same
                title: t
                consistent: same
                \(flag)
                values:
                  - {file: /etc/nova/nova.conf, section: DEFAULT, key: rabbit_userid}
                  - {file: /etc/neutron/neutron.conf, section: DEFAULT, key: rabbit_userid}
                examples:
                  pass: [{files: {/etc/nova/nova.conf: "[DEFAULT]\\nrabbit_userid = a\\n", /etc/neutron/neutron.conf: "[DEFAULT]\\nrabbit_userid = a\\n"}}]
                  fail: [{files: {/etc/nova/nova.conf: "[DEFAULT]\\nrabbit_userid = a\\n", /etc/neutron/neutron.conf: "[DEFAULT]\\nrabbit_userid = b\\n"}}]
            """
        }
        let files: [String: String] = ["/etc/nova/nova.conf": "[DEFAULT]\nrabbit_userid = openstack\n",
                                       "/etc/neutron/neutron.conf": "[DEFAULT]\nrabbit_host = controller\n"]
        func statuses(_ set: RuleSet) throws -> [FindingStatus] {
            var states: [String: FileState] = [:]
            for (path, text) in files {
                states[path] = .parsed(try DocumentParser.parse(text: text, path: path, format: .osloINI, secrets: set.secrets))
            }
            let host = InventoryHost(name: "controller", roles: [.controller], services: [])
            return RuleEngine(ruleSet: set, architecture: .neutron).evaluate(HostEvidence(host: host, files: states)).map(\.status)
        }
        // Left unset, neutron logs in as guest: the check sees the disagreement.
        #expect(try statuses(try loaded(options, consistency("compare-defaults: true"))) == [.fail, .fail])
        let without = try statuses(try loaded(options, consistency("")))
        #expect(without == [.skipped], "a lone value is not compared")
    }
}
