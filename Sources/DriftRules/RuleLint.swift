import DriftCore
import Foundation

/// Checks rule files as `stackdrift rules lint` does: each file must load (schema, unknown
/// keys, bad values, duplicate ids), every rule's examples must behave as declared, every option
/// a guide rule reads must be in the defaults table, and no two rules may expect different
/// values of one option on a host that holds both their roles.
package enum RuleLint {
    /// Problems as compiler-style messages, in file order; empty when the rules are clean.
    /// `shared` supplies data the files may rely on (secrets, placeholders, services: the built-in rules').
    package static func lint(directories: [String], shared: RuleSet = RuleSet()) -> [String] {
        var problems: [String] = []
        var set = RuleSet(placeholders: shared.placeholders, secrets: shared.secrets, serviceMarkers: shared.serviceMarkers)
        set.options = shared.options
        set.weakSecrets = shared.weakSecrets
        let knownIDs = Set(shared.rules.map(\.id))
        for directory in directories {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory)
                    .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            } catch {
                problems.append("\(directory): error: cannot read rule directory")
                continue
            }
            for name in names {
                let file = URL(fileURLWithPath: directory).appendingPathComponent(name).path
                guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                    problems.append("\(file):1: error: cannot read rule file")
                    continue
                }
                var attempt = set
                do {
                    try attempt.merge(yaml: text, file: file)
                    set = attempt
                } catch let diagnostic as Diagnostic {
                    problems.append(diagnostic.description)
                } catch {
                    problems.append("\(file):1: error: \(error)")
                }
            }
        }
        for rule in set.rules where !knownIDs.contains(rule.id) {
            problems += RuleEngine.checkExamples(of: rule, in: set).map(\.description)
        }
        problems += set.uncoveredOptions().filter { !knownIDs.contains($0.rule.id) }.map(\.description)
        problems += set.roleConflicts().filter { !knownIDs.contains($0.second.id) || !knownIDs.contains($0.first.id) }
            .map(\.description)
        return problems
    }
}
