import DriftTestSupport
import DriftCore
import DriftParsing
import Foundation
import Testing

/// Hostile and broken input, for every format: never a crash or a hang; either a document
/// that prints back byte for byte, or a diagnostic pointing inside the file.
@Suite struct BadInputTests {
    static let secrets = SecretPolicy(keyPatterns: ["*password*"])

    static let inputs: [(String, [UInt8])] = {
        var inputs: [(String, [UInt8])] = [
            ("empty", []),
            ("crlf", Array("[DEFAULT]\r\nkey = value\r\ndevices {\r\n dir = \"/dev\"\r\n}\r\n".utf8)),
            ("bom", [0xEF, 0xBB, 0xBF] + Array("[mysqld]\nkey = value\n".utf8)),
            ("tabs", Array("[DEFAULT]\n\tkey\t=\tvalue\t\n\t[x]\t\n".utf8)),
            ("invalid utf-8", Array("[DEFAULT]\nkey = ".utf8) + [0xFF, 0xFE, 0xC3] + Array("\n".utf8)),
            ("nul bytes", Array("[DEFAULT]\nkey = a".utf8) + [0, 0] + Array("b\n[x]\n".utf8)),
            ("only nul", [0, 0, 0]),
            ("unterminated quotes", Array("[DEFAULT]\nkey = \"open\nA='open\ndevices { dir = \"open\n".utf8)),
            ("unterminated brackets", Array("[DEFAULT\nX = [1, 2\ndevices { filter = [ \"a\"\n".utf8)),
            ("unterminated braces", Array(String(repeating: "devices {\n", count: 10).utf8)),
            ("duplicate sections", Array("[a]\nk = 1\n[a]\nk = 2\n[A]\nk = 3\n".utf8)),
            ("one megabyte line", Array(("[DEFAULT]\nkey = " + String(repeating: "v", count: 1 << 20) + "\n").utf8)),
            ("one megabyte key", Array(String(repeating: "k", count: 1 << 20).utf8)),
            ("deep braces", Array((String(repeating: "a {\n", count: 100_000) + String(repeating: "}\n", count: 100_000)).utf8)),
            ("deep brackets", Array(("X = " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n").utf8)),
            ("deep unclosed", Array(String(repeating: "{[(", count: 50_000).utf8)),
            ("lone cr", Array("[DEFAULT]\rkey = 1\rnext = 2".utf8)),
            ("binary", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }),
            ("control characters", Array("[DEFAULT]\nkey = \u{1B}[31mred\u{07}\n".utf8)),
            ("only white space", Array(" \t\n\u{0B}\u{0C}\r\n".utf8)),
        ]
        inputs.append(("many lines", Array(String(repeating: "k = v\n", count: 200_000).utf8)))
        return inputs
    }()

    @Test(arguments: ConfigFormat.allCases)
    func neverCrashesAndEitherRoundTripsOrPointsIntoTheFile(format: ConfigFormat) throws {
        for (name, bytes) in Self.inputs {
            let lineCount = bytes.filter { $0 == 0x0A || $0 == 0x0D }.count + 1
            do {
                let document = try DocumentParser.parse(bytes, path: "/etc/input", format: format, secrets: Self.secrets)
                #expect(document.render() == bytes, "\(format.rawValue), \(name): round trip")
                for entry in document.entries {
                    #expect(entry.line >= 1 && entry.line <= lineCount, "\(format.rawValue), \(name): entry line \(entry.line)")
                }
            } catch let diagnostic as Diagnostic {
                #expect(diagnostic.location.file == "/etc/input")
                #expect(diagnostic.location.line >= 1 && diagnostic.location.line <= lineCount,
                        "\(format.rawValue), \(name): \(diagnostic.location)")
                #expect(diagnostic.description.count < 2_000, "\(format.rawValue), \(name): quoted lines are cut")
            }
        }
    }

    @Test func pythonFormatsRejectInvalidUTF8AndByteFormatsReadItAsLatin1() throws {
        let bytes = Array("[mysqld]\nname = caf".utf8) + [0xE9] + Array("\n".utf8)
        #expect(throws: Diagnostic.self) { try DocumentParser.parse(bytes, path: "/f", format: .osloINI, secrets: Self.secrets) }
        let document = try DocumentParser.parse(bytes, path: "/f", format: .mysql, secrets: Self.secrets)
        #expect(document.effectiveEntry(section: "mysqld", key: "name")?.value.text == "café")
        #expect(document.warnings.first?.kind == .encoding)
        #expect(document.render() == bytes)
    }

    @Test func deepPythonNestingIsASyntaxErrorAsInCPython() {
        let text = "X = " + String(repeating: "[", count: 201) + String(repeating: "]", count: 201) + "\n"
        #expect(throws: Diagnostic.self) {
            try DocumentParser.parse(text: text, path: "/f", format: .djangoSettings, secrets: Self.secrets)
        }
    }
}

/// print(parse(x)) == x for every accepted input, over generated input for every format.
@Suite struct RoundTripPropertyTests {
    @Test(arguments: ConfigFormat.allCases)
    func everyAcceptedInputPrintsBackByteForByte(format: ConfigFormat) {
        var random = SeededRandom(seed: 0xF00D ^ UInt64(format.rawValue.utf8.count))
        var accepted = 0
        for index in 0..<500 {
            var bytes = Array(RandomConfig.iniFile(&random).utf8)
            if index % 5 == 0 { bytes += (0..<random.count(0...40)).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
            if index % 7 == 0 { bytes = Array(LVMDifferentialTestsSupport.snippet(&random).utf8) }
            guard let document = try? DocumentParser.parse(bytes, path: "/f", format: format,
                                                           secrets: SecretPolicy(keyPatterns: [])) else { continue }
            accepted += 1
            #expect(document.render() == bytes, "\(format.rawValue): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
        #expect(accepted > 0, "\(format.rawValue) accepted none of the generated inputs")
    }
}

/// Brace-structured snippets, so LVM gets inputs it accepts.
enum LVMDifferentialTestsSupport {
    static func snippet(_ random: inout SeededRandom) -> String {
        var text = ""
        for _ in 0..<random.count(1...3) {
            text += random.pick(["devices", "global", "\"log\"", "activation"]) + random.pick([" {", "{", "\n{"]) + "\n"
            for _ in 0..<random.count(0...4) {
                text += random.pick(["  ", "\t"]) + random.pick(["dir", "scan", "umask", "filter"]) + random.pick(["=", " = "])
                text += random.pick(["1", "077", "-2", "1.5", "\"s\"", "'q'", "bare", "[ \"a\", \"b\", ]", "[]"])
                text += random.pick(["\n", " # c\n", " "])
            }
            text += "}\n"
        }
        return text
    }
}
