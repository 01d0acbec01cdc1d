internal import CSQLite
import Foundation

/// A value bound to or read from a statement (SQLite's or PostgreSQL's).
package enum SQLValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// Owns one `sqlite3` connection and closes it on deinit.
///
/// Every return code is checked through `check`, which builds a `StoreError`
/// with `sqlite3_errmsg`, so a failure names what the store was doing.
final class SQLiteDatabase {
    private let handle: OpaquePointer
    let path: String

    init(path: String, busyTimeout: Double) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StoreError(.open, path: path, operation: "opening the database", message)
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, Int32(busyTimeout * 1000))
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    func execute(_ sql: String, operation: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if code != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw error(code: code, operation: operation, message: message)
        }
    }

    func prepare(_ sql: String, operation: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw error(code: code, operation: operation, message: String(cString: sqlite3_errmsg(handle)))
        }
        return SQLiteStatement(statement, database: self, operation: operation)
    }

    /// Prepared statements by SQL text: an audit runs the same few statements for every host,
    /// and preparing one costs more than running it.
    private var statements: [String: SQLiteStatement] = [:]

    /// Runs one statement, returning every row. The statement is prepared once per connection.
    @discardableResult
    func query(_ sql: String, _ values: [SQLValue] = [], operation: String) throws -> [[SQLValue]] {
        let statement: SQLiteStatement
        if let cached = statements[sql] {
            statement = cached
        } else {
            statement = try prepare(sql, operation: operation)
            statements[sql] = statement
        }
        defer { statement.finish() }
        try statement.bind(values, operation: operation)
        var rows: [[SQLValue]] = []
        while let row = try statement.step() { rows.append(row) }
        return rows
    }

    /// Runs `body` in an immediate transaction: other writers wait (up to the busy timeout)
    /// and a failure or a killed process leaves the database as it was before.
    func transaction<T>(operation: String, _ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE", operation: operation)
        do {
            let result = try body()
            try execute("COMMIT", operation: operation)
            return result
        } catch {
            try? execute("ROLLBACK", operation: operation)
            throw error
        }
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    func error(code: Int32, operation: String, message: String? = nil) -> StoreError {
        let text = message ?? String(cString: sqlite3_errmsg(handle))
        let primary = code & 0xff
        let kind: StoreError.Kind
        // The system's own errno says what an I/O error was: a full disk often surfaces as
        // SQLITE_IOERR ("disk I/O error"), not SQLITE_FULL.
        let system = sqlite3_system_errno(handle)
        switch primary {
        case _ where primary == SQLITE_FULL || system == ENOSPC: kind = .diskFull
        case _ where primary == SQLITE_READONLY || system == EROFS || isOnReadOnlyFileSystem(path): kind = .readOnly
        case SQLITE_BUSY, SQLITE_LOCKED: kind = .busy
        case SQLITE_CORRUPT, SQLITE_NOTADB: kind = .corrupt
        case SQLITE_CANTOPEN, SQLITE_PERM: kind = .open
        default: kind = .query
        }
        return StoreError(kind, path: path, operation: operation, text)
    }
}

/// Owns one prepared statement and finalizes it on deinit.
final class SQLiteStatement {
    private let handle: OpaquePointer
    private unowned let database: SQLiteDatabase
    private var operation: String

    init(_ handle: OpaquePointer, database: SQLiteDatabase, operation: String) {
        self.handle = handle
        self.database = database
        self.operation = operation
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds `values`, naming `operation` in any error this use of the statement raises.
    func bind(_ values: [SQLValue], operation: String) throws {
        self.operation = operation
        try bind(values)
    }

    /// Resets the statement so a cached one holds no read transaction open between uses.
    func finish() {
        sqlite3_reset(handle)
    }

    func bind(_ values: [SQLValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let integer): code = sqlite3_bind_int64(handle, index, integer)
            case .real(let real): code = sqlite3_bind_double(handle, index, real)
            case .text(let text): code = sqlite3_bind_text(handle, index, text, -1, stackdrift_sqlite_transient())
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { buffer in
                    sqlite3_bind_blob64(handle, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                                        sqlite3_uint64(buffer.count), stackdrift_sqlite_transient())
                }
            }
            guard code == SQLITE_OK else { throw database.error(code: code, operation: operation) }
        }
    }

    /// Advances to the next row; `nil` when done.
    func step() throws -> [SQLValue]? {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW:
            return (0..<sqlite3_column_count(handle)).map(column)
        case SQLITE_DONE:
            return nil
        default:
            throw database.error(code: code, operation: operation)
        }
    }

    /// Binds and runs a statement that returns no rows.
    func run(_ values: [SQLValue]) throws {
        try bind(values)
        while try step() != nil {}
    }

    private func column(_ index: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(handle, index)))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard count > 0, let pointer = sqlite3_column_blob(handle, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: pointer, count: count)))
        default: return .null
        }
    }
}

extension SQLValue {
    var int: Int64? { if case .integer(let value) = self { return value } else { return nil } }
    var string: String? { if case .text(let value) = self { return value } else { return nil } }
    var bytes: [UInt8]? {
        switch self {
        case .blob(let value): return value
        case .text(let value): return Array(value.utf8)
        default: return nil
        }
    }
}

extension Optional where Wrapped == String {
    var sql: SQLValue { map(SQLValue.text) ?? .null }
}

extension Optional where Wrapped == Int {
    var sql: SQLValue { map { SQLValue.integer(Int64($0)) } ?? .null }
}

/// Whether the directory holding `path` is on a file system mounted read-only: SQLite then
/// reports only that it cannot open its WAL ("unable to open database file").
func isOnReadOnlyFileSystem(_ path: String) -> Bool {
    var info = statvfs()
    let directory = (path as NSString).deletingLastPathComponent
    guard statvfs(directory.isEmpty ? "." : directory, &info) == 0 else { return false }
    return info.f_flag & UInt(ST_RDONLY) != 0
}
