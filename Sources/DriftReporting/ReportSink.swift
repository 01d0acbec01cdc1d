/// Where a report's text goes as it is written: a file, standard output, or a string.
///
/// Reporters write a run host by host into a `ReportText`, which hands the sink its text in
/// pieces of about 64 KiB: a report of ten thousand hosts is never one string in memory.
package protocol ReportSink: AnyObject {
    func write(_ text: String) throws
}

/// Collects a report in memory: for tests, golden files and small runs.
package final class StringSink: ReportSink {
    package private(set) var text = ""

    package init() {}

    package func write(_ text: String) throws {
        self.text += text
    }
}

/// A report's text being written: appended to in small pieces, passed to the sink in large ones.
struct ReportText {
    private let sink: any ReportSink
    private(set) var buffer = ""
    static let flushSize = 1 << 16

    init(_ sink: any ReportSink) {
        self.sink = sink
        buffer.reserveCapacity(Self.flushSize + 4096)
    }

    mutating func append(_ text: String) {
        buffer += text
    }

    mutating func append(_ text: StaticString) {
        buffer += text.description
    }

    /// Hands the text so far to the sink once there is enough of it.
    mutating func flushIfLarge() throws {
        if buffer.utf8.count >= Self.flushSize { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try sink.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

extension String {
    /// Renders a report into a string (tests and small runs).
    static func report(_ render: (any ReportSink) throws -> Void) rethrows -> String {
        let sink = StringSink()
        try render(sink)
        return sink.text
    }
}
