import DriftCore
import DriftRules
import Testing

/// Every rule carries a passing and a failing snippet; this runs them all, so a
/// rule cannot be added or changed without its examples behaving as declared.
@Suite struct BuiltinRuleExampleTests {
    static let ruleSet: RuleSet = {
        do { return try RuleSet.load(directories: [try BuiltinRules.directory()]) } catch {
            fatalError("built-in rules do not load: \(error)")
        }
    }()

    @Test func builtinRulesLoad() throws {
        #expect(Self.ruleSet.rules.count > 40)
        #expect(Self.ruleSet.placeholders.contains("NEUTRON_PASS"))
        #expect(Self.ruleSet.secrets.isSecret(key: "rabbit_password"))
    }

    @Test(arguments: BuiltinRuleExampleTests.ruleSet.rules.map(\.id))
    func examplesBehaveAsDeclared(ruleID: String) throws {
        let rule = try #require(Self.ruleSet.rule(id: ruleID))
        #expect(!rule.examples.passing.isEmpty && !rule.examples.failing.isEmpty)
        let problems = RuleEngine.checkExamples(of: rule, in: Self.ruleSet)
        #expect(problems.isEmpty, "\(problems.map(\.description).joined(separator: "\n"))")
    }
}
