import DriftCore

/// What a host was judged on and what it gave the fleet checks, so the next run can take an
/// unchanged host's verdicts instead of judging it again. `key` names the evidence (a digest
/// the auditor computes); `bytes` is the auditor's own encoding, opaque to the store.
package struct HostEvaluationRecord: Sendable {
    package var key: String
    package var bytes: [UInt8]

    package init(key: String, bytes: [UInt8]) {
        self.key = key
        self.bytes = bytes
    }
}

/// One host of a run made ready for the store where it was evaluated: its redacted contents,
/// manifest and finding set hashed, encoded and deflated, so writing it is only SQL. Lets the
/// workers that parse and evaluate hosts do this part of the store's work on every core.
package struct PreparedHost: Sendable {
    let name: String
    let collected: Bool
    let contents: [PreparedBlob]
    let manifest: PreparedBlob
    let findings: PreparedBlob
    let evaluation: (key: String, blob: PreparedBlob)?

    /// `contents` shares the hashing and deflating of large contents between the hosts of a run;
    /// `contentHashes` are the SHA-256 (hex) of some files' contents, by path, where the caller
    /// knows them already, so they are not hashed again.
    package init(_ host: HostResult, findings: [Finding], evaluation: HostEvaluationRecord? = nil,
                 contents prepared: PreparedContents? = nil, contentHashes: [String: String] = [:]) {
        name = host.name
        var contents: [PreparedBlob] = []
        var files: [HostManifest.File] = []
        for file in host.files.sorted(by: { $0.path < $1.path }) {
            var hash: String?
            if let content = file.content {
                let known = contentHashes[file.path]
                let blob = prepared?.blob(for: content, hash: known) ?? PreparedBlob(content, hash: known)
                contents.append(blob)
                hash = blob.hash
            }
            files.append(HostManifest.File(path: file.path, status: file.status.rawValue, format: file.format?.rawValue,
                                           reason: file.reason, line: file.line, content: hash))
        }
        self.contents = contents
        let manifest = HostManifest(roles: host.roles.map(\.rawValue), services: host.services.map(\.rawValue),
                                    errorKind: host.errorKind, error: host.error, files: files,
                                    legacyAlgorithms: host.legacyAlgorithms.isEmpty ? nil : host.legacyAlgorithms)
        collected = manifest.collected
        self.manifest = PreparedBlob(manifest.storedBytes)
        self.findings = PreparedBlob(FindingSetCodec.encode(findings))
        self.evaluation = evaluation.map { (key: $0.key, blob: PreparedBlob($0.bytes)) }
    }
}

/// File contents many hosts hold, made ready for the store once per run: an /etc/hosts listing
/// every node is the same 250 KB on every node, and deflating it once per host was a fifth of a
/// 10,000-node night's CPU; the same `neutron.conf` on every compute is deflated once too.
/// Contents are recognised by their SHA-256 (which storing them needs anyway); a small content
/// is kept only when the caller knows its hash from a parse the run shares among hosts
/// (`ParsedFiles`), so a content one host holds alone is prepared by that host as before.
/// What is kept is bounded; past the bound each host deflates its own.
package final class PreparedContents: Sendable {
    /// Smaller contents are kept only when shared (their hash is known).
    static let minimumSize = 16 << 10
    /// Deflated bytes kept, at most.
    static let capacity = 64 << 20

    private let kept = BoundedMemo<String, PreparedBlob>(capacity: PreparedContents.capacity)

    package init() {}

    /// `hash`: the content's SHA-256 in hex when the caller has it.
    func blob(for content: [UInt8], hash known: String? = nil) -> PreparedBlob {
        guard content.count >= Self.minimumSize || known != nil else { return PreparedBlob(content, hash: known) }
        let hash = known ?? Digest.sha256Hex(content)
        return kept.value(for: hash, cost: { $0.data.count + 64 }) { PreparedBlob(content, hash: hash) }
    }
}
