import Foundation
import Testing

/// Expected output committed beside the tests. `STACKDRIFT_RECORD_GOLDEN=1 swift test` rewrites
/// the files from the current output (then review the diff with `git diff` before committing);
/// otherwise a difference fails the test, naming the first line that differs.
package enum GoldenFile {
    package static var recording: Bool { ProcessInfo.processInfo.environment["STACKDRIFT_RECORD_GOLDEN"] == "1" }

    package static func check(_ actual: String, against path: String, regenerate: String = "STACKDRIFT_RECORD_GOLDEN=1 swift test",
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
        if recording {
            try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                                                    withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: URL(fileURLWithPath: path))
            print("note: recorded \(path)")
            return
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            Issue.record("\(path) does not exist; record it with: \(regenerate)", sourceLocation: sourceLocation)
            return
        }
        let expected = String(decoding: data, as: UTF8.self)
        guard expected != actual else { return }
        Issue.record("\(path) is stale: \(firstDifference(expected, actual)); regenerate it with: \(regenerate)",
                     sourceLocation: sourceLocation)
    }

    /// `line 12: expected "…", got "…"`.
    package static func firstDifference(_ expected: String, _ actual: String) -> String {
        let left = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let right = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(left.count, right.count) {
            let old = index < left.count ? String(left[index]) : "(end of file)"
            let new = index < right.count ? String(right[index]) : "(end of file)"
            if old != new { return "line \(index + 1): expected \(old.debugDescription.prefix(300)), got \(new.debugDescription.prefix(300))" }
        }
        return "they differ"
    }
}
