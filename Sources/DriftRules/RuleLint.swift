import DriftCore
import Foundation

/// Checks rule files as `stackdrift rules lint` does: each file must load (schema, unknown
/// keys, bad values, duplicate ids) and every rule's examples must behave as declared.
public enum RuleLint {
    /// Problems as compiler-style messages, in file order; empty when the rules are clean.
    /// `shared` supplies data the files may rely on (secrets, placeholders, services: the built-in rules').
    public static func lint(directories: [String], shared: RuleSet = RuleSet()) -> [String] {
        var problems: [String] = []
        var set = RuleSet(placeholders: shared.placeholders, secrets: shared.secrets, serviceMarkers: shared.serviceMarkers)
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
        return problems
    }
}
