import DriftCore

/// Looking values up in a document as its program does: names compared as the format
/// compares them, the occurrence the program uses picked by the format's precedence.
extension ConfigDocument {
    /// Section names in the order they first appear, as written.
    package var sections: [String] {
        var seen = Set<String>()
        var result: [String] = []
        for segment in segments {
            if case .sectionHeader(let name) = segment.kind, seen.insert(format.normalizedSection(name)).inserted {
                result.append(name)
            }
        }
        return result
    }

    package func hasSection(_ section: String) -> Bool {
        sections.contains { format.sectionMatches($0, wanted: section) }
    }

    /// Every occurrence of `key` read when the program looks it up in `section`, in reading
    /// order (`section` is ignored for sectionless formats).
    package func entries(section: String?, key: String) -> [Entry] {
        let details = format.details
        let wantedKey = details.normalizedKey(key)
        func read(_ entry: Entry) -> Bool {
            guard details.hasSections, let section else { return true }
            return entry.section.map { details.sectionMatches($0, wanted: section) } ?? false
        }
        guard let keyIndex else {
            return entries.filter { details.normalizedKey($0.key) == wantedKey && read($0) }
        }
        return (keyIndex[wantedKey] ?? []).lazy.map { entries[$0] }.filter(read)
    }

    /// This document with its key index: itself when the parser made one, else an indexed copy.
    package var indexed: ConfigDocument {
        guard keyIndex == nil else { return self }
        var copy = self
        copy.indexKeys()
        return copy
    }

    /// Makes `keyIndex`, for lookups by key that do not fold every key of the file.
    package mutating func indexKeys() {
        let details = format.details
        var index: [String: [Int]] = [:]
        for (position, entry) in entries.enumerated() { index[details.normalizedKey(entry.key), default: []].append(position) }
        keyIndex = index
    }

    /// The occurrence the program uses for a single-valued option.
    ///
    /// Usually the last one read. `/etc/hosts` resolves a name to its first line. Paste
    /// Deploy gives a `[DEFAULT]` value precedence over a section's own unless the section
    /// says `set key = value`. rsync modules fall back to the global parameters.
    package func effectiveEntry(section: String?, key: String) -> Entry? {
        effectiveEntry(section: section, key: key, among: nil)
    }

    /// `effectiveEntry(section:key:)` for a caller that already holds `entries(section:key:)`
    /// (an option's effective value needs both), so the key is not looked up twice.
    package func effectiveEntry(section: String?, key: String, among occurrences: [Entry]?) -> Entry? {
        func own() -> [Entry] { occurrences ?? entries(section: section, key: key) }
        switch format.details.precedence {
        case .first:
            return own().first
        case .pasteDefaults:
            return pasteEffectiveEntry(section: section, key: key)
        case .globalFallback:
            if let own = own().last { return own }
            return section == "global" ? nil : entries(section: "global", key: key).last
        case .last:
            return own().last
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
}
