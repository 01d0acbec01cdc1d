import DriftCore
import DriftParsing
import Foundation

/// One input through one parser, checking what every parser promises: it returns a
/// document or a diagnostic (never crashes or hangs), an accepted input prints back
/// byte for byte, and every entry and diagnostic points inside the file.
///
/// Built two ways: with `-DFUZZING -sanitize=fuzzer,address` (see `.ci/fuzz`) it is a
/// libFuzzer target for the format named by `STACKDRIFT_FUZZ_FORMAT`; otherwise it replays
/// files: `stackdrift-fuzz FORMAT FILE...`, for reproducing a crash libFuzzer saved.
enum FuzzHarness {
    static let secrets = SecretPolicy(keyPatterns: ["*password*", "*_pass", "*secret*"])
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

/// SwiftPM links an executable's entry point under this name; libFuzzer then drives the callback.
@_cdecl("stackdrift_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzFormat = FuzzHarness.formatFromEnvironment
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        FuzzHarness.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)), format: fuzzFormat)
        return 0
    }
}
#else
@main
struct FuzzReplay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let format = ConfigFormat(rawValue: name) else {
            FileHandle.standardError.write(Data("usage: stackdrift-fuzz FORMAT FILE...  (formats: \(ConfigFormat.choices))\n".utf8))
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
