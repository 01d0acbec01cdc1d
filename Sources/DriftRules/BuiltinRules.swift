import DriftCore
import Foundation

/// Finds the guide's rules shipped with stackdrift.
///
/// Looked up in order: `$STACKDRIFT_RULES_DIR`; `share/stackdrift/Rules` beside the binary's
/// `bin/` (`/usr/share/stackdrift/Rules` for the Debian package's `/usr/bin/stackdrift`); and,
/// only for a binary that lives in the `.build/` directory of the source checkout it was
/// compiled from (`swift build`, `swift run`, `swift test`), that checkout's `Rules/`. A copied
/// or installed binary never reaches into a checkout: one that finds no rules says where it
/// looked, rather than auditing with whatever rules a build machine happens to have.
package enum BuiltinRules {
    /// Where the rules were found, so commands can say which rules an audit used.
    package struct Location: Sendable, Hashable {
        package enum Origin: String, Sendable {
            /// `$STACKDRIFT_RULES_DIR`.
            case environment
            /// `share/stackdrift/Rules` beside the binary's `bin/`.
            case installed
            /// The source checkout whose `.build/` holds the binary.
            case checkout
        }

        package var path: String
        package var origin: Origin

        /// `/usr/share/stackdrift/Rules`, with where that comes from when it is not the installed copy.
        package var description: String {
            switch origin {
            case .installed: return path
            case .environment: return "\(path) (from STACKDRIFT_RULES_DIR)"
            case .checkout: return "\(path) (the source checkout this binary was built in)"
            }
        }
    }

    package static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        try locate(environment: environment).path
    }

    /// The rules directory and how it was found; `executable` is the running binary by default.
    package static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              executable: URL? = Bundle.main.executableURL) throws -> Location {
        var candidates: [Location] = []
        if let override = environment["STACKDRIFT_RULES_DIR"], !override.isEmpty {
            candidates.append(Location(path: override, origin: .environment))
        }
        let binary = executable?.resolvingSymlinksInPath().standardizedFileURL
        if let binary {
            candidates.append(Location(path: binary.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("share/stackdrift/Rules").path, origin: .installed))
            if isInBuildDirectory(binary.path, of: checkoutRoot) {
                candidates.append(Location(path: checkoutRoot + "/Rules", origin: .checkout))
            }
        }
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate
            }
        }
        let looked = candidates.map(\.path).map { "'\($0)'" }.joined(separator: ", ")
        throw Diagnostic(.rule, at: SourceLocation(file: candidates.first?.path ?? "Rules", line: 1),
                         "cannot find the built-in rules (looked in \(looked.isEmpty ? "no directory" : looked)); "
                         + "reinstall the package, or set STACKDRIFT_RULES_DIR to a Rules directory")
    }

    /// Whether `binary` was built inside `root`'s `.build/` (any configuration or scratch path named `.build*`).
    static func isInBuildDirectory(_ binary: String, of root: String) -> Bool {
        guard binary.hasPrefix(root + "/") else { return false }
        let inside = binary.dropFirst(root.count + 1)
        return inside.split(separator: "/").first.map { $0.hasPrefix(".build") } == true
    }

    /// The checkout this file was compiled from.
    static var checkoutRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().standardizedFileURL.path
    }
}
