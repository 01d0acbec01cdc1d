import DriftCore
import Foundation

/// One value read for a consistency check: everything the comparison and its finding need,
/// and nothing of the file it came from, so a fleet's observations stay small.
///
/// Written compactly (`write(to:)`) so that an unchanged host's observations can be stored and
/// taken again on the next night instead of re-reading its files; the encoding is canonical
/// (sorted elements), so one observation always stores as the same bytes.
package struct FleetObservation: Sendable, Equatable {
    /// Index of the rule in the rule set.
    var rule: Int
    var host: String
    /// The host's place in the inventory (fleet checks list hosts in inventory order).
    var hostIndex: Int
    /// Index of the check's source the value was read from.
    var source: Int
    var file: String
    var section: String?
    var key: String
    /// `nil` when the value is the option's default (the file does not set it).
    var line: Int?
    var isDefault: Bool
    /// Where the value came from when not from the file under the source's own name.
    var origin: ValueOrigin?
    /// What is compared, after the source's transform and the check's type.
    var value: ValueType.Normalized
    /// The elements `included` looks in, sorted and unique.
    var elements: [String]
    var display: String
    var secret: Bool
    /// For `unique`: whether the value is this host's own (the check's `owner` template).
    var isOwner: Bool
    /// The rule's fix, rendered with the host's variables.
    var fix: String?
}

extension FleetObservation {
    package func write(to writer: inout CompactWriter) {
        writer.count(rule)
        writer.text(host)
        writer.count(hostIndex)
        writer.count(source)
        writer.text(file)
        writer.text(section)
        writer.text(key)
        writer.int(line)
        writer.flag(isDefault)
        writer.flag(origin != nil)
        if let origin {
            writer.text(origin.kind.rawValue)
            writer.text(origin.option)
            writer.texts(origin.definedAt)
        }
        value.write(to: &writer)
        writer.texts(elements)
        writer.text(display)
        writer.flag(secret)
        writer.flag(isOwner)
        writer.text(fix)
    }

    package init(reading reader: inout CompactReader) throws(CompactCodingError) {
        rule = try reader.count()
        host = try reader.text()
        hostIndex = try reader.count()
        source = try reader.count()
        file = try reader.text()
        section = try reader.optionalText()
        key = try reader.text()
        line = try reader.optionalInt()
        isDefault = try reader.flag()
        origin = try reader.flag()
            ? ValueOrigin(kind: try reader.raw(ValueOrigin.Kind.self), option: try reader.text(),
                          definedAt: try reader.textList() ?? [])
            : nil
        value = try ValueType.Normalized(reading: &reader)
        elements = try reader.textList() ?? []
        display = try reader.text()
        secret = try reader.flag()
        isOwner = try reader.flag()
        fix = try reader.optionalText()
    }
}

