/// A parsed configuration file: its entries in reading order plus everything
/// between them, so the file prints back byte for byte (`render()`).
///
/// Parsers build documents; the rule engine and reporters only read them.
/// Lookups compare names the way the consuming program does (see `ConfigFormat`).
public struct ConfigDocument: Sendable {
    /// A run of the file's text: an entry, a section header, or trivia (comments, blank lines, directives).
    public struct Segment: Hashable, Sendable {
        public enum Kind: Hashable, Sendable {
            case trivia
            case sectionHeader(String)
            /// Index into `entries`.
            case entry(Int)
        }

        public var kind: Kind
        public var raw: String
        public var line: Int

        public init(kind: Kind, raw: String, line: Int) {
            self.kind = kind
            self.raw = raw
            self.line = line
        }
    }

    /// Absolute path of the file on its host.
    public var path: String
    public var format: ConfigFormat
    public var entries: [Entry]
    public var segments: [Segment]

    public init(path: String, format: ConfigFormat, entries: [Entry], segments: [Segment]) {
        self.path = path
        self.format = format
        self.entries = entries
        self.segments = segments
    }

    /// The file's text exactly as parsed.
    public func render() -> String {
        segments.map(\.raw).joined()
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
        let wanted = format.normalizedSection(section)
        return sections.contains { format.normalizedSection($0) == wanted }
    }

    /// Every occurrence of `key` in `section`, in reading order (`section` is ignored for sectionless formats).
    public func entries(section: String?, key: String) -> [Entry] {
        let wantedKey = format.normalizedKey(key)
        let wantedSection = section.map(format.normalizedSection)
        return entries.filter { entry in
            guard format.normalizedKey(entry.key) == wantedKey else { return false }
            guard format.hasSections, let wantedSection else { return true }
            return entry.section.map(format.normalizedSection) == wantedSection
        }
    }

    /// The occurrence the program uses for a single-valued option: the last one read.
    public func effectiveEntry(section: String?, key: String) -> Entry? {
        entries(section: section, key: key).last
    }

    /// The text of one line (1-based), without its terminator; `nil` past the end.
    public func lineText(_ number: Int) -> String? {
        let lines = TextLine.split(render())
        guard number >= 1, number <= lines.count else { return nil }
        return String(lines[number - 1].text)
    }
}
