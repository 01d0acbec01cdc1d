import DriftCore
import DriftParsing
import DriftTestSupport
import Foundation
import Testing

/// Compares stackdrift's reading of lvm.conf with `lvmconfig --typeconfig current`
/// (lvm2 2.03.16) on Debian's lvm.conf, lvmconfig's own full configuration, edge cases
/// and generated files. lvmconfig prints only settings it knows, so comparisons use
/// known settings and check every value lvmconfig prints.
@Suite(.serialized) struct LVMDifferentialTests {
    static let secrets = SecretPolicy(keyPatterns: [])

    static var lvmconfig: String? { ExternalProgram.which("lvmconfig") }

    @Test func agreesOnDebiansAndLVMsOwnFullConfiguration() throws {
        guard let tool = ExternalProgram.require(Self.lvmconfig, "lvmconfig (lvm2)") else { return }
        let directory = try TemporaryDirectory(prefix: "lvm-full")
        try directory.write("lvm.conf", "config {\n}\n")
        let full = try Self.run(tool, config: nil, in: directory, typeconfig: "full", extra: ["--withcomments", "--withspaces"])
        #expect(full.status == 0, "\(full.stderr)")
        var files = [try directory.write("full/lvm.conf", String(decoding: full.stdout, as: UTF8.self))]
        if let configs = ExternalProgram.debianConfigs {
            files.append(configs + "/etc/lvm/lvm.conf")
            files.append(configs + "/etc/lvm/lvmlocal.conf")
        }
        let documents = try compare(files, tool: tool)
        #expect((documents.first?.entries.count ?? 0) > 200, "lvmconfig's full configuration has hundreds of settings")
    }

    @Test func agreesOnEdgeCases() throws {
        guard let tool = ExternalProgram.require(Self.lvmconfig, "lvmconfig (lvm2)") else { return }
        let directory = try TemporaryDirectory(prefix: "lvm-edge")
        let cases = [
            "devices {\n  filter = [ \"a/sda1/\", \"a/sdb/\", \"r/.*/\" ]\n}\n",
            "devices {\n filter = [ \"a/sda1/\", \"r/.*/\", ]\n}\n",
            "devices {\n dir = \"/dev\"\n dir = \"/other\"\n}\n",
            "devices {\n dir = \"/a\"\n}\ndevices {\n scan = [ \"/b\" ]\n}\n",
            "devices{ dir=\"/d\" scan=[\"/x\"] }\n",
            "global {\n umask = 077\n}\n",
            "global {\n umask = 0x10\n}\n",
            "global {\n umask = 089\n}\n",
            "global {\n umask = -5\n}\nactivation {\n thin_pool_autoextend_threshold = 70.5\n}\n",
            "devices {\n dir = 'single'\n}\n",
            "devices {\n dir = unquoted\n}\n",
            "devices {\n dir = \"x # y\" # comment\n}\n",
            "devices {\n dir = \"es\\\"c\\\\d\\n\"\n}\n",
            "devices {\n filter = [ \"a|x|\" \"r|.*|\" ]\n}\n",
            "devices {\n filter = \"r|.*|\"\n}\n",
            "devices {\n filter = [ ]\n}\n",
            "devices {\n dir = \"a\nb\"\n}\n",
            "devices {\n scan = [ \"/x\",\n  \"/y\"\n ]\n}\n",
            "devices {\n md_chunk_alignment = 1,\n}\n",
            "devices {\n dir =\n}\n",
            "devices {\n dir = \"/a\"\n",
            "devices {\n dir = \"/a\"\n}}\n",
            "devices {\n scan = [ 1 2 ]\n}\n",
            "devices {\n scan = [ \"/a\" \n",
            "\"devices\" {\n dir = \"/q\"\n}\n",
            "\"\" {\n}\n",
            "devices {\n dir = \"/a\"\u{0}junk\n}\n",
            "devices {\n dir = \"unterminated\n}\n",
            "activation {\n thin_pool_autoextend_threshold = 1.2.3\n}\n",
            "activation {\n thin_pool_autoextend_threshold = +7\n}\n",
            "activation {\n volume_list = [ \"vg1\", \"vg2/lv1\", \"@tag\" ]\n}\n",
            "log {\n\tverbose=0\n\tindent = 1\n\tprefix = \"  \"\n}\n",
            "",
            "# only a comment\n",
        ]
        _ = try compare(try cases.enumerated().map { try directory.write("case\($0.offset)/lvm.conf", $0.element) }, tool: tool)
    }

    @Test func agreesOnGeneratedFiles() throws {
        guard let tool = ExternalProgram.require(Self.lvmconfig, "lvmconfig (lvm2)") else { return }
        let directory = try TemporaryDirectory(prefix: "lvm-random")
        try directory.write("lvm.conf", "config {\n}\n")
        let full = try Self.run(tool, config: nil, in: directory, typeconfig: "full", extra: [])
        let known = try LVMParser(secrets: Self.secrets).parse(SourceText(bytes: Array(full.stdout)), path: "full").entries
        var random = SeededRandom(seed: 0x1_FAC7)
        let files = try (0..<150).map { index in
            try directory.write("random\(index)/lvm.conf", Self.randomFile(&random, known: known))
        }
        _ = try compare(files, tool: tool)
    }

