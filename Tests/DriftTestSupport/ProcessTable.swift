import Foundation

/// The machine's processes as /proc lists them, for tests that check what a transport left
/// running on a "node" (the test sshd's sessions and what they started).
package struct ProcessTable: Sendable {
    package struct Entry: Sendable, CustomStringConvertible {
        package var pid: Int32
        package var parent: Int32
        package var realUID: UInt32
        /// The command line, arguments separated by spaces.
        package var command: String

        package var description: String { "\(pid) (uid \(realUID)): \(command)" }
    }

    package var entries: [Entry]

    package static func snapshot() -> ProcessTable {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return ProcessTable(entries: names.compactMap { name -> Entry? in
            guard let pid = Int32(name),
                  let status = try? String(contentsOfFile: "/proc/\(name)/status", encoding: .utf8) else { return nil }
            func field(_ key: String) -> [Substring]? {
                status.split(separator: "\n").first { $0.hasPrefix(key + ":") }?.dropFirst(key.count + 1)
                    .split(whereSeparator: \.isWhitespace)
            }
            guard let parent = field("PPid")?.first.flatMap({ Int32($0) }),
                  let uid = field("Uid")?.first.flatMap({ UInt32($0) }) else { return nil }
            let raw = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") ?? Data()
            let command = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
            return Entry(pid: pid, parent: parent, realUID: uid, command: command)
        })
    }

    /// Every process below `pid`, children first.
    package func descendants(of pid: Int32) -> [Entry] {
        var found: [Entry] = []
        var frontier = [pid]
        while let next = frontier.popLast() {
            let children = entries.filter { $0.parent == next }
            found += children
            frontier += children.map(\.pid)
        }
        return found
    }

    /// Polls until `matching` finds nothing or `seconds` pass; returns what it last found.
    package static func waitUntilGone(within seconds: Double, _ matching: (ProcessTable) -> [Entry]) -> [Entry] {
        let end = Date().addingTimeInterval(seconds)
        while true {
            let left = matching(snapshot())
            if left.isEmpty || Date() >= end { return left }
            usleep(50_000)
        }
    }
}
