import DriftCore
import DriftParsing

/// A rule example that does not behave as declared.
public struct ExampleProblem: Sendable, CustomStringConvertible {
    public var rule: String
    public var location: SourceLocation
    /// `pass` or `fail`: what the example was declared to do.
    public var declared: FindingStatus
    /// 1-based position among the examples of that kind.
    public var index: Int
    public var got: FindingStatus
    public var message: String

    public var description: String {
        "\(location): error: rule '\(rule)': \(declared.rawValue) example \(index) gave '\(got.rawValue)': \(message)"
    }
}

extension RuleEngine {
    /// Runs a rule on its own examples, as a host with the rule's roles and the examples' variables.
    /// An empty result means every passing snippet passes and every failing snippet fails.
    public static func checkExamples(of rule: Rule, in ruleSet: RuleSet) -> [ExampleProblem] {
        let engine = RuleEngine(ruleSet: ruleSet, architecture: rule.networking ?? .neutron)
        let host = InventoryHost(name: "example", roles: rule.roles.isEmpty ? [.controller] : rule.roles.sorted(),
                        services: rule.services, vars: rule.examples.vars)
        var problems: [ExampleProblem] = []
        let cases = rule.examples.passing.map { (FindingStatus.pass, $0) } + rule.examples.failing.map { (FindingStatus.fail, $0) }
        var counters: [FindingStatus: Int] = [:]
        for (declared, snippet) in cases {
            counters[declared, default: 0] += 1
            let state: FileState
            do {
                state = .parsed(try DocumentParser.parse(text: snippet, path: rule.file, format: rule.format,
                                                         secrets: ruleSet.secrets))
            } catch let diagnostic as Diagnostic {
                state = .unparseable(diagnostic)
            } catch {
                state = .unreadable(reason: "\(error)")
            }
            let finding = engine.evaluate(rule, on: host, file: state, services: rule.services)
            if finding.status != declared {
                problems.append(ExampleProblem(rule: rule.id, location: rule.definedAt, declared: declared,
                                               index: counters[declared]!, got: finding.status, message: finding.message))
            }
        }
        return problems
    }
}
