import Foundation

/// What changed since the previous run of the same hosts: files new, changed or vanished
/// (with line diffs of the redacted text), and findings new, fixed or still failing.
///
/// Reports show it at the top ("since last night"); it is `nil` when there is no history:
/// no database, or the first run.
public struct RunChanges: Sendable, Hashable {
    /// The run compared with.
    public var previousRunID: Int64
    public var previousStartedAt: Date
    /// Changed, new and vanished files, in host then path order. Unchanged files are only counted.
    public var files: [FileChange]
    public var unchangedFiles: Int
    /// New, fixed and still-failing findings, in report order.
    public var findings: [FindingChange]
    /// Problems new, fixed, still failing, waived or unchecked, in that order (`ProblemChange.compare`).
    public var problems: [ProblemChange]

    public init(previousRunID: Int64, previousStartedAt: Date, files: [FileChange], unchangedFiles: Int,
                findings: [FindingChange], problems: [ProblemChange] = []) {
        self.previousRunID = previousRunID
        self.previousStartedAt = previousStartedAt
        self.files = files
        self.unchangedFiles = unchangedFiles
        self.findings = findings
        self.problems = problems
    }

    public func count(_ kind: FindingChange.Kind) -> Int { findings.lazy.filter { $0.kind == kind }.count }
    public func count(_ kind: ProblemChange.Kind) -> Int { problems.lazy.filter { $0.kind == kind }.count }
    public func count(_ kind: FileChange.Kind) -> Int { files.lazy.filter { $0.kind == kind }.count }
}

/// One file that is not as it was in the previous run.
public struct FileChange: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Present now, absent (or never collected) before.
        case new
        case changed
        /// Present before, missing now.
        case vanished
    }

    public var host: String
    public var path: String
    public var kind: Kind
    /// For `changed`: the unified diff of the redacted text, with three lines of context.
    public var hunks: [DiffHunk]

    public init(host: String, path: String, kind: Kind, hunks: [DiffHunk] = []) {
        self.host = host
        self.path = path
        self.kind = kind
        self.hunks = hunks
    }
}

/// One hunk of a unified diff: `@@ -oldStart,oldCount +newStart,newCount @@`.
public struct DiffHunk: Sendable, Hashable {
    public var oldStart: Int
    public var oldCount: Int
    public var newStart: Int
    public var newCount: Int
    public var lines: [DiffLine]

    public init(oldStart: Int, oldCount: Int, newStart: Int, newCount: Int, lines: [DiffLine]) {
        self.oldStart = oldStart
        self.oldCount = oldCount
        self.newStart = newStart
        self.newCount = newCount
        self.lines = lines
    }

    public var header: String { "@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@" }
}

/// One line of a hunk with its line numbers in the old and new text (1-based).
public struct DiffLine: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case context, removed, added

        /// The unified-diff prefix: ' ', '-', '+'.
        public var marker: Character {
            switch self {
            case .context: return " "
            case .removed: return "-"
            case .added: return "+"
            }
        }
    }

    public var kind: Kind
    /// `nil` for added lines.
    public var oldLine: Int?
    /// `nil` for removed lines.
    public var newLine: Int?
    /// The line's redacted text, without its line break.
    public var text: String

    public init(kind: Kind, oldLine: Int?, newLine: Int?, text: String) {
        self.kind = kind
        self.oldLine = oldLine
        self.newLine = newLine
        self.text = text
    }
}

/// A finding's status compared with the previous run.
public struct FindingChange: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Failing now, not failing (or not checked) before.
        case new
        /// Failing before, not failing now (passing, waived, or no longer checked).
        case fixed
        case stillFailing = "still-failing"
    }

    public var kind: Kind
    /// The finding as it is now; for `fixed`, as it was in the previous run.
    public var finding: Finding

    public init(kind: Kind, finding: Finding) {
        self.kind = kind
        self.finding = finding
    }
}
