import DriftCore
import DriftTestSupport
import DriftTransport
import Foundation
import Testing

/// The SSH transports against a real sshd on 127.0.0.1: one test per fault of issue 5,
/// each run with libssh2 (`ssh`) and with the system client (`openssh`), which must
/// report the same kinds.
@Suite struct SSHFaultTests {
    static let transports: [TransportKind] = [.ssh, .openssh]

    @Test(arguments: transports)
    func readsManyFilesOverOneSession(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let nova = try fixture.write("etc/nova/nova.conf", "[DEFAULT]\nmy_ip = 10.0.0.31\n")
        let ml2 = try fixture.write("etc/neutron/plugins/ml2/ml2_conf.ini", "[ml2]\ntype_drivers = gre\n")
        let empty = try fixture.write("etc/empty.conf", "")
        let session = try fixture.transport(kind).connect(to: fixture.host(kind))
        defer { session.close() }
        #expect(text(of: session.read(nova, limit: 1 << 20)) == "[DEFAULT]\nmy_ip = 10.0.0.31\n")
        #expect(text(of: session.read(ml2, limit: 1 << 20)) == "[ml2]\ntype_drivers = gre\n")
        #expect(text(of: session.read(empty, limit: 1 << 20)) == "")
        #expect(fixture.server.log.components(separatedBy: "Accepted publickey").count == 2, "one login for all files")
    }