    /// Known settings with random spellings of their values and random layout, sometimes broken.
    static func randomFile(_ random: inout SeededRandom, known: [Entry]) -> String {
        var bySection: [String: [Entry]] = [:]
        for entry in known where entry.section?.contains("/") == false { bySection[entry.section!, default: []].append(entry) }
        let sections = bySection.keys.sorted()
        var text = ""
        for _ in 0..<random.count(1...3) {
            let section = random.pick(sections)
            text += random.pick(["\(section) {", "\(section){", "\"\(section)\" {", "\(section)\n{"]) + random.pick(["\n", " ", "\t"])
            for _ in 0..<random.count(0...5) {
                let entry = random.pick(bySection[section]!)
                text += random.pick(["  ", "\t", ""]) + entry.key + random.pick([" = ", "=", " =\n  ", "= "])
                text += value(&random, like: entry.value) + random.pick(["\n", " ", "  # c\n", "\n\n"])
                if random.chance(4) { text += random.pick(["}", "{", "= 1", ",", "]", "0x1 = 2", "[", "\"", "'"]) + "\n" }
            }
            text += random.pick(["}\n", "}", "}\n\n", random.chance(10) ? "" : "}\n"])
        }
        return text
    }

    static func value(_ random: inout SeededRandom, like value: ConfigValue) -> String {
        switch value {
        case .integer:
            return random.pick(["0", "1", "007", "-3", "+4", "123456", "08", "1.5", "99999999999999999999"])
        case .float:
            return random.pick(["0.5", "1.", ".25", "-2.5", "3"])
        case .list:
            let items = (0..<random.count(0...3)).map { _ in random.pick(["\"a|.*|\"", "\"r|.*|\"", "'x'", "\"/dev\""]) }
            return "[" + random.pick([" ", ""]) + items.joined(separator: random.pick([", ", ",", " "])) + random.pick(["", ",", " ,"]) + " ]"
        default:
            return random.pick(["\"text\"", "'single'", "bare", "\"with \\\" quote\"", "\"x # y\"", "\"\""])
        }
    }

    static func run(_ tool: String, config: String?, in directory: TemporaryDirectory, typeconfig: String, extra: [String]) throws
        -> ExternalProgram.Output {
        let system = config.map { ($0 as NSString).deletingLastPathComponent } ?? directory.path
        return try ExternalProgram.run(tool, ["--typeconfig", typeconfig] + extra,
                                       environment: ["LVM_SYSTEM_DIR": system, "LVM_SUPPRESS_FD_WARNINGS": "1"])
    }

    /// For each file: lvmconfig accepts exactly when stackdrift does, and every setting lvmconfig
    /// prints has the value stackdrift reads for it (its last occurrence).
    func compare(_ files: [String], tool: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [ConfigDocument] {
        let parser = LVMParser(secrets: Self.secrets)
        var documents: [ConfigDocument] = []
        var agreed = 0
        for file in files {
            let bytes = Array(FileManager.default.contents(atPath: file) ?? Data())
            let label = "\(file): \(String(decoding: bytes.prefix(200), as: UTF8.self).debugDescription)"
            // lvmconfig reads <LVM_SYSTEM_DIR>/lvm.conf; copy other names into place.
            var config = file
            if (file as NSString).lastPathComponent != "lvm.conf" {
                let directory = try TemporaryDirectory(prefix: "lvm-copy")
                config = try directory.write("lvm.conf", String(decoding: bytes, as: UTF8.self))
                let output = try Self.run(tool, config: config, in: directory, typeconfig: "current", extra: [])
                try check(file: file, bytes: bytes, output: output, parser: parser, label: label, documents: &documents,
                          agreed: &agreed, sourceLocation: sourceLocation)
                continue
            }
            let output = try Self.run(tool, config: config, in: try TemporaryDirectory(), typeconfig: "current", extra: [])
            try check(file: file, bytes: bytes, output: output, parser: parser, label: label, documents: &documents,
                      agreed: &agreed, sourceLocation: sourceLocation)
        }
        print("lvmconfig differential: \(agreed)/\(files.count) files agree")
        return documents
    }

    private func check(file: String, bytes: [UInt8], output: ExternalProgram.Output, parser: LVMParser, label: String,
                       documents: inout [ConfigDocument], agreed: inout Int, sourceLocation: Testing.SourceLocation) throws {
        let theirsRejected = output.stderr.contains("Parse error") || output.stderr.contains("Failed to load config file")
        switch Result(catching: { try parser.parse(SourceText(bytes: bytes), path: file) }) {
        case .success(let document):
            documents.append(document)
            guard !theirsRejected else {
                Issue.record("lvmconfig rejects (\(output.stderr)) but stackdrift accepts: \(label)", sourceLocation: sourceLocation)
                return
            }
            let printed = try parser.parse(SourceText(bytes: Array(output.stdout)), path: "lvmconfig output").entries
            var same = true
            for setting in printed {
                let mine = document.effectiveEntry(section: setting.section, key: setting.key)
                if Self.normalized(mine?.value) != Self.normalized(setting.value) {
                    same = false
                    Issue.record("\(setting.section ?? "")/\(setting.key): stackdrift \(mine?.value.text ?? "unset") vs lvmconfig \(setting.value.text): \(label)",
                                 sourceLocation: sourceLocation)
                }
            }
            #expect(document.render() == bytes, "round trip: \(label)", sourceLocation: sourceLocation)
            if same { agreed += 1 }
        case .failure(let error):
            if theirsRejected { agreed += 1 } else {
                Issue.record("stackdrift rejects (\(error)) but lvmconfig accepts: \(label)", sourceLocation: sourceLocation)
            }
        }
    }

    /// lvmconfig prints one-element arrays as scalars and floats with six decimals.
    static func normalized(_ value: ConfigValue?) -> String? {
        guard let value else { return nil }
        switch value {
        case .list(let items) where items.count == 1: return normalized(items[0])
        case .list(let items): return "[" + items.compactMap { normalized($0) }.joined(separator: ",") + "]"
        case .float(let number): return String(format: "%.6f", number)
        case .integer(let number): return "i\(number)"
        case .string(let text): return "s" + text
        case .none: return "none"
        }
    }
}
