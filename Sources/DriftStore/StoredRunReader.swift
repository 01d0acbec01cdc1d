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
        func result(of host: StoredHost) throws -> HostResult {
            // Without files only the name is read: a reporter that wants the host's standing has it in the overview.
            guard parts.contains(.files) || parts.contains(.contents) else { return HostResult(name: host.name, roles: [], services: [], files: []) }
            let manifest = try store.blobs.manifest(id: host.manifestID, operation: operation)
            return try store.result(of: host, manifest: manifest, contents: parts.contains(.contents), operation: operation)
        }
        guard parts.contains(.findings) else {
            for host in selected { try body(try result(of: host), []) }
            return
        }
        // The store is read here, host after host (one connection); each batch of hosts' finding
        // sets is inflated, decoded and put in report order on every core while the reporter
        // works through the batch before (most of a report's time at 10,000 hosts).
        let location = store.blobs.backend.location
        var readError: (any Error)?
        let decoded = InOrderBatches<(HostResult, SnapshotStore.ReadFindings), Result<(HostResult, [Finding]), StoreError>>(source: {
            var remaining = selected.makeIterator()
            return {
                guard readError == nil, let host = remaining.next() else { return nil }
                do {
                    return (try result(of: host), try store.readFindings(of: host, operation: operation))
                } catch {
                    readError = error
                    return nil
                }
            }
        }, transform: { result, read in
            Result { (result, try SnapshotStore.findings(of: read, location: location, operation: operation)) }
                .mapError { $0 as? StoreError ?? StoreError(.corrupt, path: location, operation: operation, "\($0)") }
        })
        for host in decoded {
            let (result, findings) = try host.get()
            try body(result, findings)
        }
        if let readError { throw readError }
    }
}
