import DriftCore
import DriftParsing
import DriftRules
import Foundation
import Testing

/// The defaults table as a whole: every option a guide rule reads is described, with a source.
@Suite struct DefaultsTableTests {
    static let rules = BuiltinRuleExampleTests.ruleSet

    @Test func everyOptionAGuideRuleReadsHasAnEntry() {
        let missing = Self.rules.uncoveredOptions()
        #expect(missing.isEmpty, "\(missing.map(\.description).joined(separator: "\n"))")
        #expect(Self.rules.options.definitions.count > 150)
        #expect(Self.rules.options.release == "icehouse")
    }

    @Test func everyEntryCitesWhereItsDefaultIsDefined() {
        // OpenStack's own options cite their definition at the release: repo@ref:path:line.
        let citation = try! NSRegularExpression(pattern: #"^openstack/[a-z.-]+@[0-9][0-9a-z.]*:[^ :]+:[0-9]+( \(.+\))?$"#)
        for definition in Self.rules.options.definitions {
            #expect(!definition.source.isEmpty && definition.source.allSatisfy { !$0.isEmpty }, "\(definition.definedAt)")
            guard definition.program == nil, let first = definition.source.first else { continue }
            let range = NSRange(first.startIndex..., in: first)
            #expect(citation.firstMatch(in: first, range: range) != nil,
                    "\(definition.definedAt): '\(first)' is not repo@ref:path:line")
        }
    }

    @Test func deprecatedNamesAndAliasesOfTheGuidesOptionsAreThere() throws {
        let table = Self.rules.options
        let connection = try #require(table.definition(file: "/etc/nova/nova.conf", format: .osloINI, section: "database", key: "connection"))
        #expect(connection.deprecatedNames.map(\.description) == ["[DEFAULT] sql_connection", "[DATABASE] sql_connection", "[sql] connection"])
        let virt = try #require(table.definition(file: "/etc/nova/nova-compute.conf", format: .osloINI, section: "libvirt", key: "virt_type"))
        #expect(virt.defaultText == "kvm" && virt.deprecatedNames.map(\.description) == ["[DEFAULT] libvirt_type"])
        let backend = try #require(table.definition(file: "/etc/glance/glance-api.conf", format: .osloINI, section: "DEFAULT", key: "rpc_backend"))
        #expect(backend.aliases["glance.openstack.common.rpc.impl_kombu"] == "rabbit")
        let protocolDefault = try #require(table.definition(file: "/etc/heat/heat.conf", format: .osloINI,
                                                             section: "keystone_authtoken", key: "auth_protocol"))
        #expect(protocolDefault.defaultText == "https", "keystoneclient's default is not the guide's http")
    }

    @Test func noTwoGuideRulesContradictEachOtherOnAMultiRoleHost() {
        let conflicts = Self.rules.roleConflicts()
        #expect(conflicts.isEmpty, "\(conflicts.map(\.description).joined(separator: "\n"))")
    }

    @Test func aContradictionBetweenRolesIsFoundAndExceptRolesSettlesIt() throws {
        func set(_ except: String) throws -> RuleSet {
            var set = RuleSet()
            try set.merge(yaml: """
            file: /etc/nova/nova.conf
            defaults: {section: DEFAULT, guide: {section: "Test"}}
            rules:
              - {id: a, title: t, key: k, equals: one, roles: [controller], \(except) examples: {pass: ["[DEFAULT]\\nk = one\\n"], fail: ["[DEFAULT]\\n"]}}
              - {id: b, title: t, key: k, equals: two, roles: [compute], examples: {pass: ["[DEFAULT]\\nk = two\\n"], fail: ["[DEFAULT]\\n"]}}
            """, file: "roles.yaml")
            return set
        }
        let conflicts = try set("").roleConflicts()
        #expect(conflicts.map { "\($0.first.id) \($0.second.id) \($0.roles.map(\.rawValue))" } == ["a b [\"controller\", \"compute\"]"])
        #expect(conflicts.first?.description.hasPrefix("roles.yaml:5:5: error: rules 'a' and 'b' expect different values") == true)
        #expect(try set("except-roles: [compute],").roleConflicts().isEmpty)
    }

    @Test func aRuleForTheOtherNodesOfARoleStaysOffTheControllerItself() throws {
        let ntp = try #require(Self.rules.rule(id: "ntp.server.controller"))
        #expect(ntp.applies(toRoles: [.network], architecture: .neutron))
        #expect(!ntp.applies(toRoles: [.controller, .network], architecture: .neutron))
        #expect(!ntp.applies(toRoles: [.controller, .objectProxy], architecture: .neutron))
        #expect(ntp.applies(toRoles: [.compute, .blockStorage, .objectStorage], architecture: .neutron))
        let listen = try #require(Self.rules.rule(id: "nova.default.vncserver_listen.controller"))
        #expect(!listen.applies(toRoles: [.controller, .compute], architecture: .neutron))
        #expect(try #require(Self.rules.rule(id: "nova.default.vncserver_listen.compute")).applies(toRoles: [.controller, .compute],
                                                                                                    architecture: .neutron))
    }

    @Test func rulesShowSaysWhatAppliesWhenTheFileIsSilent() throws {
        let text = try #require(Self.rules.rule(id: "cinder.default.auth_strategy")).describe(in: Self.rules)
        #expect(text.contains("  if unset:   Icehouse reads 'noauth' (openstack/cinder@2014.1:cinder/common/config.py:184)"))
        let database = try #require(Self.rules.rule(id: "nova.database.connection.mysql")).describe(in: Self.rules)
        #expect(database.contains("  also read:  [DEFAULT] sql_connection, [DATABASE] sql_connection, [sql] connection"))
        let secret = try #require(Self.rules.rule(id: "nova.default.rabbit_password.placeholder")).describe(in: Self.rules)
        #expect(secret.contains("a built-in default password, public in its code") && !secret.contains("'guest'"))
        let plugin = try #require(Self.rules.rule(id: "neutron.default.core_plugin")).describe(in: Self.rules)
        #expect(plugin.contains("  same value: 'ml2' = 'neutron.plugins.ml2.plugin.Ml2Plugin'"))
        #expect(plugin.contains("no default: neutron-server does not start without a core plug-in"))
    }
}

