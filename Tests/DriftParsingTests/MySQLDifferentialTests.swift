import DriftCore
import DriftParsing
import DriftTestSupport
import Foundation
import Testing

/// Compares stackdrift's effective MySQL option set with `my_print_defaults`
/// (mariadb-client 10.11) on Debian's real /etc/mysql tree, edge cases and generated files.
@Suite(.serialized) struct MySQLDifferentialTests {
    static let secrets = SecretPolicy(keyPatterns: ["*password*"])

    @Test func agreesOnDebiansMySQLTree() throws {
        guard let tool = ExternalProgram.require(ExternalProgram.which("my_print_defaults"), "my_print_defaults (mariadb-client)"),
              let configs = ExternalProgram.require(ExternalProgram.debianConfigs, "Debian's config files") else { return }
        // Copy the tree and point its absolute !includedir paths at the copy, so both readers see the same files.
        let directory = try TemporaryDirectory(prefix: "mysql-debian")
        let enumerator = FileManager.default.enumerator(atPath: configs + "/etc/mysql")
        while let path = enumerator?.nextObject() as? String {
            let source = configs + "/etc/mysql/" + path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let text = try String(contentsOfFile: source, encoding: .utf8)
            try directory.write("etc/mysql/" + path, text.replacingOccurrences(of: "/etc/mysql/", with: directory.path + "/etc/mysql/"))
        }
        let main = directory.path + "/etc/mysql/mariadb.cnf"
        let document = try compare([main], tool: tool)
        // The effective set really spans the included files.
        #expect(Set(document.first?.entries.map(\.span.file) ?? []).count >= 4)
        #expect(document.first?.effectiveEntry(section: "mysqld", key: "bind_address")?.value.text == "127.0.0.1")
    }

    @Test func agreesOnEdgeCases() throws {
        guard let tool = ExternalProgram.require(ExternalProgram.which("my_print_defaults"), "my_print_defaults (mariadb-client)") else { return }
        let directory = try TemporaryDirectory(prefix: "mysql-edge")
        let d = directory.path
        try directory.write("inc/b.cnf", "[mysqld]\nfrom_b = 2\n")
        try directory.write("inc/a.cnf", "[mysqld]\nfrom_a = 1\n!include \(d)/nested.cnf\n")
        try directory.write("inc/c.txt", "[mysqld]\nnot_read = 1\n")
        try directory.write("inc/D.CNF", "[mysqld]\nnot_read_either = 1\n")
        try directory.write("nested.cnf", "[client]\nnested = yes\n")
        try directory.write("loop.cnf", "[mysqld]\nloop = 1\n!include \(d)/loop.cnf\n")
        try directory.write("nogroup.cnf", "orphan = 1\n")
        let cases = [
            "[mysqld]\nbind-address = 10.0.0.11\ninnodb_file_per_table\nskip-external-locking\n",
            "[mysqld]\ninit-connect = 'SET NAMES utf8'   # trailing comment\nquoted = \"a # not comment\"\n",
            "[mysqld]\nesc = a\\tb\\nc\\\\d\\se\\x\\\"\\'\\b\\r\\0\nend = trailing\\\n",
            "[mysqld]\n  indented_key = 1\nloose-foo = bar\nkey_with_semicolon = x ; y\n",
            "[MySQLD]\nupper = 1\n[ mysqld ]\nspaced = 1\n[mysqld] # c\nafter = 1\n[]\nempty = 1\n",
            "[mysqld]\n!includedir \(d)/inc\nlast = 1\n",
            "[mysqld]\n!includedir \(d)/inc/\n",
            "[mysqld]\n!include \(d)/missing.cnf\nstill = 1\n",
            "[mysqld]\n!includedir \(d)/nonexistent\n",
            "[mysqld]\n!include\n",
            "[mysqld]\n!foo bar\n!includefoo x\nok = 1\n",
            "[mysqld]\n!include \(d)/nested.cnfX",
            "[mysqld]\n!include \(d)/loop.cnf\n",
            "[mysqld]\n!include \(d)/nogroup.cnf\nafter = 1\n",
            "key = 1\n[mysqld]\n",
            "[mysqld\na = 1\n",
            "[mysqld]\nq = \"unterminated\nr = 'a' b\ns = a\"b\"c\n= value\nkey with space = 1\na#b = 1\n",
            "[mysqld]\na = 1 #c\nb = 1#c\nc = \"x\"#c\nd = \"#\"\ne = '\\'#x'\n",
            "\u{FEFF}[mysqld]\na=1\n",
            "[mysqld]\r\na=1\r\nb = 2 \r\n",
            "[mysqld]\nlong=" + String(repeating: "x", count: 5000) + "\nafter=1\n",
            "[mysqld]\n" + String(repeating: "k", count: 4094) + "\nafter=1\n",
            "[mysqld]\nnul = a\u{0}b\n",
            "[mysqld]\nlast = no newline",
            "",
        ]
        let files = try cases.enumerated().map { try directory.write("case\($0.offset).cnf", $0.element) }
        let latin1 = directory.path + "/latin1.cnf"
        try Data([0x5B] + Array("mysqld]\nname = caf".utf8) + [0xE9] + Array("\n".utf8)).write(to: URL(fileURLWithPath: latin1))
        _ = try compare(files + [latin1], tool: tool)
    }

