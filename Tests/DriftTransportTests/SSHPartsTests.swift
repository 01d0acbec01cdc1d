import DriftCore
import DriftTestSupport
@testable import DriftTransport
import Foundation
import Testing

/// The pure parts of the SSH transports: ssh_config reading, shell quoting, what sudo's
/// and ssh's messages mean.
@Suite struct SSHPartsTests {
    @Test func sshConfigFirstValueWinsAndIdentityFilesAccumulate() {
        let config = SSHConfig.parse("""
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
        """)
        let web1 = config.settings(for: "web-1")
        #expect(web1.hostName == "web-1.example.net")
        #expect(web1.user == "deploy")
        #expect(web1.port == "2222", "Match blocks are not evaluated")
        #expect(web1.identityFiles == ["~/.ssh/web", "~/.ssh/id_ed25519"])
        #expect(web1.proxy == nil, "ProxyJump none is no proxy")
        let staging = config.settings(for: "web-staging")
        #expect(staging.hostName == nil && staging.port == "22", "negated pattern")
        #expect(SSHConfig.parse("Host db\n  ProxyCommand ssh -W %h:%p bastion\n").settings(for: "DB").proxy
                == "ProxyCommand ssh -W %h:%p bastion", "host names match without regard to case")
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
