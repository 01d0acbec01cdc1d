import DriftTestSupport
import Foundation
import Testing

/// Issue 20 through the built binary: report destinations that must not be clobbered, and
/// every command's terminal output and `parse` facing a hostile node's files.
@Suite(.serialized) struct HostileNodeCommandTests {
    static let demoInventory = "Examples/demo/inventory.yaml"

    static func mode(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode : 0
    }

    @Test func reportsRefuseLinksAndDevicesKeepModesAndStreamIntoFIFOs() throws {
        let scratch = try Scratch(prefix: "stackdrift-destinations")
        let victim = try scratch.write("victim.txt", "precious\n")
        let link = scratch.path + "/link.json"
        #expect(symlink(victim, link) == 0)
        let audit = try CLI.run(["audit", "-i", Self.demoInventory, "--db", scratch.path + "/a.db", "--quiet", "--json", link])
        #expect(audit.status == 2, "a report not written makes the audit incomplete")
        #expect(audit.stderr.contains("refusing to write the json report to '\(link)': it is a symbolic link"), "\(audit.stderr)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        #expect(Self.mode(link) & S_IFMT == S_IFLNK)

        if getuid() == 0 {
            let device = scratch.path + "/null"
            #expect(mknod(device, S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0)
            let written = try CLI.run(["report", "latest", "--db", scratch.path + "/a.db", "--format", "html", "-o", device])
            #expect(written.status != 0)
            #expect(written.stderr.contains("it is a device"), "\(written.stderr)")
            #expect(Self.mode(device) & S_IFMT == S_IFCHR, "the device is still a device")
        }

        let kept = try scratch.write("kept.json", "{}\n")
        chmod(kept, 0o640)
        #expect(try CLI.run(["report", "latest", "--db", scratch.path + "/a.db", "--format", "json", "-o", kept]).status == 0)
        #expect(Self.mode(kept) & 0o7777 == 0o640, "the replaced file's mode is kept")
        let fresh = scratch.path + "/fresh.json"
        #expect(try CLI.run(["report", "latest", "--db", scratch.path + "/a.db", "--format", "json", "-o", fresh]).status == 0)
        #expect(Self.mode(fresh) & 0o7777 == 0o600, "a new report may quote configuration: 0600")

        let fifo = scratch.path + "/report.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let received = ReceivedBytes()
        let reader = Thread {
            let descriptor = open(fifo, O_RDONLY)
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count <= 0 { break }
                received.append(buffer[0..<count])
            }
            close(descriptor)
        }
        reader.start()
        #expect(try CLI.run(["report", "latest", "--db", scratch.path + "/a.db", "--format", "json", "-o", fifo]).status == 0)
        while !reader.isFinished { usleep(10_000) }
        #expect(received.text.contains("\"schema\": \"stackdrift-report/1\""))
        #expect(Self.mode(fifo) & S_IFMT == S_IFIFO, "the FIFO is still a FIFO")
    }

    @Test func parseConfinesIncludesAndMasksNestedSecrets() throws {
        let scratch = try Scratch(prefix: "stackdrift-hostile-parse")
        try HostileNode.plant(copying: CLI.packageRoot.path + "/Examples/demo/trees/controller", to: scratch.path + "/tree")
        let result = try CLI.run(["parse", "--root", scratch.path + "/tree", scratch.path + "/tree/etc/mysql/my.cnf"])
        #expect(result.status == 1, "includes outside /etc/mysql are errors")
        #expect(result.stderr.contains("includes '/root/.ssh/id_ed25519', outside /etc/mysql; not read"), "\(result.stderr)")
        #expect(result.stderr.contains("a symbolic link to '/etc/shadow'"))
        for marker in HostileNode.markers { #expect(!(result.stdout + result.stderr).contains(marker), "\(marker)") }

        let settings = try scratch.write("local_settings.py", HostileNode.parsedSettings)
        for arguments in [["parse", settings], ["parse", "--json", settings]] {
            let parsed = try CLI.run(arguments)
            #expect(parsed.status == 0, "\(parsed.stderr)")
            #expect(!parsed.stdout.contains("PLANTED_PARSED_NESTED"), "\(parsed.stdout)")
            #expect(parsed.stdout.contains("'ENGINE': 'django.db.backends.mysql'"), "the rest of the dict is shown")
        }

        let unparsed = try CLI.run(["parse", scratch.path + "/tree/etc/nova/nova.conf"])
        #expect(unparsed.status == 1)
        for marker in HostileNode.markers { #expect(!unparsed.stderr.contains(marker), "\(marker)") }
    }

    @Test func diffHistoryParseAndRunsShowControlCharactersAsVisibleEscapes() throws {
        let scratch = try Scratch(prefix: "stackdrift-hostile-terminal")
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: "/bin/cp")
        copy.arguments = ["-a", CLI.packageRoot.path + "/Examples/demo", scratch.path + "/demo"]
        try copy.run()
        copy.waitUntilExit()
        let inventory = scratch.path + "/demo/inventory.yaml", database = scratch.path + "/a.db"
        _ = try CLI.run(["audit", "-i", inventory, "--db", database, "--quiet"])
        let file = scratch.path + "/demo/trees/compute1/etc/nova/nova.conf"
        let planted = HostileNode.controlSequences.joined()
        let text = try String(contentsOfFile: file, encoding: .utf8)
            .replacingOccurrences(of: "my_ip = 10.0.0.31", with: "my_ip = 10.0.0.31" + planted)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try CLI.run(["audit", "-i", inventory, "--db", database, "--quiet"])
        let outputs = [
            try CLI.run(["diff", "compute1", "--db", database]),
            try CLI.run(["diff", "compute1", "--no-color", "--db", database]),
            try CLI.run(["history", "compute1", "/etc/nova/nova.conf", "DEFAULT.my_ip", "--db", database]),
            try CLI.run(["parse", file]),
            try CLI.run(["parse", "--json", file]),
            try CLI.run(["report", "latest", "--db", database, "--format", "text"]),
        ]
        for output in outputs {
            for sequence in HostileNode.controlSequences {
                #expect(!output.stdout.contains(sequence) && !output.stderr.contains(sequence), "\(output.stdout)")
            }
        }
        #expect(outputs[1].stdout.contains("+my_ip = 10.0.0.31␛]0;pwned␇"), "\(outputs[1].stdout)")
        #expect(outputs[3].stdout.contains("\\u{202e}"))
    }
}

