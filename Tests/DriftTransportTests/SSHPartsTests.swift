import DriftCore
import DriftTestSupport
@testable import DriftTransport
import Foundation
import Testing

/// The pure parts of the SSH transports: ssh_config reading, shell quoting, what sudo's
/// and ssh's messages mean.
@Suite struct SSHPartsTests {
    @Test func sshConfigFirstValueWinsAndIdentityFilesAccumulate() throws {
        let text = """
        # comment
        Host web-* !web-staging
            HostName %h.example.net
            User=deploy
            IdentityFile ~/.ssh/web
        Host web-1
            Port 2222
            User ignored-already-set
        Match host web-1
            Port 9999
        Host *
            IdentityFile "~/.ssh/id_ed25519"
            Port 22
            ProxyJump none
        """
        let web1 = try SSHConfig.settings(for: "web-1", text: text)
        #expect(web1.hostName == "web-1.example.net")
        #expect(web1.user == "deploy")
        #expect(web1.port == "2222", "the first value wins")
        #expect(web1.identityFiles == ["~/.ssh/web", "~/.ssh/id_ed25519"])
        #expect(web1.proxyJump == "none", "ProxyJump none is no jump")
        let staging = try SSHConfig.settings(for: "web-staging", text: text)
        #expect(staging.hostName == nil && staging.port == "22", "negated pattern")
        #expect(try SSHConfig.settings(for: "DB", text: "Host db\n  ProxyCommand ssh -W %h:%p bastion\n").proxyCommand
                == "ssh -W %h:%p bastion", "host names match without regard to case")
        let preset = try SSHConfig.settings(for: "web-1", text: text, preset: SSHConfig.Settings(user: "from-inventory"))
        #expect(preset.user == "from-inventory", "what the inventory sets comes first, as ssh's command line does")
    }

    @Test func matchLinesAreEvaluatedAsSSHEvaluatesThem() throws {
        // Issue 19: Match was ignored by transport: ssh.
        let text = """
        Host cmp*
            HostName %h.lab.example
        Match host *.lab.example user audit
            Port 2022
        Match originalhost cmp2 !localuser root
            User second
        Match all
            IdentityFile ~/.ssh/lab
        """
        let first = try SSHConfig.settings(for: "cmp1", text: text, localUser: "audit")
        #expect(first.port == "2022", "Match host sees the HostName set above it")
        #expect(first.user == nil && first.identityFiles == ["~/.ssh/lab"])
        let second = try SSHConfig.settings(for: "cmp2", text: text, localUser: "audit")
        #expect(second.user == "second")
        #expect(try SSHConfig.settings(for: "cmp2", text: text, localUser: "root").user == nil)
        let other = try SSHConfig.settings(for: "db1", text: text, localUser: "audit")
        #expect(other.port == nil && other.hostName == nil)
        // `Match exec` would run a command: refused when it could decide, ignored when an earlier criterion already failed.
        let exec = "Match host db* exec \"test -f /x\"\n  Port 1\n"
        #expect(throws: TransportError.self) { try SSHConfig.settings(for: "db1", text: exec) }
        #expect(try SSHConfig.settings(for: "web1", text: exec).port == nil)
        #expect(throws: TransportError.self) { try SSHConfig.settings(for: "x", text: "Match nonsense\n") }
    }

    @Test func includeFilesAreReadWhereTheyStand() throws {
        // Issue 19: "cannot resolve 'cmp1-inc'" since transport: ssh skipped Include.
        let home = try TemporaryDirectory(prefix: "stackdrift-ssh-home")
        try home.write(".ssh/config.d/10-lab.conf", "Host cmp1-inc\n    HostName 127.0.0.9\n    Port 2201\n")
        try home.write(".ssh/config.d/20-late.conf", "Host *\n    Port 9\n")
        try home.write(".ssh/config.d/.hidden.conf", "Host *\n    User hidden\n")
        try home.write(".ssh/inactive.conf", "Port 7\nHost *\n    User never\n")
        let config = try home.write(".ssh/config", """
        Host nothing-here
            Include inactive.conf
        Host *
            Include config.d/*.conf
            User audit
        """)
        let files = [SSHConfig.File(path: config, includeDirectory: home.path + "/.ssh")]
        let settings = try SSHConfig.settings(for: "cmp1-inc", files: files, preset: .init(), localUser: "me",
                                              home: home.path, host: "cmp1")
        #expect(settings.hostName == "127.0.0.9" && settings.port == "2201")
        #expect(settings.user == "audit", "an Include inside an inactive block is never active, hidden files are not globbed")
        let loop = try home.write(".ssh/loop.conf", "Include loop.conf\n")
        #expect(throws: TransportError.self) {
            try SSHConfig.settings(for: "x", files: [SSHConfig.File(path: loop, includeDirectory: home.path + "/.ssh")],
                                   preset: .init(), localUser: "me", home: home.path, host: "x")
        }
    }

    @Test func proxyJumpEntriesParseAsSSHWritesThem() throws {
        #expect(try SSHTarget.parseJump("bastion", host: "h") == (nil, "bastion", nil))
        #expect(try SSHTarget.parseJump("audit@10.0.0.5:2222", host: "h") == ("audit", "10.0.0.5", 2222))
        #expect(try SSHTarget.parseJump("ssh://me@[fd00::1]:22", host: "h") == ("me", "fd00::1", 22))
        #expect(throws: TransportError.self) { try SSHTarget.parseJump("host:notaport", host: "h") }
        #expect(throws: TransportError.self) { try SSHTarget.parseJump("@host", host: "h") }
    }

    @Test func hostPatternsMatchLikeOpenSSH() {
        #expect(SSHConfig.matches("a.b.example.net", ["*.example.net"]))
        #expect(SSHConfig.matches("node7", ["db", "node?"]))
        #expect(!SSHConfig.matches("node17", ["node?"]))
        #expect(!SSHConfig.matches("node7", ["node*", "!node7"]), "a matching negation wins")
    }

    @Test func theSudoCommandKeepsEveryPathOneShellWord() throws {
        let marker = try TemporaryDirectory(prefix: "stackdrift-quote").path + "/pwned"
        for path in ["/etc/nova/nova.conf", "/etc/it's here.conf", "/x'; touch \(marker); '", "/$(touch \(marker))",
                     "/`touch \(marker)`", "/a\\b \"c\" $HOME *"] {
            let command = SudoCat.command(path, cat: "/bin/cat")
            #expect(command.hasPrefix("env LC_ALL=C sudo -n '/bin/cat' -- '"))
            // What the remote shell would hand to cat, printed instead of run.
            let printed = try SSHTestTools.run("/bin/sh", ["-c", "printf '%s' " + SudoCat.shellQuoted(path)])
            #expect(printed == path)
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func sudoAndCatMessagesMapToKinds() {
        func kind(_ status: Int32, _ errors: String) -> TransportError.Kind? {
            if case .failed(let error) = SudoCat.outcome(status: status, output: [], errors: errors, path: "/p", cat: "/usr/bin/cat", host: "h") {
                return error.kind
            }
            return nil
        }
        #expect(SudoCat.outcome(status: 0, output: [65], errors: "sudo: unable to resolve host x\n", path: "/p", cat: "/usr/bin/cat", host: "h")
                == .content([65]))
        #expect(kind(1, "sudo: a password is required\n") == .sudoPassword)
        #expect(kind(1, "Sorry, user audit is not allowed to execute '/usr/bin/cat -- /p' as root on n1.\n") == .permissionDenied)
        #expect(kind(127, "sh: 1: sudo: not found\n") == .io)
        #expect(SudoCat.outcome(status: 1, output: [], errors: "cat: /p: No such file or directory\n", path: "/p", cat: "/usr/bin/cat", host: "h") == .missing)
        #expect(kind(1, "cat: /p: Is a directory\n") == .io)
        // A Debian 7 node has no /usr/bin/cat: the message says which field to set.
        if case .failed(let error) = SudoCat.outcome(status: 1, output: [], errors: "sudo: /usr/bin/cat: command not found\n",
                                                     path: "/p", cat: "/usr/bin/cat", host: "h") {
            #expect(error.message == "the host has no '/usr/bin/cat' (set cat_path: /bin/cat for Debian 7 nodes)")
        } else {
            Issue.record("a missing cat was not a failure")
        }
    }

    @Test func rejectedPathsNeverReachAHost() {
        for path in ["relative/path", "/etc/../shadow", "/etc/a\nb", "/etc/\u{7f}"] {
            #expect(FileRead.rejecting(path, host: "h") != nil, "\(path)")
        }
        #expect(FileRead.rejecting("/etc/nova/nova.conf", host: "h") == nil)
    }

    @Test func fingerprintsAreOpenSSHs() throws {
        let scratch = try TemporaryDirectory(prefix: "stackdrift-fp")
        let key = try SSHTestKey(in: scratch, name: "k")
        let blob = try #require(Data(base64Encoded: String(key.publicKey.split(separator: " ")[1])))
        #expect(HostKey.fingerprint([UInt8](blob)) == (try SSHTestTools.fingerprint(of: key.privateKey + ".pub")))
        #expect(HostKey.algorithm(ofBlob: [UInt8](blob)) == "ssh-ed25519")
        #expect(PrivateKeyFile.algorithm(of: key.privateKey) == "ssh-ed25519")
        try FileManager.default.removeItem(atPath: key.privateKey + ".pub")
        #expect(PrivateKeyFile.algorithm(of: key.privateKey) == "ssh-ed25519", "read from the key file itself")
    }
}

