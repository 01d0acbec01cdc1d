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
    public var collector: Collector
    public var toolVersion: String
    public var clock: @Sendable () -> Date

    public init(inventory: Inventory, ruleSet: RuleSet, collector: Collector,
                toolVersion: String = StackdriftVersion.current, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.inventory = inventory
        self.ruleSet = ruleSet
        self.collector = collector
        self.toolVersion = toolVersion
        self.clock = clock
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

        let requests = inventory.hosts.map { CollectionRequest(host: $0, paths: engine.filesToCollect(for: $0)) }
        let collections = collector.collect(requests, progress: progress)

        var hostResults: [HostResult] = []
        var findings: [Finding] = []
        var storedHosts: [StoredRun.Host] = []
        var storedFiles: [StoredRun.File] = []
        let redactor = store.map { Redactor(policy: ruleSet.secrets, key: $0.redactionKey) }

        for collection in collections {
            let host = collection.host
            if let failure = collection.failure, collection.files.isEmpty {
                hostResults.append(HostResult(name: host.name, roles: host.roles, services: [],
                                              error: failure.message, errorKind: failure.kind.rawValue, files: []))
                storedHosts.append(StoredRun.Host(name: host.name, errorKind: failure.kind.rawValue, error: failure.message))
                continue
            }
            var states: [String: FileState] = [:]
            var fileResults: [FileResult] = []
            let filesRead = Set(engine.rules(for: host).map(\.file))
            for path in collection.files.keys.sorted() {
                // A service marker that is absent only says the service is not there: not worth a line.
                if !filesRead.contains(path), collection.files[path] == .missing { continue }
                let processed = process(path: path, read: collection.files[path]!, host: host.name,
                                        parse: filesRead.contains(path), redactor: redactor)
                states[path] = processed.state
                fileResults.append(processed.result)
                storedFiles.append(processed.stored)
            }
            let evidence = HostEvidence(host: host, files: states)
            findings += engine.evaluate(evidence)
            let failure = collection.failure
            hostResults.append(HostResult(name: host.name, roles: host.roles, services: engine.services(of: evidence).sorted(),
                                          error: failure?.message, errorKind: failure?.kind.rawValue, files: fileResults))
            storedHosts.append(StoredRun.Host(name: host.name, errorKind: failure?.kind.rawValue, error: failure?.message))
        }

        findings.sort(by: Finding.reportOrder)
        let exitCode = AuditExitCode.of(hosts: hostResults, findings: findings)
        let finishedAt = clock()
        var run = AuditRun(id: runID, startedAt: startedAt, finishedAt: finishedAt, toolVersion: toolVersion,
                           inventory: inventory.sourceFile, architecture: inventory.architecture, hosts: hostResults,
                           findings: findings, exitCode: Int(exitCode.rawValue))
        var storeError: StoreError?
        if let store, let runID {
            do {
                try store.finishRun(runID, StoredRun(finishedAt: finishedAt, exitCode: run.exitCode, hosts: storedHosts,
                                                     files: storedFiles, findings: findings))
            } catch let error as StoreError {
                storeError = error
                run.exitCode = Int(AuditExitCode.incomplete.rawValue)
            }
        }
        return Outcome(run: run, storeError: storeError)
    }

    /// Turns one file read into what the engine, the report and the store each need.
    private func process(path: String, read: FileRead, host: String, parse: Bool, redactor: Redactor?)
        -> (state: FileState, result: FileResult, stored: StoredRun.File) {
        let format = ruleSet.format(forFile: path)
        switch read {
        case .missing:
            return (.missing, FileResult(path: path, status: .missing, format: format),
                    StoredRun.File(host: host, path: path, status: .missing))
        case .failed(let error):
            return (.unreadable(reason: error.message),
                    FileResult(path: path, status: .unreadable, format: format, reason: error.message),
                    StoredRun.File(host: host, path: path, status: .unreadable, error: error.message))
        case .content(let bytes):
            let text = try? ConfigText.decode(bytes, file: path)
            let stored = { (document: ConfigDocument?) -> StoredRun.File in
                let content = text.flatMap { text in redactor.map { Array($0.redact(text, document: document).utf8) } }
                return StoredRun.File(host: host, path: path, status: .present, content: content,
                                      error: text == nil ? "not valid UTF-8; content not stored" : nil)
            }
            guard parse else {
                // A service marker no rule reads: its presence is all that matters. Stored redacted
                // line by line, since there is no parse to say where its secrets are.
                return (.present, FileResult(path: path, status: .present, format: format), stored(nil))
            }
            guard let format else {
                let reason = "no parser for this file"
                return (.unreadable(reason: reason), FileResult(path: path, status: .unparseable, format: nil, reason: reason),
                        stored(nil))
            }
            do {
                let document = try DocumentParser.parse(bytes, path: path, format: format, secrets: ruleSet.secrets)
                return (.parsed(document), FileResult(path: path, status: .parsed, format: format), stored(document))
            } catch let diagnostic as Diagnostic {
                return (.unparseable(diagnostic),
                        FileResult(path: path, status: .unparseable, format: format, reason: diagnostic.message,
                                   line: diagnostic.location.line),
                        stored(nil))
            } catch {
                return (.unreadable(reason: "\(error)"),
                        FileResult(path: path, status: .unparseable, format: format, reason: "\(error)"), stored(nil))
            }
        }
    }
}
