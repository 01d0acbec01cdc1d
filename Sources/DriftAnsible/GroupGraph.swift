import DriftCore

/// The group hierarchy of an Ansible inventory, resolved once: each group's parents (groups
/// without one are children of `all`), depth, ancestors, and the loops Ansible refuses. Every
/// walk is memoised per group, so a 10,000-host inventory costs one pass over its groups plus
/// one step per host.
struct GroupGraph {
    let inventory: AnsibleInventory
    /// Group → the groups listing it as a child.
    private(set) var parents: [String: [String]] = [:]
    /// Host → the groups listing it directly, in the order first listed.
    private(set) var directGroups: [String: [String]] = [:]
    /// Loops in `children`, each from a group back to itself, with where the closing child is listed.
    private(set) var cycles: [(path: [String], at: SourceLocation)] = []
    private var depths: [String: Int] = [:]
    private var ancestorSets: [String: Set<String>] = [:]

    init(_ inventory: AnsibleInventory) {
        self.inventory = inventory
        for name in inventory.groupOrder {
            guard let group = inventory.groups[name] else { continue }
            for child in group.children { parents[child.name, default: []].append(name) }
            for host in group.hosts { directGroups[host, default: []].append(name) }
        }
        for name in inventory.groupOrder where name != "all" && (parents[name] ?? []).isEmpty {
            parents[name] = ["all"]
        }
        findCycles()
        guard cycles.isEmpty else { return }
        // Depth (longest path from `all`) and ancestors, parents before children.
        for name in topologicalOrder() {
            let own = parents[name] ?? []
            depths[name] = name == "all" ? 0 : 1 + (own.compactMap { depths[$0] }.max() ?? 0)
            var ancestors: Set<String> = [name]
            for parent in own { ancestors.formUnion(ancestorSets[parent] ?? [parent]) }
            ancestorSets[name] = ancestors
        }
    }

    /// Every group a host listed in `direct` belongs to, in Ansible's variable order:
    /// shallowest first, then `ansible_group_priority`, then name.
    func ancestors(ofHostIn direct: [String]) -> [String] {
        var all: Set<String> = ["all"]
        for group in direct { all.formUnion(ancestorSets[group] ?? [group]) }
        return all.sorted { lhs, rhs in
            let left = (depths[lhs] ?? 0, priority(lhs)), right = (depths[rhs] ?? 0, priority(rhs))
            return left != right ? left < right : lhs < rhs
        }
    }

    /// Group variables of a host listed in `direct`, merged in Ansible's order (deeper wins).
    func mergedVars(of direct: [String]) -> [String: AnsibleValue] {
        var vars: [String: AnsibleValue] = [:]
        for group in ancestors(ofHostIn: direct) {
            vars.merge(inventory.groups[group]?.vars ?? [:]) { _, deeper in deeper }
        }
        return vars
    }

    /// The roles of the nearest mapped groups above `direct`, and those groups.
    func roles(ofHostIn direct: [String], map: RoleMap) -> (roles: [Role], groups: [String]) {
        var found: [String] = []
        var seen: Set<String> = []
        var queue = direct
        while let group = queue.popLast() {
            guard seen.insert(group).inserted else { continue }
            if map.names(group) {
                if map.role(forGroup: group) != nil { found.append(group) }
                continue  // mapped (to a role or to none): this walk ends here
            }
            queue += parents[group] ?? []
        }
        let roles = Set(found.compactMap { map.role(forGroup: $0) })
        return (Role.allCases.filter(roles.contains), found.sorted())
    }

    private func priority(_ group: String) -> Int {
        inventory.groups[group]?.vars["ansible_group_priority"]?.integer ?? 1
    }

    /// Kahn's algorithm over parent → child edges; only called when there is no cycle.
    private func topologicalOrder() -> [String] {
        var remaining: [String: Int] = [:]
        var children: [String: [String]] = [:]
        for name in inventory.groupOrder {
            let own = parents[name] ?? []
            remaining[name] = name == "all" ? 0 : Set(own).count
            for parent in Set(own) { children[parent, default: []].append(name) }
        }
        var order: [String] = []
        var ready = inventory.groupOrder.filter { remaining[$0] == 0 }
        while let next = ready.popLast() {
            order.append(next)
            for child in children[next] ?? [] {
                remaining[child]! -= 1
                if remaining[child] == 0 { ready.append(child) }
            }
        }
        return order
    }

    /// Depth-first search over `children` with colours; each back edge is one loop.
    private mutating func findCycles() {
        enum Colour { case grey, black }
        var colour: [String: Colour] = [:]
        var found: [(path: [String], at: SourceLocation)] = []
        for start in inventory.groupOrder where colour[start] == nil {
            // An explicit stack: (group, index of the next child to visit).
            var stack: [(String, Int)] = [(start, 0)]
            colour[start] = .grey
            while let (group, index) = stack.last {
                let children = inventory.groups[group]?.children ?? []
                guard index < children.count else {
                    colour[group] = .black
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].1 += 1
                let child = children[index]
                switch colour[child.name] {
                case nil:
                    colour[child.name] = .grey
                    stack.append((child.name, 0))
                case .grey:
                    let names = stack.map(\.0)
                    let loop = Array(names[(names.firstIndex(of: child.name) ?? 0)...]) + [child.name]
                    found.append((loop, child.at))
                case .black:
                    break
                }
            }
        }
        cycles = found
    }
}