    @Test func agreesOnGeneratedFiles() throws {
        guard let tool = ExternalProgram.require(ExternalProgram.which("my_print_defaults"), "my_print_defaults (mariadb-client)") else { return }
        let directory = try TemporaryDirectory(prefix: "mysql-random")
        try directory.write("extra/a.cnf", "[mysqld]\nextra = 1\n")
        var random = SeededRandom(seed: 0x3D5A1)
        let files = try (0..<200).map { index -> String in
            var text = RandomConfig.iniFile(&random, sections: ["mysqld", "client", "MySQLD", "server", "mysqld-10.11"])
            if random.chance(20) { text += "!includedir \(directory.path)/extra\n" }
            return try directory.write("random\(index).cnf", text)
        }
        _ = try compare(files, tool: tool)
    }

    /// Runs my_print_defaults on each file for every group stackdrift saw and compares its
    /// output with stackdrift's entries printed the same way.
    @discardableResult
    func compare(_ files: [String], tool: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [ConfigDocument] {
        var documents: [ConfigDocument] = []
        var agreed = 0, deliberate = 0
        for file in files {
            let bytes = Array(FileManager.default.contents(atPath: file) ?? Data())
            let label = "\(file): \(String(decoding: bytes.prefix(160), as: UTF8.self).debugDescription)"
            // A document with errors is one the server refuses (its entries are still read): a rejection.
            let ours = Result { () throws -> ConfigDocument in
                let document = try DocumentParser.parse(bytes, path: file, format: .mysql, secrets: Self.secrets,
                                                        includes: LocalIncludeResolver())
                if let refusal = document.errors.first { throw refusal }
                return document
            }
            var groups: [String] = []
            if case .success(let document) = ours {
                for entry in document.entries where !groups.contains(entry.section ?? "") { groups.append(entry.section ?? "") }
            }
            if groups.isEmpty { groups = ["mysqld"] }
            let output = try ExternalProgram.run(tool, ["--defaults-file=\(file)"] + groups)
            switch ours {
            case .success(let document):
                documents.append(document)
                guard output.status == 0 else {
                    Issue.record("my_print_defaults rejects (\(output.stderr)) but stackdrift accepts: \(label)", sourceLocation: sourceLocation)
                    continue
                }
                var expected: [UInt8] = []
                for entry in document.entries {
                    let encoding = document.document(for: entry.span.file)?.source.encoding ?? .utf8
                    expected += Array("--".utf8) + Self.encode(entry.key, encoding)
                    if case .none = entry.value {} else { expected += Array("=".utf8) + Self.encode(entry.value.text, encoding) }
                    expected.append(0x0A)
                }
                // Compared as text: where MySQL trims a 0xA0 byte off a UTF-8 no-break space it leaves
                // half a character, which both sides then show as U+FFFD.
                let mine = String(decoding: expected, as: UTF8.self), theirs = String(decoding: output.stdout, as: UTF8.self)
                if mine != theirs, Self.hasIndentedEmptyKey(bytes) {
                    deliberate += 1
                    continue
                }
                let same = mine == theirs
                #expect(same, "\(label)\nstackdrift:\n\(mine)\nmy_print_defaults:\n\(theirs)", sourceLocation: sourceLocation)
                #expect(document.render() == bytes, "round trip: \(label)", sourceLocation: sourceLocation)
                if same { agreed += 1 }
            case .failure(let error):
                if output.status == 0 {
                    Issue.record("stackdrift rejects (\(error)) but my_print_defaults accepts: \(label)", sourceLocation: sourceLocation)
                } else {
                    agreed += 1
                }
            }
        }
        print("my_print_defaults differential: \(agreed)/\(files.count) files agree, \(deliberate) differ deliberately")
        return documents
    }

    /// A line whose first non-blank byte is '=' after leading white space: my_default.c then
    /// trims the empty option name backwards past the start of its line buffer (undefined
    /// behaviour; Debian's build prints bytes from before the '='). stackdrift reads an empty
    /// option name. See `MySQLDeliberateDifferenceTests`.
    static func hasIndentedEmptyKey(_ bytes: [UInt8]) -> Bool {
        LineBreaks.lineFeed.lines(bytes).contains { line in
            guard let first = bytes[line.content].firstIndex(where: { !ByteClass.isSpace($0) }) else { return false }
            return first > line.start && bytes[first] == UInt8(ascii: "=")
        }
    }

    static func encode(_ text: String, _ encoding: SourceText.Encoding) -> [UInt8] {
        switch encoding {
        case .utf8: return Array(text.utf8)
        case .latin1: return text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        }
    }
}

private enum ByteClass {
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) || byte == 0xA0 }
}

/// Where stackdrift reads MySQL option files differently from my_print_defaults, on purpose.
@Suite struct MySQLDeliberateDifferenceTests {
    @Test func anIndentedLineWithoutAnOptionNameReadsAsAnEmptyName() throws {
        // my_default.c would scan backwards out of its buffer here (undefined behaviour).
        let document = try DocumentParser.parse(text: "[mysqld]\n\t= value\n", path: "/etc/mysql/my.cnf", format: .mysql,
                                                secrets: SecretPolicy(keyPatterns: []))
        #expect(document.entries.map(\.key) == [""])
        #expect(document.entries.map(\.value.text) == ["value"])
    }

    @Test func relativeIncludesAreReadFromTheRoot() throws {
        // The server resolves them against its working directory, which stackdrift cannot know.
        #expect(MySQLOptionReader.includeTargets(in: Array("[mysqld]\n!include conf/x.cnf\n".utf8)).map(\.path) == ["/conf/x.cnf"])
    }
}
