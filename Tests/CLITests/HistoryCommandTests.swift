import DriftTestSupport
import Foundation
import Testing

/// A private copy of the demo fleet, so a test can change its files between audits.
private struct DemoCopy {
    let scratch: TemporaryDirectory
    var inventory: String { scratch.path + "/demo/inventory.yaml" }
    var database: String { scratch.path + "/audit.db" }

    init() throws {
        scratch = try TemporaryDirectory(prefix: "stackdrift-history")
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: "/bin/cp")
        copy.arguments = ["-a", CLI.packageRoot.path + "/Examples/demo", scratch.path + "/demo"]
        try copy.run()
        copy.waitUntilExit()
    }

    func edit(_ host: String, _ path: String, _ change: (String) -> String) throws {
        let file = scratch.path + "/demo/trees/" + host + path
        try change(try String(contentsOfFile: file, encoding: .utf8)).write(toFile: file, atomically: true, encoding: .utf8)
    }

    func audit(_ extra: [String] = [], environment: [String: String] = [:]) throws -> CLI.Result {
        try CLI.run(["audit", "-i", inventory, "--db", database, "--quiet"] + extra, environment: environment)
    }

    func run(_ arguments: [String]) throws -> CLI.Result {
        try CLI.run(arguments + ["--db", database])
    }
}

