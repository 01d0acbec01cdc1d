import DriftCore
import Foundation

extension RuleEngine {
    /// One value read for a consistency check.
    struct Observation {
        var host: InventoryHost
        var source: Int
        var entry: Entry
        var file: String
        /// What is compared, after the source's transform and the check's type.
        var value: ValueType.Normalized
        /// The elements `included` looks in.
        var elements: Set<String>
        var display: String
        var secret: Bool
    }

    func evaluateConsistency(_ rule: Rule, _ check: ConsistencyCheck, fleet: [HostEvidence]) -> [Finding] {
        var observations: [Observation] = []
        for evidence in fleet where rule.applies(to: evidence.host, architecture: architecture) {
            guard case .applies = gate(rule, on: evidence, services: services(of: evidence)) else { continue }
            for (index, source) in check.sources.enumerated()
            where source.roles.isEmpty || evidence.host.roles.contains(where: source.roles.contains) {
                guard let document = evidence.document(source.file),
                      let entry = document.effectiveEntry(section: source.section, key: source.key),
                      let observation = observe(entry, source: index, check: check, evidence: evidence, fleet: fleet)
                else { continue }
                observations.append(observation)
            }
        }
        let groups: [[Observation]]
        switch check.scope {
        case .fleet: groups = [observations]
        case .host: groups = Dictionary(grouping: observations, by: \.host.name).keys.sorted().map { name in
            observations.filter { $0.host.name == name }
        }
        }
        // A host whose collection ended part-way left some of these values unread: what the
        // others were compared with still holds, but "nothing to compare with" may not.
        let incomplete = Set(fleet.filter { evidence in
            rule.applies(to: evidence.host, architecture: architecture) && evidence.lacks(rule.files(for: evidence.host))
        }.map(\.host.name))
        return groups.flatMap { group -> [Finding] in
            let findings: [Finding]
            switch check.kind {
            case .same: findings = same(rule, check, group)
            case .unique: findings = unique(rule, check, group)
            case .included: findings = included(rule, check, group)
            }
            let unread = check.scope == .fleet ? !incomplete.isEmpty : group.first.map { incomplete.contains($0.host.name) } ?? false
            return unread ? findings.filter { $0.status != .skipped } : findings
        }
    }

    private func observe(_ entry: Entry, source index: Int, check: ConsistencyCheck, evidence: HostEvidence,
                         fleet: [HostEvidence]) -> Observation? {
        let source = check.sources[index]
        let texts: [String]
        switch source.transform {
        case .none: texts = check.valueType.elements(of: entry.value)
        case .urlHost: texts = Self.urlHost(entry.value.text).map { [$0] } ?? []
        case .urlAddress: texts = Self.urlHost(entry.value.text).map { [resolve($0, on: evidence, fleet: fleet)] } ?? []
        case .address: texts = [resolve(entry.value.text.trimmingCharacters(in: .whitespaces), on: evidence, fleet: fleet)]
        case .hostPart: texts = ValueType.list.elements(of: entry.value).map { Self.splitHostPort($0).host }
        case .portPart: texts = ValueType.list.elements(of: entry.value).compactMap { Self.splitHostPort($0).port }
        }
        guard !texts.isEmpty else { return nil }
        let value: ValueType.Normalized
        if source.transform == .none, let typed = check.valueType.normalize(entry.value) {
            value = typed
        } else {
            value = texts.count == 1 ? .string(texts[0]) : .set(Set(texts))
        }
        let shown = show(texts.joined(separator: ", "), key: source.key)
        let secret = ruleSet.secrets.isSecret(key: source.key) || shown.masked
        return Observation(host: evidence.host, source: index, entry: entry, file: entry.span.file, value: value,
                           elements: Set(texts), display: secret ? SecretPolicy.maskText : shown.text, secret: secret)
    }

    // MARK: Kinds

