import DriftCore
import DriftTestSupport
import DriftTransport
import Foundation
import Synchronization
import Testing

/// A throwaway directory tree standing in for a host's `/`.
final class TemporaryTree {
    let directory: TemporaryDirectory
    var root: String { directory.path }

    init() throws { directory = try TemporaryDirectory(prefix: "stackdrift-tree") }

    func write(_ path: String, _ text: String) throws { try directory.write(path, text) }

    func link(_ path: String, to target: String) throws {
        let url = URL(fileURLWithPath: root + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
    }

    func host(_ name: String = "lab") -> InventoryHost {
        InventoryHost(name: name, roles: [.controller], connection: ConnectionSettings(transport: .local, root: root))
    }
}

private func text(_ read: FileRead) -> String? {
    if case .content(let bytes) = read { return String(decoding: bytes, as: UTF8.self) }
    return nil
}

@Suite struct LocalTransportTests {
    @Test func readsFilesUnderTheRoot() throws {
        let tree = try TemporaryTree()
        try tree.write("/etc/nova/nova.conf", "[DEFAULT]\nmy_ip = 10.0.0.11\n")
        let session = try LocalTransport().connect(to: tree.host())
        #expect(text(session.read("/etc/nova/nova.conf", limit: 1024)) == "[DEFAULT]\nmy_ip = 10.0.0.11\n")
    }

    @Test func aMissingFileIsMissingNotAnError() throws {
        let tree = try TemporaryTree()
        let session = try LocalTransport().connect(to: tree.host())
        #expect(session.read("/etc/nova/nova.conf", limit: 1024) == .missing)
        #expect(session.read("/etc/nova", limit: 1024) == .missing)
    }

    @Test func absoluteSymlinksResolveInsideTheTree() throws {
        // Debian: /etc/mysql/my.cnf -> /etc/alternatives/my.cnf -> /etc/mysql/mariadb.cnf
        let tree = try TemporaryTree()
        try tree.write("/etc/mysql/mariadb.cnf", "[mysqld]\nbind-address = 10.0.0.11\n")
        try tree.link("/etc/alternatives/my.cnf", to: "/etc/mysql/mariadb.cnf")
        try tree.link("/etc/mysql/my.cnf", to: "/etc/alternatives/my.cnf")
        let session = try LocalTransport().connect(to: tree.host())
        #expect(text(session.read("/etc/mysql/my.cnf", limit: 1024)) == "[mysqld]\nbind-address = 10.0.0.11\n")
    }

    @Test func symlinksCannotEscapeTheTree() throws {
        let tree = try TemporaryTree()
        try tree.link("/etc/passwd-copy", to: "../../../../../../../../etc/hostname")
        try tree.link("/etc/hosts", to: "/etc/hostname")
        let session = try LocalTransport().connect(to: tree.host())
        // Both resolve to <root>/etc/hostname, which does not exist in the tree.
        #expect(session.read("/etc/passwd-copy", limit: 1024) == .missing)
        #expect(session.read("/etc/hosts", limit: 1024) == .missing)
    }

    /// Directories reached through links (the kernel resolves them, openat2 in the tree's root)
    /// stay inside the tree: an absolute link names the tree's path, not the auditing machine's,
    /// and `..` stops at the tree's root, however far it climbs.
    @Test func directoryLinksCannotEscapeTheTree() throws {
        let tree = try TemporaryTree()
        let outside = try TemporaryDirectory(prefix: "stackdrift-outside")
        try outside.write("/nova/nova.conf", "outside\n")
        let climb = String(repeating: "../", count: 12) + outside.path.dropFirst()
        try tree.link("/etc/absolute", to: outside.path + "/nova")
        try tree.link("/etc/climbing", to: climb + "/nova")
        try tree.link("/etc/nested/deeper", to: "../climbing")
        let session = try LocalTransport().connect(to: tree.host())
        for path in ["/etc/absolute/nova.conf", "/etc/climbing/nova.conf", "/etc/nested/deeper/nova.conf"] {
            #expect(session.read(path, limit: 100) == .missing, "\(path) left the tree")
        }
        // The same path inside the tree is what they read.
        try tree.write(outside.path + "/nova/nova.conf", "inside\n")
        for path in ["/etc/absolute/nova.conf", "/etc/climbing/nova.conf", "/etc/nested/deeper/nova.conf"] {
            #expect(text(session.read(path, limit: 100)) == "inside\n")
        }
    }

    @Test func rejectsDotDotInRequestedPaths() throws {
        let tree = try TemporaryTree()
        let session = try LocalTransport().connect(to: tree.host())
        guard case .failed(let error) = session.read("/etc/../../outside", limit: 1024) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.kind == .io)
    }

