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
        // evaluation holds the host's part of the overview; 4, in the compact layout.
        digest.add("stackdrift evaluation 4")
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
    func key(for collection: HostCollection, request: CollectionRequest, digests: ContentDigests) -> String? {
        guard isOn, collection.failure == nil, collection.notCollected.isEmpty else { return nil }
        var digest = EvidenceDigest()
        digest.add(runDigest)
        digest.add(collection.host)
        digest.add(request.paths)
        for path in collection.files.keys.sorted() {
            digest.add(path)
            switch collection.files[path]! {
            case .content(let bytes): digest.add(["content", Digest.hex(digests.of(path, bytes))])
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
///
/// In the compact layout (`CompactWriter`, magic `\0SE1`): decoding it was most of an
/// unchanged night's CPU with Foundation's JSON. Only the version that wrote it reads it
/// (the evaluation key holds the tool's version), so the layout may change with any release.
struct StoredEvaluation: Equatable {
    static let magic: [UInt8] = [0, UInt8(ascii: "S"), UInt8(ascii: "E"), UInt8(ascii: "1")]

    var observations: [FleetObservation]
    var unread: [Int]
    var overview: RunOverview.HostPart

    /// Deterministic: the same evaluation gives the same bytes, so an unchanged host stores nothing new.
    var bytes: [UInt8] {
        var writer = CompactWriter()
        overview.write(to: &writer)
        writer.count(observations.count)
        for observation in observations { observation.write(to: &writer) }
        writer.count(unread.count)
        for rule in unread { writer.count(rule) }
        return writer.finish(magic: Self.magic)
    }

    init(observations: [FleetObservation], unread: [Int], overview: RunOverview.HostPart) {
        self.observations = observations
        self.unread = unread
        self.overview = overview
    }

    /// `nil` for bytes this layout cannot read (damaged, or written by another layout).
    init?(bytes: [UInt8]) {
        do {
            var reader = try CompactReader(bytes, magic: Self.magic)
            overview = try RunOverview.HostPart(reading: &reader)
            let observationCount = try reader.count()
            observations = []
            observations.reserveCapacity(min(observationCount, reader.remaining / 16))
            for _ in 0..<observationCount { observations.append(try FleetObservation(reading: &reader)) }
            unread = []
            for _ in 0..<(try reader.count()) { unread.append(try reader.count()) }
            try reader.end()
        } catch {
            return nil
        }
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
