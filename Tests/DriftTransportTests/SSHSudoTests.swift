import DriftCore
import DriftTestSupport
import DriftTransport
import Foundation
import Testing

/// `sudo: true`: root-only files read with `sudo -n cat -- PATH`. These need root to
/// create the test user and its sudoers drop-in, and sudo itself.
@Suite(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/sudo"),
                "needs root (to create the test user and a sudoers rule) and sudo"))
struct SSHSudoTests {
    @Test(arguments: SSHFaultTests.transports)
    func sudoReadsRootOnlyFilesThatSFTPCannot(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let path = try fixture.write("etc/nova/nova.conf", "[database]\nconnection = mysql://nova@controller/nova\n")
        chmod(path, 0o640)  // root:root here, as root:nova on a compute node
        let absent = fixture.files.path + "/etc/nova/absent.conf"
        let rule = try SudoersRule(allowing: [path, absent].map(allowCat))
        defer { withExtendedLifetime(rule) {} }

        let plain = try fixture.transport(kind).connect(to: fixture.host(kind))
        #expect(failure(of: plain.read(path, limit: 1 << 20))?.kind == .permissionDenied)
        plain.close()

        let session = try fixture.transport(kind).connect(to: fixture.host(kind, sudo: true))
        defer { session.close() }
        #expect(text(of: session.read(path, limit: 1 << 20)) == "[database]\nconnection = mysql://nova@controller/nova\n")
        #expect(session.read(absent, limit: 1 << 20) == .missing)
        #expect(failure(of: session.read(path, limit: 10))?.kind == .tooLarge)
    }

    @Test(arguments: SSHFaultTests.transports)
    func sudoSessionsListDirectoriesAsTheLoginUser(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let included = try fixture.write("etc/mysql/conf.d/mysqld_openstack.cnf", "[mysqld]\nbind-address = 10.0.0.11\n")
        chmod(included, 0o600)
        let rule = try SudoersRule(allowing: [allowCat(included)])
        defer { withExtendedLifetime(rule) {} }
        let session = try fixture.transport(kind).connect(to: fixture.host(kind, sudo: true))
        defer { session.close() }
        // No sudoers line for listing: the directory is world-readable, the file is not.
        #expect(session.list(fixture.files.path + "/etc/mysql/conf.d") == .entries(["mysqld_openstack.cnf"]))
        #expect(text(of: session.read(included, limit: 100)) == "[mysqld]\nbind-address = 10.0.0.11\n")
    }

    @Test(arguments: SSHFaultTests.transports)
    func pathsReachSudoAsOneWordWhateverTheyHoldInside(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let marker = fixture.files.path + "/pwned"
        // Shell syntax, sudoers syntax (',', ':', '=', '#', '\\') and fnmatch wildcards, all in one name.
        let path = try fixture.write("etc/odd 'name'; $(touch \(marker)) `touch \(marker)`, a:b=c #d \\e *[x]? !f.conf", "odd\n")
        chmod(path, 0o600)
        // What the name's wildcards would match, were they not escaped in the sudoers line.
        let lookalike = try fixture.write("etc/odd 'name'; $(touch \(marker)) `touch \(marker)`, a:b=c #d \\e ZZxZ !f.conf", "no\n")
        chmod(lookalike, 0o600)
        let rule = try SudoersRule(allowing: [allowCat(path)])
        defer { withExtendedLifetime(rule) {} }
        let session = try fixture.transport(kind).connect(to: fixture.host(kind, sudo: true))
        defer { session.close() }
        #expect(text(of: session.read(path, limit: 100)) == "odd\n")
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(failure(of: session.read(lookalike, limit: 100))?.kind == .sudoPassword, "the line allows its own path only")
    }