    @Test func symlinkLoopsAreErrors() throws {
        let tree = try TemporaryTree()
        try tree.link("/etc/a", to: "/etc/b")
        try tree.link("/etc/b", to: "/etc/a")
        let session = try LocalTransport().connect(to: tree.host())
        guard case .failed(let error) = session.read("/etc/a", limit: 1024) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.message.contains("symbolic links"))
    }

    @Test func enforcesTheSizeLimit() throws {
        let tree = try TemporaryTree()
        try tree.write("/etc/big.conf", String(repeating: "x", count: 200_000))
        let session = try LocalTransport().connect(to: tree.host())
        guard case .failed(let error) = session.read("/etc/big.conf", limit: 100_000) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.kind == .tooLarge)
        #expect(text(session.read("/etc/big.conf", limit: 300_000))?.count == 200_000)
    }

    @Test func directoriesAreNotFiles() throws {
        let tree = try TemporaryTree()
        try tree.write("/etc/nova/nova.conf", "")
        let session = try LocalTransport().connect(to: tree.host())
        guard case .failed(let error) = session.read("/etc/nova", limit: 1024) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.message.contains("directory"))
    }

    @Test(.enabled(if: getuid() != 0, "root reads every file, so permissions cannot be denied to it"))
    func unreadableFilesArePermissionDenied() throws {
        let tree = try TemporaryTree()
        try tree.write("/etc/nova/nova.conf", "secret")
        chmod(tree.root + "/etc/nova/nova.conf", 0)
        let session = try LocalTransport().connect(to: tree.host())
        guard case .failed(let error) = session.read("/etc/nova/nova.conf", limit: 1024) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.kind == .permissionDenied)
    }

    @Test func aFIFOIsRefusedAtOnceNotWaitedOn() throws {
        // Issue 19: a FIFO in a local tree blocked the audit forever, the database lock held.
        let tree = try TemporaryTree()
        try tree.write("/etc/nova/.keep", "")
        #expect(mkfifo(tree.root + "/etc/nova/nova.conf", 0o644) == 0)
        try tree.link("/etc/nova/via-link.conf", to: "/etc/nova/nova.conf")
        let session = try LocalTransport().connect(to: tree.host())
        let started = Date()
        for path in ["/etc/nova/nova.conf", "/etc/nova/via-link.conf"] {
            guard case .failed(let error) = session.read(path, limit: 1024) else {
                Issue.record("expected a failure for \(path)")
                continue
            }
            #expect(error.kind == .io)
            #expect(error.message == "is a FIFO (named pipe), not a regular file; refusing to read it")
        }
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(session.list("/etc/nova/nova.conf") == .missing, "not a directory either")
    }

    @Test func aSymlinkSwappedInWhileReadingNeverEscapesTheTree() throws {
        // Issue 19: the local transport followed a symlink swapped in between its check and its
        // read (17 of 150 audits of a raced tree stored a file from outside the root).
        let tree = try TemporaryTree()
        let outside = try TemporaryDirectory(prefix: "stackdrift-outside")
        let secret = try outside.write("nova/nova.conf", "OUTSIDE THE TREE\n")
        try tree.write("/etc/nova/nova.conf", "inside\n")
        try tree.write("/etc/nova-real/nova.conf", "inside\n")
        let nova = tree.root + "/etc/nova", real = tree.root + "/etc/nova-real/nova.conf", etc = tree.root + "/etc"
        let outsideNova = outside.path + "/nova"
        let racing = ManagedAtomicFlag()
        let racer = Thread {
            // Swap the file for an absolute link out of the tree and back, and the directory too.
            var turn = 0
            while !racing.isSet {
                turn += 1
                let staging = nova + "/.staging\(turn % 2)"
                if turn % 2 == 0 {
                    _ = symlink(secret, staging)
                } else {
                    _ = link(real, staging)
                }
                _ = rename(staging, nova + "/nova.conf")
                let directoryStaging = etc + "/.nova\(turn % 2)"
                if turn % 3 == 0 {
                    _ = symlink(outsideNova, directoryStaging)
                    _ = rename(directoryStaging, nova)
                } else if turn % 3 == 1 {
                    unlink(nova)
                    _ = mkdir(nova, 0o755)
                    _ = link(real, nova + "/nova.conf")
                }
            }
            racing.clear()
        }
        racer.start()
        let session = try LocalTransport().connect(to: tree.host())
        var reads = 0, inside = 0
        let end = Date().addingTimeInterval(1)
        while Date() < end || reads < 150 {
            let read = session.read("/etc/nova/nova.conf", limit: 1024)
            reads += 1
            if case .content(let bytes) = read {
                #expect(String(decoding: bytes, as: UTF8.self) == "inside\n", "read \(reads) escaped the tree")
                inside += 1
            }
        }
        racing.set()
        while racing.isSet { usleep(1000) }
        #expect(inside > 0, "the race left the file readable some of the time (\(reads) reads)")
    }

    @Test func linksAreFollowedInsideTheTreeAtEveryComponent() throws {
        let tree = try TemporaryTree()
        try tree.write("/srv/conf/nova/nova.conf", "[DEFAULT]\n")
        try tree.link("/etc/nova", to: "../srv/conf/nova")
        try tree.link("/srv/conf/nova/link.conf", to: "../../../../../../srv/conf/nova/nova.conf")
        let session = try LocalTransport().connect(to: tree.host())
        #expect(text(session.read("/etc/nova/nova.conf", limit: 100)) == "[DEFAULT]\n")
        #expect(text(session.read("/etc/nova/link.conf", limit: 100)) == "[DEFAULT]\n")
        #expect(session.list("/etc/nova") == .entries(["link.conf", "nova.conf"]) || session.list("/etc/nova") == .entries(["nova.conf", "link.conf"]))
        #expect(session.read("/etc/nova/nova.conf/below", limit: 100) == .missing)
        guard case .failed(let error) = session.read("/", limit: 100) else { Issue.record("the root is a directory"); return }
        #expect(error.message.contains("directory"))
    }

    @Test func aMissingRootFailsTheHost() throws {
        let host = InventoryHost(name: "gone", roles: [.compute],
                                 connection: ConnectionSettings(transport: .local, root: "/nonexistent/tree"))
        #expect(throws: TransportError.self) { try LocalTransport().connect(to: host) }
        do {
            _ = try LocalTransport().connect(to: host)
        } catch {
            #expect(error.kind == .rootMissing)
        }
    }
}

