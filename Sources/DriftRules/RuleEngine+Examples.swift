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
    public var message: String

    public var description: String {
        "\(location): error: rule '\(rule)': \(declared.rawValue) example \(index) \(message)"
    }
}

extension RuleEngine {
    /// Runs a rule on its own examples: each example's hosts (by default one host with the rule's
    /// roles) are evaluated with this rule alone. A passing example must give at least one `pass`
    /// and no `fail` or `error`; a failing example at least one `fail`. An empty result means the
    /// rule behaves as declared.
    public static func checkExamples(of rule: Rule, in ruleSet: RuleSet) -> [ExampleProblem] {
        var only = ruleSet
        only.rules = [rule]
        let engine = RuleEngine(ruleSet: only, architecture: rule.networking ?? .neutron)
        var problems: [ExampleProblem] = []
        for (declared, examples) in [(FindingStatus.pass, rule.examples.passing), (.fail, rule.examples.failing)] {
            for (offset, example) in examples.enumerated() {
                let fleet = example.hosts.map { evidence(for: $0, rule: rule, ruleSet: ruleSet) }
                let statuses = engine.evaluate(fleet: fleet).map { ($0.status, $0.message) }
                let behaved: Bool
                if declared == .pass {
                    behaved = statuses.contains { $0.0 == .pass } && !statuses.contains { $0.0 == .fail || $0.0 == .error }
                } else {
                    behaved = statuses.contains { $0.0 == .fail }
                }
                if !behaved {
                    let got = statuses.isEmpty ? "no finding" : statuses.map { "\($0.0.rawValue): \($0.1)" }.joined(separator: "; ")
                    problems.append(ExampleProblem(rule: rule.id, location: rule.definedAt, declared: declared,
                                                   index: offset + 1, message: "gave \(got)"))
                }
            }
        }
        return problems
    }

    private static func evidence(for example: RuleExample.Host, rule: Rule, ruleSet: RuleSet) -> HostEvidence {
        let roles = example.roles ?? (rule.roles.isEmpty ? [.controller] : rule.roles.sorted())
        let host = InventoryHost(name: example.name, roles: roles, services: rule.services,
                                 vars: rule.examples.vars.merging(example.vars) { _, own in own })
        var files: [String: FileState] = [:]
        for (path, text) in example.files {
            let includes = ExampleIncludes(files: example.files, root: path)
            let format = ruleSet.format(forFile: path) ?? .osloINI
            do {
                files[path] = .parsed(try DocumentParser.parse(text: text, path: path, format: format, secrets: ruleSet.secrets,
                                                               includes: includes))
            } catch let diagnostic as Diagnostic {
                files[path] = .unparseable(diagnostic)
            } catch {
                files[path] = .unreadable(reason: "\(error)")
            }
        }
        var facts: [HostFact: String] = [:]
        for (name, value) in example.facts { if let fact = HostFact(rawValue: name) { facts[fact] = value } }
        return HostEvidence(host: host, files: files, facts: facts)
    }
}

/// Includes of an example resolved among the example's own files: a directory exists when an
/// example file lies in it (so a my.cnf example can include conf.d/, or miss it). Confined as
/// a node's includes are, by the default `IncludeConfinement`.
private struct ExampleIncludes: IncludeResolver {
    let files: [String: String]
    /// The file being parsed: its directory is one its includes may lie in.
    let root: String

    func read(_ path: String) -> IncludeRead {
        if let reason = IncludeConfinement().refusal(of: path, includedFrom: root) { return .refused(reason) }
        return files[path].map { .content(Array($0.utf8)) } ?? .missing
    }

    func list(_ directory: String) -> DirectoryRead {
        if let reason = IncludeConfinement().refusal(of: directory, includedFrom: root) { return .refused(reason) }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        let names = files.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
            .filter { !$0.contains("/") }
        return names.isEmpty ? .missing : .entries(names.sorted())
    }
}
