internal import CLibPQ
import Foundation

/// Owns one libpq connection (`PGconn`) and closes it on deinit.
///
/// Statements are sent with `PQexecParams`/`PQexecPrepared`, parameters and results in binary
/// form (so blobs cross the wire as bytes, not hex), and every result is checked on the spot
/// through `check`, which builds a `StoreError` from the server's own message and SQLSTATE.
/// A lost connection is not retried: the transaction it was in is gone, and the caller's
/// `StoreError` says so.
final class PostgreSQLConnection {
    private let handle: OpaquePointer
    /// The URL without any password, for messages.
    let location: String

    /// Connects with a libpq connection URI. The password comes from `PGPASSWORD`, the password
    /// file (`PGPASSFILE`, else `~/.pgpass`) or a client certificate, as libpq reads them.
    init(uri: String, location: String, applicationName: String) throws {
        self.location = location
        // Keywords before `dbname` are defaults the URI may override (expand_dbname: the URI's own
        // values win over earlier keywords); a server that does not answer is given up after 10 s.
        let keywords = ["connect_timeout", "fallback_application_name", "dbname"]
        let values = ["10", applicationName, uri]
        let connection: OpaquePointer? = withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in PQconnectdbParams(keywordPointers, valuePointers, 1) }
        }
        guard let connection else {
            throw StoreError(.open, path: location, operation: "connecting", "out of memory")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.message(PQerrorMessage(connection))
            PQfinish(connection)
            throw StoreError(.open, path: location, operation: "connecting", message)
        }
        handle = connection
        stackdrift_pg_silence_notices(connection)
    }

    deinit {
        PQfinish(handle)
    }

    /// The server process serving this connection (`pg_backend_pid()`).
    var backendPID: Int32 { PQbackendPID(handle) }

    /// Runs SQL that returns no rows; several statements may be separated by semicolons.
    func execute(_ sql: String, operation: String) throws {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, operation: operation)
    }

    /// Statement names by SQL text: an audit runs the same few statements for every host, and
    /// the server parses and plans a prepared one once per connection.
    private var prepared: [String: String] = [:]

    /// Runs one statement with `$1`, `$2`… bound to `values`, returning every row.
    @discardableResult
    func query(_ sql: String, _ values: [SQLValue] = [], operation: String) throws -> [[SQLValue]] {
        let name: String
        if let known = prepared[sql] {
            name = known
        } else {
            name = "s\(prepared.count)"
            let result = PQprepare(handle, name, sql, 0, nil)
            defer { PQclear(result) }
            try check(result, operation: operation)
            prepared[sql] = name
        }
        let parameters = values.map(Parameter.init)
        let result: OpaquePointer? = withParameters(parameters) { pointers, lengths, formats in
            PQexecPrepared(handle, name, Int32(parameters.count), pointers, lengths, formats, 1)
        }
        defer { PQclear(result) }
        try check(result, operation: operation)
        return rows(of: result!)
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws (and
    /// by the server when the connection drops), so nothing is ever half-written.
    func transaction<T>(operation: String, _ body: () throws -> T) throws -> T {
        try execute("BEGIN", operation: operation)
        do {
            let result = try body()
            try execute("COMMIT", operation: operation)
            return result
        } catch {
            if PQstatus(handle) == CONNECTION_OK { try? execute("ROLLBACK", operation: operation) }
            throw error
        }
    }

    // MARK: Results

    private func check(_ result: OpaquePointer?, operation: String) throws {
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        guard status != PGRES_COMMAND_OK, status != PGRES_TUPLES_OK else { return }
        var message = result.map { Self.message(PQresultErrorMessage($0)) } ?? ""
        if message.isEmpty { message = Self.message(PQerrorMessage(handle)) }
        let state = result.flatMap { PQresultErrorField($0, stackdrift_pg_diag_sqlstate()) }.map { String(cString: $0) } ?? ""
        if let primary = result.flatMap({ PQresultErrorField($0, stackdrift_pg_diag_message_primary()) }) {
            message = String(cString: primary)
        }
        throw StoreError(Self.kind(sqlState: state, connectionLost: PQstatus(handle) != CONNECTION_OK), path: location,
                         operation: operation, message.isEmpty ? "the server gave no reason" : message)
    }

    /// SQLSTATE classes (PostgreSQL's Appendix A) as the store's kinds.
    private static func kind(sqlState: String, connectionLost: Bool) -> StoreError.Kind {
        if connectionLost { return .connection }
        switch sqlState.prefix(2) {
        case "08", "57": return .connection  // connection exception; operator intervention (terminated, shutting down)
        case "28": return .open  // invalid authorization
        case "40", "55": return .busy  // serialization failure, deadlock; lock not available
        case "XX": return .corrupt  // internal error (data corrupted, index corrupted)
        default: return .query
        }
    }

    /// libpq's messages end in a newline and may span lines ("DETAIL: …"); one line is kept.
    private static func message(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "" }
        return String(cString: text).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }

    /// Type OIDs of the columns the store reads (PostgreSQL's `pg_type.dat`).
    private enum TypeOID {
        static let bool: UInt32 = 16, bytea: UInt32 = 17, int8: UInt32 = 20, int2: UInt32 = 21, int4: UInt32 = 23
        static let text: UInt32 = 25, varchar: UInt32 = 1043, name: UInt32 = 19
    }

    private func rows(of result: OpaquePointer) -> [[SQLValue]] {
        let count = PQntuples(result), columns = PQnfields(result)
        let types = (0..<columns).map { PQftype(result, $0) }
        var rows: [[SQLValue]] = []
        rows.reserveCapacity(Int(count))
        for row in 0..<count {
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columns))
            for column in 0..<columns {
                guard PQgetisnull(result, row, column) == 0, let pointer = PQgetvalue(result, row, column) else {
                    values.append(.null)
                    continue
                }
                let length = Int(PQgetlength(result, row, column))
                let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
                values.append(Self.decode(bytes, type: types[Int(column)]))
            }
            rows.append(values)
        }
        return rows
    }

    /// A binary-format value: integers are big-endian, text is UTF-8, bytea is the bytes.
    private static func decode(_ bytes: UnsafeRawBufferPointer, type: UInt32) -> SQLValue {
        func integer() -> Int64 { bytes.reduce(Int64(0)) { $0 << 8 | Int64($1) } }
        switch type {
        case TypeOID.int8: return .integer(integer())
        case TypeOID.int4: return .integer(Int64(Int32(truncatingIfNeeded: integer())))
        case TypeOID.int2: return .integer(Int64(Int16(truncatingIfNeeded: integer())))
        case TypeOID.bool: return .integer(bytes.first == 1 ? 1 : 0)
        case TypeOID.bytea: return .blob(Array(bytes))
        default: return .text(String(decoding: bytes, as: UTF8.self))
        }
    }

    // MARK: Parameters

    /// One bound value in binary form (text as UTF-8, integers as big-endian int8).
    private struct Parameter {
        var bytes: [UInt8]?

        init(_ value: SQLValue) {
            switch value {
            case .null: bytes = nil
            case .integer(let integer): bytes = withUnsafeBytes(of: integer.bigEndian, Array.init)
            case .real(let real): bytes = withUnsafeBytes(of: real.bitPattern.bigEndian, Array.init)
            case .text(let text): bytes = Array(text.utf8)
            case .blob(let blob): bytes = blob
            }
        }
    }

    /// Binary parameters: the server takes each value's type from the statement, which the
    /// store writes with explicit casts where a placeholder's type is not evident.
    private func withParameters<T>(_ parameters: [Parameter],
                                   _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
                                            UnsafePointer<Int32>?) -> T) -> T {
        let buffers = parameters.map { parameter -> UnsafeMutableRawPointer? in
            guard let bytes = parameter.bytes else { return nil }
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(buffer), byteCount: bytes.count) }
            return buffer
        }
        defer { buffers.forEach { $0?.deallocate() } }
        let pointers = buffers.map { $0.map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) } }
        let lengths = parameters.map { Int32($0.bytes?.count ?? 0) }
        let formats = [Int32](repeating: 1, count: parameters.count)
        return pointers.withUnsafeBufferPointer { pointerBuffer in
            lengths.withUnsafeBufferPointer { lengthBuffer in
                formats.withUnsafeBufferPointer { formatBuffer in
                    body(pointerBuffer.baseAddress, lengthBuffer.baseAddress, formatBuffer.baseAddress)
                }
            }
        }
    }
}

/// A NULL-terminated array of C strings, alive for the duration of `body`.
private func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    let copies = strings.map { UnsafePointer(strdup($0)) } + [nil]
    defer { copies.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
    return copies.withUnsafeBufferPointer { body($0.baseAddress!) }
}
