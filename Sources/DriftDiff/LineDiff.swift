import DriftCore

/// Line-level differences between two texts, as unified-diff hunks.
///
/// Lines are interned to integers first, so comparing is integer comparison; the common
/// prefix and suffix are trimmed; and lines that occur only on one side are set aside
/// before the Myers diff runs, since they can only be removals or additions. Two mostly
/// different 10,000-line files then cost a fraction of a second instead of seconds
/// (`stackdrift-history-benchmark` measures it).
package enum LineDiff {
    /// The text's lines without their line breaks; a final line break does not start a line.
    package static func lines(_ bytes: [UInt8]) -> [String] {
        guard !bytes.isEmpty else { return [] }
        var lines: [String] = []
        var start = 0
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            lines.append(String(decoding: bytes[start..<index], as: UTF8.self))
            start = index + 1
        }
        if start < bytes.count { lines.append(String(decoding: bytes[start...], as: UTF8.self)) }
        return lines
    }

    /// One edit: a line of `old` removed, or a line of `new` inserted (0-based indices).
    enum Edit: Equatable {
        case remove(Int)
        case insert(Int)
    }

    /// The hunks turning `old` into `new`, with `context` unchanged lines around each change.
    package static func hunks(old: [String], new: [String], context: Int = 3) -> [DiffHunk] {
        let edits = self.edits(old: old, new: new)
        guard !edits.isEmpty else { return [] }
        return group(edits, old: old, new: new, context: context)
    }

    /// The hunks between two texts.
    package static func hunks(old: [UInt8], new: [UInt8], context: Int = 3) -> [DiffHunk] {
        hunks(old: lines(old), new: lines(new), context: context)
    }

    /// A minimal-enough edit script: removals and insertions, in order of position.
    static func edits(old: [String], new: [String]) -> [Edit] {
        var table: [String: Int] = [:]
        func intern(_ line: String) -> Int {
            if let id = table[line] { return id }
            let id = table.count
            table[line] = id
            return id
        }
        let a = old.map(intern), b = new.map(intern)

        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] {
            suffix += 1
        }
        let middleA = Array(a[prefix..<(a.count - suffix)]), middleB = Array(b[prefix..<(b.count - suffix)])

        // Lines found on one side only cannot be matched: they are removed or added whatever
        // the alignment, so only lines present on both sides go through the Myers diff.
        let inB = Set(middleB), inA = Set(middleA)
        let keptA = middleA.indices.filter { inB.contains(middleA[$0]) }
        let keptB = middleB.indices.filter { inA.contains(middleB[$0]) }
        var removedA = Set(middleA.indices.filter { !inB.contains(middleA[$0]) })
        var insertedB = Set(middleB.indices.filter { !inA.contains(middleB[$0]) })
        let difference = keptB.map { middleB[$0] }.difference(from: keptA.map { middleA[$0] })
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removedA.insert(keptA[offset])
            case .insert(let offset, _, _): insertedB.insert(keptB[offset])
            }
        }

        // Walk both sides in step, emitting removals before insertions at each point.
        var edits: [Edit] = []
        var i = 0, j = 0
        while i < middleA.count || j < middleB.count {
            if i < middleA.count, removedA.contains(i) {
                edits.append(.remove(prefix + i))
                i += 1
            } else if j < middleB.count, insertedB.contains(j) {
                edits.append(.insert(prefix + j))
                j += 1
            } else {
                i += 1
                j += 1
            }
        }
        return edits
    }

    /// Groups edits into hunks, merging changes closer than twice the context.
    private static func group(_ edits: [Edit], old: [String], new: [String], context: Int) -> [DiffHunk] {
        // Rebuild the aligned sequence of (kind, oldIndex, newIndex) over the whole texts.
        var rows: [(kind: DiffLine.Kind, old: Int?, new: Int?)] = []
        var i = 0, j = 0, e = 0
        while i < old.count || j < new.count {
            if e < edits.count, case .remove(let index) = edits[e], index == i {
                rows.append((.removed, i, nil))
                i += 1
                e += 1
            } else if e < edits.count, case .insert(let index) = edits[e], index == j {
                rows.append((.added, nil, j))
                j += 1
                e += 1
            } else {
                rows.append((.context, i, j))
                i += 1
                j += 1
            }
        }
        let changed = rows.indices.filter { rows[$0].kind != .context }
        var hunks: [DiffHunk] = []
        var start = 0
        while start < changed.count {
            var end = start
            while end + 1 < changed.count, changed[end + 1] - changed[end] <= 2 * context { end += 1 }
            let from = max(0, changed[start] - context), to = min(rows.count - 1, changed[end] + context)
            var lines: [DiffLine] = []
            for row in rows[from...to] {
                let text = row.kind == .added ? new[row.new!] : old[row.old!]
                lines.append(DiffLine(kind: row.kind, oldLine: row.old.map { $0 + 1 }, newLine: row.new.map { $0 + 1 },
                                      text: text))
            }
            let oldCount = lines.filter { $0.kind != .added }.count
            let newCount = lines.filter { $0.kind != .removed }.count
            // Unified diff convention: an empty side starts at the line before the change.
            let firstOld = lines.first { $0.oldLine != nil }?.oldLine ?? rows[..<from].filter { $0.old != nil }.count
            let firstNew = lines.first { $0.newLine != nil }?.newLine ?? rows[..<from].filter { $0.new != nil }.count
            hunks.append(DiffHunk(oldStart: firstOld, oldCount: oldCount, newStart: firstNew, newCount: newCount, lines: lines))
            start = end + 1
        }
        return hunks
    }

    /// The hunks as unified-diff text (without the `---`/`+++` header).
    package static func render(_ hunks: [DiffHunk]) -> String {
        var text = ""
        for hunk in hunks {
            text += hunk.header + "\n"
            for line in hunk.lines { text += String(line.kind.marker) + line.text + "\n" }
        }
        return text
    }
}
