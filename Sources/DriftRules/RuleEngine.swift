import DriftCore

/// Evaluates rules against what was collected from hosts.
///
/// The engine is pure: it never touches the network, disk or database. Raw
/// values stay inside it; findings leave with secrets already masked.
public struct RuleEngine: Sendable {
    public let ruleSet: RuleSet
    public let architecture: NetworkingVariant

    public init(ruleSet: RuleSet, architecture: NetworkingVariant) {
        self.ruleSet = ruleSet
        self.architecture = architecture
    }

    /// Rules concerning the host's roles and the cloud's networking variant.
    public func rules(for host: InventoryHost) -> [Rule] {
        ruleSet.rules.filter { $0.applies(to: host, architecture: architecture) }
    }

    /// Files to fetch from a host: those its rules read, plus the marker files of optional
    /// services when the inventory leaves them to detection. Sorted, without duplicates.
    public func filesToCollect(for host: InventoryHost) -> [String] {
        var paths = Set(rules(for: host).map(\.file))
        if host.services == nil {
            for markers in ruleSet.serviceMarkers.values { paths.formUnion(markers) }
        }
        return paths.sorted()
    }

    /// The optional services a host runs: as declared, or detected from the marker files present.
    public func services(of evidence: HostEvidence) -> Set<GuideService> {
        if let declared = evidence.host.services { return declared }
        var detected = Set<GuideService>()
        for (service, markers) in ruleSet.serviceMarkers
        where markers.contains(where: { evidence.files[$0]?.exists == true }) {
            detected.insert(service)
        }
        return detected
    }

    /// One finding per applicable rule, in rule order.
    public func evaluate(_ evidence: HostEvidence) -> [Finding] {
        let services = services(of: evidence)
        return rules(for: evidence.host).map { rule in
            evaluate(rule, on: evidence.host, file: evidence.files[rule.file] ?? .missing, services: services,
                     servicesDeclared: evidence.host.services != nil)
        }
    }

    /// Evaluates one rule against one file of one host.
    public func evaluate(_ rule: Rule, on host: InventoryHost, file: FileState, services: Set<GuideService>,
                         servicesDeclared: Bool = true) -> Finding {
        var finding = Finding(
            rule: rule.id, title: rule.title, host: host.name, file: rule.file, section: rule.section, key: rule.key,
            status: .error, severity: rule.severity, expected: nil, actual: nil, line: nil, message: "",
            guide: rule.guide, fix: try? rule.fix?.render(host.vars))

        if !rule.services.isEmpty, rule.services.isDisjoint(with: services) {
            let names = rule.services.sorted().map(\.rawValue).joined(separator: " or ")
            finding.status = .skipped
            finding.message = servicesDeclared
                ? "host does not run \(names) (per the inventory)"
                : "host does not run \(names) (none of its marker files is present)"
            return finding
        }

        let outcome: Outcome
        do {
            outcome = try check(rule, file: file, vars: host.vars)
        } catch let missing as Template.MissingVariable {
            finding.message = "rule needs inventory variable '\(missing.name)', which host '\(host.name)' does not define"
            return finding
        } catch {
            finding.message = "\(error)"
            return finding
        }
        finding.status = outcome.status
        finding.expected = outcome.expected
        finding.actual = outcome.actual
        finding.line = outcome.entry?.line ?? outcome.line
        finding.message = outcome.message
        finding.secret = outcome.masked
        if let file = outcome.entry?.span.file { finding.file = file }
        return finding
    }

    // MARK: Matching

    private struct Outcome {
        var status: FindingStatus
        var expected: String?
        var actual: String?
        /// The entry the outcome is about; its file may be an included one (MySQL's !includedir).
        var entry: Entry?
        /// A line without an entry (a parse error's).
        var line: Int?
        var message: String
        var masked = false

        init(status: FindingStatus, expected: String?, actual: String? = nil, entry: Entry? = nil, line: Int? = nil,
             message: String, masked: Bool = false) {
            self.status = status
            self.expected = expected
            self.actual = actual
            self.entry = entry
            self.line = line
            self.message = message
            self.masked = masked
        }
    }

    private func check(_ rule: Rule, file: FileState, vars: [String: String]) throws -> Outcome {
        let expected = try expectedText(rule, vars: vars)
        let document: ConfigDocument
        switch file {
        case .parsed(let parsed): document = parsed
        case .missing:
            if rule.matcher == .absent {
                return Outcome(status: .pass, expected: expected, message: "file '\(rule.file)' does not exist, so '\(rule.key)' is not set")
            }
            return Outcome(status: .fail, expected: expected, message: "file '\(rule.file)' does not exist")
        case .unreadable(let reason):
            return Outcome(status: .error, expected: expected, message: "cannot read '\(rule.file)': \(reason)")
        case .present:
            return Outcome(status: .error, expected: expected, message: "'\(rule.file)' was collected but not parsed")
        case .unparseable(let diagnostic):
            return Outcome(status: .error, expected: expected, line: diagnostic.location.line,
                           message: "cannot parse '\(rule.file)': line \(diagnostic.location.line): \(diagnostic.message)")
        }

        return try match(rule, in: document, expected: expected, vars: vars)
    }

