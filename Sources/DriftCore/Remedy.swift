/// What makes a failing check pass: edits of the file's own lines, or a step only a person can
/// take (a secret to choose, a value to decide, a host to believe).
///
/// A remedy is computed where the rule is judged, on the file as collected, and travels with
/// the finding into the store, the reports and `stackdrift fix`. Its lines never hold a secret:
/// a change that would have to show or remove a secret line is manual by construction.
package enum Remedy: Hashable, Sendable {
    /// These edits, applied together, make the check pass and change nothing else.
    case edits([LineEdit])
    /// Not patched; the exact instruction, without any secret value.
    case manual(String)

    /// The edits, empty for a manual remedy.
    package var edits: [LineEdit] {
        if case .edits(let edits) = self { return edits }
        return []
    }

    /// The instruction of a manual remedy.
    package var instruction: String? {
        if case .manual(let instruction) = self { return instruction }
        return nil
    }
}

extension Remedy: Codable {
    private enum CodingKeys: String, CodingKey { case edits, manual }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let instruction = try container.decodeIfPresent(String.self, forKey: .manual) {
            self = .manual(instruction)
        } else {
            self = .edits(try container.decode([LineEdit].self, forKey: .edits))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .edits(let edits): try container.encode(edits, forKey: .edits)
        case .manual(let instruction): try container.encode(instruction, forKey: .manual)
        }
    }
}

/// One change of a file's lines: lines replaced by others, or new lines after a line.
///
/// Lines are written without their line breaks; whoever applies the edit writes them with the
/// file's own (a file with CRLF lines gets CRLF lines). `old` is the file's text as collected,
/// so an edit applies only to the file it was computed on.
package struct LineEdit: Hashable, Sendable, Codable {
    /// What the edit does, in the words a patch header and a playbook task use.
    package enum Action: String, Hashable, Sendable, Codable, CaseIterable {
        case setValue = "set-value"
        case addKey = "add-key"
        case addSection = "add-section"
        case addValue = "add-value"
        case removeKey = "remove-key"
        case insertElement = "insert-element"
        case appendElement = "append-element"

        /// `set value`, `add key`…, for sentences.
        package var words: String { rawValue.replacingOccurrences(of: "-", with: " ") }
    }

    package var action: Action
    /// Absolute path of the file on its host (an included file, when the value is read from one).
    package var file: String
    /// 1-based: the first line `old` replaces, or, when `old` is empty, the line `new` follows
    /// (0: before the first line).
    package var line: Int
    /// The lines replaced, as the file has them; empty for an insertion.
    package var old: [String]
    /// The lines written instead (or inserted).
    package var new: [String]
    /// The header of a section the file lacks, written (after a blank line) before `new`; edits
    /// adding keys to the same new section at the same place share one header.
    package var header: String?

    package init(action: Action, file: String, line: Int, old: [String], new: [String], header: String? = nil) {
        self.action = action
        self.file = file
        self.line = line
        self.old = old
        self.new = new
        self.header = header
    }

    /// Whether the edit only adds lines.
    package var isInsertion: Bool { old.isEmpty }

    /// The lines the edit adds, the new section's header (and the blank line before it) first.
    package var addedLines: [String] { (header.map { ["", $0] } ?? []) + new }
}
