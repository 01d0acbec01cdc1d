import Foundation

/// What changed since the previous run of the same hosts: files new, changed or vanished
/// (with line diffs of the redacted text), and findings new, fixed or still failing.
///
/// Reports show it at the top ("since last night"); it is `nil` when there is no history:
/// no database, or the first run.
package struct RunChanges: Sendable, Hashable {
    /// The run compared with.
    package var previousRunID: Int64
    package var previousStartedAt: Date
    /// Changed, new and vanished files, in host then path order. Unchanged files are only counted.
    package var files: [FileChange]
    package var unchangedFiles: Int
    /// New, fixed and still-failing findings, in report order.
    package var findings: [FindingChange]
    /// Problems new, fixed, still failing, waived or unchecked, in that order (`ProblemChange.compare`).
    package var problems: [ProblemChange]

    package init(previousRunID: Int64, previousStartedAt: Date, files: [FileChange], unchangedFiles: Int,
                findings: [FindingChange], problems: [ProblemChange] = []) {
        self.previousRunID = previousRunID
        self.previousStartedAt = previousStartedAt
        self.files = files
        self.unchangedFiles = unchangedFiles
        self.findings = findings
        self.problems = problems
    }

    package func count(_ kind: FindingChange.Kind) -> Int { findings.lazy.filter { $0.kind == kind }.count }
    package func count(_ kind: ProblemChange.Kind) -> Int { problems.lazy.filter { $0.kind == kind }.count }
    package func count(_ kind: FileChange.Kind) -> Int { files.lazy.filter { $0.kind == kind }.count }
}

/// One file that is not as it was in the previous run.
package struct FileChange: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Present now, absent (or never collected) before.
        case new
        case changed
        /// Present before, missing now.
        case vanished
    }

    package var host: String
    package var path: String
    package var kind: Kind
    /// For `changed`: the unified diff of the redacted text, with three lines of context.
    package var hunks: [DiffHunk]

    package init(host: String, path: String, kind: Kind, hunks: [DiffHunk] = []) {
        self.host = host
        self.path = path
        self.kind = kind
        self.hunks = hunks
    }
}

/// One hunk of a unified diff: `@@ -oldStart,oldCount +newStart,newCount @@`.
package struct DiffHunk: Sendable, Hashable {
    package var oldStart: Int
    package var oldCount: Int
    package var newStart: Int
    package var newCount: Int
    package var lines: [DiffLine]

    package init(oldStart: Int, oldCount: Int, newStart: Int, newCount: Int, lines: [DiffLine]) {
        self.oldStart = oldStart
        self.oldCount = oldCount
        self.newStart = newStart
        self.newCount = newCount
        self.lines = lines
    }

    package var header: String { "@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@" }
}

/// One line of a hunk with its line numbers in the old and new text (1-based).
package struct DiffLine: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable {
        case context, removed, added

        /// The unified-diff prefix: ' ', '-', '+'.
        package var marker: Character {
            switch self {
            case .context: return " "
            case .removed: return "-"
            case .added: return "+"
            }
        }
    }

    package var kind: Kind
    /// `nil` for added lines.
    package var oldLine: Int?
    /// `nil` for removed lines.
    package var newLine: Int?
    /// The line's redacted text, without its line break.
    package var text: String

    package init(kind: Kind, oldLine: Int?, newLine: Int?, text: String) {
        self.kind = kind
        self.oldLine = oldLine
        self.newLine = newLine
        self.text = text
    }
}

/// A finding's status compared with the previous run.
package struct FindingChange: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Failing now, not failing (or not checked) before.
        case new
        /// Failing before, not failing now (passing, waived, or no longer checked).
        case fixed
        case stillFailing = "still-failing"
    }

    package var kind: Kind
    /// The finding as it is now; for `fixed`, as it was in the previous run.
    package var finding: Finding

    package init(kind: Kind, finding: Finding) {
        self.kind = kind
        self.finding = finding
    }
}
