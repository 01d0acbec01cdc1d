import DriftCore

/// The short, stable name of one thing to fix on a host: a problem's id once findings are grouped
/// by root cause, by default one finding's own (`FixPlan.findingID`).
package struct ProblemID: Hashable, Sendable, Comparable, CustomStringConvertible {
    package var rawValue: String
    package init(_ rawValue: String) { self.rawValue = rawValue }
    package var description: String { rawValue }
    package static func < (lhs: ProblemID, rhs: ProblemID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What `stackdrift fix` does for one host: its failing findings grouped into items (one per
/// problem), each either fixed by line edits or left to a person with the exact instruction.
///
/// The grouping is the seam between fixes and problems: `problem` maps a finding to the id of
/// the problem it belongs to; without it every finding is its own item. An item is fixed when
/// any of its findings brings edits (fixing a root cause fixes its consequences); its findings
/// without edits are then listed as "re-audit to confirm", not as manual steps.
package struct FixPlan: Sendable {
    package struct Item: Sendable {
        package var id: ProblemID
        /// The failing findings of this item, in report order.
        package var findings: [Finding]
        /// The edits of the item, in the order its findings gave them (duplicates dropped).
        package var edits: [LineEdit]
        /// Per finding without edits: rule id and the instruction.
        package var manual: [(rule: String, instruction: String)]

        package var isFixed: Bool { !edits.isEmpty }
        package var rules: [String] { findings.map(\.rule) }
    }

    package var host: String
    package var items: [Item]

    /// Failing findings only (waived, passing, skipped and erroring ones are not drift to fix);
    /// edits that would change lines another item already changes are left to a person.
    package init(host: String, findings: [Finding], problem: ((Finding) -> ProblemID?)? = nil) {
        self.host = host
        var order: [ProblemID] = []
        var byID: [ProblemID: Item] = [:]
        for finding in findings.filter({ $0.host == host && $0.status == .fail }).sorted(by: Finding.reportOrder) {
            let id = problem?(finding) ?? Self.findingID(finding)
            if byID[id] == nil {
                order.append(id)
                byID[id] = Item(id: id, findings: [], edits: [], manual: [])
            }
            byID[id]!.findings.append(finding)
            let edits = finding.remedy?.edits ?? []
            if edits.isEmpty {
                byID[id]!.manual.append((finding.rule, Self.instruction(for: finding)))
            } else {
                for edit in edits where !byID[id]!.edits.contains(edit) { byID[id]!.edits.append(edit) }
            }
        }
        items = order.map { byID[$0]! }
        resolveConflicts()
    }

    /// Items fixed by edits.
    package var fixed: [Item] { items.filter(\.isFixed) }
    /// Items left to a person.
    package var manual: [Item] { items.filter { !$0.isFixed } }

    /// Every edit of the plan, per file, in item order.
    package var editsByFile: [String: [LineEdit]] {
        var result: [String: [LineEdit]] = [:]
        for item in fixed { for edit in item.edits where !(result[edit.file]?.contains(edit) ?? false) { result[edit.file, default: []].append(edit) } }
        return result
    }

    /// A finding's own id: the first 8 hex digits of SHA-256 over its identity (category, rule,
    /// host, file, section, key), so one check keeps its id from run to run.
    package static func findingID(_ finding: Finding) -> ProblemID {
        let identity = finding.identity
        let text = [identity.category.rawValue, identity.rule, identity.host, identity.file, identity.section ?? "",
                    identity.key ?? ""].joined(separator: "\u{0}")
        return ProblemID("f-" + Digest.sha256Hex(Array(text.utf8), length: 4))
    }

    /// What a person does for a finding with no edits: its manual remedy, else its fix hint, else its message.
    static func instruction(for finding: Finding) -> String {
        if let instruction = finding.remedy?.instruction { return instruction }
        let hint = finding.fix ?? finding.message
        if finding.key == nil || finding.remedy == nil {
            return "\(hint) (by hand: this check compares values across files or hosts, or scans for them; "
                + "decide which value is right, then re-audit)"
        }
        return hint
    }

    /// Two items changing the same lines (two rules wanting different values of one key): the
    /// first keeps its edits, the later one becomes manual, naming the other.
    private mutating func resolveConflicts() {
        var claimed: [(edit: LineEdit, item: ProblemID)] = []
        for index in items.indices where items[index].isFixed {
            let clash = items[index].edits.compactMap { edit in
                claimed.first { Self.overlaps($0.edit, edit) && $0.edit != edit }
            }.first
            if let clash {
                let rules = items[index].rules
                let shared = items[index].edits
                items[index].edits = []
                items[index].manual = rules.map { rule in
                    (rule, "\(items[index].findings.first { $0.rule == rule }?.fix ?? "resolve by hand") "
                        + "(by hand: its change \(shared.first?.action.words ?? "edit") at \(shared.first?.file ?? ""):"
                        + "\(shared.first?.line ?? 0) conflicts with \(clash.item)'s change to the same lines)")
                }
            } else {
                claimed += items[index].edits.map { ($0, items[index].id) }
            }
        }
    }

    /// Whether two edits touch the same lines: replaced ranges overlapping, or an insertion inside
    /// a replaced range. Insertions at one place do not clash: they are written one after the other.
    static func overlaps(_ a: LineEdit, _ b: LineEdit) -> Bool {
        guard a.file == b.file else { return false }
        func range(_ edit: LineEdit) -> ClosedRange<Int>? {
            edit.old.isEmpty ? nil : edit.line...(edit.line + edit.old.count - 1)
        }
        switch (range(a), range(b)) {
        case (let x?, let y?): return x.overlaps(y)
        case (let x?, nil): return b.line >= x.lowerBound && b.line < x.upperBound
        case (nil, let y?): return a.line >= y.lowerBound && a.line < y.upperBound
        case (nil, nil): return false
        }
    }
}
