import DriftCore
import Foundation
import Yams

/// Ansible's YAML inventory format (ansible-core 2.19's `yaml` plugin: top-level keys are
/// groups, each with optional `hosts`, `vars` and `children` mappings, nested to any depth)
/// and the JSON that `ansible-inventory --list` and dynamic inventory scripts print (groups
/// with lists of `hosts` and `children`, `vars`, and `_meta.hostvars`). JSON is read as YAML,
/// which keeps every node's line.
enum AnsibleYAMLReader {
    static func read(_ text: String, file: String) throws -> AnsibleInventory {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw DiagnosticList([Diagnostic(.inventory, at: SourceLocation(file: file, line: 1), "the inventory is empty")])
            }
            root = node
        } catch let error as YamlError {
            throw DiagnosticList([Diagnostic(.inventory, at: SourceLocation(file: file, line: 1), "invalid YAML or JSON: \(error)")])
        }
        guard case .mapping(let top) = root else {
            throw DiagnosticList([Diagnostic(.inventory, at: location(root, file), "an inventory is a mapping of group names")])
        }
        if top["plugin"] != nil {
            throw DiagnosticList([Diagnostic(.inventory, at: location(root, file),
                "this is an inventory plugin's configuration, not an inventory: run 'ansible-inventory -i \(file) --list > inventory.json' and import that")])
        }
        var problems = DiagnosticCollector()
        let listFormat = top["_meta"] != nil || top.contains { _, value in
            if case .mapping(let group) = value, let hosts = group["hosts"], case .sequence = hosts { return true }
            if case .sequence = value { return true }
            return false
        }
        var inventory = AnsibleInventory(kind: listFormat ? "ansible-inventory --list JSON" : "Ansible YAML inventory", file: file)
        if listFormat {
            readList(top, file: file, into: &inventory, problems: &problems)
        } else {
            for (key, value) in top {
                readGroup(name: key, value, file: file, into: &inventory, problems: &problems, depth: 0)
            }
        }
        inventory.problems = problems.diagnostics
        return inventory
    }

    static func location(_ node: Node, _ file: String) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column)
    }

    /// Deeper nesting than this is refused: no real inventory comes close, and recursion stays bounded.
    static let maximumDepth = 200

    private static func readGroup(name keyNode: Node, _ value: Node, file: String, into inventory: inout AnsibleInventory,
                                  problems: inout DiagnosticCollector, depth: Int) {
        let at = location(keyNode, file)
        guard let name = keyNode.string, !name.isEmpty else {
            problems.record(Diagnostic(.inventory, at: at, "a group name must be text"))
            return
        }
        guard depth < maximumDepth else {
            problems.record(Diagnostic(.inventory, at: at, "groups nested more than \(maximumDepth) deep at '\(name)'"))
            return
        }
        inventory.addGroup(name, at: at)
        if value.null != nil { return }
        guard case .mapping(let sections) = value else {
            problems.record(Diagnostic(.inventory, at: at, "group '\(name)' must be a mapping of hosts, vars and children"))
            return
        }
        for (sectionKey, section) in sections {
            let sectionName = sectionKey.string ?? ""
            guard ["hosts", "vars", "children"].contains(sectionName) else {
                problems.record(Diagnostic(.inventory, at: location(sectionKey, file),
                                           "group '\(name)': unknown key '\(sectionName)' (valid: hosts, vars, children)"))
                continue
            }
            if section.null != nil { continue }
            // A plain string stands for a mapping of that one name, as the plugin allows.
            let pairs: [(Node, Node?)]
            switch section {
            case .mapping(let mapping): pairs = mapping.map { ($0.key, $0.value) }
            case .scalar: pairs = [(section, nil)]
            default:
                problems.record(Diagnostic(.inventory, at: location(section, file),
                                           "group '\(name)': '\(sectionName)' must be a mapping"))
                continue
            }
            switch sectionName {
            case "vars":
                for (key, value) in pairs {
                    inventory.setGroupVar(name, key.string ?? "", value.map(ansibleValue) ?? .null, at: location(key, file))
                }
            case "children":
                for (key, value) in pairs {
                    if let value {
                        readGroup(name: key, value, file: file, into: &inventory, problems: &problems, depth: depth + 1)
                    } else if let child = key.string {
                        inventory.addGroup(child, at: location(key, file))
                    }
                    if let child = key.string { inventory.addChild(child, to: name, at: location(key, file)) }
                }
            default:
                for (key, value) in pairs {
                    let at = location(key, file)
                    guard let patternText = key.string else { continue }
                    var vars: [String: AnsibleValue] = [:]
                    if let value, case .mapping(let hostVars) = value {
                        for (varKey, varValue) in hostVars { vars[varKey.string ?? ""] = ansibleValue(varValue) }
                    } else if let value, value.null == nil {
                        problems.record(Diagnostic(.inventory, at: at, "host '\(patternText)': its variables must be a mapping"))
                        continue
                    }
                    let (pattern, port) = HostPattern.splitPort(patternText)
                    if let port { vars["ansible_port"] = .int(port) }
                    do {
                        for host in try HostPattern.expand(pattern) { inventory.addHost(host, to: name, vars: vars, at: at) }
                    } catch {
                        problems.record(Diagnostic(.inventory, at: at, error.message))
                    }
                }
            }
        }
    }

    /// `{"_meta": {"hostvars": {…}}, "group": {"hosts": […], "children": […], "vars": {…}}}`; a group may also be a bare list of hosts.
    private static func readList(_ top: Node.Mapping, file: String, into inventory: inout AnsibleInventory,
                                 problems: inout DiagnosticCollector) {
        for (key, value) in top {
            guard let name = key.string else { continue }
            let at = location(key, file)
            if name == "_meta" {
                guard case .mapping(let meta) = value, let hostvars = meta["hostvars"] else { continue }
                guard case .mapping(let hosts) = hostvars else {
                    problems.record(Diagnostic(.inventory, at: location(hostvars, file), "_meta.hostvars must be a mapping of hosts"))
                    continue
                }
                for (hostKey, vars) in hosts {
                    guard let host = hostKey.string else { continue }
                    var values: [String: AnsibleValue] = [:]
                    if case .mapping(let mapping) = vars {
                        for (varKey, varValue) in mapping { values[varKey.string ?? ""] = ansibleValue(varValue) }
                    }
                    inventory.setHostVars(host, values, at: location(hostKey, file))
                }
                continue
            }
            inventory.addGroup(name, at: at)
            switch value {
            case .sequence(let hosts):
                for hostNode in hosts {
                    if let host = hostNode.string { inventory.addHost(host, to: name, vars: [:], at: location(hostNode, file)) }
                }
            case .mapping(let group):
                if let hostsNode = group["hosts"], case .sequence(let hosts) = hostsNode {
                    for hostNode in hosts {
                        if let host = hostNode.string { inventory.addHost(host, to: name, vars: [:], at: location(hostNode, file)) }
                    }
                }
                if let childrenNode = group["children"], case .sequence(let children) = childrenNode {
                    for childNode in children {
                        if let child = childNode.string { inventory.addChild(child, to: name, at: location(childNode, file)) }
                    }
                }
                if let varsNode = group["vars"], case .mapping(let vars) = varsNode {
                    for (varKey, varValue) in vars {
                        inventory.setGroupVar(name, varKey.string ?? "", ansibleValue(varValue), at: location(varKey, file))
                    }
                }
            default:
                if value.null == nil {
                    problems.record(Diagnostic(.inventory, at: at, "group '\(name)' must be a list of hosts or a mapping"))
                }
            }
        }
    }

    /// A YAML node as the value Ansible's loader makes of it (YAML 1.1 booleans, integers).
    static func ansibleValue(_ node: Node) -> AnsibleValue {
        switch node {
        case .scalar(let scalar):
            if node.null != nil { return .null }
            if scalar.style == .plain {
                if let flag = node.bool { return .bool(flag) }
                if let number = node.int { return .int(number) }
            }
            return .string(scalar.string)
        case .mapping, .sequence, .alias:
            return .other((try? Yams.serialize(node: node).trimmingCharacters(in: .whitespacesAndNewlines)) ?? "")
        }
    }
}
