import DriftCore
import DriftParsing
import DriftRules
import DriftStore
import DriftTransport
import Foundation

/// Runs one audit end to end: plan, collect, parse, evaluate, store, and
/// return the run for reporting.
///
/// Each stage hands the next a plain value; a failing host or file becomes part
/// of the result, never an exception, so one bad node cannot stop the night's audit.
public struct Auditor: Sendable {
    public var inventory: Inventory
    public var ruleSet: RuleSet
    /// Accepted deviations; a waived failing finding does not count as drift.
    public var waivers: WaiverSet
    public var collector: Collector
    public var toolVersion: String
    public var clock: @Sendable () -> Date
    /// The key of redaction tags when the run is not stored (with a store, the store's key is
    /// used); `nil` picks a random one. Fixed, it makes reports of one state byte-identical.
    public var redactionKey: [UInt8]?

    public init(inventory: Inventory, ruleSet: RuleSet, waivers: WaiverSet = WaiverSet(), collector: Collector,
                toolVersion: String = StackdriftVersion.current, clock: @escaping @Sendable () -> Date = { Date() },
                redactionKey: [UInt8]? = nil) {
        self.inventory = inventory
        self.ruleSet = ruleSet
        self.waivers = waivers
        self.collector = collector
        self.toolVersion = toolVersion
        self.clock = clock
        self.redactionKey = redactionKey
    }

    /// The transports this build provides, keyed by the inventory's `transport:` values.
    public static func defaultTransports(ssh options: SSHOptions = SSHOptions()) -> [TransportKind: any Transport] {
        [.local: LocalTransport(), .ssh: SSHTransport(options: options), .openssh: OpenSSHTransport(options: options)]
    }

    /// What an audit produced, plus a storage failure that did not stop it.
    public struct Outcome: Sendable {
        public var run: AuditRun
        /// Set when the run could not be written to the database; the report is still complete.
        public var storeError: StoreError?
    }

    /// Runs the audit; with a store, the run is recorded (started before collection, finished after).
    public func run(store: SnapshotStore?, progress: (@Sendable (Int, Int, Int) -> Void)? = nil) throws -> Outcome {
        let startedAt = clock()
        let runID = try store?.beginRun(startedAt: startedAt, toolVersion: toolVersion, inventory: inventory.sourceFile,
                                        architecture: inventory.architecture.rawValue)
        let engine = RuleEngine(ruleSet: ruleSet, architecture: inventory.architecture)

        let requests = inventory.hosts.map { host in
            CollectionRequest(host: host, paths: engine.filesToCollect(for: host), expandIncludes: Self.expandIncludes(ruleSet))
        }
        let collections = collector.collect(requests, progress: progress)

        var hostResults: [HostResult] = []
        var findings: [Finding] = []
        // Without a database the tags only need to be consistent within this run's reports.
        let redactor = Redactor(policy: ruleSet.secrets, key: store?.redactionKey ?? redactionKey ?? Digest.randomBytes(32))

        var fleet: [HostEvidence] = []
        var collectedHosts: [(host: InventoryHost, files: [FileResult], failure: TransportError?)] = []
        for (request, collection) in zip(requests, collections) {
            let host = collection.host
            if let failure = collection.failure, collection.files.isEmpty {
                hostResults.append(HostResult(name: host.name, roles: host.roles, services: [],
                                              error: failure.message, errorKind: failure.kind.rawValue, files: [],
                                              legacyAlgorithms: Self.legacyAlgorithms(of: host)))
                continue
            }
            let processed = HostFiles(collection: collection, requested: request.paths,
                                      filesRead: Set(engine.rules(for: host).flatMap { $0.files(for: host) }),
                                      factSources: engine.factSources, ruleSet: ruleSet, redactor: redactor)
            fleet.append(HostEvidence(host: host, files: processed.states, facts: processed.facts))
            collectedHosts.append((host, processed.results, collection.failure))
        }
        // Consistency checks compare hosts with each other, so the fleet is evaluated at once.
        findings = waivers.apply(to: engine.evaluate(fleet: fleet), hosts: inventory.hosts, today: startedAt)
        for (evidence, collected) in zip(fleet, collectedHosts) {
            let host = collected.host, failure = collected.failure
            hostResults.append(HostResult(name: host.name, roles: host.roles, services: engine.services(of: evidence).sorted(),
                                          error: failure?.message, errorKind: failure?.kind.rawValue, files: collected.files,
                                          legacyAlgorithms: Self.legacyAlgorithms(of: host)))
        }

        findings.sort(by: Finding.reportOrder)
        let exitCode = AuditExitCode.of(hosts: hostResults, findings: findings)
        let finishedAt = clock()
        var run = AuditRun(id: runID, startedAt: startedAt, finishedAt: finishedAt, toolVersion: toolVersion,
                           inventory: inventory.sourceFile, architecture: inventory.architecture, hosts: hostResults,
                           findings: findings, exitCode: Int(exitCode.rawValue), upgrade: ruleSet.upgrades.first?.target)
        var storeError: StoreError?
        if let store, let runID {
            do {
                try store.finishRun(runID, run)
                run.changes = try store.changes(for: runID)
            } catch let error as StoreError {
                storeError = error
                run.exitCode = Int(AuditExitCode.incomplete.rawValue)
            }
        }
        return Outcome(run: run, storeError: storeError)
    }

    /// The legacy SSH algorithms an SSH host may use, for its report; none over the local transport.
    static func legacyAlgorithms(of host: InventoryHost) -> [String] {
        host.connection.transport == .local ? [] : host.connection.legacyAlgorithms.summary
    }

    /// Tells the collector which files a collected file includes (MySQL `!include` and
    /// `!includedir`), so they are fetched in the same session.
    static func expandIncludes(_ ruleSet: RuleSet) -> IncludeExpander {
        { path, content in
            guard ruleSet.format(forFile: path) == .mysql else { return [] }
            return MySQLOptionReader.includeTargets(in: content).map { target in
                target.isDirectory
                    ? .directory(target.path, accepts: MySQLOptionReader.hasOptionFileExtension)
                    : .file(target.path)
            }
        }
    }
}
