import DriftCore
import DriftParsing
import Testing

private let secrets = SecretPolicy(keyPatterns: ["*pass*", "secret_key"])

private func parse(_ text: String, _ format: ConfigFormat, path: String = "/etc/test") throws -> ConfigDocument {
    try DocumentParser.parse(text: text, path: path, format: format, secrets: secrets)
}

private func pairs(_ document: ConfigDocument) -> [[String]] {
    document.entries.map { [$0.section ?? "", $0.key, $0.value.text] }
}

@Suite struct SysctlTests {
    @Test func readsAssignmentsAsProcpsDoes() throws {
        let document = try parse("""
        # Kernel parameters (chapter 8)
        ; another comment
        net.ipv4.ip_forward=1
          net.ipv4.conf.all.rp_filter = 0
        net/ipv4/conf/default/rp_filter=0
        -net.ipv4.tcp_syncookies = 1
        kernel.msg = a = b
        x
        noval=
        ==lead=v
        """, .sysctl, path: "/etc/sysctl.conf")
        #expect(pairs(document) == [
            ["", "net.ipv4.ip_forward", "1"], ["", "net.ipv4.conf.all.rp_filter", "0"],
            ["", "net/ipv4/conf/default/rp_filter", "0"], ["", "-net.ipv4.tcp_syncookies", "1"],
            ["", "kernel.msg", "a = b"], ["", "lead", "v"],
        ])
        #expect(document.warnings.map(\.location.line) == [9], "'noval=' is invalid; 'x' is shorter than two bytes")
        #expect(document.effectiveEntry(section: nil, key: "net.ipv4.conf.default.rp_filter")?.line == 5,
                "'/' and '.' name the same key")
        #expect(document.effectiveEntry(section: nil, key: "net.ipv4.tcp_syncookies")?.line == 6, "'-' only ignores errors")
    }

    @Test func lastAssignmentWins() throws {
        let document = try parse("a = 1\na = 2\n", .sysctl)
        #expect(document.effectiveEntry(section: nil, key: "a")?.value.text == "2")
    }
}

@Suite struct HostsTests {
    static let guideHosts = """
    127.0.0.1\tlocalhost
    127.0.1.1\tcontroller.example.com controller
    # controller
    10.0.0.11      controller   # management
    10.0.0.21      network
    ::1 ip6-localhost ip6-loopback
    not-an-ip bogus
    10.0.0.31
    """

    @Test func eachNameMapsToItsAddressAndTheFirstLineWins() throws {
        let document = try parse(Self.guideHosts, .hosts, path: "/etc/hosts")
        #expect(document.effectiveEntry(section: nil, key: "controller")?.value.text == "127.0.1.1",
                "the resolver returns the first line naming the host, which is why the guide removes 127.0.1.1")
        #expect(document.effectiveEntry(section: nil, key: "CONTROLLER")?.line == 2, "names compare case-insensitively")
        #expect(document.entries(section: nil, key: "controller").map(\.value.text) == ["127.0.1.1", "10.0.0.11"])
        #expect(document.effectiveEntry(section: nil, key: "ip6-loopback")?.value.text == "::1")
        #expect(document.effectiveEntry(section: nil, key: "bogus") == nil)
        #expect(document.warnings.count == 2)
    }
}

@Suite struct MemcachedTests {
    @Test func readsOptionLinesAsStartMemcachedDoes() throws {
        let document = try parse("""
        # memcached default config file
        -d
        logfile /var/log/memcached.log
        -m 64
        -p 11211
        -u memcache
        -l 10.0.0.51   # listen on the management network
        --max-item-size=2m
        -vv
        """, .memcached, path: "/etc/memcached.conf")
        #expect(pairs(document) == [["", "-m", "64"], ["", "-p", "11211"], ["", "-u", "memcache"], ["", "-l", "10.0.0.51"],
                                    ["", "--max-item-size", "2m"], ["", "-vv", ""]])
        #expect(document.warnings.count == 1, "a line not starting with '-' is skipped with a warning")
        #expect(document.effectiveEntry(section: nil, key: "--listen")?.value.text == "10.0.0.51", "long names alias short ones")
        #expect(document.effectiveEntry(section: nil, key: "-I")?.value.text == "2m")
    }
}

