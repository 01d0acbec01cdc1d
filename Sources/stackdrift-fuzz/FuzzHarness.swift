import DriftCore
import DriftParsing
import DriftReporting
import Foundation

/// One input through one parser, checking what every parser promises: it returns a
/// document or a diagnostic (never crashes or hangs), an accepted input prints back
/// byte for byte, and every entry and diagnostic points inside the file.
///
/// Built two ways: with `-DFUZZING -sanitize=fuzzer,address` (see `.ci/fuzz`) it is a
/// libFuzzer target for the format named by `STACKDRIFT_FUZZ_FORMAT`; otherwise it replays
/// files: `stackdrift-fuzz FORMAT FILE...`, for reproducing a crash libFuzzer saved.
enum FuzzHarness {
    /// As Rules/secrets.yaml builds it: whole words, whole names, an allow-list.
    static let secrets = SecretPolicy(keyPatterns: ["admin_token", "auth_encryption_key"],
                                      words: ["password", "passwd", "pass", "dbpass", "secret"],
                                      notSecret: ["max_password_length"])
    static let redactor = Redactor(policy: secrets, key: Array(repeating: 7, count: 32))

    static func run(_ bytes: [UInt8], format: ConfigFormat) {
        let path = "/etc/fuzz"
        do {
            let document = try DocumentParser.parse(bytes, path: path, format: format, secrets: secrets, includes: NoIncludes())
            precondition(document.render() == bytes, "accepted input does not print back byte for byte")
            for entry in document.entries {
                precondition(entry.line >= 1 && entry.span.endLine >= entry.line, "entry line out of order")
                precondition(entry.byteRange.lowerBound >= 0 && entry.byteRange.upperBound <= bytes.count, "entry outside the file")
                if let range = entry.valueRange {
                    precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "value outside the file")
                }
                _ = document.effectiveEntry(section: entry.section, key: entry.key)
            }
            _ = redactor.redact(document)
        } catch let diagnostic as Diagnostic {
            precondition(diagnostic.location.file == path && diagnostic.location.line >= 1, "diagnostic outside the file")
            _ = diagnostic.description
        } catch {
            preconditionFailure("parser threw something other than a diagnostic: \(error)")
        }
        _ = redactor.redact(unparsed: SourceText(bytes: bytes, encoding: .latin1))
    }

    /// The redaction target (`STACKDRIFT_FUZZ_FORMAT=redaction`): the input is a random file of
    /// a format its first byte picks, into which secrets are planted at a line its second byte
    /// picks (an assignment as the format writes it, a commented-out one, a URL password). No
    /// planted secret may survive in any rendering: the stored (redacted) bytes, `parse`'s text
    /// and JSON, or a diagnostic.
    static func runRedaction(_ input: [UInt8]) {
        let formats = ConfigFormat.allCases.filter { $0.details.holdsSecrets }
        guard input.count >= 2 else { return }
        let format = formats[Int(input[0]) % formats.count]
        var body = Array(input.dropFirst(2))
        // Markers that cannot be in the input already.
        guard !body.contains(where: { $0 == UInt8(ascii: "Q") }) else { return }
        let markers = ["Qz9assignedQ", "Qz9commentedQ", "Qz9urlQ"]
        let keys = ["rabbit_password", "admin_token", "ADMIN_PASS", "auth_encryption_key"]
        let key = keys[Int(input[1]) % keys.count]
        let planted = [
            format.details.writer.line(key: key, value: markers[0]),
            "# old: \(key) = \(markers[1])",
            format.details.writer.line(key: "connection", value: "mysql://nova:\(markers[2])@controller/nova"),
        ].joined(separator: "\n")
        let lineStarts = [0] + body.indices.filter { body[$0] == 0x0A }.map { $0 + 1 }
        let at = lineStarts[Int(input[1] / 4) % lineStarts.count]
        body.insert(contentsOf: Array((planted + "\n").utf8), at: at)
        if at > 0, body[at - 1] != 0x0A { body.insert(0x0A, at: at) }

        var renderings: [(String, String)] = []
        let path = "/etc/fuzz"
        do {
            let document = try DocumentParser.parse(body, path: path, format: format, secrets: secrets, includes: NoIncludes())
            renderings.append(("stored", String(decoding: redactor.redact(document), as: UTF8.self)))
            renderings.append(("parse", ParseReport.text(document, secrets: secrets)))
            renderings.append(("parse --json", ParseReport.json(document, secrets: secrets)))
            renderings += document.warnings.map { ("warning", $0.description) }
        } catch {
            renderings.append(("diagnostic", "\(error)"))
        }
        renderings.append(("stored unparsed", String(decoding: redactor.redact(unparsed: SourceText(bytes: body, encoding: .latin1)),
                                                     as: UTF8.self)))
        for (name, text) in renderings {
            for marker in markers where text.contains(marker) {
                preconditionFailure("\(format.rawValue): planted secret '\(marker)' survives in the \(name) rendering")
            }
        }
    }

    static var formatFromEnvironment: ConfigFormat {
        let name = ProcessInfo.processInfo.environment["STACKDRIFT_FUZZ_FORMAT"] ?? "oslo-ini"
        guard let format = ConfigFormat(rawValue: name) else {
            fatalError("STACKDRIFT_FUZZ_FORMAT='\(name)' is not a format (valid: \(ConfigFormat.choices))")
        }
        return format
    }
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

nonisolated(unsafe) private var fuzzFormat = ConfigFormat.osloINI
nonisolated(unsafe) private var fuzzRedaction = false

/// SwiftPM links an executable's entry point under this name; libFuzzer then drives the callback.
@_cdecl("stackdrift_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzRedaction = ProcessInfo.processInfo.environment["STACKDRIFT_FUZZ_FORMAT"] == "redaction"
    if !fuzzRedaction { fuzzFormat = FuzzHarness.formatFromEnvironment }
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
        if fuzzRedaction { FuzzHarness.runRedaction(bytes) } else { FuzzHarness.run(bytes, format: fuzzFormat) }
        return 0
    }
}
#else
@main
struct FuzzReplay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.first == "redaction" {
            for file in arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("cannot read \(file)\n".utf8))
                    exit(66)
                }
                FuzzHarness.runRedaction(Array(data))
                print("ok \(file)")
            }
            return
        }
        guard let name = arguments.first, let format = ConfigFormat(rawValue: name) else {
            FileHandle.standardError.write(Data("usage: stackdrift-fuzz FORMAT|redaction FILE...  (formats: \(ConfigFormat.choices))\n".utf8))
            exit(64)
        }
        for file in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("cannot read \(file)\n".utf8))
                exit(66)
            }
            FuzzHarness.run(Array(data), format: format)
            print("ok \(file)")
        }
    }
}
#endif