    private func same(_ rule: Rule, _ check: ConsistencyCheck, _ group: [Observation]) -> [Finding] {
        guard group.count >= 2 else {
            return group.map { finding(rule, $0, .skipped, expected: nil, message: "no other value to compare with") }
        }
        let candidates = check.reference.map { reference in group.filter { $0.source == reference } } ?? group
        if check.reference != nil, candidates.isEmpty {
            let name = check.sources[check.reference!].label
            return group.map { finding(rule, $0, .skipped, expected: nil, message: "the value it must match (\(name)) was not found") }
        }
        let counts = Dictionary(grouping: candidates, by: \.value).mapValues(\.count)
        let top = counts.values.max() ?? 0
        let winners = counts.filter { $0.value == top }.map(\.key)
        let reference = winners.count == 1 ? winners[0] : nil
        let labels = secretLabels(group)
        // The holders of the reference value, found once: filtering the whole group for each
        // observation made a fleet's check quadratic (a 200-host fleet compares 600 values).
        let holding = Peers(group, holding: reference)
        let expected = holding.first.map { label(of: $0, labels) }
        return group.map { observation in
            guard let reference else {
                let peers = group.filter { !Peers.isSelf($0, observation) }
                return finding(rule, observation, .fail, expected: nil,
                               message: "the values disagree and none is in the majority (\(describe(peers, labels)))",
                               labels: labels)
            }
            let others = holding.except(observation)
            if observation.value == reference {
                // A passing value's message names no peers or counts: it stays the same from night
                // to night while other hosts come and go, so the history stores it once.
                let message: String
                if others.count == 0 {
                    message = "this is the value the others must match"
                } else if let reference = check.reference {
                    message = "matches \(check.sources[reference].label) of \(check.sources[reference].file)"
                } else {
                    message = "matches the value the others agree on"
                }
                return finding(rule, observation, .pass, expected: expected, message: message, labels: labels)
            }
            return finding(rule, observation, .fail, expected: expected,
                           message: "differs from the value of \(places(others.first))",
                           labels: labels)
        }
    }

    /// The observations of a group holding one value, in group order, and for any one
    /// observation the others among them (not itself: the same host's same source).
    private struct Peers {
        let holders: [Observation]
        /// Holders per host name, to find an observation's own entries without a scan.
        private let byHost: [String: [Int]]

        init(_ group: [Observation], holding value: ValueType.Normalized?) {
            let holders = value.map { value in group.filter { $0.value == value } } ?? []
            self.holders = holders
            byHost = Dictionary(grouping: holders.indices, by: { holders[$0].host.name })
        }

        var first: Observation? { holders.first }

        static func isSelf(_ candidate: Observation, _ observation: Observation) -> Bool {
            candidate.host.name == observation.host.name && candidate.source == observation.source
        }

        /// The holders other than `observation`: their count, and the first few (one more than
        /// `places` names, so it knows whether to add "and others").
        func except(_ observation: Observation) -> (count: Int, first: [Observation]) {
            let own = Set((byHost[observation.host.name] ?? []).filter { Self.isSelf(holders[$0], observation) })
            var first: [Observation] = []
            for index in holders.indices where !own.contains(index) {
                first.append(holders[index])
                if first.count > RuleEngine.placesShown { break }
            }
            return (holders.count - own.count, first)
        }
    }

    private func unique(_ rule: Rule, _ check: ConsistencyCheck, _ group: [Observation]) -> [Finding] {
        // Observations by value, so each host's sharers are found without scanning the group.
        let byValue = Dictionary(grouping: group, by: \.value)
        return group.map { observation in
            let sharing = (byValue[observation.value] ?? []).filter { $0.host.name != observation.host.name }
            guard !sharing.isEmpty else {
                return finding(rule, observation, .pass, expected: "a value no other host has",
                               message: "no other host has this value")
            }
            let owners = ([observation] + sharing).filter { isOwner($0, check) }.map(\.host.name)
            if owners.contains(observation.host.name) {
                return finding(rule, observation, .pass, expected: "a value no other host has",
                               message: "this host's own value; also found on \(names(sharing)), where it was copied")
            }
            let message = owners.isEmpty
                ? "'\(observation.display)' is also the value on \(names(sharing)); each host needs its own"
                : "'\(observation.display)' is \(owners.joined(separator: ", "))'s value, copied here from another host"
            return finding(rule, observation, .fail, expected: "a value no other host has", message: message)
        }
    }

    private func included(_ rule: Rule, _ check: ConsistencyCheck, _ group: [Observation]) -> [Finding] {
        let references = group.filter { $0.source == check.reference }
        return group.filter { $0.source != check.reference }.map { observation in
            guard !references.isEmpty else {
                return finding(rule, observation, .skipped, expected: nil,
                               message: "the value to look for (\(check.sources[check.reference!].label)) was not found")
            }
            let missing = references.filter { !$0.elements.isSubset(of: observation.elements) }
            let wanted = references.map(\.display).joined(separator: ", ")
            if missing.isEmpty {
                return finding(rule, observation, .pass, expected: "includes \(wanted)",
                               message: "includes the value of \(places(references))")
            }
            return finding(rule, observation, .fail, expected: "includes \(wanted)",
                           message: "does not include the value of \(places(missing))")
        }
    }

    // MARK: Reporting

