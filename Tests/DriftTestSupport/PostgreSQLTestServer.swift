import Foundation
import Testing

/// A throwaway PostgreSQL cluster for the tests: `initdb` (as the `postgres` user when the
/// tests run as root, PostgreSQL refusing to run as root) into a temporary directory,
/// scram-sha-256 for every connection, listening on 127.0.0.1 only at a free port with its
/// socket in the same directory; a password file for the clients. Started once per test
/// process on first use, stopped and removed when the process exits (and stopped by its
/// watcher if the process dies).
package final class PostgreSQLTestServer: @unchecked Sendable {
    package let port: Int
    package let user = "stackdrift"
    /// The superuser's password, as the password file gives it.
    package let password: String
    /// A libpq password file (`PGPASSFILE`) for `user` at this server.
    package let passwordFile: String
    package let directory: String
    private let daemon: TestDaemon

    /// The PostgreSQL programs (Debian installs them under /usr/lib/postgresql/VERSION/bin).
    package static let binaries: String? = {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        for version in versions.reversed() where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        return nil
    }()

    private static let lock = NSLock()
    nonisolated(unsafe) private static var started: Result<PostgreSQLTestServer, Error>?

    /// The cluster, started on first use; `nil` (with an issue when tools are required) when
    /// PostgreSQL is not installed or the cluster cannot start.
    package static func shared(sourceLocation: SourceLocation = #_sourceLocation) -> PostgreSQLTestServer? {
        guard ExternalProgram.require(binaries, "PostgreSQL (initdb, postgres)", sourceLocation: sourceLocation) != nil else {
            return nil
        }
        lock.lock()
        defer { lock.unlock() }
        if started == nil {
            started = Result { try PostgreSQLTestServer() }
            if case .success = started { atexit { PostgreSQLTestServer.stopShared() } }
        }
        switch started! {
        case .success(let server): return server
        case .failure(let error):
            Issue.record("the PostgreSQL test cluster did not start: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    private static func stopShared() {
        if case .success(let server) = started { server.stop() }
    }

    private init() throws {
        guard let binaries = Self.binaries else { throw SSHTestTools.Failure("PostgreSQL is not installed") }
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("stackdrift-pg-XXXXXX").path
        var buffer = Array(template.utf8CString)
        guard mkdtemp(&buffer) != nil else { throw SSHTestTools.Failure("cannot create a directory for PostgreSQL") }
        directory = String(decoding: buffer.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        password = "pw-" + UUID().uuidString
        let asRoot = getuid() == 0
        let owner = asRoot ? getpwnam("postgres") : nil
        if asRoot, owner == nil { throw SSHTestTools.Failure("running as root and there is no 'postgres' user to run PostgreSQL") }
        if let owner { chown(directory, owner.pointee.pw_uid, owner.pointee.pw_gid) }
        chmod(directory, 0o700)
        let superuserPassword = directory + "/superuser-password"
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: superuserPassword))
        if let owner { chown(superuserPassword, owner.pointee.pw_uid, owner.pointee.pw_gid) }
        func asOwner(_ command: [String]) -> [String] { asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + command : command }
        let command = asOwner([binaries + "/initdb", "-D", directory + "/data", "-U", user, "--auth=scram-sha-256",
                               "--pwfile=" + superuserPassword, "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"])
        let initdb = try ExternalProgram.run(command[0], Array(command.dropFirst()))
        unlink(superuserPassword)
        guard initdb.status == 0 else { throw SSHTestTools.Failure("initdb failed: \(initdb.stderr)") }
        port = try Self.freePort()
        passwordFile = directory + "/pgpass"
        try Data("127.0.0.1:\(port):*:\(user):\(password)\n".utf8).write(to: URL(fileURLWithPath: passwordFile))
        chmod(passwordFile, 0o600)
        // A foreground server the watcher can stop; fsync off, as nothing of it outlives the tests.
        daemon = try TestDaemon(asOwner([binaries + "/postgres", "-D", directory + "/data", "-c", "listen_addresses=127.0.0.1",
                                         "-p", "\(port)", "-c", "unix_socket_directories=" + directory, "-c", "fsync=off",
                                         "-c", "max_connections=40", "-c", "shared_buffers=32MB"]))
        let deadline = Date().addingTimeInterval(30)
        while true {
            let ready = try ExternalProgram.run(binaries + "/pg_isready", ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-q"])
            if ready.status == 0 { break }
            guard Date() < deadline, daemon.isRunning else { throw SSHTestTools.Failure("PostgreSQL did not start on port \(port)") }
            usleep(100_000)
        }
    }

    /// Stops the server (fast shutdown) and removes its directory.
    package func stop() {
        daemon.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A connection URI for `database`, with the password file (never the password) in it.
    package func url(_ database: String) -> String {
        "postgresql://\(user)@127.0.0.1:\(port)/\(database)?passfile=\(passwordFile)"
    }

    /// The same URI without the password file, for a client given the password some other way.
    package func bareURL(_ database: String) -> String { "postgresql://\(user)@127.0.0.1:\(port)/\(database)" }

    /// A new, empty database with a unique name.
    package func createDatabase() throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try psql("postgres", "CREATE DATABASE \(name)")
        return name
    }

    /// Runs SQL with psql, not through the code under test; returns what it printed (unaligned, tuples only).
    @discardableResult
    package func psql(_ database: String, _ sql: String) throws -> String {
        let result = try ExternalProgram.run(Self.binaries! + "/psql", [
            "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url(database), "-c", sql,
        ])
        guard result.status == 0 else { throw SSHTestTools.Failure("psql failed: \(result.stderr)") }
        return String(decoding: result.stdout, as: UTF8.self)
    }

    /// `pg_dump` of a database, data included, as plain SQL.
    package func dump(_ database: String) throws -> String {
        let result = try ExternalProgram.run(Self.binaries! + "/pg_dump", ["-d", url(database)])
        guard result.status == 0 else { throw SSHTestTools.Failure("pg_dump failed: \(result.stderr)") }
        return String(decoding: result.stdout, as: UTF8.self)
    }

    private static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw SSHTestTools.Failure("no socket") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw SSHTestTools.Failure("cannot bind 127.0.0.1") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