@Suite(.serialized) struct HistoryCommandTests {
    @Test func twoRunsWithAChangedLineGiveItsDiffAndHistory() throws {
        let demo = try DemoCopy()
        #expect(try demo.audit().status == 1)
        try demo.edit("compute1", "/etc/nova/nova.conf") { $0.replacingOccurrences(of: "my_ip = 10.0.0.31", with: "my_ip = 10.0.0.39") }
        #expect(try demo.audit().status == 1)

        let diff = try demo.run(["diff", "compute1", "--no-color"])
        #expect(diff.status == 1, "differences exit 1, as diff(1) does")
        #expect(diff.stdout.contains("--- compute1:/etc/nova/nova.conf (run 1)\n+++ compute1:/etc/nova/nova.conf (run 2)\n@@ -16,7 +16,7 @@\n"))
        #expect(diff.stdout.contains("\n-my_ip = 10.0.0.31\n+my_ip = 10.0.0.39\n"))
        #expect(diff.stdout.contains("rabbit_password = <redacted:"), "context lines show secrets as tags")
        for secret in DemoFleetSecrets.all { #expect(!diff.stdout.contains(secret)) }
        #expect(try demo.run(["diff", "compute2", "--no-color"]).status == 0)

        let history = try demo.run(["history", "compute1", "/etc/nova/nova.conf", "DEFAULT.my_ip"])
        #expect(history.status == 0, "\(history.stderr)")
        let lines = history.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("run 1 ") == true && lines.first?.hasSuffix("DEFAULT.my_ip = '10.0.0.31'  (line 19)") == true)
        #expect(lines.last?.hasPrefix("run 2 ") == true && lines.last?.hasSuffix("DEFAULT.my_ip = '10.0.0.39'  (line 19)") == true)
        let versions = try demo.run(["history", "compute1", "/etc/nova/nova.conf"])
        #expect(versions.stdout.split(separator: "\n").map { $0.split(separator: " ").last.map(String.init) ?? "" } == ["lines", "lines"])
        #expect(versions.stdout.contains("+1 -1 lines"))

        let runs = try demo.run(["runs"])
        #expect(runs.stdout.split(separator: "\n").count == 3)
        #expect(runs.stdout.components(separatedBy: "finished").count == 3)

        let unknown = try demo.run(["diff", "comptue1"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("no run collected host 'comptue1' (known hosts: block1, compute1"))
    }

    @Test func aRunKilledWhileStoringLeavesEarlierRunsIntact() throws {
        let demo = try DemoCopy()
        #expect(try demo.audit().status == 1)
        // Of about sixty writes (contents and hosts) in a demo run that judges every host; an
        // unchanged host is reused in one write, so the later kills judge afresh to reach theirs.
        for (rows, reuse) in [(1, true), (5, true), (20, false), (45, false)] {
            let killed = try demo.audit(reuse ? [] : ["--no-reuse"], environment: ["STACKDRIFT_FAULT": "kill-while-storing:\(rows)"])
            #expect(killed.signaled && killed.status == SIGKILL, "killed after \(rows) rows")
            let check = try demo.run(["db", "check", "--deep"])
            #expect(check.status == 0, "\(check.stdout)")
            #expect(check.stdout.contains("never finished (the audit was killed); earlier runs are intact"))
            #expect(try demo.run(["history", "compute1", "/etc/nova/nova.conf", "DEFAULT.my_ip"]).stdout.hasPrefix("run 1 "))
        }
        let next = try CLI.run(["audit", "-i", demo.inventory, "--db", demo.database])
        #expect(next.status == 1)
        // Each killed run was marked when the next audit took the lock; this one marks the last.
        #expect(next.stderr.contains("note: 1 earlier run was killed before finishing; marked interrupted"))
        let runs = try demo.run(["runs"]).stdout
        #expect(runs.components(separatedBy: "interrupted").count == 5)
        #expect(try demo.run(["diff", "compute1"]).status == 0, "run 6 is compared with run 1, the last that finished")
        let database = try Data(contentsOf: URL(fileURLWithPath: demo.database))
        for secret in DemoFleetSecrets.all { #expect(database.range(of: Data(secret.utf8)) == nil, "\(secret)") }
    }

    @Test func aSecondAuditWaitsForTheFirstOrFailsClearly() throws {
        let demo = try DemoCopy()
        // Hold the lock as a running audit would.
        let descriptor = open(demo.database + ".lock", O_RDWR | O_CREAT, 0o600)
        #expect(flock(descriptor, LOCK_EX) == 0)
        _ = "pid 4242 since 2026-11-25T02:30:00Z\n".withCString { write(descriptor, $0, strlen($0)) }
        let refused = try demo.audit(["--lock-timeout", "0"])
        #expect(refused.status == 75)
        #expect(refused.stderr.contains("another audit (pid 4242 since 2026-11-25T02:30:00Z) is using this database"))
        #expect(try demo.run(["runs"]).stdout.hasPrefix("no runs"), "nothing was started")
        flock(descriptor, LOCK_UN)
        close(descriptor)

        // Two audits at once: both finish, one after the other.
        let results = LockedResults()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in results.append(try? demo.audit()) }
        #expect(results.statuses == [1, 1])
        let runs = try demo.run(["runs"]).stdout.split(separator: "\n").dropFirst()
        #expect(runs.count == 2 && runs.allSatisfy { $0.contains("finished") })
        #expect(try demo.run(["db", "check"]).status == 0)
    }
}

private final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [CLI.Result?] = []

    func append(_ result: CLI.Result?) {
        lock.lock()
        results.append(result)
        lock.unlock()
    }

    var statuses: [Int32] { results.map { $0?.status ?? -1 } }
}

@Suite struct DeterminismTests {
    /// Two processes (two hash seeds) auditing one state write the same report but for the run's
    /// own metadata: what the history stores for an unchanged host is then the same blob.
    @Test func twoAuditsOfOneStateReportTheSame() throws {
        let scratch = try Scratch(prefix: "stackdrift-determinism")
        var reports: [[String: Any]] = []
        for index in 0..<2 {
            let result = try CLI.run(["audit", "-i", "Examples/demo/inventory.yaml", "--db", scratch.path + "/\(index).db",
                                      "--json", "-", "--quiet"])
            var report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            report["run"] = nil
            reports.append(report)
        }
        let encoded = try reports.map { try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
        #expect(encoded[0] == encoded[1])
        #expect(encoded[0].count > 100_000)
    }
}
