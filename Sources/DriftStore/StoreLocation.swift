import Foundation

/// Where a history lives, as `--db` names it: an SQLite file, or a PostgreSQL database by its
/// libpq connection URI (`postgresql://USER@HOST:PORT/DB?sslmode=verify-full`).
///
/// A URI carrying a password is refused: command lines are visible to every user of the
/// machine (`ps`) and end up in shell histories and cron mails. libpq reads the password from
/// `PGPASSWORD` or the password file (`PGPASSFILE`, else `~/.pgpass`) instead; every other
/// parameter of the URI (`sslmode`, `sslrootcert`, `connect_timeout`…) is libpq's to honour.
package enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgresql(uri: String)

    package init(_ text: String) throws {
        let lowered = text.lowercased()
        guard lowered.hasPrefix("postgresql://") || lowered.hasPrefix("postgres://") else {
            self = .sqlite(path: text)
            return
        }
        let rest = text[text.range(of: "://")!.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") {
            throw StoreError(.open, path: "postgresql://", operation: "reading --db",
                             "the URL carries a password: give it in PGPASSWORD or a password file (PGPASSFILE, else "
                             + "~/.pgpass), never on the command line")
        }
        if let query = rest.firstIndex(of: "?") {
            let names = rest[rest.index(after: query)...].split(separator: "&").map { $0.prefix { $0 != "=" }.lowercased() }
            if names.contains("password") {
                throw StoreError(.open, path: "postgresql://", operation: "reading --db",
                                 "the URL carries a 'password' parameter: give it in PGPASSWORD or a password file "
                                 + "(PGPASSFILE, else ~/.pgpass), never on the command line")
            }
        }
        self = .postgresql(uri: text)
    }

    /// The path or the URL, for messages (a URL never holds a password, see `init`).
    package var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgresql(let uri): return uri
        }
    }

    /// Whether several auditors may write it at once.
    package var isShared: Bool {
        if case .postgresql = self { return true }
        return false
    }
}

/// Where the redaction key comes from, and whether an audit may begin with it.
///
/// Equal secrets get equal tags only under one key, so every auditor of a history must hold
/// the same key. An SQLite history keeps it beside the database (`<db>.key`); a PostgreSQL
/// history is given it (`--key-file`, or `STACKDRIFT_KEY_FILE`): the first audit creates the
/// file (mode 0600), and the operator copies it to every other auditor, as they would an SSH
/// key. The database holds only the key's id (`runs.redaction_key_id`, a hash), which reveals
/// nothing of the key but lets an auditor with another key be refused before it tags anything.
package struct RedactionKeySource: Sendable, Hashable {
    /// The key file.
    package var path: String
    /// Whether the file was named (`--key-file`, `STACKDRIFT_KEY_FILE`) rather than found beside an SQLite database.
    package var named: Bool

    /// The key file for `location`: `keyFile`, else `STACKDRIFT_KEY_FILE`, else (SQLite) `<db>.key`;
    /// `nil` for a PostgreSQL history given none.
    package static func resolve(for location: StoreLocation, keyFile: String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> RedactionKeySource? {
        if let named = keyFile ?? environment["STACKDRIFT_KEY_FILE"].flatMap({ $0.isEmpty ? nil : $0 }) {
            return RedactionKeySource(path: named, named: true)
        }
        if case .sqlite(let path) = location { return RedactionKeySource(path: path + ".key", named: false) }
        return nil
    }

}

extension StoreLocation {
    /// Whether `--db` names a shared (PostgreSQL) history; `false` for a path or an unusable URL.
    package static func isShared(_ text: String) -> Bool { (try? StoreLocation(text))?.isShared ?? false }
}