extension RuleEngine {
    /// The values a host contributes to a consistency check (those of its sources that concern
    /// it): each source's effective value, what the file sets under the option's name or a
    /// deprecated one. A source the file leaves unset is left out (its value rule says so,
    /// once), unless the check compares defaults: then the option's default takes part, when
    /// it has one.
    func observe(_ rule: Rule, index ruleIndex: Int, _ check: ConsistencyCheck, on evidence: HostEvidence,
                 services: Set<GuideService>, directory: FleetDirectory, resolver: NodeResolver) -> [FleetObservation] {
        guard rule.applies(to: evidence.host, architecture: architecture),
              case .applies = gate(rule, on: evidence, services: services) else { return [] }
        var observations: [FleetObservation] = []
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
            guard let observation = observe(read.value, entry: read.entry, rule: rule, ruleIndex: ruleIndex, source: index,
                                            check: check, evidence: evidence, directory: directory, resolver: resolver,
                                            origin: effective.origin(section: source.section, key: source.key))
            else { continue }
            observations.append(observation)
        }
        return observations
    }

    private func observe(_ read: ConfigValue, entry: Entry?, rule: Rule, ruleIndex: Int, source index: Int,
                         check: ConsistencyCheck, evidence: HostEvidence, directory: FleetDirectory, resolver: NodeResolver,
                         origin: ValueOrigin?) -> FleetObservation? {
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
        var isOwner = false
        if let owner = check.owner, let rendered = try? owner.render(evidence.host.vars) {
            isOwner = check.valueType.normalize(rendered) == value || .string(rendered) == value
        }
        // The rule's own spelling of the file, section and key unless the value came from elsewhere
        // (an included file, a deprecated name), so a fleet's observations share those strings.
        let file = entry.map { $0.span.file == source.file ? source.file : $0.span.file } ?? source.file
        return FleetObservation(
            rule: ruleIndex, host: evidence.host.name, hostIndex: directory.index(of: evidence.host.name), source: index,
            file: file, section: entry?.section ?? source.section, key: entry?.key ?? source.key, line: entry?.line,
            isDefault: entry == nil, origin: origin, value: value, elements: Array(Set(texts)).sorted(),
            display: secret ? SecretPolicy.maskText : shown.text, secret: secret, isOwner: isOwner,
            fix: try? rule.fix?.render(evidence.host.vars))
    }

    /// The address a URL's host reaches from the node. Loopback is the node itself, except for
    /// MySQL, whose client takes `localhost` to mean the local socket (the server, whatever it
    /// binds) but `127.0.0.1` to mean TCP to an address the server may not listen on.
    static func urlAddress(_ url: String, host: String, resolver: NodeResolver) -> String {
        let isMySQL = url.trimmingCharacters(in: .whitespaces).lowercased().hasPrefix("mysql")
        guard isMySQL else { return resolver.address(of: host) }
        return resolver.address(of: host, loopbackIsSelf: NodeResolver.canonicalName(host) == "localhost")
    }

    // MARK: Comparing a group

    /// What a group of observations says as a whole, worked out once; each observation's
    /// finding is then read off it without looking at the rest of the group (`verdict`).
    struct GroupComparison: Sendable {
        let rule: Rule
        let check: ConsistencyCheck
        fileprivate let kind: Kind

        fileprivate enum Kind: Sendable {
            case same(Same)
            case unique(Unique)
            case included(Included)
        }
    }

    /// Compares one group (a host's values for a host-scoped check, the fleet's for a fleet-scoped
    /// one); the observations must be in fleet order.
    func compare(_ group: [FleetObservation], rule: Rule, check: ConsistencyCheck) -> GroupComparison {
        switch check.kind {
        case .same: return GroupComparison(rule: rule, check: check, kind: .same(Same(group, check: check)))
        case .unique: return GroupComparison(rule: rule, check: check, kind: .unique(Unique(group)))
        case .included: return GroupComparison(rule: rule, check: check, kind: .included(Included(group, check: check)))
        }
    }

    /// The finding of one observation of a compared group; `nil` for a reference value that
    /// `included` only looks for.
    func verdict(_ observation: FleetObservation, in comparison: GroupComparison) -> Finding? {
        let rule = comparison.rule, check = comparison.check
        var finding: Finding
        switch comparison.kind {
        case .same(let same): finding = same.verdict(observation, rule: rule, check: check)
        case .unique(let unique): finding = unique.verdict(observation, rule: rule)
        case .included(let included):
            guard let result = included.verdict(observation, rule: rule, check: check) else { return nil }
            finding = result
        }
        finding.category = rule.category
        return finding
    }

    /// Evaluates a whole group at once (host-scoped checks, and fleets in memory).
    func evaluate(_ group: [FleetObservation], rule: Rule, check: ConsistencyCheck) -> [Finding] {
        let comparison = compare(group, rule: rule, check: check)
        return group.compactMap { verdict($0, in: comparison) }
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

// MARK: The three kinds

/// How many places a message names before "and others".
private let placesShown = 3

/// "compute1:/etc/nova/nova.conf, network:/etc/neutron/neutron.conf and others": the first
/// three in fleet order, without a count, so the text stays the same while the fleet grows
/// or shrinks elsewhere (the history stores an unchanged finding once).
private func places<Observations: Collection>(_ observations: Observations) -> String where Observations.Element == FleetObservation {
    let places = observations.prefix(placesShown + 1).map { "\($0.host):\($0.file)" }
    return places.count <= placesShown ? places.joined(separator: ", ")
        : places.prefix(placesShown).joined(separator: ", ") + " and others"
}

/// Host names, sorted: all of a handful, else the first few and how many more.
private func names(_ sortedNames: [String]) -> String {
    let shown = 5
    guard sortedNames.count > shown else { return sortedNames.joined(separator: ", ") }
    return sortedNames.prefix(shown).joined(separator: ", ") + " and \(sortedNames.count - shown) others"
}

private func isSelf(_ candidate: FleetObservation, _ observation: FleetObservation) -> Bool {
    candidate.host == observation.host && candidate.source == observation.source
}

private func finding(_ rule: Rule, _ observation: FleetObservation, _ status: FindingStatus, expected: String?,
                     message: String, actual: String, reference: FleetObservation? = nil) -> Finding {
    var finding = Finding(
        rule: rule.id, title: rule.title, host: observation.host, file: observation.file,
        section: observation.section, key: observation.key, status: status, severity: rule.severity,
        expected: expected, actual: actual, line: observation.line,
        message: observation.isDefault ? "'\(observation.key)' is not set, so its default counts; \(message)" : message,
        guide: rule.guide, fix: observation.fix, secret: observation.secret)
    finding.origin = observation.origin
    finding.reference = reference.map { ValuePlace(host: $0.host, file: $0.file, section: $0.section, key: $0.key, line: $0.line) }
    return finding
}

/// Secrets are shown as "secret A", "secret B": which ones match, never the values. Most
/// frequent first; a tie goes to the value seen first (fleet order), never to hash order, so
/// the same state gives the same labels in every run.
private func secretLabels(_ group: [FleetObservation]) -> [ValueType.Normalized: String] {
    var counts: [ValueType.Normalized: (count: Int, first: Int)] = [:]
    for (index, observation) in group.enumerated() where observation.secret {
        counts[observation.value, default: (0, index)].count += 1
    }
    let ordered = counts.sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.value.first < $1.value.first }
    var labels: [ValueType.Normalized: String] = [:]
    for (index, element) in ordered.enumerated() {
        let letter = index < 26 ? String(UnicodeScalar(UInt8(65 + index))) : "\(index + 1)"
        labels[element.key] = "<secret \(letter)>"
    }
    return labels
}

