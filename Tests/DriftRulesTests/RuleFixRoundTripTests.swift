import DriftCore
import DriftFix
import DriftParsing
import DriftRules
import Testing

/// Every rule's failing examples, fixed by their remedies (SwiftLint's corrections): the fix
/// applies, parses, makes the rule pass and leaves every other rule's result on the file alone;
/// where the rule declares `fixed:` texts, the fix gives exactly them.
@Suite struct RuleFixRoundTripTests {
    static func apply(_ text: String, _ path: String, _ edits: [LineEdit]) throws -> String {
        String(decoding: try EditedFile(path: path, content: Array(text.utf8), edits: edits).newContent, as: UTF8.self)
    }

    @Test(arguments: BuiltinRuleExampleTests.ruleSet.rules.map(\.id))
    func failingExamplesRoundTrip(ruleID: String) throws {
        let rule = try #require(BuiltinRuleExampleTests.ruleSet.rule(id: ruleID))
        let problems = RuleEngine.checkFixes(of: rule, in: BuiltinRuleExampleTests.ruleSet, apply: Self.apply)
        #expect(problems.isEmpty, "\(problems.map(\.description).joined(separator: "\n"))")
    }

    /// The fixes are not vacuous: most value rules' failing examples are fixed by edits.
    @Test func mostFailingExamplesAreFixedByEdits() throws {
        let ruleSet = BuiltinRuleExampleTests.ruleSet
        let engine = RuleEngine(ruleSet: ruleSet, architecture: .neutron)
        var edited = 0, manual = 0
        for rule in ruleSet.rules {
            guard case .value(let check) = rule.check else { continue }
            for example in rule.examples.failing where example.hosts.count == 1 {
                guard let text = example.hosts[0].files[check.file] else { continue }
                let host = InventoryHost(name: "example", roles: rule.roles.isEmpty ? [.controller] : rule.roles.sorted(),
                                         services: rule.services, vars: rule.examples.vars.merging(example.hosts[0].vars) { _, own in own })
                guard let document = try? DocumentParser.parse(text: text, path: check.file, format: check.format, secrets: ruleSet.secrets),
                      let finding = engine.evaluate(rule, on: host, file: .parsed(document), services: rule.services),
                      finding.status == .fail else { continue }
                if finding.remedy?.edits.isEmpty == false { edited += 1 } else { manual += 1 }
            }
        }
        #expect(edited > 100 && edited > manual, "\(edited) fixed by edits, \(manual) manual")
    }

    @Test func aDeclaredFixedTextIsCheckedExactly() throws {
        let rule = try #require(BuiltinRuleExampleTests.ruleSet.rule(id: "nova.default.my_ip"))
        var wrong = rule
        wrong.examples.fixed = rule.examples.failing.map { _ in "[DEFAULT]\nmy_ip = 10.0.0.99\n" }
        let problems = RuleEngine.checkFixes(of: wrong, in: BuiltinRuleExampleTests.ruleSet, apply: Self.apply)
        #expect(problems.contains { $0.message.contains("not the declared") })
    }
}
