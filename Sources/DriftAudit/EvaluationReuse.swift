import DriftCore
import DriftRules
import DriftStore
import DriftTransport
import Foundation

/// When a host's verdicts from the previous run still hold, so a quiet night need not parse
/// and judge it again.
///
/// A host is judged on its evidence: the files as read (every byte, every status, every
/// directory listing), its inventory entry, and what is the same for every host of the run
/// (the tool's version, the rules, the waivers and whether each is active today, the
/// inventory as a whole, which the name and consistency checks read, and the redaction key
/// the stored text was tagged with). The evaluation key is the SHA-256 of all of it. A host
/// whose key equals the one its previous run recorded gets the same findings and gives the
/// fleet checks the same observations, so the run takes them from the store; a host collected
/// only in part is never reused (its next run must say what it could not read).
struct EvaluationReuse: Sendable {
    /// What is the same for every host of the run; empty when reuse is off.
    private let runDigest: [UInt8]
    private let previous: [String: ReusableHost]

    /// No keys and no reuse: a rule set built in code has no digest to key hosts with.
    static let off = EvaluationReuse(runDigest: [], previous: [:])

    private init(runDigest: [UInt8], previous: [String: ReusableHost]) {
        self.runDigest = runDigest
        self.previous = previous
    }

    init(auditor: Auditor, redactionKeyID: String, today: Date, previous: [String: ReusableHost]) {
        guard !auditor.ruleSet.digest.isEmpty else {
            self = .off
            return
        }
        var digest = EvidenceDigest()
        // Bumped when what a stored verdict holds changes: 2, consistency findings carry their
        // reference's place (problem grouping), which verdicts stored before lack; 3, the
        // evaluation holds the host's part of the overview.
        digest.add("stackdrift evaluation 3")
        digest.add(auditor.toolVersion)
        digest.add(auditor.ruleSet.digest)
        digest.add(auditor.ruleSet.rules.map(\.id))
        digest.add(redactionKeyID)
        let inventory = auditor.inventory
        digest.add(inventory.architecture.rawValue)
        digest.add("\(inventory.nameResolution)")
        digest.add(inventory.vars)
        for host in inventory.hosts { digest.add(host) }
        for waiver in auditor.waivers.waivers {
            digest.add([waiver.rule, waiver.file ?? "", waiver.key ?? "", waiver.reason, waiver.expires,
                        waiver.definedAt.file, "\(waiver.definedAt.line)", "\(waiver.definedAt.column ?? 0)",
                        waiver.isActive(on: WaiverSet.day(today)) ? "active" : "expired"])
            digest.add(waiver.hosts)
            digest.add(waiver.roles.map(\.rawValue).sorted())
        }
        self.init(runDigest: digest.finish(), previous: previous)
    }

    var isOn: Bool { !runDigest.isEmpty }

    /// The key of a host's evidence, or `nil` when the host must be judged afresh every time
    /// (reuse is off, or its collection failed in whole or in part).
    func key(for collection: HostCollection, request: CollectionRequest) -> String? {
        guard isOn, collection.failure == nil, collection.notCollected.isEmpty else { return nil }
        var digest = EvidenceDigest()
        digest.add(runDigest)
        digest.add(collection.host)
        digest.add(request.paths)
        for path in collection.files.keys.sorted() {
            digest.add(path)
            switch collection.files[path]! {
            case .content(let bytes): digest.add(["content", Digest.hex(Digest.sha256(bytes))])
            case .missing: digest.add("missing")
            case .failed(let error): digest.add(["failed", error.kind.rawValue, error.message])
            }
        }
        for directory in collection.directories.keys.sorted() {
            digest.add(directory)
            switch collection.directories[directory]! {
            case .entries(let names): digest.add(["entries"] + names.sorted())
            case .missing: digest.add("missing")
            case .failed(let error): digest.add(["failed", error.kind.rawValue, error.message])
            }
        }
        return Digest.hex(digest.finish())
    }

    /// The previous run's entry for a host whose evidence has this key.
    func reusable(host: String, key: String?) -> ReusableHost? {
        guard let key, let entry = previous[host], entry.key == key else { return nil }
        return entry
    }
}

/// A host's evaluation as stored for reuse: what it gave the fleet checks, and what it
/// added to the run's overview (so a reused host's findings need not be decoded).
struct StoredEvaluation: Codable {
    var observations: [FleetObservation]
    var unread: [Int]
    var overview: RunOverview.HostPart

    /// The store's canonical encoding (sorted keys), so an unchanged host stores the same bytes.
    var bytes: [UInt8] { CanonicalJSON.encode(self) }

    init(observations: [FleetObservation], unread: [Int], overview: RunOverview.HostPart) {
        self.observations = observations
        self.unread = unread
        self.overview = overview
    }

    init?(bytes: [UInt8]) {
        guard let decoded = CanonicalJSON.decode(Self.self, from: bytes) else { return nil }
        self = decoded
    }
}

/// Fields fed to SHA-256 with unambiguous framing: each is length-prefixed, so no two
/// different sequences of fields give the same bytes.
private struct EvidenceDigest {
    private var bytes: [UInt8] = []

    mutating func add(_ field: [UInt8]) {
        withUnsafeBytes(of: UInt64(field.count).littleEndian) { bytes += $0 }
        bytes += field
    }

    mutating func add(_ text: String) { add(Array(text.utf8)) }

    mutating func add(_ texts: [String]) {
        add("\(texts.count)")
        for text in texts { add(text) }
    }

    mutating func add(_ values: [String: String]) {
        add(values.keys.sorted().flatMap { [$0, values[$0]!] })
    }

    mutating func add(_ host: InventoryHost) {
        add(host.name)
        add(host.roles.map(\.rawValue))
        add(host.services.map { ["services"] + $0.map(\.rawValue).sorted() } ?? ["detected"])
        add(host.vars)
        add([host.connection.transport.rawValue] + Auditor.legacyAlgorithms(of: host))
    }

    func finish() -> [UInt8] { Digest.sha256(bytes) }
}