@Suite struct CollectorTests {
    @Test func collectsManyHostsInParallelAndKeepsRequestOrder() throws {
        let trees = try (0..<12).map { index -> TemporaryTree in
            let tree = try TemporaryTree()
            try tree.write("/etc/nova/nova.conf", "[DEFAULT]\nmy_ip = 10.0.0.\(index)\n")
            return tree
        }
        let requests = trees.enumerated().map { index, tree in
            CollectionRequest(host: tree.host("host\(index)"), paths: ["/etc/nova/nova.conf", "/etc/absent.conf"])
        }
        let collector = Collector(transports: [.local: LocalTransport()], jobs: 4)
        let progressCalls = ProgressLog()
        let results = collector.collect(requests) { done, total, failed in progressCalls.record(done, total, failed) }
        #expect(results.map(\.host.name) == requests.map(\.host.name))
        for (index, result) in results.enumerated() {
            #expect(result.failure == nil)
            #expect(text(result.files["/etc/nova/nova.conf"]!) == "[DEFAULT]\nmy_ip = 10.0.0.\(index)\n")
            #expect(result.files["/etc/absent.conf"] == .missing)
        }
        #expect(progressCalls.calls.count == 12)
        #expect(progressCalls.calls.map(\.0).sorted() == Array(1...12))
    }

    /// The audit's hand-off: each host is handed on as soon as it is read, and however slowly
    /// hosts are consumed, no more than `jobs` are being read and `queue` wait, so memory does
    /// not grow with the fleet.
    @Test func theHandOffHoldsAtMostJobsPlusQueueHostsWhateverTheFleetsSize() throws {
        let tree = try TemporaryTree()
        try tree.write("/etc/nova/nova.conf", "[DEFAULT]\n")
        let requests = (0..<60).map { CollectionRequest(host: tree.host("host\($0)"), paths: ["/etc/nova/nova.conf"]) }
        let collector = Collector(transports: [.local: LocalTransport()], jobs: 3)
        let outstanding = Mutex((now: 0, most: 0))
        var delivered: [Int] = []
        collector.collect(requests, queue: 2, process: { index, collection in
            outstanding.withLock { state in
                state.now += 1
                state.most = max(state.most, state.now)
            }
            return (index, collection.files.count)
        }, deliver: { index, result in
            usleep(2_000)   // a slow consumer: the workers must wait, not pile up results
            outstanding.withLock { $0.now -= 1 }
            #expect(result.0 == index && result.1 == 1)
            delivered.append(index)
        })
        #expect(delivered.sorted() == Array(0..<60), "every host once")
        // Three being processed, two in the queue, one being delivered.
        #expect(outstanding.withLock { $0.most } <= 3 + 2 + 1)
    }

    @Test func aFailingHostDoesNotStopTheOthers() throws {
        let tree = try TemporaryTree()
        try tree.write("/etc/nova/nova.conf", "x")
        let gone = InventoryHost(name: "gone", roles: [.compute],
                                 connection: ConnectionSettings(transport: .local, root: "/nonexistent"))
        let ssh = InventoryHost(name: "remote", roles: [.compute], connection: ConnectionSettings(transport: .ssh))
        let collector = Collector(transports: [.local: LocalTransport()], jobs: 2)
        let results = collector.collect([
            CollectionRequest(host: gone, paths: ["/etc/nova/nova.conf"]),
            CollectionRequest(host: ssh, paths: ["/etc/nova/nova.conf"]),
            CollectionRequest(host: tree.host("ok"), paths: ["/etc/nova/nova.conf"]),
        ])
        #expect(results[0].failure?.kind == .rootMissing)
        #expect(results[1].failure?.kind == .unsupported)
        #expect(results[2].failure == nil)
        #expect(text(results[2].files["/etc/nova/nova.conf"]!) == "x")
    }
}

/// A flag one thread sets and another polls.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
    func clear() { lock.lock(); value = false; lock.unlock() }
}

/// Records progress callbacks from worker threads.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var calls: [(Int, Int, Int)] = []

    func record(_ done: Int, _ total: Int, _ failed: Int) {
        lock.lock()
        calls.append((done, total, failed))
        lock.unlock()
    }
}
