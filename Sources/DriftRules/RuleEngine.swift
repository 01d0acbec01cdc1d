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

    /// Files to fetch from a host: those its rules read, the files its facts come from, and the
    /// marker files of optional services when the inventory leaves them to detection. Sorted.
    public func filesToCollect(for host: InventoryHost) -> [String] {
        let applicable = rules(for: host)
        var paths = Set(applicable.flatMap { $0.files(for: host) })
        for rule in applicable { if let when = rule.when { paths.insert(when.fact.source) } }
        if host.services == nil {
            for markers in ruleSet.serviceMarkers.values { paths.formUnion(markers) }
        }
        return paths.sorted()
    }

    /// The files facts are read from, so the audit knows not to parse them.
    public var factSources: Set<String> { Set(HostFact.allCases.map(\.source)) }

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

    /// Every rule on every host: value checks and placeholder scans host by host, then
    /// consistency checks across the fleet. Findings come in rule order per host.
    public func evaluate(fleet: [HostEvidence]) -> [Finding] {
        var findings: [Finding] = []
        for evidence in fleet { findings += evaluateHost(evidence) }
        for rule in ruleSet.rules {
            var ruleFindings: [Finding]
            switch rule.check {
            case .consistency(let check): ruleFindings = evaluateConsistency(rule, check, fleet: fleet)
            case .hostNames(let file): ruleFindings = checkHostNames(rule, file: file, fleet: fleet)
            default: continue
            }
            for index in ruleFindings.indices { ruleFindings[index].category = rule.category }
            findings += ruleFindings
        }
        return findings
    }

    /// All rules for one host alone (consistency checks see only this host).
    public func evaluate(_ evidence: HostEvidence) -> [Finding] {
        evaluate(fleet: [evidence])
    }

    private func evaluateHost(_ evidence: HostEvidence) -> [Finding] {
        let services = services(of: evidence)
        var findings: [Finding] = []
        for rule in rules(for: evidence.host) {
            switch rule.check {
            case .value(let check):
                if evidence.leavesUnevaluated(rule, markers: ruleSet.serviceMarkers) { continue }
                findings.append(evaluate(rule, check, on: evidence, services: services))
            case .placeholderScan:
                findings += scanPlaceholders(rule, on: evidence).map { finding in
                    var finding = finding
                    finding.category = rule.category
                    return finding
                }
            case .consistency, .hostNames:
                continue
            }
        }
        return findings
    }

    /// Whether a rule is gated away on a host: a service it does not run, or a fact that does not hold.
    /// Returns the skip message, or `nil` when the rule applies; throws an error message when the fact is unknown.
    func gate(_ rule: Rule, on evidence: HostEvidence, services: Set<GuideService>) -> GateResult {
        if !rule.services.isEmpty, rule.services.isDisjoint(with: services) {
            let names = rule.services.sorted().map(\.rawValue).joined(separator: " or ")
            return .skip(evidence.host.services != nil
                ? "host does not run \(names) (per the inventory)"
                : "host does not run \(names) (none of its marker files is present)")
        }
        if let when = rule.when {
            guard let value = evidence.facts[when.fact] else {
                return .unknown("cannot tell the host's \(when.fact.rawValue): '\(when.fact.source)' was not read")
            }
            if !when.values.contains(value) {
                return .skip("applies only when \(when.fact.rawValue) is \(when.values.joined(separator: " or ")) (this host: \(value))")
            }
        }
        return .applies
    }

    enum GateResult {
        case applies
        case skip(String)
        case unknown(String)
    }

    /// Evaluates one value rule against one state of its file, as on a host with those services.
    public func evaluate(_ rule: Rule, on host: InventoryHost, file: FileState, services: Set<GuideService>,
                         facts: [HostFact: String] = [:]) -> Finding? {
        guard case .value(let check) = rule.check else { return nil }
        return evaluate(rule, check, on: HostEvidence(host: host, files: [check.file: file], facts: facts), services: services)
    }

    /// Evaluates one value rule on one host.
    public func evaluate(_ rule: Rule, _ check: ValueCheck, on evidence: HostEvidence, services: Set<GuideService>) -> Finding {
        let host = evidence.host
        var finding = Finding(
            rule: rule.id, title: rule.title, host: host.name, file: check.file, section: check.section, key: check.key,
            status: .error, severity: rule.severity, expected: nil, actual: nil, line: nil, message: "",
            guide: rule.guide, fix: try? rule.fix?.render(host.vars), category: rule.category)

        switch gate(rule, on: evidence, services: services) {
        case .skip(let message):
            finding.status = .skipped
            finding.message = message
            return finding
        case .unknown(let message):
            finding.message = message
            return finding
        case .applies:
            break
        }

        let outcome: Outcome
        do {
            outcome = try ValueMatching(engine: self, rule: rule, check: check, vars: host.vars)
                .check(evidence.files[check.file] ?? .missing)
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
        if let fix = outcome.fix { finding.fix = fix }
        // A value may come from an included file (MySQL's !includedir): name the file it came from.
        if let file = outcome.entry?.span.file { finding.file = file }
        return finding
    }

    func show(_ value: String, key: String) -> (text: String, masked: Bool) {
        ruleSet.secrets.display(key: key, value: value)
    }
}

/// The result of matching one value rule.
struct Outcome {
    var status: FindingStatus
    var expected: String?
    var actual: String?
    /// The entry the outcome is about; its file may be an included one (MySQL's !includedir).
    var entry: Entry?
    /// A line without an entry (a parse error's).
    var line: Int?
    var message: String
    var masked = false
    /// What to write instead, with values from the file; replaces the rule's own rendering when set.
    var fix: String?

    init(status: FindingStatus, expected: String?, actual: String? = nil, entry: Entry? = nil, line: Int? = nil,
         message: String, masked: Bool = false, fix: String? = nil) {
        self.status = status
        self.expected = expected
        self.actual = actual
        self.entry = entry
        self.line = line
        self.message = message
        self.masked = masked
        self.fix = fix
    }
}
