import Foundation

/// A parsed configuration file: its entries in reading order plus every byte
/// between them, so the file prints back byte for byte (`render()`).
///
/// Parsers build documents; the rule engine and reporters only read them.
/// Lookups compare names the way the consuming program does (see `ConfigFormat`).
public struct ConfigDocument: Sendable {
    /// A run of the file: an entry, a section header, or trivia (comments, blank lines, directives).
    public struct Segment: Hashable, Sendable {
        public enum Kind: Hashable, Sendable {
            case trivia
            case sectionHeader(String)
            /// Index into `entries`.
            case entry(Int)
        }

        public var kind: Kind
        /// Byte range in `source`.
        public var range: Range<Int>
        public var line: Int

        public init(kind: Kind, range: Range<Int>, line: Int) {
            self.kind = kind
            self.range = range
            self.line = line
        }
    }

    /// Absolute path of the file on its host.
    public var path: String
    public var format: ConfigFormat
    public var source: SourceText
    /// How the program splits this file into lines; line numbers count these breaks.
    public var lineBreaks: LineBreaks
    /// Every assignment in reading order; for MySQL this is the effective option set across
    /// `!include`d files, each entry's span naming the file it came from.
    public var entries: [Entry]
    /// This file's own bytes, tiled in order.
    public var segments: [Segment]
    /// Problems the consuming program tolerates (it warns and goes on), such as a sysctl.conf
    /// line without '='.
    public var warnings: [Diagnostic]
    /// Problems the consuming program refuses to start on, found while the rest of the file could
    /// still be read (MySQL stops at a missing `!includedir` directory): the entries are what the
    /// file sets, so its values can still be checked, and the problem is reported once.
    public var errors: [Diagnostic]
    /// Files read through include directives (MySQL `!include`/`!includedir`), each its own
    /// document, in reading order.
    public var includes: [ConfigDocument]

    public init(path: String, format: ConfigFormat, source: SourceText, lineBreaks: LineBreaks = .lineFeed,
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
    public func render() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(source.bytes.count)
        for segment in segments { bytes += source.bytes[segment.range] }
        return bytes
    }

    /// The file's text rebuilt from its segments.
    public func renderText() -> String {
        SourceText(bytes: render(), encoding: source.encoding).text
    }

    /// The document holding `file`'s bytes: this one or one of its includes.
    public func document(for file: String) -> ConfigDocument? {
        if file == path { return self }
        return includes.first { $0.path == file }
    }

    /// The exact text of an entry, from whichever file it came from.
    public func raw(of entry: Entry) -> String {
        guard let owner = document(for: entry.span.file) else { return "" }
        return owner.source.string(entry.byteRange)
    }

    /// Section names in the order they first appear, as written.
    public var sections: [String] {
        var seen = Set<String>()
        var result: [String] = []
        for segment in segments {
            if case .sectionHeader(let name) = segment.kind, seen.insert(format.normalizedSection(name)).inserted {
                result.append(name)
            }
        }
        return result
    }

    public func hasSection(_ section: String) -> Bool {
        sections.contains { format.sectionMatches($0, wanted: section) }
    }

    /// Every occurrence of `key` read when the program looks it up in `section`, in reading
    /// order (`section` is ignored for sectionless formats).
    public func entries(section: String?, key: String) -> [Entry] {
        let wantedKey = format.normalizedKey(key)
        return entries.filter { entry in
            guard format.normalizedKey(entry.key) == wantedKey else { return false }
            guard format.hasSections, let section else { return true }
            return entry.section.map { format.sectionMatches($0, wanted: section) } ?? false
        }
    }

    /// The occurrence the program uses for a single-valued option.
    ///
    /// Usually the last one read. `/etc/hosts` resolves a name to its first line. Paste
    /// Deploy gives a `[DEFAULT]` value precedence over a section's own unless the section
    /// says `set key = value`. rsync modules fall back to the global parameters.
    public func effectiveEntry(section: String?, key: String) -> Entry? {
        switch format {
        case .hosts:
            return entries(section: section, key: key).first
        case .pasteINI:
            return pasteEffectiveEntry(section: section, key: key)
        case .rsyncd:
            if let own = entries(section: section, key: key).last { return own }
            return section == "global" ? nil : entries(section: "global", key: key).last
        default:
            return entries(section: section, key: key).last
        }
    }

    /// Paste Deploy's `ConfigLoader.get_context`: `set name` in the section wins; otherwise a
    /// name present in `[DEFAULT]` is global and the section's own value is skipped.
    private func pasteEffectiveEntry(section: String?, key: String) -> Entry? {
        guard let section else { return entries(section: nil, key: key).last }
        if section != "DEFAULT", let set = entries.last(where: { entry in
            entry.section == section && Self.pasteDirective(entry.key).map { $0 == ("set", key) } == true
        }) {
            var effective = set
            effective.key = key
            return effective
        }
        if let global = entries.last(where: { $0.section == "DEFAULT" && $0.key == key }) { return global }
        return entries.last(where: { $0.section == section && $0.key == key })
    }

    /// Splits Paste Deploy's `set name` and `get name` option names.
    static func pasteDirective(_ key: String) -> (String, String)? {
        for directive in ["set", "get"] where key.hasPrefix(directive + " ") {
            return (directive, key.dropFirst(directive.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// The text of one line (1-based) of this file, without its terminator; `nil` past the end.
    public func lineText(_ number: Int) -> String? {
        let lines = lineBreaks.lines(source.bytes)
        guard number >= 1, number <= lines.count else { return nil }
        return source.string(lines[number - 1].content)
    }
}
