import DriftCore
import DriftParsing
import DriftTestSupport
import Foundation
import Testing

/// Compares stackdrift's reading of Paste Deploy files (proxy-server.conf, api-paste.ini)
/// with Python's configparser as Paste Deploy 3.1.0 configures it.
@Suite struct PasteDifferentialTests {
    static let secrets = SecretPolicy(keyPatterns: ["*password*"])

    static let edgeCases: [String] = [
        "[DEFAULT]\nbind_port = 8080\nuser = swift\n\n[pipeline:main]\npipeline = healthcheck cache authtoken keystoneauth proxy-server\n",
        "[pipeline:main]\npipeline = a\n    b\n\n    c\n",
        "[s]\nk = 1\n  # comment inside\n  more\n",
        "[s]\nk = 1\n\n  after blank\n",
        "[s]\nk = %(here)s/x\nl = %%literal\nm = %(k)s/y\n",
        "[s]\nbad = 50%\n",
        "[s]\nmissing = %(nope)s\n",
        "[DEFAULT]\nuser = swift\n[app:x]\nuser = root\nset user = admin\n",
        "[s]\nk = 1\nk = 2\n",
        "[s]\nk = 1\n[s]\nj = 2\n",
        "[DEFAULT]\nk = 1\n[DEFAULT]\nj = 2\n",
        "k = 1\n[s]\n",
        "[s]\nnoseparator\n",
        "[s]\n= v\n",
        "[s] # trailing\nk = v\n",
        "  [indented]\nk = v\n",
        "[a]b]\nk = v\n",
        "[s]\nk : v\nj=w:x\n",
        "[s]\nKey = V\nkey = v\n",
        "[s]\r\nk = v\r\n",
        "\u{FEFF}[s]\nk = v\n",
        "[s]\nk = v\u{A0}\n",
        "",
        "[filter:authtoken]\npaste.filter_factory = keystoneclient.middleware.auth_token:filter_factory\ndelay_auth_decision = true\n",
    ]

    @Test func agreesWithPasteDeployOnDebianFiles() throws {
        guard let python = ExternalProgram.require(ExternalProgram.python, "PasteDeploy (.build/pyenv)"),
              let configs = ExternalProgram.require(ExternalProgram.debianConfigs, "Debian's config files") else { return }
        let enumerator = FileManager.default.enumerator(atPath: configs)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix("proxy-server.conf") || path.hasSuffix("paste.ini") { files.append(configs + "/" + path) }
        }
        #expect(files.count >= 4, "\(files)")
        try compare(files.sorted(), python: python)
    }

    @Test func agreesWithPasteDeployOnEdgeCases() throws {
        guard let python = ExternalProgram.require(ExternalProgram.python, "PasteDeploy (.build/pyenv)") else { return }
        let directory = try TemporaryDirectory(prefix: "paste-edge")
        try compare(try Self.edgeCases.enumerated().map { try directory.write("case\($0.offset).conf", $0.element) },
                    python: python)
    }

    @Test func agreesWithPasteDeployOnGeneratedFiles() throws {
        guard let python = ExternalProgram.require(ExternalProgram.python, "PasteDeploy (.build/pyenv)") else { return }
        let directory = try TemporaryDirectory(prefix: "paste-random")
        var random = SeededRandom(seed: 0x9A57E)
        let files = try (0..<400).map { index in
            try directory.write("random\(index).conf",
                                RandomConfig.iniFile(&random, sections: ["DEFAULT", "pipeline:main", "filter:cache", "app:proxy-server"]))
        }
        try compare(files, python: python)
    }

    func compare(_ files: [String], python: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let results = try DifferentialDump.run("paste_dump.py", on: files, python: python, sourceLocation: sourceLocation)
        var agreed = 0
        for (file, theirs) in zip(files, results) {
            let bytes = Array(FileManager.default.contents(atPath: file) ?? Data())
            let label = "\(file): \(String(decoding: bytes.prefix(200), as: UTF8.self).debugDescription)"
            let ours = Result { try DocumentParser.parse(bytes, path: file, format: .pasteINI, secrets: Self.secrets) }
            switch (ours, theirs["sections"] as? [[String: Any]]) {
            case (.success(let document), let sections?):
                var same = true
                for section in sections {
                    let name = section["section"] as? String ?? ""
                    let options = section["options"] as? [[String: Any]] ?? []
                    let mine = document.entries.filter { $0.section == name }
                    let expected = options.map { option -> [String] in
                        let key = option["key"] as? String ?? ""
                        var value = option["value"] as? String ?? ""
                        if name.hasPrefix("pipeline:"), key == "pipeline", option["interpolation_failed"] as? Bool != true {
                            value = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " ")
                        }
                        return [key, value]
                    }
                    let actual = mine.map { entry -> [String] in
                        if case .list(let items) = entry.value { return [entry.key, items.map(\.text).joined(separator: " ")] }
                        return [entry.key, entry.value.text]
                    }
                    if actual != expected {
                        same = false
                        Issue.record("[\(name)] \(actual) != \(expected): \(label)", sourceLocation: sourceLocation)
                    }
                    let failures = options.filter { $0["interpolation_failed"] as? Bool == true }.count
                    let warnings = document.warnings.filter { warning in mine.contains { $0.line == warning.location.line } }.count
                    #expect(failures == warnings, "interpolation warnings in [\(name)]: \(label)", sourceLocation: sourceLocation)
                }
                #expect(document.render() == bytes, "round trip: \(label)", sourceLocation: sourceLocation)
                if same { agreed += 1 }
            case (.failure, nil):
                agreed += 1
            case (.success, nil):
                Issue.record("configparser rejects (\(theirs["error"] ?? "?")) but stackdrift accepts: \(label)",
                             sourceLocation: sourceLocation)
            case (.failure(let error), _?):
                Issue.record("stackdrift rejects (\(error)) but configparser accepts: \(label)", sourceLocation: sourceLocation)
            }
        }
        print("Paste Deploy differential: \(agreed)/\(files.count) files agree")
    }
}