/// Issue 20: a lost redaction key is not replaced silently.
@Suite(.serialized) struct KeyCustodyTests {
    @Test func aMissingKeyRefusesTheAuditUntilRestoredOrRekeyedAndRekeyingChangesNoSecret() throws {
        let scratch = try Scratch(prefix: "stackdrift-key")
        let database = scratch.path + "/a.db"
        let inventory = HostileNodeCommandTests.demoInventory
        #expect(try CLI.run(["audit", "-i", inventory, "--db", database, "--quiet"]).status == 1)
        let key = try Data(contentsOf: URL(fileURLWithPath: database + ".key"))
        try FileManager.default.removeItem(atPath: database + ".key")

        let refused = try CLI.run(["audit", "-i", inventory, "--db", database, "--quiet"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("the redaction key is missing, but the database holds runs tagged with key"), "\(refused.stderr)")
        #expect(refused.stderr.contains("stackdrift db rekey --db \(database)"))
        #expect(!FileManager.default.fileExists(atPath: database + ".key"), "no key made silently")
        #expect(try CLI.run(["runs", "--db", database]).status == 0, "the history reads without the key")

        // Restored, the audit runs and nothing changed.
        try key.write(to: URL(fileURLWithPath: database + ".key"))
        let restored = try CLI.run(["audit", "-i", inventory, "--db", database, "--json", scratch.path + "/r2.json"])
        #expect(restored.status == 1, "\(restored.stderr)")

        // Rekeyed: a new key, and the next run reports no secret as changed.
        try FileManager.default.removeItem(atPath: database + ".key")
        let rekey = try CLI.run(["db", "rekey", "--db", database])
        #expect(rekey.status == 0, "\(rekey.stderr)")
        #expect(rekey.stdout.contains("earlier runs were tagged with"))
        let rekeyed = try CLI.run(["audit", "-i", inventory, "--db", database, "--json", scratch.path + "/r3.json"])
        #expect(rekeyed.status == 1, "\(rekeyed.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path + "/r3.json"))) as? [String: Any]
        let changes = report?["changes"] as? [String: Any]
        #expect((changes?["files"] as? [Any])?.isEmpty == true, "\(String(describing: changes))")
        #expect(try CLI.run(["diff", "controller", "--db", database]).status == 0, "diff across the key break shows no change")
        let newKey = try Data(contentsOf: URL(fileURLWithPath: database + ".key"))
        #expect(newKey != key && newKey.count == 32)
    }
}

/// Bytes gathered by a reader thread.
private final class ReceivedBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    func append(_ more: ArraySlice<UInt8>) { lock.lock(); bytes += more; lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: bytes, as: UTF8.self) }
}
