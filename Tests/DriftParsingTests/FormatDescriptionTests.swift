import DriftCore
import DriftParsing
import DriftTestSupport
import Testing

/// Each format's description: one per format, and an entry writer whose lines the format's own
/// parser reads back as the key and value written (what fixes rely on).
@Suite struct FormatDescriptionTests {
    @Test func everyFormatIsDescribed() {
        #expect(Set(FormatDescription.all.keys) == Set(ConfigFormat.allCases))
        for format in ConfigFormat.allCases { #expect(format.details.format == format) }
        #expect(ConfigFormat.mysql.details.includes != nil && ConfigFormat.osloINI.details.includes == nil)
        #expect(!ConfigFormat.hosts.details.holdsSecrets && ConfigFormat.osloINI.details.holdsSecrets)
    }

    /// The key index a parsed document carries finds what a scan of every entry finds, for
    /// every spelling the format folds (case, MySQL's '-' and loose-, sysctl's '/').
    @Test func theKeyIndexFindsWhatAScanFinds() throws {
        let samples: [(ConfigFormat, String)] = [
            (.osloINI, "[DEFAULT]\nmy_ip = 1\n[Database]\nconnection = a\n[database]\nconnection = b\nMy_IP = 2\n"),
            (.mysql, "[mysqld]\nbind-address = 1\n[client-server]\nloose-bind_address = 2\n[MYSQLD]\nmax_connections = 3\n"),
            (.hosts, "127.0.0.1 localhost\n10.0.0.11 Controller controller.example\n10.0.0.12 CONTROLLER\n"),
            (.sysctl, "net.ipv4.ip_forward = 1\nnet/ipv4/ip_forward = 0\n-net.ipv4.conf.all.rp_filter = 0\n"),
            (.rsyncd, "max connections = 2\n[account]\nMax Connections = 3\n"),
            (.pasteINI, "[DEFAULT]\nauth_host = a\n[filter:authtoken]\nauth_host = b\nset auth_host = c\n"),
        ]
        for (format, text) in samples {
            let indexed = try DocumentParser.parse(text: text, path: "/etc/test", format: format, secrets: SecretPolicy(keyPatterns: []))
            #expect(indexed.keyIndex != nil)
            var scanned = indexed
            scanned.entries = indexed.entries
            #expect(scanned.keyIndex == nil, "changing the entries drops the index")
            let keys = indexed.entries.map(\.key)
            let spellings = keys + keys.map { $0.uppercased() } + keys.map { $0.replacingOccurrences(of: "_", with: "-") }
                + keys.map { $0.replacingOccurrences(of: ".", with: "/") } + ["absent"]
            for section in [nil] + indexed.sections.map(Optional.some) + ["mysqld", "DEFAULT", "global", "nowhere"] {
                for key in spellings {
                    #expect(indexed.entries(section: section, key: key) == scanned.entries(section: section, key: key),
                            "\(format.rawValue) [\(section ?? "-")] \(key)")
                    #expect(indexed.effectiveEntry(section: section, key: key) == scanned.effectiveEntry(section: section, key: key))
                }
            }
        }
    }

    /// (format, text before the line, section looked up, key, value written, value read back).
    static let cases: [(ConfigFormat, String, String?, String, String, String)] = [
        (.osloINI, "[DEFAULT]\n", "DEFAULT", "my_ip", "10.0.0.31", "10.0.0.31"),
        (.mysql, "[mysqld]\n", "mysqld", "bind-address", "10.0.0.11", "10.0.0.11"),
        (.pasteINI, "[filter:authtoken]\n", "filter:authtoken", "auth_host", "controller", "controller"),
        (.lvm, "global {\n", "global", "locking_type", "1", "1"),
        (.sysctl, "", nil, "net.ipv4.ip_forward", "1", "1"),
        (.hosts, "127.0.0.1 localhost\n", nil, "controller", "10.0.0.11", "10.0.0.11"),
        (.memcached, "-m 64\n", nil, "-l", "10.0.0.11", "10.0.0.11"),
        (.shellVars, "", nil, "NOVA_OPTS", "--debug --config-file x", "--debug --config-file x"),
        (.shellVars, "", nil, "QUOTE", "it's", "it's"),
        (.rsyncd, "[account]\n", "account", "max connections", "2", "2"),
        (.mongodb, "", nil, "bind_ip", "10.0.0.11", "10.0.0.11"),
        (.djangoSettings, "", nil, "OPENSTACK_HOST", "con'troller", "con'troller"),
    ]

    @Test(arguments: 0..<cases.count)
    func aWrittenEntryReadsBackAsWritten(_ index: Int) throws {
        let (format, before, section, key, value, expected) = Self.cases[index]
        let line = format.details.writer.line(key: key, value: value)
        let text = before + line + "\n" + (format == .lvm ? "}\n" : "")
        let document = try DocumentParser.parse(text: text, path: "/etc/test", format: format,
                                                secrets: SecretPolicy(keyPatterns: []))
        let entry = try #require(document.effectiveEntry(section: section, key: key), "\(text)")
        #expect(entry.value.text == expected, "\(format.rawValue): \(line)")
    }

    @Test func newLinesFollowTheFilesOwnSpacing() {
        let writer = ConfigFormat.osloINI.details.writer
        #expect(writer.line(key: "a", value: "1") == "a = 1")
        #expect(writer.line(key: "a", value: "1", like: "debug=True") == "a=1")
        #expect(writer.line(key: "a", value: "1", like: "debug  =  True") == "a  =  1")
        #expect(ConfigFormat.hosts.details.writer.line(key: "controller", value: "10.0.0.11") == "10.0.0.11\tcontroller")
    }
}
