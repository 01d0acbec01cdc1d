import DriftCore
import DriftParsing

/// A rule example that does not behave as declared.
package struct ExampleProblem: Sendable, CustomStringConvertible {
    package var rule: String
    package var location: SourceLocation
    /// `pass` or `fail`: what the example was declared to do.
    package var declared: FindingStatus
    /// 1-based position among the examples of that kind.
    package var index: Int
    package var message: String

    package var description: String {
        "\(location): error: rule '\(rule)': \(declared.rawValue) example \(index) \(message)"
    }
}

extension RuleEngine {
    /// Runs a rule on its own examples: each example's hosts (by default one host with the rule's
    /// roles) are evaluated with this rule alone. A passing example must give at least one `pass`
    /// and no `fail` or `error`; a failing example at least one `fail`. An empty result means the
    /// rule behaves as declared.
    package static func checkExamples(of rule: Rule, in ruleSet: RuleSet) -> [ExampleProblem] {
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

extension RuleEngine {
    /// Applies edits to a file's text (`EditedFile` in DriftFix; injected, so the rules need not
    /// know how fixes are written).
    package typealias EditApplier = (_ text: String, _ path: String, _ edits: [LineEdit]) throws -> String

    /// The round trip of a rule's failing examples: the remedy of each, applied to its file, gives
    /// the declared `fixed` text (when declared), still parses, makes the rule pass, changes no
    /// other value rule's result on that file, and lets no rule on the same key that passed fail.
    /// A declared `~` means the remedy must be manual. An empty result means all held.
    package static func checkFixes(of rule: Rule, in ruleSet: RuleSet, apply: EditApplier) -> [ExampleProblem] {
        guard case .value(let check) = rule.check else { return [] }
        let engine = RuleEngine(ruleSet: ruleSet, architecture: rule.networking ?? .neutron)
        var problems: [ExampleProblem] = []
        func problem(_ index: Int, _ message: String) {
            problems.append(ExampleProblem(rule: rule.id, location: rule.definedAt, declared: .fail, index: index + 1,
                                           message: message))
        }
        for (offset, example) in rule.examples.failing.enumerated() {
            guard example.hosts.count == 1, let host = example.hosts.first, let text = host.files[check.file] else { continue }
            let declared: String?? = offset < rule.examples.fixed.count ? .some(rule.examples.fixed[offset]) : .none
            let evidence = evidence(for: host, rule: rule, ruleSet: ruleSet)
            let before = engine.evaluate(evidence)
            guard let failing = before.first(where: { $0.rule == rule.id && $0.status == .fail }) else { continue }
            let edits = failing.remedy?.edits ?? []
            if edits.isEmpty {
                if case .some(.some) = declared { problem(offset, "declares fixed text but its remedy is manual: \(failing.remedy?.instruction ?? "none")") }
                continue
            }
            if case .some(.none) = declared { problem(offset, "is declared manual but its remedy edits \(edits.map { "\($0.file):\($0.line)" })"); continue }
            var fixedHost = host
            do {
                for (file, fileEdits) in Dictionary(grouping: edits, by: \.file) {
                    guard let original = host.files[file] else { throw Unapplied(file: file) }
                    fixedHost.files[file] = try apply(original, file, fileEdits)
                }
            } catch {
                problem(offset, "remedy does not apply: \(error)")
                continue
            }
            let fixedText = fixedHost.files[check.file] ?? text
            if case .some(.some(let expected)) = declared, expected != fixedText {
                problem(offset, "fixed gives\n\(fixedText)\nnot the declared\n\(expected)")
            }
            let after = engine.evaluate(self.evidence(for: fixedHost, rule: rule, ruleSet: ruleSet))
            let mine = after.filter { $0.rule == rule.id }
            if mine.isEmpty || !mine.allSatisfy({ $0.status == .pass }) {
                problem(offset, "after the fix gives \(mine.map { "\($0.status.rawValue): \($0.message)" })\n\(fixedText)")
            }
            let statuses = Dictionary(before.map { ($0.identity, $0.status) }, uniquingKeysWith: { first, _ in first })
            for finding in after where finding.rule != rule.id && finding.file == check.file {
                guard let old = statuses[finding.identity] else { continue }
                let sameKey = finding.key == check.key && finding.section == check.section
                if sameKey ? (old == .pass && finding.status != .pass) : old != finding.status {
                    problem(offset, "the fix changes '\(finding.rule)' from \(old.rawValue) to \(finding.status.rawValue): \(finding.message)")
                }
            }
        }
        return problems
    }

    private struct Unapplied: Error, CustomStringConvertible {
        var file: String
        var description: String { "the edit names '\(file)', which the example does not have" }
    }
}