    private func finding(_ rule: Rule, _ observation: Observation, _ status: FindingStatus, expected: String?,
                         message: String, labels: [ValueType.Normalized: String] = [:]) -> Finding {
        Finding(rule: rule.id, title: rule.title, host: observation.host.name, file: observation.file,
                section: observation.entry.section, key: observation.entry.key, status: status, severity: rule.severity,
                expected: expected, actual: label(of: observation, labels), line: observation.entry.line, message: message,
                guide: rule.guide, fix: try? rule.fix?.render(observation.host.vars), secret: observation.secret)
    }

    /// Secrets are shown as "secret A", "secret B": which ones match, never the values.
    private func secretLabels(_ group: [Observation]) -> [ValueType.Normalized: String] {
        let secret = group.filter(\.secret)
        // Most frequent first; a tie goes to the value seen first (fleet order), never to hash
        // order, so the same state gives the same labels in every run.
        var firstSeen: [ValueType.Normalized: Int] = [:]
        for (index, observation) in secret.enumerated() where firstSeen[observation.value] == nil {
            firstSeen[observation.value] = index
        }
        let ordered = Dictionary(grouping: secret, by: \.value).sorted {
            $0.value.count != $1.value.count ? $0.value.count > $1.value.count : firstSeen[$0.key]! < firstSeen[$1.key]!
        }
        var labels: [ValueType.Normalized: String] = [:]
        for (index, element) in ordered.enumerated() {
            let letter = index < 26 ? String(UnicodeScalar(UInt8(65 + index))) : "\(index + 1)"
            labels[element.key] = "<secret \(letter)>"
        }
        return labels
    }

    private func label(of observation: Observation, _ labels: [ValueType.Normalized: String]) -> String {
        observation.secret ? labels[observation.value] ?? SecretPolicy.maskText : observation.display
    }

    private func describe(_ observations: [Observation], _ labels: [ValueType.Normalized: String]) -> String {
        Dictionary(grouping: observations, by: \.value).map { value, holders in
            "\(labels[value] ?? "'\(holders[0].display)'") on \(places(holders))"
        }.sorted().joined(separator: "; ")
    }

    /// How many places a message names before "and others".
    static let placesShown = 3

    /// "compute1:/etc/nova/nova.conf, network:/etc/neutron/neutron.conf and others": the first
    /// three in fleet order, without a count, so the text stays the same while the fleet grows
    /// or shrinks elsewhere (the history stores an unchanged finding once).
    private func places(_ observations: [Observation]) -> String {
        let places = observations.prefix(Self.placesShown + 1).map { "\($0.host.name):\($0.file)" }
        return places.count <= Self.placesShown ? places.joined(separator: ", ")
            : places.prefix(Self.placesShown).joined(separator: ", ") + " and others"
    }

    private func names(_ observations: [Observation]) -> String {
        Array(Set(observations.map(\.host.name))).sorted().joined(separator: ", ")
    }

    private func isOwner(_ observation: Observation, _ check: ConsistencyCheck) -> Bool {
        guard let owner = check.owner, let rendered = try? owner.render(observation.host.vars) else { return false }
        return check.valueType.normalize(rendered) == observation.value || .string(rendered) == observation.value
    }

    // MARK: Transforms

    /// The host of `scheme://[user[:password]@]host[:port][/path]`; `nil` if the value is not such a URL.
    static func urlHost(_ text: String) -> String? {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        var rest = text[schemeEnd.upperBound...]
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        let host = splitHostPort(String(rest)).host
        return host.isEmpty ? nil : host
    }

    /// `host:port`, `[v6]:port` or a bare host.
    static func splitHostPort(_ text: String) -> (host: String, port: String?) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("["), let close = trimmed.firstIndex(of: "]") {
            let host = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
            let after = trimmed[trimmed.index(after: close)...]
            return (host, after.hasPrefix(":") ? String(after.dropFirst()) : nil)
        }
        let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2 { return (String(parts[0]), String(parts[1])) }
        return (trimmed, nil)
    }

    /// A host name as the host itself resolves it: its /etc/hosts first, then the inventory
    /// (a host of that name's `management_ip`, or `controller_ip` for the `controller` name).
    func resolve(_ name: String, on evidence: HostEvidence, fleet: [HostEvidence]) -> String {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1 { return name }
        if let hosts = evidence.document("/etc/hosts"), let entry = hosts.effectiveEntry(section: nil, key: name) {
            return entry.value.text
        }
        if let host = fleet.first(where: { $0.host.name == name })?.host, let address = host.vars["management_ip"] {
            return address
        }
        if evidence.host.vars["controller"] == name, let address = evidence.host.vars["controller_ip"] { return address }
        return name
    }
}
