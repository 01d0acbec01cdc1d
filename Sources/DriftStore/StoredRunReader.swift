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
        for host in hosts where only?.contains(host.name) ?? true {
            // Without files only the name is read: a reporter that wants the host's standing has it in the overview.
            var result = HostResult(name: host.name, roles: [], services: [], files: [])
            if parts.contains(.files) || parts.contains(.contents) {
                let manifest = try store.blobs.manifest(id: host.manifestID, operation: operation)
                result = try store.result(of: host, manifest: manifest, contents: parts.contains(.contents), operation: operation)
            }
            try body(result, parts.contains(.findings) ? try store.findings(of: host, operation: operation) : [])
        }
    }
}
