import DriftCore
import DriftParsing
import Testing

private let secrets = SecretPolicy(keyPatterns: ["*password*"])

private func parse(_ text: String, path: String = "/etc/nova/nova.conf") throws -> ConfigDocument {
    try DocumentParser.parse(text: text, path: path, format: .osloINI, secrets: secrets)
}

private func values(_ document: ConfigDocument, _ section: String, _ key: String) -> [String] {
    document.entries(section: section, key: key).map(\.value.text)
}

@Suite struct OsloINIParserTests {
    /// A realistic nova.conf as Debian's debconf leaves it, edited the way the guide says.
    static let realisticNovaConf = """
    [DEFAULT]
    dhcpbridge_flagfile=/etc/nova/nova.conf
    logdir=/var/log/nova
    # Management interface (chapter 7)
    my_ip = 10.0.0.31
    ; a semicolon comment
    notification_driver = nova.openstack.common.notifier.rpc_notifier

    [database]
    connection = mysql://nova:secret@controller/nova

    [keystone_authtoken]
    auth_host = controller
    admin_password = "quoted secret"

    [DEFAULT]
    notification_driver = ceilometer.compute.nova_notifier
    vncserver_listen=0.0.0.0

    """

    @Test func keepsEveryValueOfARepeatedKeyInOrderAcrossRepeatedSections() throws {
        let document = try parse(Self.realisticNovaConf)
        #expect(values(document, "DEFAULT", "notification_driver") == [
            "nova.openstack.common.notifier.rpc_notifier", "ceilometer.compute.nova_notifier",
        ])
        #expect(document.effectiveEntry(section: "DEFAULT", key: "notification_driver")?.line == 17)
    }

    @Test func recordsSectionsKeysAndOneBasedLines() throws {
        let document = try parse(Self.realisticNovaConf)
        let entry = try #require(document.effectiveEntry(section: "DEFAULT", key: "my_ip"))
        #expect(entry.value == .string("10.0.0.31"))
        #expect(entry.section == "DEFAULT")
        #expect(entry.span.startLine == 5)
        #expect(entry.span.file == "/etc/nova/nova.conf")
        #expect(document.effectiveEntry(section: "database", key: "connection")?.line == 10)
        #expect(document.sections == ["DEFAULT", "database", "keystone_authtoken"])
    }

    @Test func readsKeyValueWithoutSpaces() throws {
        let document = try parse(Self.realisticNovaConf)
        #expect(values(document, "DEFAULT", "dhcpbridge_flagfile") == ["/etc/nova/nova.conf"])
        #expect(values(document, "DEFAULT", "vncserver_listen") == ["0.0.0.0"])
    }

    @Test func skipsFullLineCommentsButKeepsInlineHashInTheValue() throws {
        let document = try parse("""
        [DEFAULT]
        # commented = out
        ;also = out
        key = value # not a comment for oslo.config
        """)
        #expect(document.entries.count == 1)
        #expect(values(document, "DEFAULT", "key") == ["value # not a comment for oslo.config"])
        #expect(document.entries(section: "DEFAULT", key: "commented").isEmpty)
    }

    @Test func stripsMatchingQuotesOnly() throws {
        let document = try parse("""
        [DEFAULT]
        a = "double"
        b = 'single'
        c = "mismatched'
        d = "
        e = ""
        """)
        #expect(values(document, "DEFAULT", "a") == ["double"])
        #expect(values(document, "DEFAULT", "b") == ["single"])
        #expect(values(document, "DEFAULT", "c") == ["\"mismatched'"])
        #expect(values(document, "DEFAULT", "d") == [""])
        #expect(values(document, "DEFAULT", "e") == [""])
    }

    @Test func firstEqualsOrColonSeparates() throws {
        let document = try parse("""
        [DEFAULT]
        url: http://controller:9696
        ranges = 1:1000
        """)
        #expect(values(document, "DEFAULT", "url") == ["http://controller:9696"])
        #expect(values(document, "DEFAULT", "ranges") == ["1:1000"])
    }

    @Test func indentedLinesContinueTheValueUntilABlankLine() throws {
        let document = try parse("""
        [DEFAULT]
        firewall_driver = neutron.agent.linux.iptables_firewall.
            OVSHybridIptablesFirewallDriver
        next = 1

        """)
        let entry = try #require(document.effectiveEntry(section: "DEFAULT", key: "firewall_driver"))
        #expect(entry.value.text == "neutron.agent.linux.iptables_firewall.\nOVSHybridIptablesFirewallDriver")
        #expect(entry.span.startLine == 2 && entry.span.endLine == 3)
        #expect(values(document, "DEFAULT", "next") == ["1"])
    }

    @Test func groupNamesOtherThanDefaultAreCaseInsensitive() throws {
        let document = try parse("""
        [Keystone_AuthToken]
        auth_host = controller
        [default]
        debug = True
        """)
        #expect(values(document, "keystone_authtoken", "auth_host") == ["controller"])
        // oslo.config keeps DEFAULT case-sensitive: [default] is another group.
        #expect(document.entries(section: "DEFAULT", key: "debug").isEmpty)
        #expect(values(document, "default", "debug") == ["True"])
    }

    @Test func sectionsInAnyOrder() throws {
        let document = try parse("""
        [securitygroup]
        enable_security_group = True
        [ml2_type_gre]
        tunnel_id_ranges = 1:1000
        [ml2]
        type_drivers = gre
        """, path: "/etc/neutron/plugins/ml2/ml2_conf.ini")
        #expect(values(document, "ml2", "type_drivers") == ["gre"])
        #expect(values(document, "ml2_type_gre", "tunnel_id_ranges") == ["1:1000"])
        #expect(values(document, "securitygroup", "enable_security_group") == ["True"])
    }

    @Test func rendersBackByteForByte() throws {
        let inputs = [
            Self.realisticNovaConf,
            "[DEFAULT]\r\nkey = value\r\n\r\n# c\r\n",
            "[DEFAULT]\nno_final_newline = 1",
            "[DEFAULT]\nkey = a\n  continued\n\tmore\n\n[x]\n",
            "",
        ]
        for input in inputs {
            #expect(try parse(input).render() == Array(input.utf8))
        }
    }

    @Test func treatsCRLFAndLoneCRAsLineBreaks() throws {
        let document = try parse("[DEFAULT]\r\na = 1\rb = 2\r\n")
        #expect(values(document, "DEFAULT", "a") == ["1"])
        #expect(document.effectiveEntry(section: "DEFAULT", key: "b")?.line == 3)
    }

    @Test(arguments: [
        ("key = value\n", 1, "before any [section]"),
        ("[DEFAULT]\nno separator here\n", 2, "expected"),
        ("[DEFAULT\nkey = 1\n", 1, "expected ']'"),
        ("[]\n", 1, "no name"),
        ("[DEFAULT]\n= value\n", 2, "missing option name"),
        ("[DEFAULT]\n\n  indented = orphan\n", 3, "unexpected continuation"),
    ])
    func rejectsWhatOsloRejectsWithFileAndLine(input: String, line: Int, message: String) throws {
        do {
            _ = try parse(input)
            Issue.record("expected a parse error for \(input.debugDescription)")
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.kind == .syntax)
            #expect(diagnostic.location.file == "/etc/nova/nova.conf")
            #expect(diagnostic.location.line == line)
            #expect(diagnostic.message.contains(message), "\(diagnostic.message)")
            #expect(diagnostic.description.hasPrefix("/etc/nova/nova.conf:\(line):"))
        }
    }

    @Test func masksSecretsInTheQuotedLineOfAnError() throws {
        do {
            _ = try parse("[DEFAULT]\nadmin_password hunter2\n")
            Issue.record("expected a parse error")
        } catch let diagnostic as Diagnostic {
            #expect(!diagnostic.description.contains("hunter2"))
            #expect(diagnostic.description.contains(SecretPolicy.maskText))
        }
    }

    @Test func rejectsInvalidUTF8NamingTheLine() throws {
        let bytes = Array("[DEFAULT]\nok = 1\n".utf8) + [0x62, 0x61, 0x64, 0x20, 0x3D, 0x20, 0xFF, 0x0A]
        do {
            _ = try DocumentParser.parse(bytes, path: "/etc/nova/nova.conf", format: .osloINI, secrets: secrets)
            Issue.record("expected an encoding error")
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.kind == .encoding)
            #expect(diagnostic.location.line == 3)
        }
    }

    @Test func recordsTheValueColumn() throws {
        let document = try parse("[DEFAULT]\nkey  =   \"v\"\n")
        #expect(document.entries[0].valueColumn == 11)
    }
}

@Suite struct FormatDetectorTests {
    @Test(arguments: [
        ("/etc/nova/nova.conf", ConfigFormat.osloINI),
        ("/etc/neutron/plugins/ml2/ml2_conf.ini", .osloINI),
        ("/etc/mysql/my.cnf", .mysql),
        ("/etc/mysql/conf.d/openstack.cnf", .mysql),
        ("/etc/swift/proxy-server.conf", .pasteINI),
        ("/etc/lvm/lvm.conf", .lvm),
        ("/etc/sysctl.conf", .sysctl),
        ("/etc/hosts", .hosts),
        ("/etc/memcached.conf", .memcached),
        ("/etc/default/rsync", .shellVars),
        ("/etc/openstack-dashboard/local_settings.py", .djangoSettings),
    ])
    func choosesTheFormatFromThePath(path: String, format: ConfigFormat) {
        #expect(FormatDetector.format(forPath: path) == format)
    }

    @Test func unknownFilesHaveNoFormat() {
        #expect(FormatDetector.format(forPath: "/etc/motd") == nil)
    }
}
