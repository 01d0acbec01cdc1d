import DriftCore
import Foundation

/// The hosts' fixes as one Ansible playbook: a play per host, a task per changed place, each an
/// `ansible.builtin.replace` (in ansible-core) whose pattern is that place's lines with the lines
/// around it, and whose replacement is the patch's new lines.
///
/// `ansible.builtin.lineinfile` and `community.general.ini_file` are not used: lineinfile takes a
/// line present anywhere as done (a key of another section), ini_file folds repeated options, and
/// neither writes the patch's exact lines. A pattern that matched once no longer matches after
/// the change, so a second run changes nothing. Lines around a secret are matched by `[^\n]*`,
/// so the secret never appears in the playbook; every string is `!unsafe`, so nothing read from a
/// node is ever templated by Ansible.
package enum PlaybookWriter {
    package static func playbook(_ fixes: [HostFix], run: RunHeader?) throws -> String {
        var text = "# stackdrift fix playbook" + (run.map { " for run \($0.id.map(String.init) ?? "?")" } ?? "") + "\n"
        text += "# run: ansible-playbook -i INVENTORY --become --check --diff stackdrift-fix.yml (then without --check)\n"
        text += "# a host whose files live under a directory (a local tree) sets stackdrift_root to it\n"
        text += "---\n"
        var plays = 0
        for fix in fixes.sorted(by: { $0.plan.host < $1.plan.host }) where fix.hasEdits {
            plays += 1
            text += "\n" + fix.header(run: nil, apply: "").filter { !$0.isEmpty }.map { "# " + $0 }.joined(separator: "\n") + "\n"
            text += "- name: \(quoted("stackdrift fix: " + fix.plan.host))\n"
            text += "  hosts: \(quoted(fix.plan.host))\n"
            text += "  gather_facts: false\n"
            text += "  tasks:\n"
            for change in fix.changes.sorted(by: { $0.path < $1.path }) {
                for region in change.hunkRegions {
                    text += try task(for: region, in: change, plan: fix.plan)
                }
            }
        }
        if plays == 0 { text += "[]\n" }
        return text
    }

    /// One `replace` task, with context widened until its pattern matches exactly once in the stored text.
    static func task(for region: EditedFile.Region, in change: EditedFile, plan: FixPlan) throws -> String {
        let rules = plan.fixed.filter { item in
            item.edits.contains { edit in
                edit.file == change.path
                    && (edit.isInsertion ? (region.oldStart...region.oldEnd).contains(edit.line)
                        : (region.oldStart..<max(region.oldEnd, region.oldStart + 1)).contains(edit.line - 1))
            }
        }
        let label = rules.map { "\($0.id) \($0.rules.joined(separator: ", "))" }.joined(separator: "; ")
        var text = "    - name: " + unsafe("\(label): \(change.path):\(region.oldStart + 1)") + "\n"
        if !showsDiff(of: region, in: change) {
            // Ansible's --diff prints the lines around a change from the node's own file.
            text += "      # diff hidden: a secret line is within 3 lines of this change\n      diff: false\n"
        }
        text += "      vars:\n        stackdrift_file: " + unsafe(change.path) + "\n"
        let stored = String(decoding: change.oldLines.joined(separator: "\n").utf8 + (change.finalNewline && !change.oldLines.isEmpty ? [0x0A] : []),
                            as: UTF8.self)
        for width in [3, 6, 12] {
            let (pattern, replacement) = expression(for: region, in: change, context: width)
            if matches(pattern, in: stored) == 1 {
                text += "      ansible.builtin.replace:\n"
                text += "        path: \"{{ stackdrift_root | default('') }}{{ stackdrift_file }}\"\n"
                text += "        regexp: " + unsafe(pattern) + "\n"
                text += "        replace: " + unsafe(replacement) + "\n"
                return text
            }
        }
        text += "      ansible.builtin.fail:\n"
        text += "        msg: " + unsafe("the lines around \(change.path):\(region.oldStart + 1) repeat elsewhere in the file; apply the patch there instead") + "\n"
        return text
    }

    /// Whether `--diff` may show this task's change: Ansible prints 3 lines of the node's file
    /// around it, which must not hold a secret.
    package static func showsDiff(of region: EditedFile.Region, in change: EditedFile) -> Bool {
        !(max(0, region.oldStart - 3)..<min(change.oldLines.count, region.oldEnd + 3)).contains(where: change.isSecret)
    }

    /// Python `re` (as the replace module compiles it, with MULTILINE) for the region and `context`
    /// lines each side, the changed lines in between; the replacement keeps the lines before.
    static func expression(for region: EditedFile.Region, in change: EditedFile, context: Int) -> (String, String) {
        let old = change.oldLines
        let lastIndex = old.count - 1
        func line(_ index: Int) -> String {
            let ending = index == lastIndex && !change.finalNewline ? "" : "\\n"
            return (change.isSecret(index) ? "[^\\n]*" : escape(old[index])) + ending
        }
        let from = max(0, region.oldStart - context), to = min(old.count, region.oldEnd + context)
        var pattern = from == 0 ? "\\A(" : "^("
        for index in from..<region.oldStart { pattern += line(index) }
        pattern += ")"
        for index in region.oldStart..<region.oldEnd { pattern += line(index) }
        pattern += "(?="
        for index in region.oldEnd..<to { pattern += line(index) }
        if to == old.count { pattern += "\\Z" }
        pattern += ")"
        let endsFile = region.oldEnd == old.count && !change.finalNewline
        var replacement = "\\g<1>"
        for (offset, new) in region.new.enumerated() {
            replacement += new.replacingOccurrences(of: "\\", with: "\\\\")
            if !(endsFile && offset == region.new.count - 1) { replacement += "\n" }
        }
        return (pattern, replacement)
    }

    /// How many times the pattern matches the stored text (ICU for Python: `\Z` is ICU's `\z`).
    static func matches(_ pattern: String, in text: String) -> Int {
        let icu = pattern.replacingOccurrences(of: "\\Z", with: "\\z")
        guard let expression = try? NSRegularExpression(pattern: icu, options: [.anchorsMatchLines]) else { return 0 }
        return expression.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
    }

    /// A literal for Python's `re` (and ICU): metacharacters, tabs and carriage returns escaped.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case ".", "^", "$", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "\\": result += "\\" + String(character)
            default: result.append(character)
            }
        }
        return result
    }

    /// A YAML double-quoted string (JSON's escapes are YAML's).
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) {
                    result += String(format: "\\u%04X", scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// A string Ansible never templates.
    static func unsafe(_ text: String) -> String { "!unsafe " + quoted(text) }
}
