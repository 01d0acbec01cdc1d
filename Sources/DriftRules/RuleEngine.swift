import DriftCore
import Synchronization

/// Evaluates rules against what was collected from hosts.
///
/// The engine is pure: it never touches the network, disk or database. Raw
/// values stay inside it; findings leave with secrets already masked.
package struct RuleEngine: Sendable {
    package let ruleSet: RuleSet
    package let architecture: NetworkingVariant
    /// Each rule's position in the rule set, by id: observations name their rule by it.
    let ruleIndex: [String: Int]
    let weakSecrets: WeakSecrets
    /// The rules of each set of roles met so far: a fleet has a few role sets and thousands of
    /// hosts, and each host asks for its rules several times.
    private let rulesByRoles = RulesByRoles()
    /// Scans of whole documents the run shares among hosts (the first entry a `none-equal` rule
    /// over every key finds), made once per content; bounded in the positions kept.
    let sharedScans = BoundedMemo<SharedQuestion, [Int]>(capacity: 1 << 20)
    /// The placeholder scan's failing entries of documents the run shares among hosts, once per
    /// content and set of keys left to other rules; bounded in the entries kept.
    let sharedPlaceholders = BoundedMemo<SharedQuestion, [PlaceholderHit]>(capacity: 1 << 18)
    /// Value checks' outcomes on documents the run shares among hosts, once per content and the
    /// variables the rule names (`outcome(of:…)`); bounded in outcomes kept.
    let sharedOutcomes = BoundedMemo<SharedOutcomeKey, SharedOutcome>(capacity: 1 << 16)
    /// The inventory variables each value rule's templates name, by rule id.
    let templateVariables: [String: Set<String>]

    package init(ruleSet: RuleSet, architecture: NetworkingVariant) {
        self.ruleSet = ruleSet
        self.architecture = architecture
        ruleIndex = Dictionary(ruleSet.rules.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        weakSecrets = WeakSecrets(words: ruleSet.weakSecrets, placeholders: ruleSet.placeholders)
        templateVariables = Self.templateVariables(of: ruleSet.rules)
    }

    /// Rules concerning the host's roles and the cloud's networking variant.
    package func rules(for host: InventoryHost) -> [Rule] {
        let roles = Set(host.roles)
        if let known = rulesByRoles.rules.withLock({ $0[roles] }) { return known }
        let rules = ruleSet.rules.filter { $0.applies(to: host, architecture: architecture) }
        rulesByRoles.rules.withLock { $0[roles] = rules }
        return rules
    }

    /// Files to fetch from a host: those its rules read, the files its facts come from, and the
    /// marker files of optional services when the inventory leaves them to detection. Sorted.
    ///
    /// They depend only on the host's set of roles and on whether it declares its services, so
    /// they are worked out once per such pair (a fleet has a few; asking every rule again for
    /// each of 10,000 hosts was a second of a quiet night before the first file was read).
    package func filesToCollect(for host: InventoryHost) -> [String] {
        let key = RulesByRoles.FilesKey(roles: Set(host.roles), detectsServices: host.services == nil)
        if let known = rulesByRoles.files.withLock({ $0[key] }) { return known }
        let applicable = rules(for: host)
        var paths = Set(applicable.flatMap { $0.files(for: host) })
        for rule in applicable { if let when = rule.when { paths.insert(when.fact.source) } }
        if key.detectsServices {
            for markers in ruleSet.serviceMarkers.values { paths.formUnion(markers) }
        }
        let files = paths.sorted()
        rulesByRoles.files.withLock { $0[key] = files }
        return files
    }

    /// The files facts are read from, so the audit knows not to parse them.
    package var factSources: Set<String> { Set(HostFact.allCases.map(\.source)) }

    /// The optional services a host runs: as declared, or detected from the marker files present.
    package func services(of evidence: HostEvidence) -> Set<GuideService> {
        if let declared = evidence.host.services { return declared }
        var detected = Set<GuideService>()
        for (service, markers) in ruleSet.serviceMarkers
        where markers.contains(where: { evidence.files[$0]?.exists == true }) {
            detected.insert(service)
        }
        return detected
    }

    /// Every rule on every host of a fleet held in memory (rule examples, tests): each host on
    /// its own, then the fleet's comparisons, exactly as the audit pipeline does it host by host.
    package func evaluate(fleet: [HostEvidence], nameResolution: NameResolution = .hosts) -> [Finding] {
        let directory = FleetDirectory(hosts: fleet.map(\.host), nameResolution: nameResolution)
        var comparison = FleetComparison(engine: self)
        var findings: [Finding] = []
        for evidence in fleet {
            let evaluation = evaluate(host: evidence, directory: directory)
            findings += evaluation.findings
            comparison.add(evaluation)
        }
        let verdicts = comparison.finish()
        for evidence in fleet { findings += verdicts.findings(forHost: evidence.host.name) }
        return findings
    }

    /// All rules for one host alone (consistency checks see only this host).
    package func evaluate(_ evidence: HostEvidence) -> [Finding] {
        evaluate(fleet: [evidence])
    }

    /// What evaluating one host gives: the findings of every check that needs only this host,
    /// and the values it contributes to the checks that compare it with other hosts.
    package struct HostEvaluation: Sendable {
        package var findings: [Finding]
        package var observations: [FleetObservation]
        /// Fleet-scoped rules (by index) whose files this host's collection did not reach: their
        /// values are missing from the comparison, so "nothing to compare with" would be untrue.
        package var unread: [Int] = []
    }

    /// Every rule that concerns the host: value checks, placeholder scans, host-scoped
    /// consistency checks and name resolution (against the inventory's names) are decided
    /// here; fleet-scoped consistency checks only observe, for `FleetComparison`.
    package func evaluate(host evidence: HostEvidence, directory: FleetDirectory) -> HostEvaluation {
        let services = services(of: evidence)
        let resolver = resolver(for: evidence, directory: directory)
        var findings: [Finding] = []
        var observations: [FleetObservation] = []
        var unread: [Int] = []
        for rule in rules(for: evidence.host) {
            var ruleFindings: [Finding]
            switch rule.check {
            case .value(let check):
                if evidence.leavesUnevaluated(rule, markers: ruleSet.serviceMarkers) { continue }
                findings.append(evaluate(rule, check, on: evidence, services: services, resolver: resolver))
                continue
            case .programErrors(let file):
                ruleFindings = checkProgramErrors(rule, file: file, on: evidence)
            case .confinedIncludes(let file):
                ruleFindings = checkProgramErrors(rule, file: file, on: evidence, problems: \.refusedIncludes,
                                                  expected: "includes only inside the directories they may be read from",
                                                  passing: "every file it includes lies where includes may be read from")
            case .placeholderScan:
                ruleFindings = scanPlaceholders(rule, on: evidence)
            case .hostNames(let file):
                ruleFindings = checkHostNames(rule, file: file, on: evidence, directory: directory)
            case .consistency(let check):
                let index = ruleIndex[rule.id] ?? 0
                let observed = observe(rule, index: index, check, on: evidence, services: services,
                                       directory: directory, resolver: resolver)
                // A host whose collection ended part-way left some of these values unread: what the
                // others were compared with still holds, but "nothing to compare with" may not.
                let incomplete = evidence.lacks(rule.files(for: evidence.host))
                guard check.scope == .host else {
                    observations += observed
                    if incomplete { unread.append(index) }
                    continue
                }
                ruleFindings = evaluate(observed, rule: rule, check: check)
                if incomplete { ruleFindings.removeAll { $0.status == .skipped } }
            }
            for index in ruleFindings.indices { ruleFindings[index].category = rule.category }
            findings += ruleFindings
        }
        return HostEvaluation(findings: findings, observations: observations, unread: unread)
    }

    /// Whether a rule is gated away on a host: a service it does not run, or a fact that does not hold
    /// (`skip` with the reason), or a fact it depends on that is not known (`unknown`).
    func gate(_ rule: Rule, on evidence: HostEvidence, services: Set<GuideService>) -> GateResult {
        if !rule.services.isEmpty, rule.services.isDisjoint(with: services) {
            let names = rule.services.sorted().map(\.rawValue).joined(separator: " or ")
            return .skip(evidence.host.services != nil
                ? "host does not run \(names) (per the inventory)"
                : "host does not run \(names) (none of its marker files is present)")
        }
        if let when = rule.when {
            guard let value = evidence.facts[when.fact] else {
                return .unknown("cannot tell the host's \(when.fact.rawValue) ('\(when.fact.source)' was not read)")
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
        /// The fact the rule depends on is not known: the check decides only if its value
        /// passes (then it holds whatever the fact is).
        case unknown(String)
    }

    /// The resolver for one host: its /etc/hosts, then the inventory's addresses.
    func resolver(for evidence: HostEvidence, directory: FleetDirectory) -> NodeResolver {
        NodeResolver(host: evidence.host, hostsFile: evidence.document(RuleEngine.hostsFile), directory: directory)
    }

    /// The file names resolve through on every node.
    package static let hostsFile = "/etc/hosts"

    /// Evaluates one value rule against one state of its file, as on a host with those services.
    package func evaluate(_ rule: Rule, on host: InventoryHost, file: FileState, services: Set<GuideService>,
                         facts: [HostFact: String] = [:]) -> Finding? {
        guard case .value(let check) = rule.check else { return nil }
        return evaluate(rule, check, on: HostEvidence(host: host, files: [check.file: file], facts: facts), services: services)
    }

    /// Evaluates one value rule on one host; `resolver` (by default the host's /etc/hosts and
    /// the host's own variables) decides which host names and addresses are the same.
    package func evaluate(_ rule: Rule, _ check: ValueCheck, on evidence: HostEvidence, services: Set<GuideService>,
                         resolver: NodeResolver? = nil) -> Finding {
        let host = evidence.host
        var finding = Finding(
            rule: rule.id, title: rule.title, host: host.name, file: check.file, section: check.section, key: check.key,
            status: .error, severity: rule.severity, expected: nil, actual: nil, line: nil, message: "",
            guide: rule.guide, category: rule.category)
        // The rule's fix with the host's variables, where the matcher gives none of its own (with the file's values).
        func withFix(_ finding: Finding) -> Finding {
            var finding = finding
            if finding.fix == nil { finding.fix = try? rule.fix?.render(host.vars) }
            return finding
        }

        var unknownFact: String?
        switch gate(rule, on: evidence, services: services) {
        case .skip(let message):
            finding.status = .skipped
            finding.message = message
            return withFix(finding)
        case .unknown(let message):
            // Only a check whose outcome depends on the fact needs it: a value that passes
            // passes whatever the fact is (virt_type = qemu works on any CPU).
            unknownFact = message
        case .applies:
            break
        }

        var outcome: Outcome
        do {
            let resolver = resolver ?? self.resolver(for: evidence, directory: FleetDirectory(hosts: [host]))
            outcome = try self.outcome(of: rule, check, on: evidence.files[check.file] ?? .missing, vars: host.vars,
                                       resolver: resolver)
        } catch let missing as Template.MissingVariable {
            finding.message = "rule needs inventory variable '\(missing.name)', which host '\(host.name)' does not define"
            return withFix(finding)
        } catch {
            finding.message = "\(error)"
            return withFix(finding)
        }
        if let unknownFact, let when = rule.when {
            if outcome.status == .pass {
                outcome.message += "; right whatever the host's \(when.fact.rawValue) ('\(when.fact.source)' was not read)"
            } else {
                outcome.status = .error
                outcome.message = "the check applies only when \(when.fact.rawValue) is \(when.values.joined(separator: " or ")), "
                    + "and \(unknownFact); where it applies, it fails: \(outcome.message)"
            }
        }
        finding.status = outcome.status
        finding.origin = outcome.origin
        finding.expected = outcome.expected
        finding.actual = outcome.actual
        finding.line = outcome.entry?.line ?? outcome.line
        finding.message = outcome.message
        finding.secret = outcome.masked
        finding.fix = outcome.fix
        // A check that fails only for want of a fact is not fixed on a guess.
        finding.remedy = finding.status == .fail ? outcome.remedy : nil
        // A value may come from an included file (MySQL's !includedir): name the file it came from.
        if let file = outcome.entry?.span.file { finding.file = file }
        return withFix(finding)
    }

    func show(_ value: String, key: String) -> (text: String, masked: Bool) {
        ruleSet.secrets.display(key: key, value: value)
    }
}

/// The result of matching one value rule.
struct Outcome: Sendable {
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
    /// Where the judged value came from, when not from the file under the option's own name.
    var origin: ValueOrigin?
    /// Why another spelling was accepted ("'10.0.0.11', which is controller on this node").
    var note: String?
    /// What makes a failing check pass.
    var remedy: Remedy?

    init(status: FindingStatus, expected: String?, actual: String? = nil, entry: Entry? = nil, line: Int? = nil,
         message: String, masked: Bool = false, fix: String? = nil, origin: ValueOrigin? = nil) {
        self.status = status
        self.expected = expected
        self.actual = actual
        self.entry = entry
        self.line = line
        self.message = message
        self.masked = masked
        self.fix = fix
        self.origin = origin
    }
}

/// `RuleEngine.rules(for:)`'s memory, shared by the engine's copies across the audit's threads.
private final class RulesByRoles: Sendable {
    /// What `filesToCollect(for:)` depends on of a host.
    struct FilesKey: Hashable {
        var roles: Set<Role>
        var detectsServices: Bool
    }

    let rules = Mutex<[Set<Role>: [Rule]]>([:])
    let files = Mutex<[FilesKey: [String]]>([:])
}

/// What a check asks of a document the run shares among hosts (`ConfigDocument.sharedDigest`):
/// the content, and the question. Answers depend on nothing of the host, so each is made once
/// per content (an /etc/hosts listing the fleet, on every node, made such scans quadratic in
/// the fleet) and kept in a `BoundedMemo`; past its bound each host's copy is looked at again.
struct SharedQuestion: Hashable, Sendable {
    var path: String
    var format: ConfigFormat
    var digest: [UInt8]
    var question: String
}

extension BoundedMemo where Key == SharedQuestion {
    /// `make()`, once per content for a shared document, every time for any other.
    func answer(_ question: String, in document: ConfigDocument, cost: (Value) -> Int, make: () -> Value) -> Value {
        guard let digest = document.sharedDigest else { return make() }
        return value(for: SharedQuestion(path: document.path, format: document.format, digest: digest, question: question),
                     cost: cost, make: make)
    }
}
