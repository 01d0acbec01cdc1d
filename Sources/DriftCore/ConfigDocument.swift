import Foundation

/// A parsed configuration file: its entries in reading order plus every byte
/// between them, so the file prints back byte for byte (`render()`).
///
/// Parsers build documents; the rule engine and reporters only read them.
/// Lookups (`effectiveEntry`, …) compare names the way the consuming program does; they are
/// in DriftParsing, beside each format's `FormatDescription`.
package struct ConfigDocument: Sendable {
    /// A run of the file: an entry, a section header, or trivia (comments, blank lines, directives).
    package struct Segment: Hashable, Sendable {
        package enum Kind: Hashable, Sendable {
            case trivia
            case sectionHeader(String)
            /// Index into `entries`.
            case entry(Int)
        }

        package var kind: Kind
        /// Byte range in `source`.
        package var range: Range<Int>
        package var line: Int

        package init(kind: Kind, range: Range<Int>, line: Int) {
            self.kind = kind
            self.range = range
            self.line = line
        }
    }

    /// Absolute path of the file on its host.
    package var path: String
    package var format: ConfigFormat
    package var source: SourceText
    /// How the program splits this file into lines; line numbers count these breaks.
    package var lineBreaks: LineBreaks
    /// Every assignment in reading order; for MySQL this is the effective option set across
    /// `!include`d files, each entry's span naming the file it came from.
    package var entries: [Entry] {
        didSet {
            keyIndex = nil
            sharedDigest = nil
        }
    }
    /// Positions in `entries` by key as the format's program compares it, in reading order,
    /// so a lookup need not fold every key of the file (a hosts file of ten thousand lines is
    /// looked up a name at a time); made by the parser (DriftParsing), dropped when `entries` changes.
    package var keyIndex: [String: [Int]]?
    /// The SHA-256 of the file's bytes when the run shares this document among the hosts whose
    /// file holds the same bytes (`ParsedFiles`, for large files): a check whose verdict depends
    /// only on the bytes and the fleet (the name check of an /etc/hosts listing every node, on
    /// every node) is made once per content instead of once per host. `nil`: parsed for one host,
    /// or changed since (dropped with `keyIndex`).
    package var sharedDigest: [UInt8]?
    /// This file's own bytes, tiled in order.
    package var segments: [Segment]
    /// Problems the consuming program tolerates (it warns and goes on), such as a sysctl.conf
    /// line without '='.
    package var warnings: [Diagnostic]
    /// Problems the consuming program refuses to start on, found while the rest of the file could
    /// still be read (MySQL stops at a missing `!includedir` directory): the entries are what the
    /// file sets, so its values can still be checked, and the problem is reported once.
    package var errors: [Diagnostic]
    /// Files read through include directives (MySQL `!include`/`!includedir`), each its own
    /// document, in reading order.
    package var includes: [ConfigDocument]
    /// Include directives not followed because they lead outside the directories includes may
    /// be read from (`IncludeConfinement`), each at its directive's line: findings, never reads.
    package var refusedIncludes: [Diagnostic] = []

    package init(path: String, format: ConfigFormat, source: SourceText, lineBreaks: LineBreaks = .lineFeed,
                entries: [Entry], segments: [Segment], warnings: [Diagnostic] = [], errors: [Diagnostic] = [],
                includes: [ConfigDocument] = []) {
        self.path = path
        self.format = format
        self.source = source
        self.lineBreaks = lineBreaks
        self.entries = entries
        self.segments = segments
        self.warnings = warnings
        self.errors = errors
        self.includes = includes
    }

    /// The file's bytes rebuilt from its segments; equal to the bytes parsed.
    package func render() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(source.bytes.count)
        for segment in segments { bytes += source.bytes[segment.range] }
        return bytes
    }

    /// The file's text rebuilt from its segments.
    package func renderText() -> String {
        SourceText(bytes: render(), encoding: source.encoding).text
    }

    /// The document holding `file`'s bytes: this one or one of its includes.
    package func document(for file: String) -> ConfigDocument? {
        if file == path { return self }
        return includes.first { $0.path == file }
    }

    /// The exact text of an entry, from whichever file it came from.
    package func raw(of entry: Entry) -> String {
        guard let owner = document(for: entry.span.file) else { return "" }
        return owner.source.string(entry.byteRange)
    }

    /// The text of one line (1-based) of this file, without its terminator; `nil` past the end.
    package func lineText(_ number: Int) -> String? {
        let lines = lineBreaks.lines(source.bytes)
        guard number >= 1, number <= lines.count else { return nil }
        return source.string(lines[number - 1].content)
    }
}