/// Weak secrets fail like placeholders, and no message or report shows them.
@Suite struct WeakSecretTests {
    static let rules = BuiltinRuleExampleTests.ruleSet
    static let controller = InventoryHost(name: "controller", roles: [.controller], services: [],
                                          vars: ["controller": "controller", "management_ip": "10.0.0.11"])

    static func findings(_ files: [String: String], rule id: String? = nil) throws -> [Finding] {
        var states: [String: FileState] = [:]
        for (path, text) in files {
            states[path] = .parsed(try DocumentParser.parse(text: text, path: path, format: rules.format(forFile: path) ?? .osloINI,
                                                            secrets: rules.secrets))
        }
        let engine = RuleEngine(ruleSet: rules, architecture: .neutron)
        let all = engine.evaluate(HostEvidence(host: controller, files: states))
        return id.map { id in all.filter { $0.rule == id } } ?? all
    }

    @Test(arguments: [("guest", "well-known"), ("Password", "well-known"), ("nova", "the user's own name"),
                      ("nova_pass", "placeholder written in other letter case"), ("", "is empty")])
    func aWeakPasswordFails(_ value: String, _ reason: String) throws {
        let findings = try Self.findings(["/etc/nova/nova.conf": "[keystone_authtoken]\nadmin_user = nova\nadmin_password = \(value)\n"],
                                         rule: "nova.keystone_authtoken.admin_password.placeholder")
        #expect(findings.map(\.status) == [.fail])
        #expect(findings.first?.message.contains(reason) == true, "\(findings.first?.message ?? "")")
        #expect(findings.first?.secret == true && [nil, "", "<secret>"].contains(findings.first?.actual))
        if !value.isEmpty { #expect(findings.first.map { !$0.message.contains(value) } == true) }
    }

    @Test func aStrongPasswordPasses() throws {
        let findings = try Self.findings(["/etc/nova/nova.conf": "[keystone_authtoken]\nadmin_user = nova\nadmin_password = 2b6f0d8e4c1a\n"],
                                         rule: "nova.keystone_authtoken.admin_password.placeholder")
        #expect(findings.map(\.status) == [.pass])
    }

    @Test func rabbitsPasswordIsWeakBesideItsDefaultUser() throws {
        // rabbit_userid unset is guest; a password equal to it is the broker's stock account.
        let weak = try Self.findings(["/etc/nova/nova.conf": "[DEFAULT]\nrabbit_password = guest\n"],
                                     rule: "nova.default.rabbit_password.placeholder")
        #expect(weak.map(\.status) == [.fail])
        let unset = try Self.findings(["/etc/nova/nova.conf": "[DEFAULT]\nrabbit_host = controller\n"],
                                      rule: "nova.default.rabbit_password.placeholder")
        #expect(unset.map(\.status) == [.fail])
        #expect(unset.first?.message.contains("built-in default, which is public") == true)
        #expect(unset.first?.origin?.kind == .builtinDefault)
    }

    @Test func theScanFindsWeakSecretsNoRuleNamesAndPasswordsInURLs() throws {
        let findings = try Self.findings([
            "/etc/trove/trove.conf": "[keystone_authtoken]\nadmin_user = trove\nadmin_password = trove\n"
                + "[database]\nconnection = mysql://trove:Trove@controller/trove\n",
        ], rule: "placeholders.any-file")
        let failing = findings.filter { $0.status == .fail }
        #expect(failing.map(\.line) == [3, 5])
        for finding in failing {
            #expect(finding.message.contains("is the user's own name"), "\(finding.message)")
            #expect(finding.secret && finding.actual.map { !$0.contains(":Trove@") && $0 != "trove" } == true)
        }
        let strong = try Self.findings(["/etc/trove/trove.conf": "[database]\nconnection = mysql://trove:3a7e1c5f9b02@controller/trove\n"],
                                       rule: "placeholders.any-file")
        #expect(strong.map(\.status) == [.pass])
        // Where a rule of its own checks the key, it says it, once.
        let own = try Self.findings(["/etc/glance/glance-registry.conf": "[database]\nconnection = mysql://glance:glance@controller/glance\n"])
        #expect(own.filter { $0.status == .fail && $0.file == "/etc/glance/glance-registry.conf" && $0.key == "connection" }.map(\.rule) == ["glance-registry.database.connection.placeholder"])
    }
}
