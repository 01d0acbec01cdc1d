import DriftCore
import Foundation

/// Finds the guide's rules shipped with stackdrift.
///
/// Looked up in order: `$STACKDRIFT_RULES_DIR`; `share/stackdrift/Rules` beside
/// the installed binary's `bin/`; the `Rules/` folder of the source checkout the
/// binary was built from. The first that exists wins, so a development build and
/// an installed copy both find their rules without configuration.
public enum BuiltinRules {
    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        var candidates: [String] = []
        if let override = environment["STACKDRIFT_RULES_DIR"], !override.isEmpty { candidates.append(override) }
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            candidates.append(executable.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("share/stackdrift/Rules").path)
        }
        candidates.append(checkoutRules)
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate
            }
        }
        throw Diagnostic(.rule, at: SourceLocation(file: candidates.first ?? checkoutRules, line: 1),
                         "cannot find the built-in rules (looked in \(candidates.joined(separator: ", "))); "
                         + "set STACKDRIFT_RULES_DIR to the Rules directory")
    }

    /// `Rules/` of the checkout this file was compiled from.
    static var checkoutRules: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Rules").path
    }
}