@Suite struct ShellVariablesTests {
    @Test func readsAssignmentsAsShDoes() throws {
        let document = try parse("""
        # defaults file for rsync daemon mode
        RSYNC_ENABLE=true
        RSYNC_OPTS=''
        export RSYNC_NICE='10'
        dbc_dbpass='MyKeyStone DbPass'
        Q="a \\"quoted\\" \\$HOME"
        U=un\\ quoted
        A=1 B=2 # two assignments
        MULTI='first
        second'
        EXPANDED=$HOME/x
        ulimit -n 1024
        TEMP=1 some_command
        """, .shellVars, path: "/etc/default/rsync")
        #expect(pairs(document) == [
            ["", "RSYNC_ENABLE", "true"], ["", "RSYNC_OPTS", ""], ["", "RSYNC_NICE", "10"],
            ["", "dbc_dbpass", "MyKeyStone DbPass"], ["", "Q", "a \"quoted\" $HOME"], ["", "U", "un quoted"],
            ["", "A", "1"], ["", "B", "2"], ["", "MULTI", "first\nsecond"], ["", "EXPANDED", "$HOME/x"],
        ])
        #expect(document.effectiveEntry(section: nil, key: "MULTI")?.span.endLine == 10)
        #expect(document.warnings.map(\.location.line) == [12, 13])
        #expect(document.render() == Array(document.source.bytes))
    }

    @Test func rejectsAnUnterminatedQuote() {
        #expect(throws: Diagnostic.self) { try parse("A='open\nB=2\n", .shellVars) }
    }
}

@Suite struct NTPTests {
    @Test func readsDirectivesWithTheirArguments() throws {
        let document = try parse("""
        driftfile /var/lib/ntp/ntp.drift
        server controller iburst
        server 0.debian.pool.ntp.org iburst # default
        restrict -4 default kod notrap nomodify nopeer noquery
        """, .ntp, path: "/etc/ntp.conf")
        #expect(document.entries(section: nil, key: "server").map(\.value) == [
            .list([.string("controller"), .string("iburst")]), .list([.string("0.debian.pool.ntp.org"), .string("iburst")]),
        ])
    }
}

@Suite struct RsyncdTests {
    @Test func readsModulesWithGlobalFallback() throws {
        let document = try parse("""
        uid = swift
        gid = swift
        log file = /var/log/rsyncd.log
        pid file = /var/run/rsyncd.pid
        address = 10.0.0.51

        [account]
        max connections = 2
        path = /srv/node/
        read only = false
        lock file = /var/lock/account.lock
        [object]
        max  connections = 2
        path = /srv/node/ \\
          more
        bad line without equals
        """, .rsyncd, path: "/etc/rsyncd.conf")
        #expect(document.effectiveEntry(section: "account", key: "maxconnections")?.value.text == "2",
                "rsync ignores case and white space in parameter names")
        #expect(document.effectiveEntry(section: "object", key: "max connections")?.line == 13)
        #expect(document.effectiveEntry(section: "account", key: "uid")?.value.text == "swift", "modules inherit globals")
        #expect(document.effectiveEntry(section: "global", key: "address")?.value.text == "10.0.0.51")
        #expect(document.effectiveEntry(section: "object", key: "path")?.span.endLine == 15)
        #expect(document.warnings.count == 1)
    }
}

@Suite struct RsyncdRegressionTests {
    /// Found by fuzzing: a backslash-continued line that is not an assignment (a comment)
    /// left its span behind, and the next entry ended before it began.
    @Test func aContinuedCommentDoesNotStretchTheNextEntry() throws {
        let document = try parse("# comment \\\ncontinued\nkey = value\n", .rsyncd)
        let entry = try #require(document.entries.first)
        #expect(entry.span.startLine == 3 && entry.span.endLine == 3)
    }
}

