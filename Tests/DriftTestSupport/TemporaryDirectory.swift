import Foundation

/// A directory under the system's temporary directory, removed when released.
package final class TemporaryDirectory: @unchecked Sendable {
    package let path: String

    package init(prefix: String = "stackdrift") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes text to a path relative to the directory, creating parent directories; returns the absolute path.
    @discardableResult
    package func write(_ relativePath: String, _ text: String) throws -> String {
        let url = URL(fileURLWithPath: path).appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url.path
    }
}
