import DriftCore

/// Content addressing over a backend: a blob is named by the SHA-256 of its bytes, stored
/// once (deflated when that pays) and referenced ever after; an unchanged host on an
/// unchanged night adds one row, not its files again.
struct BlobStore {
    let backend: any StoreBackend

    /// The blob's id, storing it if it is new.
    func store(_ bytes: [UInt8], kind: BlobKind, hash: String? = nil) throws -> Int64 {
        try store(PreparedBlob(bytes, hash: hash), kind: kind)
    }

    /// The blob's id, storing it (already hashed and deflated) if it is new.
    func store(_ blob: PreparedBlob, kind: BlobKind) throws -> Int64 {
        if let id = try backend.blobID(kind: kind, hash: blob.hash) { return id }
        return try backend.insertBlob(kind: kind, hash: blob.hash, size: blob.size, encoding: blob.encoding, data: blob.data)
    }

    /// A blob's bytes, inflated.
    func bytes(id: Int64, operation: String) throws -> [UInt8] {
        guard let blob = try backend.blob(id: id) else {
            throw StoreError(.corrupt, path: backend.location, operation: operation, "blob \(id) is missing")
        }
        return try inflate(blob, operation: operation, what: "blob \(id)")
    }

    /// A file's redacted text by its hash, `nil` when it is not stored.
    func content(hash: String, operation: String) throws -> [UInt8]? {
        guard let blob = try backend.blob(kind: .content, hash: hash) else { return nil }
        return try inflate(blob, operation: operation, what: "content \(hash.prefix(12))")
    }

    func inflate(_ blob: StoredBlob, operation: String, what: String) throws -> [UInt8] {
        try Self.inflate(blob, location: backend.location, operation: operation, what: what)
    }

    static func inflate(_ blob: StoredBlob, location: String, operation: String, what: String) throws -> [UInt8] {
        guard blob.encoding == .deflate else { return blob.data }
        guard let bytes = Deflate.decompress(blob.data, size: blob.size) else {
            throw StoreError(.corrupt, path: location, operation: operation, "\(what) does not inflate to \(blob.size) bytes")
        }
        return bytes
    }

    func manifest(id: Int64, operation: String) throws -> HostManifest {
        try Self.manifest(of: try read(id: id, operation: operation), location: backend.location, operation: operation)
    }

    /// The manifest read by `read(id:…)`: needs no connection, so any thread may decode.
    static func manifest(of read: ReadBlob, location: String, operation: String) throws -> HostManifest {
        let bytes = try inflate(read.blob, location: location, operation: operation, what: "blob \(read.id)")
        guard let manifest = HostManifest.stored(bytes) else {
            throw StoreError(.corrupt, path: location, operation: operation, "manifest \(read.id) is not readable")
        }
        return manifest
    }

    func findings(id: Int64, operation: String) throws -> [FindingRecord] {
        try Self.findings(of: try read(id: id, operation: operation), location: backend.location, operation: operation)
    }

    /// A blob as stored (deflated or not), with its id, to be decoded elsewhere (`findings(of:…)`).
    struct ReadBlob: Sendable {
        var id: Int64
        var blob: StoredBlob
    }

    func read(id: Int64, operation: String) throws -> ReadBlob {
        guard let blob = try backend.blob(id: id) else {
            throw StoreError(.corrupt, path: backend.location, operation: operation, "blob \(id) is missing")
        }
        return ReadBlob(id: id, blob: blob)
    }

    /// The records of a finding set read by `read(id:…)`: needs no connection, so any thread may decode.
    static func findings(of read: ReadBlob, location: String, operation: String) throws -> [FindingRecord] {
        let bytes = try inflate(read.blob, location: location, operation: operation, what: "blob \(read.id)")
        guard let records = FindingSetCodec.decode(bytes) else {
            throw StoreError(.corrupt, path: location, operation: operation, "finding set \(read.id) is not readable")
        }
        return records
    }

    /// Records one host of a run: its manifest (whose file contents must already be stored
    /// under the hashes it names) and its finding set. Returns the host's id.
    @discardableResult
    func recordHost(run: Int64, name: String, manifest: PreparedBlob, collected: Bool, contentHashes: [String],
                    findings: PreparedBlob) throws -> Int64 {
        let existing = try backend.blobID(kind: .manifest, hash: manifest.hash)
        let manifestID = try existing ?? store(manifest, kind: .manifest)
        if existing == nil {
            try backend.linkContents(manifest: manifestID, contentHashes: Array(Set(contentHashes)).sorted())
        }
        let findingsID = try store(findings, kind: .findings)
        let hostID = try backend.hostID(named: name)
        try backend.insertRunHost(run: run, host: hostID, collected: collected, manifest: manifestID, findings: findingsID)
        return hostID
    }

    @discardableResult
    func recordHost(run: Int64, name: String, manifest: HostManifest, findings: [FindingRecord]) throws -> Int64 {
        try recordHost(run: run, name: name, manifest: PreparedBlob(manifest.storedBytes), collected: manifest.collected,
                       contentHashes: manifest.files.compactMap(\.content), findings: PreparedBlob(FindingSetCodec.encode(findings)))
    }
}

/// A blob ready to store: named by its SHA-256, deflated when that pays. Made off the writing thread.
package struct PreparedBlob: Sendable {
    package let hash: String
    let size: Int
    let encoding: BlobEncoding
    let data: [UInt8]

    init(_ bytes: [UInt8], hash: String? = nil) {
        self.hash = hash ?? Digest.sha256Hex(bytes)
        size = bytes.count
        let compressed = Deflate.compress(bytes)
        encoding = compressed == nil ? .raw : .deflate
        data = compressed ?? bytes
    }
}