private func label(of observation: FleetObservation, _ labels: [ValueType.Normalized: String]) -> String {
    observation.secret ? labels[observation.value] ?? SecretPolicy.maskText : observation.display
}

/// `same`: every value equals the reference source's, or else the majority's.
private struct Same: Sendable {
    let size: Int
    /// The value the others must match; `nil` when no value is in the majority.
    let reference: ValueType.Normalized?
    /// Set when the check names a reference source that the group lacks.
    let referenceMissing: Bool
    let labels: [ValueType.Normalized: String]
    /// The first holders of the reference value, in group order (one more than a message names,
    /// and one to spare for the observation itself), and how many there are.
    let holders: [FleetObservation]
    let holderCount: Int
    /// Without a majority: each value's first holders, for describing the disagreement.
    let byValue: [(value: ValueType.Normalized, holders: [FleetObservation])]
    /// With a reference source: the first of its observations holding the reference value, the
    /// place a differing value is a consequence of when that value is itself wrong.
    let referenceHolder: FleetObservation?

    init(_ group: [FleetObservation], check: ConsistencyCheck) {
        size = group.count
        let candidates = check.reference.map { reference in group.filter { $0.source == reference } } ?? group
        referenceMissing = check.reference != nil && candidates.isEmpty
        var counts: [ValueType.Normalized: Int] = [:]
        for candidate in candidates { counts[candidate.value, default: 0] += 1 }
        let top = counts.values.max() ?? 0
        let winners = counts.filter { $0.value == top }.map(\.key)
        let reference = winners.count == 1 ? winners[0] : nil
        self.reference = reference
        referenceHolder = check.reference == nil ? nil : candidates.first { $0.value == reference }
        labels = secretLabels(group)
        var holders: [FleetObservation] = [], holderCount = 0
        var byValue: [ValueType.Normalized: [FleetObservation]] = [:], order: [ValueType.Normalized] = []
        for observation in group {
            if let reference, observation.value == reference {
                holderCount += 1
                if holders.count < placesShown + 2 { holders.append(observation) }
            } else if reference == nil {
                if byValue[observation.value] == nil { order.append(observation.value) }
                if byValue[observation.value, default: []].count < placesShown + 2 { byValue[observation.value, default: []].append(observation) }
            }
        }
        self.holders = holders
        self.holderCount = holderCount
        self.byValue = order.map { ($0, byValue[$0]!) }
    }

    func verdict(_ observation: FleetObservation, rule: Rule, check: ConsistencyCheck) -> Finding {
        let actual = label(of: observation, labels)
        // A check that compared nothing shows a secret as set, not lettered against nothing.
        guard size >= 2 else {
            return finding(rule, observation, .skipped, expected: nil, message: "no other value to compare with",
                           actual: observation.display)
        }
        if referenceMissing {
            let name = check.sources[check.reference!].label
            return finding(rule, observation, .skipped, expected: nil,
                           message: "the value it must match (\(name)) was not found", actual: observation.display)
        }
        guard let reference else {
            return finding(rule, observation, .fail, expected: nil,
                           message: "the values disagree and none is in the majority (\(describe(except: observation)))",
                           actual: actual)
        }
        let expected = holders.first.map { label(of: $0, labels) }
        let others = holders.filter { !isSelf($0, observation) }
        let otherCount = holderCount - (holders.count - others.count)
        if observation.value == reference {
            // A passing value's message names no peers or counts: it stays the same from night
            // to night while other hosts come and go, so the history stores it once.
            let message: String
            if otherCount == 0 {
                message = "this is the value the others must match"
            } else if let reference = check.reference {
                message = "matches \(check.sources[reference].label) of \(check.sources[reference].file)"
            } else {
                message = "matches the value the others agree on"
            }
            return finding(rule, observation, .pass, expected: expected, message: message, actual: actual)
        }
        return finding(rule, observation, .fail, expected: expected,
                       message: "differs from the value of \(places(others))", actual: actual, reference: referenceHolder)
    }

