import DriftCore
import DriftParsing
import DriftRules
import DriftStore
import DriftTransport
import Foundation

/// Runs one audit end to end, one host at a time: plan, collect, parse, evaluate, store, then
/// the checks that compare hosts, and return what the reports are rendered from.
///
/// Each host is parsed, evaluated against its own rules, redacted and written to the store as
/// soon as it is collected, then released: what waits for the whole fleet is only what the
/// fleet checks compare (`FleetObservation`s) and the run's overview. A failing host or file
/// becomes part of the result, never an exception, so one bad node cannot stop the night's audit.
package struct Auditor: Sendable {
    package var inventory: Inventory
    package var ruleSet: RuleSet
    /// Accepted deviations; a waived failing finding does not count as drift.
    package var waivers: WaiverSet
    package var collector: Collector
    package var toolVersion: String
    package var clock: @Sendable () -> Date
    /// Whether a host whose evidence is unchanged since the previous run takes that run's
    /// verdicts from the store instead of being judged again (`EvaluationReuse`). Off, every
    /// host is parsed and judged: the outputs are the same, byte for byte.
    package var reuse = true
    /// Whether a file many hosts hold the same is parsed, redacted, prepared for the store and
    /// value-checked once per content (`ParsedFiles`, `RuleEngine.outcome(of:…)`). Off, each
    /// host's files are handled for that host alone: the outputs are the same, byte for byte.
    package var sharesFiles = true

    package init(inventory: Inventory, ruleSet: RuleSet, waivers: WaiverSet = WaiverSet(), collector: Collector,
                toolVersion: String = StackdriftVersion.current, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.inventory = inventory
        self.ruleSet = ruleSet
        self.waivers = waivers
        self.collector = collector
        self.toolVersion = toolVersion
        self.clock = clock
    }

    /// The transports this build provides, keyed by the inventory's `transport:` values.
    package static func defaultTransports(ssh options: SSHOptions = SSHOptions()) -> [TransportKind: any Transport] {
        [.local: LocalTransport(), .ssh: SSHTransport(options: options), .openssh: OpenSSHTransport(options: options)]
    }

    /// What an audit produced.
    package struct Outcome {
        package var header: RunHeader
        package var overview: RunOverview
        /// What changed since the previous run; `nil` on a first run, or when the run was not stored.
        package var changes: RunChanges?
        /// Set when the run could not be written to the database: the audit still evaluated every
        /// host (the summary and exit code are true) but there is no stored run to report from.
        package var storeError: StoreError?
        /// The stored run, to render reports from; `nil` when it could not be stored.
        package var stored: StoredRunReader?
        /// Hosts whose evidence was unchanged since the previous run, whose verdicts were taken from it.
        package var reusedHosts = 0

        /// What the terminal summary is rendered from: the stored run, else what the audit counted.
        package var summary: any ReportableRun {
            stored ?? CountedRun(header: header, overview: overview, changes: changes)
        }
    }

    /// Runs the audit into `store`: a `running` row first (recording which `auditor` made it),
    /// each host as it is evaluated, the fleet's checks and the overview when every host is in.
    package func run(store: SnapshotStore, auditor: String? = nil, progress: (@Sendable (Int, Int, Int) -> Void)? = nil) throws -> Outcome {
        let startedAt = clock()
        let runID = try store.beginRun(startedAt: startedAt, toolVersion: toolVersion, auditor: auditor,
                                       inventory: inventory.sourceFile, architecture: inventory.architecture.rawValue)
        let engine = RuleEngine(ruleSet: ruleSet, architecture: inventory.architecture)
        let directory = FleetDirectory(inventory: inventory)
        let expandIncludes = Self.expandIncludes(ruleSet)
        let requests = inventory.hosts.map { host in
            CollectionRequest(host: host, paths: engine.filesToCollect(for: host), expandIncludes: expandIncludes)
        }
        let redactor = Redactor(policy: ruleSet.secrets, key: store.redactionKey)
        let parsedFiles = ParsedFiles(sharing: sharesFiles)
        let preparedContents = PreparedContents()
        let (ruleSet, waivers, hosts) = (ruleSet, waivers, inventory.hosts)
        // Every host's evidence is keyed (so the next run may reuse it); the previous run's hosts are taken only with `reuse`.
        let reuse = EvaluationReuse(auditor: self, redactionKeyID: store.redactionKeyID, today: startedAt,
                                    previous: self.reuse ? (try? store.reusableHosts(of: InventoryIdentity(auditor: auditor, inventory: inventory.sourceFile))) ?? [:] : [:])

        // Hosts are committed in groups; `finishRun` commits the last one.
        let hostsPerCommit = store.hostsPerCommit
        store.hostsPerCommit = SnapshotStore.hostsPerCommitInAudits
        defer { store.hostsPerCommit = hostsPerCommit }

        var overview = RunOverview.Builder()
        var comparison = FleetComparison(engine: engine)
        var storeError: StoreError?
        var reusedHosts = 0
        @Sendable func judge(_ collection: HostCollection, _ request: CollectionRequest, key: String?,
                             digests: ContentDigests = ContentDigests()) -> JudgedHost {
            Self.judge(collection, request: request, engine: engine, directory: directory, ruleSet: ruleSet,
                       redactor: redactor, parsedFiles: parsedFiles, digests: digests, preparedContents: preparedContents,
                       waivers: waivers, today: startedAt,
                       key: key)
        }
        /// Writes to the store unless it already failed; the first failure is the run's store error.
        func storing(_ operation: @autoclosure () -> String, _ write: () throws -> Void) {
            guard storeError == nil else { return }
            do {
                try write()
            } catch let error as StoreError {
                storeError = error
            } catch {
                storeError = StoreError(.query, path: store.path, operation: operation(), "\(error)")
            }
        }
        func add(_ judged: JudgedHost) {
            overview.add(judged.overview)
            comparison.add(observations: judged.observations, unread: judged.unread)
            storing("storing host \(judged.overview.host.name)") { try store.record(run: runID, judged.prepared) }
        }
        /// A reused host: recorded as it was, once its evaluation read back whole.
        func add(reused host: ReusableHost, _ evaluation: StoredEvaluation) {
            storing("reusing host \(host.name)") { try store.reuse(host, inRun: runID) }
            overview.add(evaluation.overview)
            comparison.add(observations: evaluation.observations, unread: evaluation.unread)
            reusedHosts += 1
        }
        collector.collect(requests, progress: progress, process: { index, collection -> EvaluatedHost in
            let digests = ContentDigests()
            let key = reuse.key(for: collection, request: requests[index], digests: digests)
            if let previous = reuse.reusable(host: collection.host.name, key: key) {
                return .reused(previous, collection, requests[index])
            }
            return .judged(judge(collection, requests[index], key: key, digests: digests))
        }, deliver: { (_, evaluated: EvaluatedHost) in
            switch evaluated {
            case .judged(let host):
                add(host)
            case .reused(let previous, let collection, let request):
                if storeError == nil, let blob = try? store.storedEvaluation(of: previous), let bytes = try? blob.bytes(),
                   let evaluation = StoredEvaluation(bytes: bytes) {
                    add(reused: previous, evaluation)
                } else {
                    // The store could not give the host back (its evaluation does not read, inflate or
                    // decode): judge it here, from what was collected. Stored without a key, so the next
                    // night judges it again: its evaluation would be the same bytes, which the store may
                    // hold, damaged, under their hash.
                    add(judge(collection, request, key: nil))
                }
            }
        })

        var header = RunHeader(id: runID, startedAt: startedAt, finishedAt: startedAt, toolVersion: toolVersion,
                               inventory: inventory.sourceFile, architecture: inventory.architecture, exitCode: 0,
                               upgrade: ruleSet.upgrades.first?.target)
        var built: RunOverview?
        // Every host is in: compare the fleet, one host's findings at a time. The fleet's
        // observations end with this block, before the stored run is read back for the reports.
        do {
            let verdicts = comparison.finish()
            @Sendable func fleetFindings(of name: String) -> [Finding] {
                waivers.apply(to: verdicts.findings(forHost: name), hosts: hosts, today: startedAt)
            }
            let hostsOnly = overview
            if storeError == nil {
                do {
                    header.finishedAt = clock()
                    // Judged and encoded on every core a batch ahead; counted and written here, in inventory order.
                    let prepared = InOrderBatches(hosts.map(\.name)) { name in
                        let findings = fleetFindings(of: name)
                        return (findings: findings, prepared: SnapshotStore.PreparedFleetFindings(host: name, findings: findings))
                    }
                    try store.finishRun(runID, finishedAt: header.finishedAt, upgrade: header.upgrade,
                                        fleetFindings: prepared.lazy.map { host in
                                            overview.add(host.findings)
                                            return host.prepared
                                        },
                                        summary: {
                                            let whole = overview.build()
                                            built = whole
                                            return (whole, Int(AuditExitCode.of(whole).rawValue))
                                        })
                } catch let error as StoreError {
                    storeError = error
                } catch {
                    storeError = StoreError(.query, path: store.path, operation: "finishing run \(runID)", "\(error)")
                }
            }
            if storeError != nil {
                // Not stored: the fleet checks are still counted, so the summary and exit code stay true.
                overview = hostsOnly
                for host in hosts { overview.add(fleetFindings(of: host.name)) }
                built = overview.build()
                header.finishedAt = clock()
            }
        }
        let whole = built ?? overview.build()
        header.exitCode = Int(storeError == nil ? AuditExitCode.of(whole).rawValue : AuditExitCode.incomplete.rawValue)
        var outcome = Outcome(header: header, overview: whole, changes: nil, storeError: storeError, stored: nil,
                              reusedHosts: reusedHosts)
        if storeError == nil {
            do {
                let stored = try store.reader(run: runID)
                outcome.stored = stored
                outcome.changes = stored.changes
            } catch let error as StoreError {
                outcome.storeError = error
                outcome.header.exitCode = Int(AuditExitCode.incomplete.rawValue)
            }
        }
        return outcome
    }

    /// One host's part of the run, made on the worker that collected it: judged afresh, or
    /// found unchanged since the previous run (then its verdicts come from the store, and what
    /// was collected stays at hand in case the store cannot give them back).
    enum EvaluatedHost: Sendable {
        case judged(JudgedHost)
        case reused(ReusableHost, HostCollection, CollectionRequest)
    }

    /// A host parsed, redacted and judged: its own checks decided, its contribution to the
    /// fleet checks observed, and its record for the store prepared.
    struct JudgedHost: Sendable {
        /// The host and its own findings as the overview counts them (the findings and file
        /// contents themselves are in `prepared`).
        var overview: RunOverview.HostPart
        var observations: [FleetObservation]
        /// Fleet-scoped rules this host could not give every value to.
        var unread: [Int]
        var prepared: PreparedHost
    }

    static func judge(_ collection: HostCollection, request: CollectionRequest, engine: RuleEngine, directory: FleetDirectory,
                      ruleSet: RuleSet, redactor: Redactor, parsedFiles: ParsedFiles, digests: ContentDigests,
                      preparedContents: PreparedContents, waivers: WaiverSet, today: Date, key: String?) -> JudgedHost {
        let host = collection.host
        let result: HostResult
        var findings: [Finding] = []
        var observations: [FleetObservation] = []
        var unread: [Int] = []
        var contentHashes: [String: String] = [:]
        if let failure = collection.failure, collection.files.isEmpty {
            result = HostResult(name: host.name, roles: host.roles, services: [], error: failure.message,
                                errorKind: failure.kind.rawValue, files: [], legacyAlgorithms: legacyAlgorithms(of: host))
        } else {
            let processed = HostFiles(collection: collection, requested: request.paths,
                                      filesRead: Set(engine.rules(for: host).flatMap { $0.files(for: host) }),
                                      factSources: engine.factSources, ruleSet: ruleSet, redactor: redactor,
                                      parsedFiles: parsedFiles, digests: digests)
            contentHashes = processed.contentHashes
            let evidence = HostEvidence(host: host, files: processed.states, facts: processed.facts)
            let evaluation = engine.evaluate(host: evidence, directory: directory)
            let failure = collection.failure
            result = HostResult(name: host.name, roles: host.roles, services: engine.services(of: evidence).sorted(),
                                error: failure?.message, errorKind: failure?.kind.rawValue, files: processed.results,
                                legacyAlgorithms: legacyAlgorithms(of: host))
            findings = waivers.apply(to: evaluation.findings, hosts: [host], today: today)
            // Secrets are compared by their tags, so what a host gives the fleet checks can be stored.
            observations = evaluation.observations.map { $0.redactingSecret(with: redactor.tag) }
            unread = evaluation.unread
        }
        let part = RunOverview.Builder.part(of: result, findings: findings)
        let record = key.map {
            HostEvaluationRecord(key: $0, bytes: StoredEvaluation(observations: observations, unread: unread, overview: part).bytes)
        }
        let prepared = PreparedHost(result, findings: findings, evaluation: record, contents: preparedContents,
                                    contentHashes: contentHashes)
        return JudgedHost(overview: part, observations: observations, unread: unread, prepared: prepared)
    }

    /// The legacy SSH algorithms an SSH host may use, for its report; none over the local transport.
    static func legacyAlgorithms(of host: InventoryHost) -> [String] {
        host.connection.transport == .local ? [] : host.connection.legacyAlgorithms.summary
    }

    /// Tells the collector which files a collected file includes (its format's include
    /// directives: MySQL's `!include` and `!includedir`), so they are fetched in the same session.
    static func expandIncludes(_ ruleSet: RuleSet) -> IncludeExpander {
        { path, content in includeTargets(of: ruleSet.format(forFile: path), content) }
    }

    /// What a file of `format` includes, as the collector fetches it (confined to the host's
    /// `IncludeConfinement`); none for formats without includes.
    package static func includeTargets(of format: ConfigFormat?, _ content: [UInt8]) -> [IncludeTarget] {
        guard let includes = format?.details.includes else { return [] }
        return includes(content).map { target in
            target.isDirectory ? .directory(target.path, accepts: target.accepts) : .file(target.path)
        }
    }
}

/// A run known only by what the audit counted (it could not be stored): enough for the
/// terminal summary, which reads only the header, the overview and the changes.
package struct CountedRun: ReportableRun {
    package var header: RunHeader
    package var overview: RunOverview
    package var changes: RunChanges?

    package func forEachHost(only: Set<String>?, parts: HostParts, _ body: (HostResult, [Finding]) throws -> Void) throws {}
}
