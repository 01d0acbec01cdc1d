import DriftCore

/// Line edits of a parsed document, written by its format's `EntryWriter` in the file's own
/// style: only the lines an edit names change, every other byte stays as it is.
///
/// Each function returns `nil` when the edit would have to show a secret (a line removed or
/// rewritten that holds a secret value or URL credentials, or a new line that would): such a
/// change is for a person, and the caller says so.
extension ConfigDocument {
    /// The value of `entry` replaced by `value` in place: the key, its spacing, quotes the parser
    /// unquotes inside and anything after the value stay as written. An entry spread over
    /// continuation lines becomes one line. `spelled`: `value` is already written in the format's
    /// syntax (a list from `EntryWriter.list`), not a plain value to spell.
    package func edit(setting entry: Entry, to value: String, spelled: Bool = false, secrets: SecretPolicy,
                     action: LineEdit.Action = .setValue) -> LineEdit? {
        guard let owner = document(for: entry.span.file) else { return nil }
        let lines = owner.physicalLines
        guard entry.span.startLine >= 1, entry.span.endLine <= lines.count else { return nil }
        let old = lines[(entry.span.startLine - 1)..<entry.span.endLine].map(\.text)
        let writer = format.details.writer
        let line: String
        if let range = entry.valueRange {
            let first = lines[entry.span.startLine - 1], last = lines[entry.span.endLine - 1]
            guard range.lowerBound >= first.start, range.upperBound <= last.contentEnd else { return nil }
            line = owner.source.string(first.start..<range.lowerBound) + (spelled ? value : writer.value(value))
                + owner.source.string(range.upperBound..<last.contentEnd)
        } else {
            line = writer.line(key: entry.key, value: value, like: nil)
        }
        guard !old.contains(where: { Self.holdsSecret($0, secrets: secrets, key: entry.key) }),
              !Self.holdsSecret(line, secrets: secrets, key: entry.key) else { return nil }
        return LineEdit(action: action, file: owner.path, line: entry.span.startLine, old: old, new: [line])
    }

    /// A new `key = value` entry where the program reads it: after the last entry of the section's
    /// last block in this file (after its header when it has none), at the end of a sectionless
    /// file, or in a new section at the end of the file.
    package func edit(adding key: String, value: String, section: String?, secrets: SecretPolicy,
                     action: LineEdit.Action = .addKey) -> LineEdit? {
        let writer = format.details.writer
        let lines = physicalLines
        var anchor: Int?
        var anchorEntry: Entry?
        var like: String?
        var current: String?
        for segment in segments {
            switch segment.kind {
            case .sectionHeader(let name):
                current = name
                if let section, format.sectionMatches(name, wanted: section) { anchor = segment.line; anchorEntry = nil }
            case .entry(let index):
                let entry = entries[index]
                guard entry.span.file == path else { continue }
                let inSection = section.map { wanted in current.map { format.sectionMatches($0, wanted: wanted) } ?? false } ?? true
                if inSection {
                    anchor = entry.span.endLine
                    anchorEntry = entry
                    if like == nil { like = raw(of: entry) }
                } else if like == nil, !format.hasSections || section == nil {
                    like = raw(of: entry)
                }
            case .trivia:
                continue
            }
        }
        if like == nil, let first = entries.first(where: { $0.span.file == path }) { like = raw(of: first) }
        var text = writer.line(key: key, value: value, like: like.map { String($0.prefix { $0 != "\n" && $0 != "\r" }) })
        guard !Self.holdsSecret(text, secrets: secrets, key: key) else { return nil }
        if format.hasSections, let section, anchor == nil {
            // The section does not exist yet: a new one at the end of the file.
            guard let header = writer.header(section) else { return nil }
            return LineEdit(action: .addSection, file: path, line: lines.count, old: [], new: [text], header: header)
        }
        if writer.indents, let line = anchor, line >= 1, line <= lines.count {
            let anchorText = lines[line - 1].text
            var indentation = String(anchorText.prefix { $0 == " " || $0 == "\t" })
            if anchorEntry == nil { indentation += "    " }
            text = indentation + text
        }
        return LineEdit(action: action, file: path, line: anchor ?? lines.count, old: [], new: [text])
    }

    /// One more occurrence of a multi-valued option, right after `entry` (its last one).
    package func edit(addingOccurrence value: String, after entry: Entry, secrets: SecretPolicy) -> LineEdit? {
        guard let owner = document(for: entry.span.file) else { return nil }
        let writer = format.details.writer
        let first = String(raw(of: entry).prefix { $0 != "\n" && $0 != "\r" })
        var text = writer.line(key: entry.key, value: value, like: first)
        if writer.indents { text = String(first.prefix { $0 == " " || $0 == "\t" }) + text }
        guard !Self.holdsSecret(text, secrets: secrets, key: entry.key) else { return nil }
        return LineEdit(action: .addValue, file: owner.path, line: entry.span.endLine, old: [], new: [text])
    }

    /// Every line of these entries commented out (each line once, in file order).
    package func edits(commentingOut entries: [Entry], secrets: SecretPolicy) -> [LineEdit]? {
        var seen = Set<String>()
        var result: [LineEdit] = []
        let writer = format.details.writer
        for entry in entries.sorted(by: { ($0.span.file, $0.span.startLine) < ($1.span.file, $1.span.startLine) }) {
            guard let owner = document(for: entry.span.file) else { return nil }
            let lines = owner.physicalLines
            guard entry.span.startLine >= 1, entry.span.endLine <= lines.count else { return nil }
            guard seen.insert("\(owner.path):\(entry.span.startLine)").inserted else { continue }
            let old = lines[(entry.span.startLine - 1)..<entry.span.endLine].map(\.text)
            guard !old.contains(where: { Self.holdsSecret($0, secrets: secrets, key: entry.key) }) else { return nil }
            result.append(LineEdit(action: .removeKey, file: owner.path, line: entry.span.startLine, old: old,
                                   new: old.map(writer.comment)))
        }
        return result
    }

    /// Whether a line shows a secret: the value of a secret option, or a password inside a URL.
    static func holdsSecret(_ line: String, secrets: SecretPolicy, key: String) -> Bool {
        if secrets.isSecret(key: key), line.contains(where: { !$0.isWhitespace }) { return true }
        return SecretPolicy.maskingURLCredentials(in: line) != line || Redactor.holdsTag(line)
    }

    /// The file's lines as `patch` counts them (split at line feeds; a carriage return before one
    /// belongs to the break), with their byte offsets.
    var physicalLines: [PhysicalLine] {
        let bytes = source.bytes
        var result: [PhysicalLine] = []
        var start = 0
        for index in bytes.indices where bytes[index] == 0x0A {
            let end = index > start && bytes[index - 1] == 0x0D ? index - 1 : index
            result.append(PhysicalLine(start: start, contentEnd: end, text: source.string(start..<end)))
            start = index + 1
        }
        if start < bytes.count { result.append(PhysicalLine(start: start, contentEnd: bytes.count, text: source.string(start..<bytes.count))) }
        return result
    }

    struct PhysicalLine {
        var start: Int
        var contentEnd: Int
        var text: String
    }
}
