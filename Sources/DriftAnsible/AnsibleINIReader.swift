import DriftCore
import Foundation

/// Ansible's INI inventory format, read as ansible-core 2.19's `ini` plugin reads it: lines
/// stripped, `#` and `;` comment lines, `[group]`, `[group:children]` and `[group:vars]`
/// sections (hosts before the first section are ungrouped), host lines split like
/// `shlex.split(line, comments=True)`, values through a `literal_eval` of the simple literals,
/// and groups named by `:children` or `:vars` before their own section declared later.
///
/// Unlike Ansible, which stops at the first problem, every mistake is collected.
enum AnsibleINIReader {
    static func read(_ text: String, file: String) -> AnsibleInventory {
        var inventory = AnsibleInventory(kind: "Ansible INI inventory", file: file)
        var problems = DiagnosticCollector()
        var group = "ungrouped"
        var state = "hosts"
        // Groups named before they are declared: where, and by which sections (Ansible's pending_declarations).
        var pending: [String: (location: SourceLocation, isChild: Bool, parents: [String])] = [:]
        var pendingOrder: [String] = []
        var declared: Set<String> = ["all", "ungrouped"]
        inventory.addGroup("ungrouped", at: SourceLocation(file: file, line: 1))

        for (offset, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let location = SourceLocation(file: file, line: offset + 1)
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            func fail(_ message: String) { problems.record(Diagnostic(.inventory, at: location, message, quotedLine: line)) }

            if line.hasPrefix("[") {
                guard let (name, kind) = section(line) else {
                    if line.hasSuffix("]") {
                        fail("invalid section '\(line)': a group name without spaces, optionally ':children' or ':vars'")
                    } else {
                        fail("invalid section '\(line)': expected ']' at the end")
                    }
                    continue
                }
                guard ["hosts", "children", "vars"].contains(kind) else {
                    fail("section '[\(name):\(kind)]' has unknown type '\(kind)' (valid: children, vars)")
                    continue
                }
                group = name
                state = kind
                if kind != "vars" {
                    declared.insert(name)
                    pending[name] = nil
                } else if !declared.contains(name), pending[name] == nil {
                    pending[name] = (location, false, [])
                    pendingOrder.append(name)
                }
                inventory.addGroup(name, at: location)
                continue
            }

            switch state {
            case "hosts":
                do {
                    let tokens = try shellWords(line)
                    guard let patternToken = tokens.first else { continue }
                    if patternToken.hasSuffix(":") {
                        fail("host pattern '\(patternToken)' ends with ':', which is reserved for a port")
                        continue
                    }
                    var vars: [String: AnsibleValue] = [:]
                    var bad = false
                    for token in tokens.dropFirst() {
                        guard let equals = token.firstIndex(of: "=") else {
                            fail("expected key=value host variable, found '\(token)'")
                            bad = true
                            break
                        }
                        vars[String(token[..<equals])] = literal(String(token[token.index(after: equals)...]))
                    }
                    if bad { continue }
                    let (pattern, port) = HostPattern.splitPort(patternToken)
                    if pattern == "---" { fail("host pattern '---' is the start of a YAML document, not an INI host"); continue }
                    if let port { vars["ansible_port"] = .int(port) }
                    for host in try HostPattern.expand(pattern) {
                        inventory.addHost(host, to: group, vars: vars, at: location)
                    }
                } catch let failure as HostPattern.Failure {
                    fail(failure.message)
                } catch {
                    fail("\(error)")
                }
            case "vars":
                guard let equals = line.firstIndex(of: "=") else {
                    fail("expected key=value in [\(group):vars], found '\(line)'")
                    continue
                }
                let key = line[..<equals].trimmingCharacters(in: .whitespaces)
                let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                inventory.setGroupVar(group, key, literal(value), at: location)
            default:  // children
                guard let child = groupName(line) else {
                    fail("expected a group name in [\(group):children], found '\(line)'")
                    continue
                }
                if !declared.contains(child) {
                    if var entry = pending[child] {
                        entry.parents.append(group)
                        entry.isChild = true
                        pending[child] = entry
                    } else {
                        pending[child] = (location, true, [group])
                        pendingOrder.append(child)
                    }
                }
                inventory.addChild(child, to: group, at: location)
            }
        }
        for name in pendingOrder {
            guard let entry = pending[name] else { continue }
            if entry.isChild {
                problems.record(Diagnostic(.inventory, at: entry.location,
                                           "section [\(entry.parents.last ?? "?"):children] names group '\(name)', which is never declared"))
            } else {
                problems.record(Diagnostic(.inventory, at: entry.location,
                                           "section [\(name):vars] is for group '\(name)', which is never declared"))
            }
        }
        inventory.problems = problems.diagnostics
        return inventory
    }

    /// `[name]` or `[name:kind]`, with an optional trailing comment: Ansible's section pattern.
    private static func section(_ line: String) -> (String, String)? {
        guard let close = line.firstIndex(of: "]") else { return nil }
        let rest = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
        guard rest.isEmpty || rest.hasPrefix("#") else { return nil }
        let inside = line[line.index(after: line.startIndex)..<close]
        let parts = inside.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard !name.isEmpty, !name.contains(where: { $0.isWhitespace || $0 == "]" }) else { return nil }
        if parts.count == 1 { return (name, "hosts") }
        let kind = String(parts[1])
        guard !kind.isEmpty, kind.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return (name, kind)
    }

    /// A `:children` line: one group name, optionally followed by a comment.
    private static func groupName(_ line: String) -> String? {
        let name = line.prefix { !$0.isWhitespace && $0 != "#" }
        let rest = line.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !name.contains(":"), !name.contains("]"), rest.isEmpty || rest.hasPrefix("#") else { return nil }
        return String(name)
    }

    struct UnbalancedQuote: Error, CustomStringConvertible {
        var description: String { "unbalanced quotes in host line" }
    }

    /// `shlex.split(line, comments=True)` in POSIX mode: whitespace separates words, quotes
    /// group, a backslash escapes outside single quotes, an unquoted '#' ends the line.
    static func shellWords(_ line: String) throws -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var iterator = Array(line)[...]
        while let character = iterator.popFirst() {
            if let open = quote {
                if character == open {
                    quote = nil
                } else if open == "\"", character == "\\", let next = iterator.first, next == "\"" || next == "\\" {
                    word.append(iterator.removeFirst())
                } else {
                    word.append(character)
                }
                continue
            }
            switch character {
            case " ", "\t", "\r", "\n":
                if inWord { words.append(word); word = ""; inWord = false }
            case "#":
                if inWord { words.append(word) }
                return words
            case "'", "\"":
                quote = character
                inWord = true
            case "\\":
                inWord = true
                if let next = iterator.popFirst() { word.append(next) }
            default:
                word.append(character)
                inWord = true
            }
        }
        if quote != nil { throw UnbalancedQuote() }
        if inWord { words.append(word) }
        return words
    }

    /// What `ast.literal_eval` makes of the simple literals an inventory holds; anything it
    /// would reject stays the text as written, as the plugin keeps it.
    static func literal(_ text: String) -> AnsibleValue {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.count >= 2, let first = trimmed.first, first == "'" || first == "\"", trimmed.last == first {
            let inner = trimmed.dropFirst().dropLast()
            if !inner.contains(first) && !inner.contains("\\") { return .string(String(inner)) }
        }
        switch trimmed {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .null
        default: break
        }
        if let number = HostPattern.pythonInt(trimmed), trimmed == text { return .int(number) }
        if let first = trimmed.first, "[{(".contains(first) { return .other(text) }
        return .string(text)
    }
}