    /// The regular expression `inventory sudoers --sudo-regex` writes for a MySQL include
    /// directory allows its .cnf files and nothing a space or '/' could add.
    @Test func theIncludeDirectoryRegexAllowsItsFilesOnly() throws {
        precondition(TestUser.ensure())
        let files = try TemporaryDirectory(prefix: "stackdrift-sudo-regex")
        chmod(files.path, 0o755)
        let directory = files.path + "/conf.d"
        let command = SudoCat.sudoersRegexCommand(directory: directory, extension: ".cnf", cat: "/usr/bin/cat")
        let rule = try SudoersRule(allowing: [command])
        defer { withExtendedLifetime(rule) {} }
        func allowed(_ arguments: [String]) -> Bool {
            // sudo -l -U USER COMMAND…: exit 0 when the policy allows that command line.
            (try? SSHTestTools.run("/usr/bin/sudo", ["-n", "-l", "-U", TestUser.name, "/usr/bin/cat"] + arguments)) != nil
        }
        #expect(allowed(["--", directory + "/mysqld_openstack.cnf"]))
        #expect(allowed(["--", directory + "/50-server.cnf"]))
        #expect(!allowed(["--", directory + "/x", "/etc/shadow", directory + "/y.cnf"]), "a space cannot add a file")
        #expect(!allowed(["--", directory + "/../../../etc/shadow.cnf"]), "nor a '/'")
        #expect(!allowed(["--", directory + "/x.cnf.bak"]))
        #expect(!allowed([directory + "/x.cnf"]), "the '--' is part of the line")
    }

    @Test(arguments: SSHFaultTests.transports)
    func aFileMissingFromTheSudoersListIsThatFilesFailureAndTheRestIsRead(_ kind: TransportKind) throws {
        // Issue 19: sudo refusing one file ended the host, and its unread files became "missing".
        let fixture = try SSHFixture()
        let refused = try fixture.write("etc/ceilometer/ceilometer.conf", "[DEFAULT]\n")
        let first = try fixture.write("etc/nova/nova.conf", "[DEFAULT]\nmy_ip = 10.0.0.31\n")
        let last = try fixture.write("etc/neutron/neutron.conf", "[DEFAULT]\ncore_plugin = ml2\n")
        let alsoRefused = try fixture.write("etc/ceilometer/ceilometer.conf.also-refused", "[DEFAULT]\n")
        for path in [refused, first, last, alsoRefused] { chmod(path, 0o600) }
        let rule = try SudoersRule(allowing: [first, last].map(allowCat))
        defer { withExtendedLifetime(rule) {} }
        let collector = Collector(transports: [kind: fixture.transport(kind)], jobs: 1)
        // The refused file first, then a second refusal once sudo has worked: neither ends the host.
        // A file that does not exist is missing, seen as the login user: no sudo, no sudoers line.
        let absent = fixture.files.path + "/etc/nova/absent.conf"
        let result = collector.collect(CollectionRequest(host: fixture.host(kind, sudo: true),
                                                         paths: [refused, absent, first, alsoRefused, last]))
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        #expect(result.notCollected.isEmpty)
        #expect(failure(of: result.files[refused] ?? .missing)?.kind == .sudoPassword)
        #expect(failure(of: result.files[refused] ?? .missing)?.message.contains("NOPASSWD sudoers line for this file") == true)
        #expect(text(of: result.files[first] ?? .missing) == "[DEFAULT]\nmy_ip = 10.0.0.31\n")
        #expect(failure(of: result.files[alsoRefused] ?? .missing)?.kind == .sudoPassword)
        #expect(result.files[absent] == .missing)
        #expect(text(of: result.files[last] ?? .missing) == "[DEFAULT]\ncore_plugin = ml2\n")
    }

    @Test(arguments: SSHFaultTests.transports)
    func sudoWantingAPasswordFailsTheHost(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let first = try fixture.write("etc/nova/nova.conf", "[DEFAULT]\n")
        let second = try fixture.write("etc/nova/api-paste.ini", "[DEFAULT]\n")
        // No sudoers rule for these: `sudo -n` answers that a password is required.
        let collector = Collector(transports: [kind: fixture.transport(kind)], jobs: 1)
        let result = collector.collect(CollectionRequest(host: fixture.host(kind, sudo: true), paths: [first, second]))
        let error = try #require(result.failure)
        #expect(error.kind == .sudoPassword, "\(error)")
        #expect(error.message.contains("NOPASSWD"))
        // Two refusals and no file read through sudo: the host ends there, the node's auth log
        // gets two lines, and nothing is reported missing.
        let third = second + ".never-asked"
        let again = collector.collect(CollectionRequest(host: fixture.host(kind, sudo: true), paths: [first, second, third]))
        #expect(again.failure?.path == second)
        #expect(again.files.isEmpty)
        #expect(again.notCollected == [first, second, third])
    }
}

/// The sudoers command allowing `sudo -n /usr/bin/cat -- PATH`, as `inventory sudoers` writes it.
func allowCat(_ path: String) -> String { SudoCat.sudoersCommand(path, cat: ConnectionSettings.defaultCatPath) }
