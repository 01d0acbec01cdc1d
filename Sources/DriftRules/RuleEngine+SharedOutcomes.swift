import DriftCore
import Synchronization

/// A value check's outcome on a document the run shares among hosts, made once per content.
///
/// A fleet's hosts mostly hold the same files (one `neutron.conf` on every compute); such a
/// file is parsed once (`ParsedFiles`) and carries its digest (`ConfigDocument.sharedDigest`).
/// What a value check concludes from it depends on the rule, the document and two things of
/// the host, and on nothing else:
/// - the inventory variables its templates name, which are part of the key: the check is made
///   with only those variables, so it cannot read another;
/// - the answers of the host's resolver (`NodeResolver.equivalence`), asked only when a value is
///   spelled otherwise than expected: they are recorded with the outcome, and another host takes
///   the outcome only when its own resolver gives the same answers to the same questions.
/// Gates (services, facts), the finding's host and the rule's own fix stay per host.
extension RuleEngine {
    /// The outcome of one value check, shared among the hosts that hold the same document when
    /// it is shared; made for this host alone otherwise.
    func outcome(of rule: Rule, _ check: ValueCheck, on state: FileState, vars: [String: String],
                 resolver: NodeResolver) throws -> Outcome {
        guard case .parsed(let document) = state, let digest = document.sharedDigest,
              let names = templateVariables[rule.id] else {
            return try ValueMatching(engine: self, rule: rule, check: check, vars: vars, resolver: resolver).check(state)
        }
        let named = vars.filter { names.contains($0.key) }
        let key = SharedOutcomeKey(rule: rule.id, path: document.path, format: document.format, digest: digest, vars: named)
        if let known = sharedOutcomes.known(key), known.holds(for: resolver) { return known.outcome }
        var asking = resolver
        let log = EquivalenceLog()
        asking.asked = log
        let outcome = try ValueMatching(engine: self, rule: rule, check: check, vars: named, resolver: asking).check(state)
        _ = sharedOutcomes.value(for: key, cost: { _ in 1 }) { SharedOutcome(outcome: outcome, asked: log.questions) }
        return outcome
    }

    /// The inventory variables each value rule's templates name (matcher and fix), by rule id.
    static func templateVariables(of rules: [Rule]) -> [String: Set<String>] {
        var names: [String: Set<String>] = [:]
        for rule in rules {
            guard case .value(let check) = rule.check else { continue }
            let templates = check.matcher.templates + (rule.fix.map { [$0] } ?? [])
            names[rule.id] = Set(templates.flatMap(\.variables))
        }
        return names
    }
}

/// What a shared outcome is made from, besides the rule set: the rule, the document's content
/// and the values of the variables the rule names (absent ones absent).
struct SharedOutcomeKey: Hashable, Sendable {
    var rule: String
    var path: String
    var format: ConfigFormat
    var digest: [UInt8]
    var vars: [String: String]
}

/// An outcome and the resolver's answers it rests on.
struct SharedOutcome: Sendable {
    var outcome: Outcome
    var asked: [EquivalenceLog.Question]

    /// Whether this host's resolver answers every question as the first host's did.
    func holds(for resolver: NodeResolver) -> Bool {
        asked.allSatisfy { question in
            resolver.equivalence(of: question.written, to: question.expected, loopbackIsSelf: question.loopbackIsSelf)
                == question.answer
        }
    }
}

/// The questions a check asked a host's resolver, with its answers.
final class EquivalenceLog: Sendable {
    struct Question: Sendable, Hashable {
        var written: String
        var expected: String
        var loopbackIsSelf: Bool
        var answer: String?
    }

    private let recorded = Mutex<[Question]>([])

    var questions: [Question] { recorded.withLock { $0 } }

    func record(_ question: Question) {
        recorded.withLock { $0.append(question) }
    }
}
