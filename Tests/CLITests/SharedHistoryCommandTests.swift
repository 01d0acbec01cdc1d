import DriftTestSupport
import Foundation
import Testing

/// A PostgreSQL history written by several auditors, through the binary as operators run it:
/// the URL on the command line, the password from a password file.
private struct SharedHistory {
    let server: PostgreSQLTestServer
    let database: String
    let scratch: TemporaryDirectory

    init?() throws {
        guard let server = PostgreSQLTestServer.shared() else { return nil }
        self.server = server
        database = try server.createDatabase()
        scratch = try TemporaryDirectory(prefix: "stackdrift-shared")
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: "/bin/cp")
        copy.arguments = ["-a", CLI.packageRoot.path + "/Examples/demo", scratch.path + "/demo"]
        try copy.run()
        copy.waitUntilExit()
    }

    var url: String { server.bareURL(database) }
    var keyFile: String { scratch.path + "/history.key" }
    var environment: [String: String] { ["PGPASSFILE": server.passwordFile] }

    /// An inventory of some of the demo's hosts (all of them by default), in the private copy.
    func inventory(_ name: String, hosts: [String]? = nil) throws -> String {
        let text = try String(contentsOfFile: scratch.path + "/demo/inventory.yaml", encoding: .utf8)
        let (head, body) = (text.components(separatedBy: "hosts:\n")[0], text.components(separatedBy: "hosts:\n")[1])
        let entries = body.components(separatedBy: "  - name: ").dropFirst().filter { entry in
            hosts.map { $0.contains(String(entry.prefix { $0 != "\n" })) } ?? true
        }
        let path = scratch.path + "/demo/\(name).yaml"
        try (head + "hosts:\n" + entries.map { "  - name: " + $0 }.joined()).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func audit(_ inventory: String, auditor: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> CLI.Result {
        try CLI.run(["audit", "-i", inventory, "--db", url, "--key-file", keyFile, "--auditor", auditor, "--quiet"] + extra,
                    environment: self.environment.merging(environment) { _, new in new })
    }

    func run(_ arguments: [String]) throws -> CLI.Result {
        try CLI.run(arguments + ["--db", url], environment: environment)
    }

    func edit(_ host: String, _ path: String, _ change: (String) -> String) throws {
        let file = scratch.path + "/demo/trees/" + host + path
        try change(try String(contentsOfFile: file, encoding: .utf8)).write(toFile: file, atomically: true, encoding: .utf8)
    }
}

/// What differs between two histories of one fleet: the runs' timestamps ("2026-12-02T01:14:43Z"
/// and the shorter forms of history and the HTML) and how long they took, nothing else.
private func withoutTimestamps(_ text: String) -> String {
    text.replacingOccurrences(of: #"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?Z?"#, with: "<time>", options: .regularExpression)
        .replacingOccurrences(of: #"time="[0-9.]+""#, with: "time=\"<t>\"", options: .regularExpression)
        .replacingOccurrences(of: #"took \d+ s"#, with: "took <n> s", options: .regularExpression)
}

@Suite(.serialized) struct SharedHistoryCommandTests {
    /// The demo audited twice (a line changed between) into SQLite and into PostgreSQL, with
    /// the same key: the same findings, diff and history, and reports identical but for times.
    @Test func theDemoInPostgreSQLReportsAsInSQLite() throws {
        guard let shared = try SharedHistory() else { return }
        let inventory = try shared.inventory("fleet")
        let sqlite = shared.scratch.path + "/audit.db"
        func both(_ arguments: [String]) throws -> (CLI.Result, CLI.Result) {
            (try CLI.run(arguments + ["--db", sqlite]), try shared.run(arguments + ["--key-file", sqlite + ".key"]))
        }
        for night in 0..<2 {
            if night == 1 {
                try shared.edit("compute1", "/etc/nova/nova.conf") {
                    $0.replacingOccurrences(of: "my_ip = 10.0.0.31", with: "my_ip = 10.0.0.39")
                }
            }
            let (a, b) = try both(["audit", "-i", inventory, "--auditor", "one", "--quiet"])
            #expect(a.status == 1 && b.status == 1, "\(a.stderr) \(b.stderr)")
        }
        for format in ["json", "html", "junit", "text"] {
            let (a, b) = try both(["report", "latest", "--format", format])
            #expect(a.status == 0 && b.status == 0, "\(b.stderr)")
            #expect(withoutTimestamps(a.stdout) == withoutTimestamps(b.stdout), "the \(format) reports differ")
            #expect(a.stdout.count > 1000)
        }
        let (diffA, diffB) = try both(["diff", "compute1", "--no-color"])
        #expect(diffA.status == 1 && diffA.stdout == diffB.stdout && diffA.stdout.contains("+my_ip = 10.0.0.39"))
        let (historyA, historyB) = try both(["history", "compute1", "/etc/nova/nova.conf", "DEFAULT.my_ip"])
        #expect(historyA.status == 0 && withoutTimestamps(historyA.stdout) == withoutTimestamps(historyB.stdout))
        #expect(historyB.stdout.split(separator: "\n").count == 2)
        let (checkA, checkB) = try both(["db", "check", "--deep"])
        #expect(checkA.status == 0 && checkB.status == 0, "\(checkB.stdout)")

        // The server's dump, data and all, holds no secret of the demo.
        let dump = try shared.server.dump(shared.database)
        #expect(dump.contains("COPY public.blobs"))
        for secret in DemoFleetSecrets.all { #expect(!dump.contains(secret), "'\(secret)' is in pg_dump's output") }
    }

    /// Two auditors, each reaching half of the fleet, audit into one database at the same time.
    @Test func twoAuditorsOfTwoHalvesWriteOneHistoryAtOnce() throws {
        guard let shared = try SharedHistory() else { return }
        let west = try shared.inventory("west", hosts: ["controller", "network", "compute1"])
        let east = try shared.inventory("east", hosts: ["compute2", "block1", "object1", "proxy1"])
        // The first audit creates the key; the other auditor is given a copy.
        #expect(try shared.audit(west, auditor: "west").status == 1)
        let results = LockedResults()
        let threads = [(west, "west"), (east, "east")].map { inventory, auditor in
            Thread { results.append(auditor, Result { try shared.audit(inventory, auditor: auditor) }) }
        }
        threads.forEach { $0.start() }
        while results.count < 2 { usleep(50_000) }
        for (auditor, result) in results.all {
            let output = try result.get()
            #expect(output.status == 1 || output.status == 0, "\(auditor): \(output.stderr)")
        }
        let runs = try shared.run(["runs"])
        let rows = runs.stdout.split(separator: "\n").dropFirst()
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0.contains(" finished ") })
        #expect(rows.filter { $0.contains(" west ") }.count == 2 && rows.filter { $0.contains(" east ") }.count == 1)
        let eastOnly = try shared.run(["runs", "--auditor", "east"]).stdout.split(separator: "\n").dropFirst()
        #expect(eastOnly.count == 1 && eastOnly.first?.contains(east) == true)
        let eastRun = try #require(eastOnly.first?.split(separator: " ").first.map(String.init))

        // Each half's report, and each half's diff.
        let report = try shared.run(["report", eastRun, "--format", "json"])
        #expect(report.status == 0 && report.stdout.contains("\"compute2\"") && !report.stdout.contains("\"compute1\""))
        let westDiff = try shared.run(["diff", "compute1"])
        #expect(westDiff.status == 0, "west's two runs of compute1 are the same: \(westDiff.stdout)")
        let eastDiff = try shared.run(["diff", "compute2"])
        #expect(eastDiff.status == 64 && eastDiff.stderr.contains("is the first run that collected 'compute2'"))
        #expect(try shared.run(["db", "check", "--deep", "--key-file", shared.keyFile]).status == 0)
    }

    /// A killed auditor's run is marked interrupted by its own next run, never by another auditor's.
    @Test func aKilledAuditorsRunIsInterruptedByItsNextRunOnly() throws {
        guard let shared = try SharedHistory() else { return }
        let west = try shared.inventory("west", hosts: ["controller", "compute1"])
        let east = try shared.inventory("east", hosts: ["compute2"])
        #expect(try shared.audit(east, auditor: "east").status == 1)
        let killed = try shared.audit(west, auditor: "west", environment: ["STACKDRIFT_FAULT": "kill-while-storing:3"])
        #expect(killed.signaled && killed.status == SIGKILL)
        #expect(try shared.audit(east, auditor: "east").status == 1)
        var statuses = try shared.run(["runs"]).stdout
        #expect(statuses.contains(" running "), "east's audit leaves west's run alone: \(statuses)")
        #expect(!statuses.contains(" interrupted "))
        let next = try shared.audit(west, auditor: "west", [], environment: [:])
        #expect(next.status == 1)
        statuses = try shared.run(["runs", "--auditor", "west"]).stdout
        #expect(statuses.contains(" interrupted ") && statuses.contains(" finished "), "\(statuses)")
        #expect(try shared.run(["runs", "--auditor", "east"]).stdout.split(separator: "\n").dropFirst().allSatisfy {
            $0.contains(" finished ")
        })
    }

    @Test func aWrongPasswordIsAConfigurationErrorThatDoesNotEchoIt() throws {
        guard let shared = try SharedHistory() else { return }
        let inventory = try shared.inventory("fleet")
        let wrong = "not-the-password-\(UUID().uuidString.prefix(8))"
        let result = try CLI.run(["audit", "-i", inventory, "--db", shared.url, "--key-file", shared.keyFile],
                                 environment: ["PGPASSWORD": wrong, "PGPASSFILE": "/nonexistent"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("password authentication failed"), "\(result.stderr)")
        #expect(!result.stderr.contains(wrong) && !result.stdout.contains(wrong))
        let inURL = try CLI.run(["runs", "--db", "postgresql://stackdrift:\(wrong)@127.0.0.1:\(shared.server.port)/\(shared.database)"])
        #expect(inURL.status == 64 && !inURL.stderr.contains(wrong) && inURL.stderr.contains("never on the command line"))
    }

    @Test func aNewerSchemaIsRefused() throws {
        guard let shared = try SharedHistory() else { return }
        #expect(try shared.run(["db", "check"]).status == 0, "a new database is created at the current schema")
        try shared.server.psql(shared.database, "INSERT INTO schema_version (version) VALUES (99)")
        let result = try shared.run(["runs"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("database schema 99 is newer than this stackdrift understands"), "\(result.stderr)")
    }

    /// SQLite into PostgreSQL and back: the same runs, and the same report of each.
    @Test func dbCopyMovesAHistoryAndBackKeepingRunIDs() throws {
        guard let shared = try SharedHistory() else { return }
        let inventory = try shared.inventory("fleet")
        let original = shared.scratch.path + "/original.db", back = shared.scratch.path + "/back.db"
        for _ in 0..<2 { _ = try CLI.run(["audit", "-i", inventory, "--db", original, "--quiet"]) }
        let there = try CLI.run(["db", "copy", "--from", original, "--to", shared.url], environment: shared.environment)
        #expect(there.status == 0, "\(there.stderr)")
        #expect(there.stdout.hasPrefix("copied 2 runs, 7 hosts, "))
        #expect(there.stdout.contains("give the auditors of the copy '\(original).key'"))
        let again = try CLI.run(["db", "copy", "--from", original, "--to", shared.url], environment: shared.environment)
        #expect(again.status == 64 && again.stderr.contains("copy into a new, empty database"))
        let home = try CLI.run(["db", "copy", "--from", shared.url, "--to", back, "--key-file", original + ".key"],
                               environment: shared.environment)
        #expect(home.status == 0, "\(home.stderr)")
        #expect(FileManager.default.contents(atPath: back + ".key") == FileManager.default.contents(atPath: original + ".key"))
        let listed = try [original, back].map { try CLI.run(["runs", "--db", $0]).stdout }
        #expect(listed[0] == listed[1] && listed[0].split(separator: "\n").count == 3)
        #expect(try shared.run(["runs"]).stdout == listed[0])
        for run in ["1", "2"] {
            let reports = try [original, back].map { try CLI.run(["report", run, "--format", "json", "--db", $0]).stdout }
            #expect(reports[0] == reports[1] && reports[0].count > 1000)
        }
        // The copy goes on: the next audit into PostgreSQL, given the copied history's key, is run 3.
        try FileManager.default.copyItem(atPath: original + ".key", toPath: shared.keyFile)
        let next = try shared.audit(inventory, auditor: try hostName(), [], environment: [:])
        #expect(next.status == 1, "\(next.stderr)")
        #expect(try shared.run(["runs", "--limit", "1"]).stdout.contains("\n    3  "))
    }
}

/// The machine's name as `audit` takes it by default.
private func hostName() throws -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    gethostname(&buffer, buffer.count - 1)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

private final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [(String, Result<CLI.Result, Error>)] = []

    func append(_ auditor: String, _ result: Result<CLI.Result, Error>) {
        lock.lock()
        results.append((auditor, result))
        lock.unlock()
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return results.count
    }

    var all: [(String, Result<CLI.Result, Error>)] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