/// Many SSH hosts at once through the `Collector`, some of them failing.
@Suite struct SSHCollectorTests {
    @Test(arguments: SSHFaultTests.transports)
    func collectsSSHHostsInParallelAndKeepsGoingPastFailures(_ kind: TransportKind) throws {
        let fixture = try SSHFixture()
        let path = try fixture.write("etc/nova/nova.conf", "[DEFAULT]\n")
        let closed = try SSHTestTools.freePort()
        var hosts = (0..<6).map { fixture.host(kind, name: "node\($0)") }
        hosts.insert(fixture.host(kind, name: "refused", port: closed), at: 2)
        let collector = Collector(transports: [kind: fixture.transport(kind)], jobs: 4)
        let progress = ProgressLog()
        let results = collector.collect(hosts.map { CollectionRequest(host: $0, paths: [path]) }) { done, total, failed in
            progress.record(done, total, failed)
        }
        #expect(results.map(\.host.name) == hosts.map(\.name))
        #expect(results[2].failure?.kind == .refused)
        for result in results where result.host.name != "refused" {
            #expect(result.failure == nil)
            #expect(text(of: result.files[path] ?? .missing) == "[DEFAULT]\n")
        }
        #expect(progress.calls.map(\.0).sorted() == Array(1...7))
        #expect(progress.calls.map(\.2).max() == 1)
    }
}
