import DriftCore

/// One file's edits applied together to its stored (redacted) text: the regions that change,
/// and the text after the change. Patches and playbooks are both rendered from it, so they make
/// the same change.
///
/// Stored text equals the file on the host except where a secret was replaced by a redaction
/// tag; no edit touches such a line (remedies refuse to), so the regions apply to the real file.
package struct EditedFile: Sendable {
    package var path: String
    /// The stored lines, without their line feeds (a CRLF file's lines keep their carriage return).
    package let oldLines: [String]
    /// Whether the stored text ends with a line feed.
    package let finalNewline: Bool
    package private(set) var newLines: [String] = []
    /// The changed places, in file order, adjacent edits merged.
    package private(set) var regions: [Region] = []

    /// A run of old lines replaced by new ones (`oldCount` 0: an insertion before `oldStart`).
    package struct Region: Sendable, Hashable {
        /// 0-based index of the first old line replaced, or of the line the new ones go before.
        package var oldStart: Int
        package var oldCount: Int
        package var new: [String]
        package var oldEnd: Int { oldStart + oldCount }
    }

    /// Why a file's edits cannot be applied to its stored text.
    package struct Mismatch: Error, CustomStringConvertible, Sendable {
        package var path: String
        package var line: Int
        package var description: String
    }

    package init(path: String, content: [UInt8], edits: [LineEdit]) throws {
        self.path = path
        var lines: [String] = []
        var start = 0
        for index in content.indices where content[index] == 0x0A {
            lines.append(String(decoding: content[start..<index], as: UTF8.self))
            start = index + 1
        }
        if start < content.count { lines.append(String(decoding: content[start...], as: UTF8.self)) }
        oldLines = lines
        finalNewline = content.isEmpty || content.last == 0x0A
        let lineBreak = lines.first?.hasSuffix("\r") == true ? "\r" : ""

        // Each edit as a region, checked against the stored text.
        var inserts: [Int: [LineEdit]] = [:]
        var regions: [Region] = []
        for edit in edits {
            if edit.isInsertion {
                guard edit.line >= 0, edit.line <= lines.count else {
                    throw Mismatch(path: path, line: edit.line, description: "\(path): line \(edit.line) is past the end of the stored file (\(lines.count) lines)")
                }
                inserts[edit.line, default: []].append(edit)
                continue
            }
            let first = edit.line - 1
            guard first >= 0, first + edit.old.count <= lines.count,
                  zip(lines[first..<(first + edit.old.count)], edit.old).allSatisfy({ Self.stripped($0.0) == $0.1 }) else {
                throw Mismatch(path: path, line: edit.line,
                               description: "\(path):\(edit.line): the stored file does not hold the lines the check saw; audit again")
            }
            regions.append(Region(oldStart: first, oldCount: edit.old.count, new: edit.new.map { $0 + lineBreak }))
        }
        // Insertions at one place, in order; keys added to one new section share its header.
        for (line, group) in inserts {
            var new: [String] = []
            var headers: [String] = []
            var bodies: [String: [String]] = [:]
            for edit in group {
                if let header = edit.header {
                    if bodies[header] == nil { headers.append(header) }
                    bodies[header, default: []] += edit.new
                } else {
                    new += edit.new
                }
            }
            for header in headers { new += ["", header] + bodies[header]! }
            regions.append(Region(oldStart: line, oldCount: 0, new: new.map { $0 + lineBreak }))
        }
        regions.sort { ($0.oldStart, $0.oldCount == 0 ? 0 : 1) < ($1.oldStart, $1.oldCount == 0 ? 0 : 1) }
        // Adjacent regions as one; overlapping ones cannot both apply.
        var merged: [Region] = []
        for region in regions {
            if var last = merged.last, region.oldStart <= last.oldEnd {
                guard region.oldStart == last.oldEnd else {
                    throw Mismatch(path: path, line: region.oldStart + 1,
                                   description: "\(path):\(region.oldStart + 1): two edits change the same lines")
                }
                last.oldCount += region.oldCount
                last.new += region.new
                merged[merged.count - 1] = last
            } else {
                merged.append(region)
            }
        }
        // A file without a final line feed: a change at its end rewrites its last line, so the new
        // last line is the one without a line feed.
        if !finalNewline, let last = merged.last, last.oldEnd == lines.count, last.oldCount == 0, !lines.isEmpty {
            merged[merged.count - 1] = Region(oldStart: lines.count - 1, oldCount: 1, new: [lines[lines.count - 1] + lineBreak] + last.new)
            if merged.count >= 2, merged[merged.count - 2].oldEnd == lines.count - 1 {
                let tail = merged.removeLast()
                merged[merged.count - 1].oldCount += tail.oldCount
                merged[merged.count - 1].new += tail.new
            }
        }
        self.regions = merged
        var result: [String] = []
        var cursor = 0
        for region in merged {
            result += lines[cursor..<region.oldStart]
            result += region.new
            cursor = region.oldEnd
        }
        result += lines[cursor...]
        // A rewritten last line of a file without a final line feed keeps its carriage return off too.
        if !finalNewline, merged.last?.oldEnd == lines.count, lineBreak == "\r", let last = result.last, last.hasSuffix("\r"),
           !(lines.last?.hasSuffix("\r") ?? false) {
            result[result.count - 1] = String(last.dropLast())
        }
        newLines = result
    }

    /// The text after the change.
    package var newContent: [UInt8] {
        guard !newLines.isEmpty else { return [] }
        return Array((newLines.joined(separator: "\n") + (finalNewline ? "\n" : "")).utf8)
    }

    /// Whether a stored line shows a redaction tag (so differs from the host's line).
    package func isSecret(_ index: Int) -> Bool { Redactor.holdsTag(oldLines[index]) }

    /// The regions as patches and playbooks write them: regions whose unchanged gap is at most
    /// twice the context with no secret among them, as one.
    package var hunkRegions: [Region] { grouped(gap: 2 * PatchWriter.context) }

    /// Regions whose unchanged gap is at most `gap` lines with no secret among them, as one.
    func grouped(gap: Int) -> [Region] {
        var result: [Region] = []
        for region in regions {
            if var last = result.last, region.oldStart - last.oldEnd <= gap,
               !(last.oldEnd..<region.oldStart).contains(where: isSecret) {
                last.new += oldLines[last.oldEnd..<region.oldStart] + region.new
                last.oldCount = region.oldEnd - last.oldStart
                result[result.count - 1] = last
            } else {
                result.append(region)
            }
        }
        return result
    }

    static func stripped(_ line: String) -> String { line.hasSuffix("\r") ? String(line.dropLast()) : line }
}