@Suite struct MongoDBTests {
    @Test func readsBoostProgramOptionsFiles() throws {
        let document = try parse("""
        # mongodb.conf
        dbpath=/var/lib/mongodb
        bind_ip = 10.0.0.11 # management address
        [net]
        port = 27017
        """, .mongodb, path: "/etc/mongodb.conf")
        #expect(pairs(document) == [["", "dbpath", "/var/lib/mongodb"], ["", "bind_ip", "10.0.0.11"], ["", "net.port", "27017"]])
    }

    @Test func rejectsALineWithoutEquals() {
        #expect(throws: Diagnostic.self) { try parse("bind_ip 10.0.0.11\n", .mongodb) }
    }
}

@Suite struct PasteDeploySemanticsTests {
    static let proxyServer = """
    [DEFAULT]
    bind_port = 8080
    user = swift

    [pipeline:main]
    pipeline = healthcheck cache authtoken keystoneauth proxy-server

    [app:proxy-server]
    use = egg:swift#proxy
    allow_account_management = true
    user = root
    set bind_port = 9090

    [filter:authtoken]
    paste.filter_factory = keystoneclient.middleware.auth_token:filter_factory
    delay_auth_decision = true
    auth_host = controller
    signing_dir = %(here)s/signing
    """

    @Test func pipelinesAreOrderedLists() throws {
        let document = try parse(Self.proxyServer, .pasteINI, path: "/etc/swift/proxy-server.conf")
        #expect(document.effectiveEntry(section: "pipeline:main", key: "pipeline")?.value
                == .list(["healthcheck", "cache", "authtoken", "keystoneauth", "proxy-server"].map(ConfigValue.string)))
    }

    @Test func defaultsWinOverLocalValuesUnlessSet() throws {
        let document = try parse(Self.proxyServer, .pasteINI, path: "/etc/swift/proxy-server.conf")
        #expect(document.effectiveEntry(section: "app:proxy-server", key: "user")?.value.text == "swift",
                "Paste Deploy skips a local option that [DEFAULT] also sets")
        #expect(document.effectiveEntry(section: "app:proxy-server", key: "bind_port")?.value.text == "9090", "'set' overrides")
        #expect(document.effectiveEntry(section: "app:proxy-server", key: "allow_account_management")?.value.text == "true")
        #expect(document.effectiveEntry(section: "filter:authtoken", key: "signing_dir")?.value.text == "/etc/swift/signing")
    }
}

@Suite struct CrontabTests {
    @Test func readsSettingsAndJobsKeyedByTheirSchedule() throws {
        let document = try parse("""
        # DO NOT EDIT THIS FILE - edit the master and reinstall.
        MAILTO=ops@example.org
        PATH = /usr/bin:/bin
        @hourly /usr/bin/keystone-manage token_flush >/var/log/keystone/keystone-tokenflush.log 2>&1
        */15  *  * * 1-5   /usr/local/bin/check   --quiet
          # indented comment
        5 4 * *
        """, .crontab, path: "/var/spool/cron/crontabs/keystone")
        #expect(pairs(document) == [
            ["", "MAILTO", "ops@example.org"],
            ["", "PATH", "/usr/bin:/bin"],
            ["", "@hourly", "/usr/bin/keystone-manage token_flush >/var/log/keystone/keystone-tokenflush.log 2>&1"],
            ["", "*/15 * * * 1-5", "/usr/local/bin/check   --quiet"],
        ])
        #expect(document.entries.map(\.line) == [2, 3, 4, 5])
        #expect(document.warnings.map(\.location.line) == [7])
        #expect(document.warnings.first?.message.contains("a job needs a schedule and a command") == true)
        #expect(document.render() == Array(document.source.bytes))
    }
}
