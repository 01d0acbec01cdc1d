import DriftTestSupport
import Foundation
import Testing

/// Issue 20: a full disk, a read-only file system and a damaged database each give one clear
/// message and exit code 2, never a usage error (64), and no run is claimed stored.
@Suite(.serialized) struct StorageFailureTests {
    static let demoInventory = "Examples/demo/inventory.yaml"

    @Test func aTruncatedDatabaseIsDamagedNotAUsageError() throws {
        let scratch = try Scratch(prefix: "stackdrift-storage")
        let database = scratch.path + "/a.db"
        #expect(try CLI.run(["audit", "-i", Self.demoInventory, "--db", database, "--quiet"]).status == 1)
        let size = try FileManager.default.attributesOfItem(atPath: database)[.size] as? Int ?? 0
        #expect(truncate(database, off_t(size / 3)) == 0)
        try? FileManager.default.removeItem(atPath: database + "-wal")
        let audit = try CLI.run(["audit", "-i", Self.demoInventory, "--db", database])
        #expect(audit.status == 2, "\(audit.stderr)")
        #expect(audit.stderr.contains("the database file is damaged"), "\(audit.stderr)")
        #expect(!audit.stdout.contains("database: "), "no run is claimed stored")
    }

    /// A small tmpfs of its own, mounted for the test and removed after it.
    final class SmallFileSystem {
        let path: String
        init(kilobytes: Int) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("stackdrift-fs-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            let status = try ExternalProgram.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", path]).status
            guard status == 0 else { throw SSHTestTools.Failure("cannot mount a tmpfs at \(path)") }
        }
        func remount(_ options: String) throws {
            _ = try ExternalProgram.run("/bin/mount", ["-o", "remount,\(options)", path])
        }
        /// Fills what is left with one file.
        func fill() {
            let descriptor = open(path + "/filler", O_WRONLY | O_CREAT, 0o600)
            let chunk = [UInt8](repeating: 0x55, count: 4096)
            while write(descriptor, chunk, chunk.count) > 0 {}
            close(descriptor)
        }
        deinit {
            _ = try? ExternalProgram.run("/bin/umount", [path])
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    static let canMount = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount")

    @Test(.enabled(if: canMount, "mounting a small tmpfs needs root")) func aFullDiskIsToldStraight() throws {
        let filesystem = try SmallFileSystem(kilobytes: 8192)
        let database = filesystem.path + "/a.db"
        #expect(try CLI.run(["audit", "-i", Self.demoInventory, "--db", database, "--quiet"]).status == 1)
        // Something changes, so the next run has new contents to store; then no space is left.
        filesystem.fill()
        let inventory = try Scratch(prefix: "stackdrift-storage")
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: "/bin/cp")
        copy.arguments = ["-a", CLI.packageRoot.path + "/Examples/demo", inventory.path + "/demo"]
        try copy.run()
        copy.waitUntilExit()
        let nova = inventory.path + "/demo/trees/compute1/etc/nova/nova.conf"
        try (try String(contentsOfFile: nova, encoding: .utf8) + String(repeating: "# padding line\n", count: 4000))
            .write(toFile: nova, atomically: true, encoding: .utf8)
        let audit = try CLI.run(["audit", "-i", inventory.path + "/demo/inventory.yaml", "--db", database])
        #expect(audit.status == 2, "\(audit.stdout)\n\(audit.stderr)")
        #expect(audit.stderr.contains("the disk holding the database is full"), "\(audit.stderr)")
        #expect(!audit.stdout.contains("database: "), "no run is claimed stored")
        // Space freed, the history says the second run never finished.
        try FileManager.default.removeItem(atPath: filesystem.path + "/filler")
        let runs = try CLI.run(["runs", "--db", database])
        #expect(runs.status == 0, "\(runs.stderr)")
        #expect(runs.stdout.components(separatedBy: "finished").count == 2, "only the first run finished: \(runs.stdout)")
    }

    @Test(.enabled(if: canMount, "mounting a small tmpfs needs root")) func aReadOnlyFileSystemIsToldStraight() throws {
        let filesystem = try SmallFileSystem(kilobytes: 8192)
        let database = filesystem.path + "/a.db"
        #expect(try CLI.run(["audit", "-i", Self.demoInventory, "--db", database, "--quiet"]).status == 1)
        try filesystem.remount("ro")
        let audit = try CLI.run(["audit", "-i", Self.demoInventory, "--db", database])
        #expect(audit.status == 2, "\(audit.stdout)\n\(audit.stderr)")
        #expect(audit.stderr.contains("read-only"), "\(audit.stderr)")
        #expect(!audit.stdout.contains("database: "))
        try filesystem.remount("rw")
    }
}
