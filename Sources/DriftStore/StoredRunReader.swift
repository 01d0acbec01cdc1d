import DriftCore

/// A stored run as reporters read it (`ReportableRun`): header, overview and changes at once,
/// then each host's files and findings read from the store when the reporter reaches it, so
/// rendering a run of ten thousand hosts holds one host at a time.
package struct StoredRunReader: ReportableRun {
    let store: SnapshotStore
    package let header: RunHeader
    let hosts: [StoredHost]
    package let overview: RunOverview
    package let changes: RunChanges?

    init(store: SnapshotStore, header: RunHeader, hosts: [StoredHost], overview: RunOverview?, changes: RunChanges?) throws {
        self.store = store
        self.header = header
        self.hosts = hosts
        self.changes = changes
        if let overview {
            self.overview = overview
        } else {
            // Runs stored before overviews were kept (schema 3 and earlier): counted from their hosts.
            var builder = RunOverview.Builder()
            let operation = "reading run \(header.id ?? 0)"
            for host in hosts {
                let manifest = try store.blobs.manifest(id: host.manifestID, operation: operation)
                builder.add(host: try store.result(of: host, manifest: manifest, contents: false, operation: operation))
                builder.add(try store.findings(of: host, operation: operation))
            }
            self.overview = builder.build()
        }
    }

    package func forEachHost(only: Set<String>?, parts: HostParts, _ body: (HostResult, [Finding]) throws -> Void) throws {
        let operation = "reading run \(header.id ?? 0)"
        let selected = hosts.filter { only?.contains($0.name) ?? true }
        // The store is read here, host after host (one connection); each batch of hosts'
        // manifests and finding sets is inflated and decoded (findings put in report order) on
        // every core while the reporter works through the batch before (most of a report's time
        // at 10,000 hosts). File contents are read here too: they need the connection.
        let location = store.blobs.backend.location
        let store = self.store
        var readError: (any Error)?
        let decoded = InOrderBatches<StoredHostParts, Result<(HostResult, [Finding]), StoreError>>(source: {
            var remaining = selected.makeIterator()
            return {
                guard readError == nil, let host = remaining.next() else { return nil }
                do {
                    var read = StoredHostParts(host: host)
                    if parts.contains(.contents) {
                        let manifest = try store.blobs.manifest(id: host.manifestID, operation: operation)
                        read.result = try store.result(of: host, manifest: manifest, contents: true, operation: operation)
                    } else if parts.contains(.files) {
                        read.manifest = try store.blobs.read(id: host.manifestID, operation: operation)
                    }
                    if parts.contains(.findings) { read.findings = try store.readFindings(of: host, operation: operation) }
                    return read
                } catch {
                    readError = error
                    return nil
                }
            }
        }, transform: { read in
            Result {
                // Without files only the name is read: a reporter that wants the host's standing has it in the overview.
                let result = try read.result
                    ?? read.manifest.map { SnapshotStore.result(of: read.host, manifest: try BlobStore.manifest(of: $0, location: location, operation: operation)) }
                    ?? HostResult(name: read.host.name, roles: [], services: [], files: [])
                let findings = try read.findings.map { try SnapshotStore.findings(of: $0, location: location, operation: operation) } ?? []
                return (result, findings)
            }
            .mapError { $0 as? StoreError ?? StoreError(.corrupt, path: location, operation: operation, "\($0)") }
        })
        for host in decoded {
            let (result, findings) = try host.get()
            try body(result, findings)
        }
        if let readError { throw readError }
    }
}

/// One host's parts as read from the store, to be decoded on any thread.
private struct StoredHostParts: Sendable {
    var host: StoredHost
    /// Made where the store was read, when file contents were asked for.
    var result: HostResult?
    var manifest: BlobStore.ReadBlob?
    var findings: SnapshotStore.ReadFindings?
}
