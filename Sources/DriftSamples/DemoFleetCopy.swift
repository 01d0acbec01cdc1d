import Foundation

/// A scratch copy of the demo fleet (`Examples/demo`: its inventory and trees) that can be
/// edited line by line: another state of the same fleet, for a previous run to compare
/// with, or a hostile value to feed a report. Removed when released.
package final class DemoFleetCopy: @unchecked Sendable {
    /// The directory holding `inventory.yaml` and `trees/`.
    package let root: String
    private let scratch: String

    package init(from demo: String) throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("stackdrift-demo-\(UUID().uuidString)").path
        root = scratch + "/demo"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: demo, toPath: root)
    }

    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    package var inventory: String { root + "/inventory.yaml" }

    /// Replaces the one line of a host's file that equals `line`; throws when there is not exactly one.
    package func replaceLine(host: String, path: String, _ line: String, with replacement: String) throws {
        let file = root + "/trees/" + host + path
        var lines = try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "\n")
        let matches = lines.indices.filter { lines[$0] == line }
        guard matches.count == 1 else {
            throw EditFailed(description: "\(host):\(path) has \(matches.count) lines '\(line)', expected one")
        }
        lines[matches[0]] = replacement
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
    }

    package struct EditFailed: Error, CustomStringConvertible {
        package var description: String
    }
}