    /// "'a' on h1:/f, h2:/f; 'b' on h3:/f": the values of the others, each with its first places;
    /// at most ten values, then how many more.
    private func describe(except observation: FleetObservation) -> String {
        let shown = 10
        var parts: [String] = []
        for (value, holders) in byValue {
            let peers = holders.filter { !isSelf($0, observation) }
            guard let first = peers.first else { continue }
            parts.append("\(labels[value] ?? "'\(first.display)'") on \(places(peers))")
        }
        parts.sort()
        return parts.count <= shown ? parts.joined(separator: "; ")
            : parts.prefix(shown).joined(separator: "; ") + "; and \(parts.count - shown) other values"
    }
}

/// `unique`: no two hosts have the same value.
private struct Unique: Sendable {
    /// Per value: the sorted names of the hosts holding it, and the owners among them in group order.
    let holders: [ValueType.Normalized: (names: [String], owners: [String])]

    init(_ group: [FleetObservation]) {
        var holders: [ValueType.Normalized: (names: Set<String>, owners: [String])] = [:]
        for observation in group {
            holders[observation.value, default: ([], [])].names.insert(observation.host)
            if observation.isOwner { holders[observation.value, default: ([], [])].owners.append(observation.host) }
        }
        self.holders = holders.mapValues { ($0.names.sorted(), $0.owners) }
    }

    func verdict(_ observation: FleetObservation, rule: Rule) -> Finding {
        let expected = "a value no other host has"
        let holding = holders[observation.value] ?? ([], [])
        let sharing = holding.names.filter { $0 != observation.host }
        guard !sharing.isEmpty else {
            return finding(rule, observation, .pass, expected: expected, message: "no other host has this value",
                           actual: observation.display)
        }
        if observation.isOwner {
            return finding(rule, observation, .pass, expected: expected,
                           message: "this host's own value; also found on \(names(sharing)), where it was copied",
                           actual: observation.display)
        }
        let owners = holding.owners.filter { $0 != observation.host }
        let message = owners.isEmpty
            ? "'\(observation.display)' is also the value on \(names(sharing)); each host needs its own"
            : "'\(observation.display)' is \(owners.joined(separator: ", "))'s value, copied here from another host"
        return finding(rule, observation, .fail, expected: expected, message: message, actual: observation.display)
    }
}

/// `included`: the reference source's value is one of the elements of every other value.
private struct Included: Sendable {
    let references: [FleetObservation]
    let wanted: String

    init(_ group: [FleetObservation], check: ConsistencyCheck) {
        references = group.filter { $0.source == check.reference }
        wanted = references.map(\.display).joined(separator: ", ")
    }

    func verdict(_ observation: FleetObservation, rule: Rule, check: ConsistencyCheck) -> Finding? {
        guard observation.source != check.reference else { return nil }
        guard !references.isEmpty else {
            return finding(rule, observation, .skipped, expected: nil,
                           message: "the value to look for (\(check.sources[check.reference!].label)) was not found",
                           actual: observation.display)
        }
        let missing = references.filter { !Set($0.elements).isSubset(of: observation.elements) }
        if missing.isEmpty {
            return finding(rule, observation, .pass, expected: "includes \(wanted)",
                           message: "includes the value of \(places(references))", actual: observation.display)
        }
        return finding(rule, observation, .fail, expected: "includes \(wanted)",
                       message: "does not include the value of \(places(missing))", actual: observation.display,
                       reference: missing.first)
    }
}

extension FleetObservation {
    /// The observation with a secret value replaced by its redaction tag (`tag` is the
    /// redactor's keyed HMAC), in what is compared and in the elements. Equal secrets keep equal
    /// tags, so every comparison decides as before, and the observation can be stored for reuse
    /// without the secret. Applied to every host's observations, judged or reused alike, so the
    /// fleet checks compare tags with tags.
    package func redactingSecret(with tag: (String) -> String) -> FleetObservation {
        guard secret else { return self }
        var redacted = self
        switch value {
        case .string(let text): redacted.value = .string(tag(text))
        case .bool(let flag): redacted.value = .string(tag("\(flag)"))
        case .int(let number): redacted.value = .string(tag("\(number)"))
        case .list(let texts): redacted.value = .list(texts.map(tag))
        case .set(let texts): redacted.value = .set(Set(texts.map(tag)))
        }
        redacted.elements = Array(Set(elements.map(tag))).sorted()
        return redacted
    }
}