    @Test func theOpenSSHControlMasterLivesInAPrivateDirectoryRemovedAtClose() throws {
        let fixture = try SSHFixture()
        let path = try fixture.write("etc/nova/nova.conf", "[DEFAULT]\n")
        let temporary = try fixture.scratch.write("tmp/.keep", "")
        let base = (temporary as NSString).deletingLastPathComponent
        func masters() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).filter { $0.hasPrefix("stackdrift-") }
        }
        let session = try fixture.transport(.openssh, environment: ["TMPDIR": base]).connect(to: fixture.host(.openssh))
        let directories = masters()
        #expect(directories.count == 1)
        var info = stat()
        #expect(stat(base + "/" + (directories.first ?? ""), &info) == 0 && info.st_mode & 0o777 == 0o700)
        #expect(text(of: session.read(path, limit: 100)) == "[DEFAULT]\n")
        session.close()
        #expect(masters().isEmpty, "removed with the master")
        // A TMPDIR too deep for a Unix socket's path: /tmp instead.
        let deep = fixture.scratch.path + "/" + String(repeating: "d", count: 100)
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        let far = try fixture.transport(.openssh, environment: ["TMPDIR": deep]).connect(to: fixture.host(.openssh))
        #expect(text(of: far.read(path, limit: 100)) == "[DEFAULT]\n")
        far.close()
    }

    @Test(arguments: transports)
    func aMissingFileIsMissingNotAnError(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        try fixture.write("etc/nova/nova.conf", "")
        let session = try fixture.transport(kind).connect(to: fixture.host(kind))
        defer { session.close() }
        #expect(session.read(fixture.files.path + "/etc/nova/absent.conf", limit: 100) == .missing)
        #expect(session.read(fixture.files.path + "/etc/no/such/dir.conf", limit: 100) == .missing)
        #expect(session.read(fixture.files.path + "/etc/nova/nova.conf/below-a-file", limit: 100) == .missing)
        #expect(failure(of: session.read(fixture.files.path + "/etc/nova", limit: 100))?.message == "is a directory, not a file")
    }

    @Test(arguments: transports)
    func listsADirectoryForIncludedir(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        try fixture.write("etc/mysql/conf.d/mysqld_openstack.cnf", "[mysqld]\n")
        try fixture.write("etc/mysql/conf.d/.hidden.cnf", "")
        try fixture.write("etc/mysql/conf.d/odd name 'x'.cnf", "")
        try fixture.write("etc/mysql/my.cnf", "")
        // More names than one SFTP READDIR answer carries (servers send about 100 at a time).
        for index in 0..<250 { try fixture.write("etc/many/\(index).cnf", "") }
        let session = try fixture.transport(kind).connect(to: fixture.host(kind))
        defer { session.close() }
        let listing = session.list(fixture.files.path + "/etc/mysql/conf.d")
        guard case .entries(let names) = listing else { Issue.record("\(listing)"); return }
        #expect(names.sorted() == [".hidden.cnf", "mysqld_openstack.cnf", "odd name 'x'.cnf"])
        guard case .entries(let many) = session.list(fixture.files.path + "/etc/many") else { Issue.record("no listing"); return }
        #expect(Set(many) == Set((0..<250).map { "\($0).cnf" }))
        #expect(session.list(fixture.files.path + "/etc/mysql/absent.d") == .missing)
        // sftp-server answers "no such file" for a file opened as a directory; the local transport does the same.
        #expect(session.list(fixture.files.path + "/etc/mysql/my.cnf") == .missing)
        // The session still reads after listing.
        #expect(text(of: session.read(fixture.files.path + "/etc/mysql/conf.d/mysqld_openstack.cnf", limit: 100)) == "[mysqld]\n")
    }

    @Test(arguments: transports)
    func aNameThatDoesNotResolveIsAResolveError(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        var host = fixture.host(kind)
        // Invalid in DNS ('!'), so the resolver rejects it without asking any name server.
        host.connection.address = "no-such-host!.invalid"
        let error = try #require(connectError(fixture.transport(kind), host))
        #expect(error.kind == .resolve, "\(error)")
        #expect(error.message.contains("'no-such-host!.invalid'"))
    }

    @Test(arguments: transports)
    func aClosedPortIsRefused(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let closed = try SSHTestTools.freePort()
        let error = try #require(connectError(fixture.transport(kind), fixture.host(kind, port: closed)))
        #expect(error.kind == .refused, "\(error)")
    }

    @Test(arguments: transports)
    func aServerThatAcceptsAndSaysNothingTimesOut(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let silent = try LoopbackListener()
        silent.acceptAndStaySilent()
        // Bounded by the per-operation timeout, and by the host's overall limit when that is shorter.
        for (timeout, hostTimeout, says) in [(1.0, 60.0, "timed out after 1 s"), (30, 1, "overall 1 s limit")] {
            let started = Date()
            let transport = fixture.transport(kind, hostTimeout: hostTimeout)
            let error = try #require(connectError(transport, fixture.host(kind, port: silent.port, timeout: timeout)))
            #expect(error.kind == .timeout, "\(error)")
            #expect(kind == .openssh || error.message.contains(says), "\(error)")
            #expect(Date().timeIntervalSince(started) < 5)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: transports)
    func aBannerFloodIsRefusedAsOpenSSHRefusesIt(_ kind: TransportKind) throws {
        // Issue 19: over libssh2 a server streaming an endless banner kept the audit at 100 % CPU
        // past timeout: and --host-timeout; the OpenSSH client gives up at once.
        let fixture = try SSHFixture()
        let lines = Array(String(repeating: "Welcome to the flood\r\n", count: 64).utf8)
        let endless = [UInt8](repeating: UInt8(ascii: "x"), count: 65_536)
        for (chunk, says) in [(lines, ["1024 lines"]), (endless, ["banner line too long"])] {
            let flood = try LoopbackListener()
            flood.acceptAndFlood(with: chunk)
            let started = Date()
            let error = try #require(connectError(fixture.transport(kind, hostTimeout: 30),
                                                  fixture.host(kind, port: flood.port, timeout: 20)))
            #expect(error.kind == .protocolError, "\(error)")
            #expect(says.contains { error.message.contains($0) }, "\(error)")
            #expect(Date().timeIntervalSince(started) < 5, "refused at the limit, not at the timeout")
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: transports)
    func aServerTricklingItsBannerTimesOut(_ kind: TransportKind) throws {
        // A line every 50 ms never lets a read wait a whole second: the step still ends at timeout:.
        let fixture = try SSHFixture()
        let trickle = try LoopbackListener()
        trickle.acceptAndFlood(with: Array("still here\r\n".utf8), every: 0.05)
        for (timeout, hostTimeout) in [(1.0, 60.0), (30, 1)] {
            let started = Date()
            let error = try #require(connectError(fixture.transport(kind, hostTimeout: hostTimeout),
                                                  fixture.host(kind, port: trickle.port, timeout: timeout)))
            #expect(error.kind == .timeout, "\(error)")
            #expect(Date().timeIntervalSince(started) < 4, "\(error)")
        }
    }

    @Test(arguments: transports)
    func aChangedHostKeyIsRefusedShowingBothFingerprints(_ kind: TransportKind) throws {
        let fixture = try SSHFixture(trusted: false)
        let impostor = try SSHTestKey(in: fixture.scratch, name: "old_host_key")
        try fixture.scratch.write("known_hosts", "\(fixture.server.knownHostsName) \(impostor.publicKey)\n")
        let error = try #require(connectError(fixture.transport(kind, acceptNew: true), fixture.host(kind)))
        #expect(error.kind == .hostKeyMismatch, "\(error)")
        let expected = try SSHTestTools.fingerprint(of: impostor.privateKey + ".pub")
        let offered = try SSHTestTools.fingerprint(of: fixture.server.directory.path + "/ssh_host_ed25519_key.pub")
        #expect(error.message.contains("expected \(expected)"), "\(error)")
        #expect(error.message.contains("offered \(offered)"), "\(error)")
        #expect(!fixture.server.log.contains("Accepted publickey"), "no credentials go to a host that failed the check")
    }

    @Test(arguments: transports)
    func anUnknownHostIsRefusedUnlessAcceptNewRecordsIt(_ kind: TransportKind) throws {
        let fixture = try SSHFixture(trusted: false)
        let error = try #require(connectError(fixture.transport(kind), fixture.host(kind)))
        #expect(error.kind == .unknownHostKey, "\(error)")
        #expect(error.message.contains("--accept-new"))
        #expect(try String(contentsOfFile: fixture.knownHosts, encoding: .utf8).isEmpty)

        #expect(connectError(fixture.transport(kind, acceptNew: true), fixture.host(kind)) == nil)
        let recorded = try String(contentsOfFile: fixture.knownHosts, encoding: .utf8)
        #expect(recorded.contains(fixture.server.hostPublicKey.split(separator: " ")[1]), "\(recorded)")
        #expect(connectError(fixture.transport(kind), fixture.host(kind)) == nil, "known from now on, without --accept-new")
    }

    @Test(arguments: transports)
    func hashedKnownHostsEntriesAreHonoured(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        try SSHTestTools.run("/usr/bin/ssh-keygen", ["-H", "-f", fixture.knownHosts])
        let hashed = try String(contentsOfFile: fixture.knownHosts, encoding: .utf8)
        #expect(hashed.hasPrefix("|1|"))
        #expect(connectError(fixture.transport(kind), fixture.host(kind)) == nil)
    }

    @Test(arguments: transports)
    func aKeyTheServerDoesNotKnowIsAnAuthenticationError(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let stranger = try SSHTestKey(in: fixture.scratch, name: "id_stranger")
        let error = try #require(connectError(fixture.transport(kind), fixture.host(kind, identity: stranger.privateKey)))
        #expect(error.kind == .authentication, "\(error)")
    }

    @Test(arguments: transports)
    func anUnreadableFileIsPermissionDenied(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let path = try fixture.write("etc/nova/nova.conf", "[database]\nconnection = secret\n")
        // As root the login user is the unprivileged test user, for whom 0600 root:root is closed;
        // otherwise the file is the login user's own, closed with 000.
        chmod(path, getuid() == 0 ? 0o600 : 0)
        let session = try fixture.transport(kind).connect(to: fixture.host(kind))
        defer { session.close() }
        let error = try #require(failure(of: session.read(path, limit: 1 << 20)))
        #expect(error.kind == .permissionDenied, "\(error)")
        #expect(error.path == path)
    }

    @Test(arguments: transports)
    func aFileLargerThanTheLimitIsRefused(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let path = try fixture.write("etc/big.conf", String(repeating: "# padding\n", count: 20_000))
        let session = try fixture.transport(kind).connect(to: fixture.host(kind))
        defer { session.close() }
        let error = try #require(failure(of: session.read(path, limit: 100_000)))
        #expect(error.kind == .tooLarge, "\(error)")
        #expect(text(of: session.read(path, limit: 300_000))?.count == 200_000, "the session is still usable")
    }

    @Test(arguments: transports)
    func aConnectionDroppedMidTransferFailsTheHost(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let small = try fixture.write("etc/small.conf", "[DEFAULT]\n")
        let big = try fixture.write("etc/big.conf", String(repeating: "# 64 bytes of padding for the dropped-connection test ........\n",
                                                           count: 16_384))
        let relay = try LoopbackListener()
        relay.relay(to: fixture.server.port, cuttingAfter: 200_000)
        try fixture.trust(port: relay.port)
        let host = fixture.host(kind, port: relay.port)
        let collector = Collector(transports: [kind: fixture.transport(kind)], jobs: 1, maxFileSize: 8 << 20)
        let result = collector.collect(CollectionRequest(host: host, paths: [small, big, small + ".after"]))
        #expect(text(of: result.files[small] ?? .missing) == "[DEFAULT]\n")
        let error = try #require(result.failure)
        #expect(error.kind == .dropped, "\(error)")
        #expect(error.path == big)
        #expect(result.files[small + ".after"] == nil, "nothing more is asked of a dropped host")
        // Issue 19: what the host was not asked (and the file cut off) is not collected, never missing.
        #expect(result.notCollected == [big, small + ".after"])
        #expect(result.files[big] == nil)
        #expect(error.message.contains("2 files were not collected and their checks not evaluated: check the node"), "\(error)")
    }

    @Test(.timeLimit(.minutes(1)), arguments: transports)
    func aRemoteFIFOIsRefusedAndNothingIsLeftOnTheNode(_ kind: TransportKind) throws {
        // Issue 19: opening a FIFO blocked sftp-server (and sudo's cat) on the node for ever.
        let fixture = try SSHFixture()
        let other = try fixture.write("etc/nova/api-paste.ini", "[DEFAULT]\n")
        let fifo = fixture.files.path + "/etc/nova/nova.conf"
        #expect(mkfifo(fifo, 0o644) == 0)
        var rules: [SudoersRule] = []
        for sudo in getuid() == 0 ? [false, true] : [false] {
            if sudo { rules.append(try SudoersRule(allowing: [fifo, other].map(allowCat))) }
            let session = try fixture.transport(kind).connect(to: fixture.host(kind, sudo: sudo))
            let started = Date()
            let error = try #require(failure(of: session.read(fifo, limit: 1024)), "sudo: \(sudo)")
            #expect(error.kind == .io && error.message == "is a FIFO (named pipe), not a regular file; refusing to read it",
                    "\(error)")
            #expect(Date().timeIntervalSince(started) < 3)
            #expect(text(of: session.read(other, limit: 100)) == "[DEFAULT]\n", "the session still reads")
            session.close()
            let left = fixture.server.sessionProcesses(naming: fixture.files.path)
            #expect(left.isEmpty, "left on the node (sudo: \(sudo)): \(left)")
        }
        withExtendedLifetime(rules) {}
    }

    @Test(.timeLimit(.minutes(1)), arguments: transports)
    func theHostTimeoutBoundsAWholeHostAndLeavesNothingRunningOnTheNode(_ kind: TransportKind) throws {
        // Issue 19: after a timeout, blocked sudo cat and sftp processes stayed behind on the node.
        let fixture = try SSHFixture()
        let big = try fixture.write("etc/big.conf", String(repeating: "# a slow line of padding .......\n", count: 65_536))
        let after = try fixture.write("etc/after.conf", "[DEFAULT]\n")
        chmod(big, 0o600)
        let slow = try LoopbackListener()
        slow.relay(to: fixture.server.port, cuttingAfter: .max, bytesPerSecond: 100_000)
        try fixture.trust(port: slow.port)
        var rules: [SudoersRule] = []
        for sudo in getuid() == 0 ? [false, true] : [false] {
            if sudo { rules.append(try SudoersRule(allowing: [big, after].map(allowCat))) } else { chmod(big, 0o644) }
            let collector = Collector(transports: [kind: fixture.transport(kind, hostTimeout: 3)], jobs: 1, maxFileSize: 8 << 20)
            let started = Date()
            let result = collector.collect(CollectionRequest(host: fixture.host(kind, port: slow.port, sudo: sudo, timeout: 30),
                                                             paths: [big, after]))
            let error = try #require(result.failure, "sudo: \(sudo)")
            #expect(error.kind == .timeout && error.message.contains("overall 3 s limit"), "\(error)\n\(fixture.server.log)")
            #expect(Date().timeIntervalSince(started) < 8)
            #expect(result.notCollected == [big, after])
            let left = fixture.server.sessionProcesses(naming: fixture.files.path)
            #expect(left.isEmpty, "left on the node (sudo: \(sudo)): \(left)")
        }
        // timeout: bounds one file as a whole, however many requests reading it takes.
        let collector = Collector(transports: [kind: fixture.transport(kind, hostTimeout: 60)], jobs: 1, maxFileSize: 8 << 20)
        let started = Date()
        let result = collector.collect(CollectionRequest(host: fixture.host(kind, port: slow.port, timeout: 2), paths: [big]))
        #expect(result.failure?.message.contains("timed out after 2 s while") == true, "\(String(describing: result.failure))")
        #expect(Date().timeIntervalSince(started) < 6)
        withExtendedLifetime(rules) {}
    }

    @Test(arguments: transports)
    func procfsFilesAreReadToTheirEndDespiteTheirZeroSize(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let session = try fixture.transport(kind).connect(to: fixture.host(kind))
        defer { session.close() }
        // /proc/crypto is stable and larger than a page: the kernel answers it in short reads.
        if let local = FileManager.default.contents(atPath: "/proc/crypto"), local.count > 4096 {
            #expect(text(of: session.read("/proc/crypto", limit: 1 << 20)) == String(decoding: local, as: UTF8.self))
        }
        let cpuinfo = try #require(text(of: session.read("/proc/cpuinfo", limit: 1 << 20)))
        let local = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        func stable(_ text: String) -> [Substring] { text.split(separator: "\n").filter { !$0.hasPrefix("cpu MHz") } }
        #expect(stable(cpuinfo) == stable(local))
    }

    @Test(arguments: transports)
    func pathsAreNeverShellSyntax(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let marker = fixture.files.path + "/pwned"
        let session = try fixture.transport(kind).connect(to: fixture.host(kind))
        defer { session.close() }
        for path in ["/etc/x'; touch \(marker); '", "/etc/$(touch \(marker))", "/etc/`touch \(marker)`"] {
            #expect(session.read(path, limit: 100) == .missing)
        }
        #expect(failure(of: session.read("/etc/a\nb", limit: 100))?.kind == .io)
        #expect(failure(of: session.read("etc/relative", limit: 100))?.kind == .io)
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
