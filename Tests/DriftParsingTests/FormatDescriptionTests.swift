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
