import DriftCore

/// The fleet-scoped consistency checks: hosts contribute their observations as they are
/// evaluated (in any order), and once every host is in, `finish` compares each rule's values
/// across the fleet; the findings are then read off host by host, so the fleet's findings are
/// never all in memory at once, only its observations.
///
/// The observations are what grows with the fleet (tens per host), so they are kept once:
/// their texts are interned as they arrive (a fleet mostly agrees, so file names, keys and
/// values repeat on every host, and a host reused from the store brings fresh copies of
/// them), and `finish` sorts each rule's group in place of the arrival order and indexes it
/// by host instead of copying it.
package struct FleetComparison: Sendable {
    let engine: RuleEngine
    private var observations: [Int: [FleetObservation]] = [:]
    /// Rules some host could not give all its values to (its collection ended part-way).
    private var unread: Set<Int> = []
    private var texts = TextPool()

    package init(engine: RuleEngine) {
        self.engine = engine
    }

    /// One host's contribution: its observations, and the rules it could not read every value of.
    package mutating func add(_ evaluation: RuleEngine.HostEvaluation) {
        add(observations: evaluation.observations, unread: evaluation.unread)
    }

    package mutating func add(observations hostObservations: [FleetObservation], unread hostUnread: [Int]) {
        for observation in hostObservations {
            observations[observation.rule, default: []].append(texts.interning(observation))
        }
        unread.formUnion(hostUnread)
    }

    /// Compares every rule's group, each in inventory order whatever order hosts arrived in.
    /// The observations move into the verdicts: the comparison is empty afterwards.
    package mutating func finish() -> FleetVerdicts {
        var pending = observations
        observations = [:]
        texts = TextPool()
        var comparisons: [Int: RuleEngine.GroupComparison] = [:]
        var groups: [Int: [FleetObservation]] = [:]
        var byHost: [String: [FleetVerdicts.Place]] = [:]
        for ruleIndex in pending.keys.sorted() {
            guard var group = pending.removeValue(forKey: ruleIndex) else { continue }
            let rule = engine.ruleSet.rules[ruleIndex]
            guard case .consistency(let check) = rule.check else { continue }
            group.sort { ($0.hostIndex, $0.source) < ($1.hostIndex, $1.source) }
            comparisons[ruleIndex] = engine.compare(group, rule: rule, check: check)
            for (position, observation) in group.enumerated() {
                byHost[observation.host, default: []].append(FleetVerdicts.Place(rule: ruleIndex, position: position))
            }
            groups[ruleIndex] = group
        }
        return FleetVerdicts(engine: engine, comparisons: comparisons, groups: groups, byHost: byHost, unread: unread)
    }
}

/// The compared fleet: each host's findings of the fleet-scoped checks, on demand.
package struct FleetVerdicts: Sendable {
    /// Where one of a host's observations is: its rule's group, and its place in it.
    fileprivate struct Place: Sendable {
        var rule: Int
        var position: Int
    }

    let engine: RuleEngine
    fileprivate let comparisons: [Int: RuleEngine.GroupComparison]
    /// Each rule's observations, in fleet order.
    fileprivate let groups: [Int: [FleetObservation]]
    fileprivate let byHost: [String: [Place]]
    fileprivate let unread: Set<Int>

    /// The host's findings of fleet-scoped checks, in rule order.
    package func findings(forHost name: String) -> [Finding] {
        let observations = (byHost[name] ?? []).map { (rule: $0.rule, observation: groups[$0.rule]![$0.position]) }
        return observations.sorted { ($0.rule, $0.observation.source) < ($1.rule, $1.observation.source) }.compactMap { item in
            guard let finding = comparisons[item.rule].flatMap({ engine.verdict(item.observation, in: $0) }) else { return nil }
            // With some host's values unread, "nothing to compare with" may not be true: said not at all.
            return unread.contains(item.rule) && finding.status == .skipped ? nil : finding
        }
    }
}

/// One copy of each text the fleet's observations hold: equal strings share a buffer.
/// Strings short enough to be stored inline (15 UTF-8 bytes) are left alone.
private struct TextPool: Sendable {
    /// By exact bytes: canonically equivalent texts stay apart, so no host gets another's spelling.
    private var strings: Set<ExactText> = []
    private var origins: Set<ValueOrigin> = []

    mutating func interning(_ observation: FleetObservation) -> FleetObservation {
        var shared = observation
        shared.host = text(observation.host)
        shared.file = text(observation.file)
        shared.section = observation.section.map { text($0) }
        shared.key = text(observation.key)
        shared.display = text(observation.display)
        shared.fix = observation.fix.map { text($0) }
        shared.elements = observation.elements.map { text($0) }
        switch observation.value {
        case .string(let value): shared.value = .string(text(value))
        case .list(let values): shared.value = .list(values.map { text($0) })
        case .set(let values): shared.value = .set(Set(values.map { text($0) }))
        case .bool, .int: break
        }
        if let origin = observation.origin {
            shared.origin = origins.insert(origin).memberAfterInsert
        }
        return shared
    }

    private mutating func text(_ string: String) -> String {
        guard string.utf8.count > 15 else { return string }
        return strings.insert(ExactText(string)).memberAfterInsert.text
    }
}
