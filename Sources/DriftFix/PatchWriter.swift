import DriftCore

/// A host's fix as one unified diff that `patch -p1 -d ROOT` applies to the files as they were
/// collected (ROOT is `/` on the node, or the host's tree for the local transport).
///
/// A header of `#` lines (which `patch` skips) says what the patch fixes and what it leaves to
/// a person. Hunks never show a secret: stored lines holding a redaction tag differ from the
/// host's, so they are never context; a hunk beside one has less context (down to none), and
/// `patch` still applies it at its line.
package enum PatchWriter {
    /// Lines of context on each side, as `diff -u` gives.
    static let context = 3

    /// The patch text; `header` lines are written first, each prefixed with `# `.
    package static func patch(header: [String], changes: [EditedFile]) throws -> String {
        var text = header.map { $0.isEmpty ? "#" : "# " + $0 }.joined(separator: "\n") + "\n"
        for change in changes.sorted(by: { $0.path < $1.path }) where !change.regions.isEmpty {
            let relative = change.path.hasPrefix("/") ? String(change.path.dropFirst()) : change.path
            text += "--- a/\(relative)\n+++ b/\(relative)\n"
            text += try hunks(of: change)
        }
        return text
    }

    /// The hunks of one file.
    static func hunks(of change: EditedFile) throws -> String {
        let old = change.oldLines
        var text = ""
        var delta = 0
        for region in change.grouped(gap: 2 * context) {
            var before = 0
            while before < context, region.oldStart - before - 1 >= 0, !change.isSecret(region.oldStart - before - 1) { before += 1 }
            var after = 0
            while after < context, region.oldEnd + after < old.count, !change.isSecret(region.oldEnd + after) { after += 1 }
            // patch reads less context before than after as "at the start of the file" (and the
            // reverse as "at the end"): keep the two equal unless the file's edge is the reason.
            let atStart = region.oldStart - before == 0, atEnd = region.oldEnd + after == old.count
            if atStart && atEnd {
            } else if atStart {
                before = min(before, after)
            } else if atEnd {
                after = min(after, before)
            } else {
                before = min(before, after)
                after = before
            }

            let from = region.oldStart - before, to = region.oldEnd + after
            let oldCount = to - from, newCount = before + region.new.count + after
            let oldStart = oldCount == 0 ? from : from + 1
            let newStart = newCount == 0 ? from + delta : from + delta + 1
            text += "@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@\n"
            let lastOld = old.count - 1
            var lines: [String] = []
            for index in from..<region.oldStart { lines.append(" " + old[index]); if index == lastOld && !change.finalNewline { lines.append(noNewline) } }
            for index in region.oldStart..<region.oldEnd {
                lines.append("-" + old[index])
                if index == lastOld && !change.finalNewline { lines.append(noNewline) }
            }
            let newEndsFile = to == old.count && !change.finalNewline && after == 0
            for (offset, line) in region.new.enumerated() {
                lines.append("+" + line)
                if newEndsFile && offset == region.new.count - 1 { lines.append(noNewline) }
            }
            for index in region.oldEnd..<to {
                lines.append(" " + old[index])
                if index == lastOld && !change.finalNewline { lines.append(noNewline) }
            }
            for line in lines where Redactor.holdsTag(line) {
                throw EditedFile.Mismatch(path: change.path, line: from + 1,
                                          description: "\(change.path): refusing to write a patch line holding a secret's tag")
            }
            text += lines.joined(separator: "\n") + "\n"
            delta += region.new.count - region.oldCount
        }
        return text
    }

    static let noNewline = "\\ No newline at end of file"
}
