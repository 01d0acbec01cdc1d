import DriftCore

/// A host of the newest finished run whose verdicts a run may take when its evidence is
/// unchanged (the same evaluation key).
package struct ReusableHost: Sendable {
    package var name: String { stored.name }
    /// The key of the evidence it was judged on.
    package var key: String
    let stored: StoredHost
}

extension SnapshotStore {
    /// The hosts of the inventory's newest finished run that recorded an evaluation key, by
    /// name: what a new run of it may reuse. Empty on a first run and for runs stored before schema 6.
    package func reusableHosts(of inventory: InventoryIdentity) throws -> [String: ReusableHost] {
        guard let previous = try backend.latestFinishedRun(before: nil, of: inventory) else { return [:] }
        var reusable: [String: ReusableHost] = [:]
        for host in try backend.runHosts(run: previous) where host.collected {
            guard let key = host.evaluationKey, host.evaluationID != nil else { continue }
            reusable[host.name] = ReusableHost(key: key, stored: host)
        }
        return reusable
    }

    /// The stored evaluation of `host` as the store holds it, still deflated (`bytes()` inflates
    /// it, on any thread). Reading it records nothing: `reuse(_:inRun:)` does, once it decoded.
    package func storedEvaluation(of host: ReusableHost) throws -> StoredEvaluationBlob {
        let operation = reusing(host)
        return StoredEvaluationBlob(read: try blobs.read(id: try evaluationID(of: host), operation: operation),
                                    location: path, operation: operation)
    }

    /// Records `host` in run `id` as it was in its previous run: the same manifest, findings and
    /// evaluation, a reference, nothing new stored. Call once its evaluation was read back whole.
    package func reuse(_ host: ReusableHost, inRun id: Int64) throws {
        let evaluationID = try self.evaluationID(of: host)
        try writeHost(host.name, run: id) { [self] in
            try backend.insertRunHost(run: id, host: host.stored.id, collected: true, manifest: host.stored.manifestID,
                                      findings: host.stored.findingsID)
            try backend.setEvaluation(run: id, host: host.stored.id, key: host.key, evaluation: evaluationID)
            wrote()
        }
    }

    private func reusing(_ host: ReusableHost) -> String { "reusing host \(host.name) of run \(host.stored.runID)" }

    private func evaluationID(of host: ReusableHost) throws -> Int64 {
        guard let id = host.stored.evaluationID else {
            throw StoreError(.corrupt, path: path, operation: reusing(host), "the host has no stored evaluation")
        }
        return id
    }
}

/// A reused host's stored evaluation as read, still deflated: all the run needs of the host (its
/// manifest and findings are read again only by the reports).
package struct StoredEvaluationBlob: Sendable {
    let read: BlobStore.ReadBlob
    let location: String
    let operation: String

    /// The evaluation's bytes; a `StoreError` when they do not inflate.
    package func bytes() throws -> [UInt8] {
        try BlobStore.inflate(read.blob, location: location, operation: operation, what: "blob \(read.id)")
    }
}
