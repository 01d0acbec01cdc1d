import DriftCore
import DriftParsing
import DriftTestSupport
import Foundation
import Testing

/// Compares stackdrift's reading of oslo.config files with oslo.config's own parser
/// (PyPI oslo.config 10.7.0, pinned in .ci/setup) on Debian's real files, hand-written
/// edge cases and generated files.
@Suite struct OsloDifferentialTests {
    static let secrets = SecretPolicy(keyPatterns: ["*password*"])

    /// Edge cases each probing one rule of iniparser.BaseParser.
    static let edgeCases: [String] = [
        "[DEFAULT]\nkey = value # not a comment\n",
        "[DEFAULT]\nkey=value\n  continued\n\tand more\n\nnext = 1\n",
        "[DEFAULT]\nkey = \"quoted\"\nk2 = 'single'\nk3 = \"mismatch'\nk4 = \"\nk5 = \"\"\n",
        "[DEFAULT]\nurl: http://x:1/y\nr = 1:1000\nboth = a:b=c\n",
        "[ DEFAULT ]\nk = 1\n",
        "[default]\nk = 1\n[DEFAULT]\nk = 2\n",
        "[a]\nk = 1\n[b]\nk = 2\n[a]\nk = 3\n",
        "[DEFAULT]\n\n  orphan continuation\n",
        "k = 1\n[DEFAULT]\n",
        "[DEFAULT]\nnoseparator\n",
        "[DEFAULT\nk = 1\n",
        "[]\n",
        "[DEFAULT]\n= novalue\n",
        "\u{FEFF}[DEFAULT]\nk = 1\n",
        "[DEFAULT]\r\nk = 1\r\n\r\n",
        "[DEFAULT]\rk = 1\rj = 2",
        "[DEFAULT]\nk = 1\n    # indented comment is a continuation\n",
        "[DEFAULT]\nk = \u{A0}padded\u{A0}\n",
        "[DEFAULT]\nk = a\u{1C}\n",
        "[DEFAULT]\nk =\n",
        "[DEFAULT]\nk\u{0C}= v\n",
        "\u{0B}[DEFAULT]\nk = v\n",
        "",
        "\n\n# only comments\n",
        "[DEFAULT]\nk = v\u{0}w\n",
        "[DEFAULT]\n" + String(repeating: "x", count: 1 << 20) + " = long\n",
    ]

    @Test func agreesWithOsloConfigOnDebianFiles() throws {
        guard let python = ExternalProgram.require(ExternalProgram.python, "oslo.config (.build/pyenv)"),
              let configs = ExternalProgram.require(ExternalProgram.debianConfigs, "Debian's config files") else { return }
        let files = try Self.debianOsloFiles(configs)
        #expect(files.count >= 10, "\(files)")
        try compare(files, python: python)
    }

    @Test func agreesWithOsloConfigOnEdgeCases() throws {
        guard let python = ExternalProgram.require(ExternalProgram.python, "oslo.config (.build/pyenv)") else { return }
        let directory = try TemporaryDirectory(prefix: "oslo-edge")
        let files = try Self.edgeCases.enumerated().map { try directory.write("case\($0.offset).conf", $0.element) }
        try compare(files, python: python)
    }

    @Test func agreesWithOsloConfigOnGeneratedFiles() throws {
        guard let python = ExternalProgram.require(ExternalProgram.python, "oslo.config (.build/pyenv)") else { return }
        let directory = try TemporaryDirectory(prefix: "oslo-random")
        var random = SeededRandom(seed: 0x05_10C0)
        let files = try (0..<400).map { try directory.write("random\($0).conf", RandomConfig.iniFile(&random)) }
        try compare(files, python: python)
    }

    static func debianOsloFiles(_ root: String) throws -> [String] {
        let names = ["nova.conf", "neutron.conf", "ml2_conf.ini", "openvswitch_agent.ini", "l3_agent.ini", "dhcp_agent.ini",
                     "metadata_agent.ini", "cinder.conf", "glance-api.conf", "keystone.conf", "ceilometer.conf", "rootwrap.conf"]
        let enumerator = FileManager.default.enumerator(atPath: root)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if names.contains((path as NSString).lastPathComponent) { files.append(root + "/" + path) }
        }
        return files.sorted()
    }

    /// Runs oslo.config on every file at once and compares each result with stackdrift's.
    func compare(_ files: [String], python: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let results = try DifferentialDump.run("oslo_dump.py", on: files, python: python, sourceLocation: sourceLocation)
        var agreed = 0
        for (file, theirs) in zip(files, results) {
            let bytes = Array(FileManager.default.contents(atPath: file) ?? Data())
            let ours = Result { try DocumentParser.parse(bytes, path: file, format: .osloINI, secrets: Self.secrets) }
            let label = "\(file): \(String(decoding: bytes.prefix(200), as: UTF8.self).debugDescription)"
            switch (ours, theirs["entries"] as? [[String: Any]]) {
            case (.success(let document), let entries?):
                let mine = document.entries.map { [$0.section ?? "", $0.key, $0.value.text] }
                let expected = entries.map { [$0["section"] as? String ?? "", $0["key"] as? String ?? "", $0["value"] as? String ?? ""] }
                #expect(mine == expected, "\(label)", sourceLocation: sourceLocation)
                #expect(document.render() == bytes, "round trip: \(label)", sourceLocation: sourceLocation)
                if mine == expected { agreed += 1 }
            case (.failure(let error), nil):
                // Both reject. Lines agree except for an assignment before any section: oslo.config
                // reports the line where it noticed (the next line), stackdrift the assignment's own line.
                let message = theirs["error"] as? String ?? ""
                if let diagnostic = error as? Diagnostic, let line = theirs["line"] as? Int,
                   !message.contains("Section must be started") {
                    #expect(diagnostic.location.line == line, "\(label): \(diagnostic) vs \(message)", sourceLocation: sourceLocation)
                }
                agreed += 1
            case (.success, nil):
                Issue.record("oslo.config rejects (\(theirs["error"] ?? "?")) but stackdrift accepts: \(label)",
                             sourceLocation: sourceLocation)
            case (.failure(let error), _?):
                Issue.record("stackdrift rejects (\(error)) but oslo.config accepts: \(label)", sourceLocation: sourceLocation)
            }
        }
        print("oslo.config differential: \(agreed)/\(files.count) files agree")
    }
}