    private func match(_ rule: Rule, in document: ConfigDocument, expected: String?, vars: [String: String]) throws -> Outcome {
        let occurrences = document.entries(section: rule.section, key: rule.key)
        // The value a single-valued option takes, as the program picks it (last, first, or Paste's DEFAULT rule).
        let effective = document.effectiveEntry(section: rule.section, key: rule.key)
        let place = rule.section.map { " in [\($0)]" } ?? ""
        let notSet = Outcome(status: .fail, expected: expected, message: "'\(rule.key)' is not set\(place)")
        let type = rule.effectiveType

        switch rule.matcher {
        case .present:
            guard let entry = effective else { return notSet }
            let shown = show(entry, rule)
            return Outcome(status: .pass, expected: expected, actual: shown.text, entry: entry,
                           message: "'\(rule.key)' is set", masked: shown.masked)

        case .absent:
            guard let entry = effective else {
                return Outcome(status: .pass, expected: expected, message: "'\(rule.key)' is not set\(place)")
            }
            let shown = show(entry, rule)
            return Outcome(status: .fail, expected: expected, actual: shown.text, entry: entry,
                           message: "'\(rule.key)' is set but should not be", masked: shown.masked)

        case .equals(let template):
            guard let entry = effective else { return notSet }
            return compare(entry, against: [try template.render(vars)], type: type, rule: rule, expected: expected)

        case .oneOf(let templates):
            guard let entry = effective else { return notSet }
            let wanted = try templates.map { try $0.render(vars) }
            return compare(entry, against: wanted, type: type, rule: rule, expected: expected)

        case .regex(let pattern):
            guard let entry = effective else { return notSet }
            let shown = show(entry, rule)
            let matches = pattern.matchesWhole(entry.value.text)
            return Outcome(status: matches ? .pass : .fail, expected: expected, actual: shown.text, entry: entry,
                           message: matches ? "'\(rule.key)' matches /\(pattern.pattern)/"
                               : "'\(shown.text)' does not match /\(pattern.pattern)/", masked: shown.masked)

        case .contains(let template):
            guard !occurrences.isEmpty else { return notSet }
            let wantedText = try template.render(vars)
            let elementType = type.elementType
            let wanted = elementType.normalize(wantedText)
            let shownAll = occurrences.map { show($0, rule) }
            let actual = shownAll.map(\.text).joined(separator: "\n")
            let masked = shownAll.contains { $0.masked }
            for entry in occurrences {
                let candidates = type.elements(of: entry.value)
                if candidates.contains(where: { elementType.normalize($0) == wanted && wanted != nil }) {
                    return Outcome(status: .pass, expected: expected, actual: actual, entry: entry,
                                   message: "'\(rule.key)' includes '\(masked ? SecretPolicy.maskText : wantedText)'",
                                   masked: masked)
                }
            }
            let found = shownAll.map { "'\($0.text)'" }.joined(separator: ", ")
            return Outcome(status: .fail, expected: expected, actual: actual, entry: occurrences.last,
                           message: "no value of '\(rule.key)' is '\(masked ? SecretPolicy.maskText : wantedText)' (found \(found))",
                           masked: masked)

        case .notPlaceholder:
            guard let last = occurrences.last else { return notSet }
            for entry in occurrences {
                let tokens = ruleSet.placeholders(in: entry.value.text)
                guard let token = tokens.first else { continue }
                let shown = show(entry, rule)
                let message = shown.masked
                    ? "'\(rule.key)' still holds a guide placeholder; set the real value"
                    : "'\(rule.key)' still holds the guide placeholder '\(token)'"
                return Outcome(status: .fail, expected: expected, actual: shown.text, entry: entry,
                               message: message, masked: shown.masked)
            }
            let shown = show(last, rule)
            return Outcome(status: .pass, expected: expected, actual: shown.text, entry: last,
                           message: "'\(rule.key)' is set and is not a guide placeholder", masked: shown.masked)
        }
    }

    /// Compares the value the program uses with the accepted values, typed as the rule says.
    private func compare(_ entry: Entry, against wanted: [String], type: ValueType, rule: Rule, expected: String?) -> Outcome {
        let shown = show(entry, rule)
        guard let actual = type.normalize(entry.value) else {
            return Outcome(status: .fail, expected: expected, actual: shown.text, entry: entry,
                           message: "'\(shown.text)' is not a valid \(type.rawValue) value for '\(rule.key)'", masked: shown.masked)
        }
        let accepted = wanted.compactMap { type.normalize($0) }
        if accepted.contains(actual) {
            return Outcome(status: .pass, expected: expected, actual: shown.text, entry: entry,
                           message: "'\(rule.key)' is '\(shown.text)'", masked: shown.masked)
        }
        return Outcome(status: .fail, expected: expected, actual: shown.text, entry: entry,
                       message: "expected \(quotedExpectation(rule, expected)), found '\(shown.text)'", masked: shown.masked)
    }

    /// What the rule expects, as display text; values are quoted, descriptions are not.
    private func expectedText(_ rule: Rule, vars: [String: String]) throws -> String? {
        func masked(_ text: String) -> String { ruleSet.secrets.display(key: rule.key, value: text).text }
        switch rule.matcher {
        case .equals(let template): return masked(try template.render(vars))
        case .oneOf(let templates):
            return "one of " + (try templates.map { "'\(masked(try $0.render(vars)))'" }).joined(separator: ", ")
        case .contains(let template): return "includes '\(masked(try template.render(vars)))'"
        case .present: return "set"
        case .absent: return "not set"
        case .regex(let pattern): return "matches /\(pattern.pattern)/"
        case .notPlaceholder: return "a real value, not a guide placeholder"
        }
    }

    /// The expectation as a message fragment: a single value is quoted, a description is not.
    private func quotedExpectation(_ rule: Rule, _ expected: String?) -> String {
        guard let expected else { return "?" }
        if case .equals = rule.matcher { return "'\(expected)'" }
        return expected
    }

    private func show(_ entry: Entry, _ rule: Rule) -> (text: String, masked: Bool) {
        ruleSet.secrets.display(key: rule.key, value: entry.value.text)
    }
}
