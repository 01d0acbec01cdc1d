import DriftCore

/// Writes content-addressed blobs (file contents, host manifests, finding sets) and the
/// rows tying a run's hosts to them, inside the caller's transaction. A blob already
/// stored is referenced, not written again.
struct BlobWriter {
    let database: SQLiteDatabase

    enum Kind: String {
        case content, manifest, findings
    }

    /// The blob's id, storing it (deflated when that pays) if it is new.
    func store(_ bytes: [UInt8], kind: Kind, hash: String? = nil, operation: String) throws -> Int64 {
        let hash = hash ?? Digest.hex(Digest.sha256(bytes))
        if let id = try database.query("SELECT id FROM blobs WHERE kind = ? AND hash = ?", [.text(kind.rawValue), .text(hash)],
                                       operation: operation).first?.first?.int {
            return id
        }
        let compressed = Deflate.compress(bytes)
        try database.query(
            "INSERT INTO blobs (kind, hash, size, encoding, data) VALUES (?, ?, ?, ?, ?)",
            [.text(kind.rawValue), .text(hash), .integer(Int64(bytes.count)), .text(compressed == nil ? "raw" : "deflate"),
             .blob(compressed ?? bytes)], operation: operation)
        return database.lastInsertRowID
    }

    func hostID(_ name: String, operation: String) throws -> Int64 {
        if let id = try database.query("SELECT id FROM hosts WHERE name = ?", [.text(name)], operation: operation).first?.first?.int {
            return id
        }
        try database.query("INSERT INTO hosts (name) VALUES (?)", [.text(name)], operation: operation)
        return database.lastInsertRowID
    }

    /// Records one host of a run: its manifest (whose file contents must already be stored
    /// under the hashes it names) and its finding set.
    func recordHost(runID: Int64, host: String, manifest: HostManifest, findings: [FindingRecord], operation: String) throws {
        let manifestBytes = CanonicalJSON.encode(manifest)
        let manifestHash = Digest.hex(Digest.sha256(manifestBytes))
        let existing = try database.query("SELECT id FROM blobs WHERE kind = 'manifest' AND hash = ?", [.text(manifestHash)],
                                          operation: operation).first?.first?.int
        let manifestID = try existing ?? store(manifestBytes, kind: .manifest, hash: manifestHash, operation: operation)
        if existing == nil {
            for hash in Set(manifest.files.compactMap(\.content)) {
                try database.query(
                    """
                    INSERT OR IGNORE INTO manifest_contents (manifest_id, content_id)
                    SELECT ?, id FROM blobs WHERE kind = 'content' AND hash = ?
                    """, [.integer(manifestID), .text(hash)], operation: operation)
            }
        }
        let findingsID = try store(CanonicalJSON.encode(findings), kind: .findings, operation: operation)
        try database.query(
            "INSERT INTO run_hosts (run_id, host_id, collected, manifest_id, findings_id) VALUES (?, ?, ?, ?, ?)",
            [.integer(runID), .integer(try hostID(host, operation: operation)), .integer(manifest.collected ? 1 : 0),
             .integer(manifestID), .integer(findingsID)], operation: operation)
    }
}

/// Reads blobs back, inflating as needed.
struct BlobReader {
    let database: SQLiteDatabase
    let path: String

    func bytes(id: Int64, operation: String) throws -> [UInt8] {
        guard let row = try database.query("SELECT size, encoding, data FROM blobs WHERE id = ?", [.integer(id)],
                                           operation: operation).first else {
            throw StoreError(.corrupt, path: path, operation: operation, "blob \(id) is missing")
        }
        return try Self.inflate(row, path: path, operation: operation, what: "blob \(id)")
    }

    func content(hash: String, operation: String) throws -> [UInt8]? {
        guard let row = try database.query("SELECT size, encoding, data FROM blobs WHERE kind = 'content' AND hash = ?",
                                           [.text(hash)], operation: operation).first else { return nil }
        return try Self.inflate(row, path: path, operation: operation, what: "content \(hash.prefix(12))")
    }

    static func inflate(_ row: [SQLValue], path: String, operation: String, what: String) throws -> [UInt8] {
        let size = Int(row[0].int ?? 0), data = row[2].bytes ?? []
        if row[1].string == "deflate" {
            guard let bytes = Deflate.decompress(data, size: size) else {
                throw StoreError(.corrupt, path: path, operation: operation, "\(what) does not inflate to \(size) bytes")
            }
            return bytes
        }
        return data
    }

    func manifest(id: Int64, operation: String) throws -> HostManifest {
        guard let manifest = CanonicalJSON.decode(HostManifest.self, from: try bytes(id: id, operation: operation)) else {
            throw StoreError(.corrupt, path: path, operation: operation, "manifest \(id) is not readable")
        }
        return manifest
    }

    func findings(id: Int64, operation: String) throws -> [FindingRecord] {
        guard let records = CanonicalJSON.decode([FindingRecord].self, from: try bytes(id: id, operation: operation)) else {
            throw StoreError(.corrupt, path: path, operation: operation, "finding set \(id) is not readable")
        }
        return records
    }
}
