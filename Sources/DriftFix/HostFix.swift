import DriftCore
import Foundation

/// One host's fix plan applied to its stored files: the changes per file, ready to be written as
/// a patch or a playbook, and the header that says what is fixed and what is left.
package struct HostFix: Sendable {
    package private(set) var plan: FixPlan
    package private(set) var changes: [EditedFile] = []

    /// `contents`: the host's stored (redacted) files by path. An item whose file was not stored,
    /// or no longer holds the lines its edit names, is left to a person with the reason.
    package init(plan: FixPlan, contents: [String: [UInt8]]) {
        self.plan = plan
        for (file, edits) in plan.editsByFile.sorted(by: { $0.key < $1.key }) {
            do {
                guard let content = contents[file] else {
                    throw EditedFile.Mismatch(path: file, line: 0, description: "'\(file)' was not stored with the run")
                }
                changes.append(try EditedFile(path: file, content: content, edits: edits))
            } catch {
                demote(file: file, reason: "\(error)")
            }
        }
    }

    /// Whether the host has anything to patch.
    package var hasEdits: Bool { changes.contains { !$0.regions.isEmpty } }

    /// Items that stay with a person after the fix.
    package var manual: [FixPlan.Item] { plan.manual }

    private mutating func demote(file: String, reason: String) {
        for index in plan.items.indices where plan.items[index].edits.contains(where: { $0.file == file }) {
            plan.items[index].manual = plan.items[index].findings.map { finding in
                (finding.rule, "\(finding.fix ?? finding.message) (by hand: \(reason))")
            }
            plan.items[index].edits = []
        }
        changes.removeAll { $0.path == file }
    }

    /// The header of a patch or playbook: what it fixes (ids, rules, places) and what is left, and why.
    package func header(run: RunHeader?, apply: String) -> [String] {
        var lines = ["stackdrift fix for host '\(plan.host)'" + (run.map { header in
            " from run \(header.id.map(String.init) ?? "?") (\(ISO8601DateFormatter().string(from: header.startedAt)))"
        } ?? "")]
        lines.append(apply)
        let fixed = plan.fixed
        lines.append("")
        lines.append(fixed.isEmpty ? "fixes: nothing" : "fixes (\(fixed.count)):")
        for item in fixed {
            let places = item.edits.map { "\($0.file):\($0.line) \($0.action.words)" }
            lines.append("  \(item.id)  \(item.rules.joined(separator: ", "))  \(places.joined(separator: "; "))")
            for step in item.manual { lines.append("      then re-audit \(step.rule): \(step.instruction)") }
        }
        let manual = plan.manual
        if !manual.isEmpty {
            lines.append("")
            lines.append("left to you (\(manual.count)):")
            for item in manual {
                for step in item.manual { lines.append("  \(item.id)  \(step.rule): \(step.instruction)") }
            }
        }
        lines.append("")
        return lines.map { $0.replacingOccurrences(of: "\n", with: " ") }
    }

    /// The host's patch (see `PatchWriter`).
    package func patch(run: RunHeader?) throws -> String {
        try PatchWriter.patch(header: header(run: run, apply: "apply on the node: patch -p1 -d / < \(plan.host).patch"),
                              changes: changes)
    }
}

extension HostFix {
    /// Each host's fix from a run (only the hosts in `only`, when given), its stored files read
    /// one host at a time. `problem` groups findings into problems (see `FixPlan`).
    package static func fixes(of run: any ReportableRun, only: Set<String>? = nil,
                             problem: ((Finding) -> ProblemID?)? = nil) throws -> [HostFix] {
        var fixes: [HostFix] = []
        try run.forEachHost(only: only, parts: [.contents, .findings]) { result, findings in
            let contents = Dictionary(result.files.compactMap { file in file.content.map { (file.path, $0) } },
                                      uniquingKeysWith: { first, _ in first })
            fixes.append(HostFix(plan: FixPlan(host: result.name, findings: findings, problem: problem), contents: contents))
        }
        return fixes
    }
}
