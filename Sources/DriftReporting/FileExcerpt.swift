import DriftCore
import DriftParsing
import Foundation

/// The lines of a file around a finding, quoted from the run's redacted text
/// (`FileResult.content`) and never from anywhere else: a secret was replaced by its
/// redaction tag before the text reached the run.
struct FileExcerpt: Hashable {
    struct Line: Hashable {
        /// 1-based.
        var number: Int
        var text: String
        var highlighted: Bool
    }

    var lines: [Line]
    /// Set when the key is absent: the line of the section it belongs in, shown instead.
    var sectionLine: Int?

    /// Lines of context either side of the offending line.
    static let context = 3

    /// The redacted text of each present file of one host, by host and path.
    struct Source {
        private var contents: [String: [String: [String]]] = [:]

        init(host: HostResult) {
            for file in host.files {
                guard let content = file.content else { continue }
                contents[host.name, default: [:]][file.path] = Self.lines(of: content, lineBreaks: file.format?.lineBreaks ?? .lineFeed)
            }
        }

        func lines(host: String, path: String) -> [String]? { contents[host]?[path] }

        /// Lines without their breaks, split as the file's parser splits them (so a finding's
        /// line number quotes the right line in CRLF and bare-CR files too); a final line break
        /// does not start another line.
        static func lines(of content: [UInt8], lineBreaks: LineBreaks) -> [String] {
            lineBreaks.lines(content).map { line in
                var text = String(decoding: content[line.content], as: UTF8.self)
                if lineBreaks == .lineFeed, text.hasSuffix("\r") { text.removeLast() }   // shown without the CR of a CRLF
                return text
            }
        }

        /// What to quote for a finding: its line with context, or, for a key that is not set,
        /// the start of the section it belongs in. `nil` when there is nothing to quote.
        func excerpt(for finding: Finding) -> FileExcerpt? {
            guard let lines = lines(host: finding.host, path: finding.file), !lines.isEmpty else { return nil }
            if let line = finding.line, line >= 1, line <= lines.count {
                return Self.excerpt(lines, around: line)
            }
            if finding.line == nil, let section = finding.section,
               let header = lines.firstIndex(where: { Self.isHeader($0, of: section) }) {
                let line = header + 1
                return FileExcerpt(lines: Self.window(lines, from: line, to: line + FileExcerpt.context, highlight: nil),
                                   sectionLine: line)
            }
            return nil
        }

        /// The line, highlighted, with `FileExcerpt.context` lines either side; `nil` for a line
        /// the text does not have.
        static func excerpt(_ lines: [String], around line: Int) -> FileExcerpt? {
            guard (1...max(1, lines.count)).contains(line), !lines.isEmpty else { return nil }
            return FileExcerpt(lines: window(lines, from: line - FileExcerpt.context, to: line + FileExcerpt.context, highlight: line))
        }

        private static func window(_ lines: [String], from first: Int, to last: Int, highlight: Int?) -> [Line] {
            let first = max(1, first), last = min(lines.count, last)
            guard first <= last else { return [] }
            return (first...last).map { number in
                Line(number: number, text: lines[number - 1], highlighted: number == highlight)
            }
        }

        /// `[section]` (INI) headers, compared ignoring case as oslo.config compares group names.
        private static func isHeader(_ line: String, of section: String) -> Bool {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("["), trimmed.hasSuffix("]") else { return false }
            return trimmed.dropFirst().dropLast().trimmingCharacters(in: .whitespaces).lowercased() == section.lowercased()
        }
    }
}
