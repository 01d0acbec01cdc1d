import DriftCore

/// The fleet-scoped consistency checks: hosts contribute their observations as they are
/// evaluated (in any order), and once every host is in, `finish` compares each rule's values
/// across the fleet; the findings are then read off host by host, so the fleet's findings are
/// never all in memory at once, only its observations.
package struct FleetComparison: Sendable {
    let engine: RuleEngine
    private var observations: [Int: [FleetObservation]] = [:]
    /// Rules some host could not give all its values to (its collection ended part-way).
    private var unread: Set<Int> = []

    package init(engine: RuleEngine) {
        self.engine = engine
    }

    /// One host's contribution: its observations, and the rules it could not read every value of.
    package mutating func add(_ evaluation: RuleEngine.HostEvaluation) {
        add(observations: evaluation.observations, unread: evaluation.unread)
    }

    package mutating func add(observations hostObservations: [FleetObservation], unread hostUnread: [Int]) {
        for observation in hostObservations { observations[observation.rule, default: []].append(observation) }
        unread.formUnion(hostUnread)
    }

    /// Compares every rule's group, each in inventory order whatever order hosts arrived in.
    package func finish() -> FleetVerdicts {
        var comparisons: [Int: RuleEngine.GroupComparison] = [:]
        var byHost: [String: [(rule: Int, observation: FleetObservation)]] = [:]
        for (ruleIndex, unordered) in observations {
            let rule = engine.ruleSet.rules[ruleIndex]
            guard case .consistency(let check) = rule.check else { continue }
            let group = unordered.sorted { ($0.hostIndex, $0.source) < ($1.hostIndex, $1.source) }
            comparisons[ruleIndex] = engine.compare(group, rule: rule, check: check)
            for observation in group { byHost[observation.host, default: []].append((ruleIndex, observation)) }
        }
        return FleetVerdicts(engine: engine, comparisons: comparisons, byHost: byHost, unread: unread)
    }
}

/// The compared fleet: each host's findings of the fleet-scoped checks, on demand.
package struct FleetVerdicts: Sendable {
    let engine: RuleEngine
    fileprivate let comparisons: [Int: RuleEngine.GroupComparison]
    fileprivate let byHost: [String: [(rule: Int, observation: FleetObservation)]]
    fileprivate let unread: Set<Int>

    /// The host's findings of fleet-scoped checks, in rule order.
    package func findings(forHost name: String) -> [Finding] {
        (byHost[name] ?? []).sorted { ($0.rule, $0.observation.source) < ($1.rule, $1.observation.source) }.compactMap { item in
            guard let finding = comparisons[item.rule].flatMap({ engine.verdict(item.observation, in: $0) }) else { return nil }
            // With some host's values unread, "nothing to compare with" may not be true: said not at all.
            return unread.contains(item.rule) && finding.status == .skipped ? nil : finding
        }
    }

    /// Hosts with fleet findings.
    package var hosts: Dictionary<String, [(rule: Int, observation: FleetObservation)]>.Keys { byHost.keys }
}
