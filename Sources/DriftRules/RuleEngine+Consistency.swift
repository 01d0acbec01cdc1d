import DriftCore
import Foundation

extension RuleEngine {
    /// One value read for a consistency check.
    struct Observation {
        var host: InventoryHost
        var source: Int
        /// The entry read; `nil` when the value is the option's default.
        var entry: Entry?
        var file: String
        var section: String?
        var key: String
        var line: Int?
        /// Where the value came from when not from the file under the source's own name.
        var origin: ValueOrigin?
        /// What is compared, after the source's transform and the check's type.
        var value: ValueType.Normalized
        /// The elements `included` looks in.
        var elements: Set<String>
        var display: String
        var secret: Bool
    }

    /// Compares the sources' effective values: what each file sets, under the option's name or a
    /// deprecated one. A source the file leaves unset is left out (its value rule says so, once),
    /// unless the check compares defaults: then the option's default takes part, when it has one.
    func evaluateConsistency(_ rule: Rule, _ check: ConsistencyCheck, fleet: [HostEvidence]) -> [Finding] {
        var observations: [Observation] = []
        let directory = FleetDirectory(hosts: fleet.map(\.host))
        for evidence in fleet where rule.applies(to: evidence.host, architecture: architecture) {
            guard case .applies = gate(rule, on: evidence, services: services(of: evidence)) else { continue }
            let resolver = resolver(for: evidence, directory: directory)
            for (index, source) in check.sources.enumerated()
            where source.roles.isEmpty || evidence.host.roles.contains(where: source.roles.contains) {
                guard let document = evidence.document(source.file) else { continue }
                let effective = ruleSet.options.effective(in: document, file: source.file, section: source.section, key: source.key)
                let read: (value: ConfigValue, entry: Entry?)
                if let entry = effective.entry {
                    read = (entry.value, entry)
                } else if check.comparesDefaults, let value = effective.defaultValue, !value.isEmpty {
                    read = (.string(value), nil)
                } else {
                    continue
                }
                guard let observation = observe(read.value, entry: read.entry, source: index, check: check, evidence: evidence,
                                                resolver: resolver, origin: effective.origin(section: source.section, key: source.key))
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
        return groups.flatMap { group -> [Finding] in
            switch check.kind {
            case .same: return same(rule, check, group)
            case .unique: return unique(rule, check, group)
            case .included: return included(rule, check, group)
            }
        }
    }

    private func observe(_ read: ConfigValue, entry: Entry?, source index: Int, check: ConsistencyCheck, evidence: HostEvidence,
                         resolver: NodeResolver, origin: ValueOrigin?) -> Observation? {
        let source = check.sources[index]
        let texts: [String]
        switch source.transform {
        case .none: texts = check.valueType.elements(of: read)
        case .urlHost: texts = Self.urlHost(read.text).map { [$0] } ?? []
        case .urlAddress: texts = Self.urlHost(read.text).map { [Self.urlAddress(read.text, host: $0, resolver: resolver)] } ?? []
        case .address: texts = [resolver.address(of: read.text.trimmingCharacters(in: .whitespaces))]
        case .hostPart: texts = ValueType.list.elements(of: read).map { Self.splitHostPort($0).host }
        case .portPart: texts = ValueType.list.elements(of: read).compactMap { Self.splitHostPort($0).port }
        }
        guard !texts.isEmpty else { return nil }
        let value: ValueType.Normalized
        if source.transform == .none, let typed = check.valueType.normalize(read) {
            value = typed
        } else {
            value = texts.count == 1 ? .string(texts[0]) : .set(Set(texts))
        }
        let shown = show(texts.joined(separator: ", "), key: source.key)
        let secret = ruleSet.secrets.isSecret(key: source.key) || shown.masked
        return Observation(host: evidence.host, source: index, entry: entry, file: entry?.span.file ?? source.file,
                           section: entry?.section ?? source.section, key: entry?.key ?? source.key, line: entry?.line,
                           origin: origin, value: value, elements: Set(texts),
                           display: secret ? SecretPolicy.maskText : shown.text, secret: secret)
    }

    /// The address a URL's host reaches from the node. Loopback is the node itself, except for
    /// MySQL, whose client takes `localhost` to mean the local socket (the server, whatever it
    /// binds) but `127.0.0.1` to mean TCP to an address the server may not listen on.
    static func urlAddress(_ url: String, host: String, resolver: NodeResolver) -> String {
        let isMySQL = url.trimmingCharacters(in: .whitespaces).lowercased().hasPrefix("mysql")
        guard isMySQL else { return resolver.address(of: host) }
        return resolver.address(of: host, loopbackIsSelf: NodeResolver.canonicalName(host) == "localhost")
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
        var finding = Finding(
            rule: rule.id, title: rule.title, host: observation.host.name, file: observation.file,
            section: observation.section, key: observation.key, status: status, severity: rule.severity,
            expected: expected, actual: label(of: observation, labels), line: observation.line,
            message: observation.entry == nil ? "'\(observation.key)' is not set, so its default counts; \(message)" : message,
            guide: rule.guide, fix: try? rule.fix?.render(observation.host.vars), secret: observation.secret)
        finding.origin = observation.origin
        return finding
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
}
