/// Where a report's text goes as it is written: a file, standard output, or a string.
///
/// Reporters write a run host by host into a `ReportText`, which hands the sink its text in
/// pieces of about 64 KiB: a report of ten thousand hosts is never one string in memory.
package protocol ReportSink: AnyObject {
    func write(_ text: String) throws
    /// The same as `write(_:)` for text already in UTF-8 (the default converts it): a file
    /// sink writes the bytes as they are.
    func write(bytes: [UInt8]) throws
}

extension ReportSink {
    package func write(bytes: [UInt8]) throws {
        try write(String(decoding: bytes, as: UTF8.self))
    }
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
    /// UTF-8: appending bytes is cheaper than appending to a `String`, and the sink writes bytes.
    private var buffer: [UInt8] = []
    static let flushSize = 1 << 16

    init(_ sink: any ReportSink) {
        self.sink = sink
        buffer.reserveCapacity(Self.flushSize + 4096)
    }

    mutating func append(_ text: String) {
        buffer += text.utf8
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { buffer += $0 }
    }

    mutating func append(bytes: [UInt8]) {
        buffer += bytes
    }

    /// Hands the text so far to the sink once there is enough of it.
    mutating func flushIfLarge() throws {
        if buffer.count >= Self.flushSize { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try sink.write(bytes: buffer)
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
