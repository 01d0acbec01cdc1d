import DriftCore

/// A guide rule reading an option the defaults table does not describe.
package struct UncoveredOption: Sendable, CustomStringConvertible {
    package var rule: Rule
    package var file: String
    package var option: OptionDefinition.Name

    package var description: String {
        "\(rule.definedAt): error: rule '\(rule.id)' reads \(option) of \(file), which has no entry in the defaults "
            + "table: add its default (or 'no-default' with the reason) and its source"
    }
}

/// Two rules expecting different values of one option on a host holding both their roles.
package struct RoleConflict: Sendable, CustomStringConvertible {
    package var first: Rule
    package var second: Rule
    package var roles: [Role]

    package var description: String {
        "\(second.definedAt): error: rules '\(first.id)' and '\(second.id)' expect different values of one option on a "
            + "host with roles \(roles.map(\.rawValue).joined(separator: " and ")); give one of them 'except-roles' "
            + "naming the role whose service does not read it"
    }
}

extension RuleSet {
    /// The options guide rules read (value rules and consistency sources) that have no entry in
    /// the defaults table. Upgrade checks judge the file's own spelling and need none.
    package func uncoveredOptions() -> [UncoveredOption] {
        var missing: [UncoveredOption] = []
        var seen = Set<String>()
        func need(_ rule: Rule, _ file: String, _ format: ConfigFormat, _ section: String?, _ key: String) {
            guard key != "*", options.definition(file: file, format: format, section: section, key: key) == nil else { return }
            let name = OptionDefinition.Name(section: section, key: key)
            guard seen.insert(file + "\u{0}" + name.description).inserted else { return }
            missing.append(UncoveredOption(rule: rule, file: file, option: name))
        }
        for rule in rules where rule.upgrade == nil {
            switch rule.check {
            case .value(let check): need(rule, check.file, check.format, check.section, check.key)
            case .consistency(let check):
                for source in check.sources { need(rule, source.file, source.format, source.section, source.key) }
            case .placeholderScan, .hostNames, .programErrors, .confinedIncludes: continue
            }
        }
        return missing
    }

    /// Pairs of guide value rules that expect different values of the same option and would
    /// both apply to a host holding two roles (or one), for some networking variant: on such a
    /// host one of them must fail, whatever the file says. `except-roles` settles it.
    package func roleConflicts() -> [RoleConflict] {
        let valueRules = rules.filter { rule in
            guard rule.upgrade == nil, let check = rule.valueCheck else { return false }
            switch check.matcher {
            case .equals, .oneOf: return true
            default: return false
            }
        }
        let byOption = Dictionary(grouping: valueRules) { rule -> String in
            let check = rule.valueCheck!
            return check.file + "\u{0}" + (check.section.map(check.format.normalizedSection) ?? "") + "\u{0}"
                + check.format.normalizedKey(check.key)
        }
        var conflicts: [RoleConflict] = []
        for group in byOption.values where group.count > 1 {
            for (index, first) in group.enumerated() {
                for second in group[(index + 1)...] where Self.expectations(first) != Self.expectations(second) {
                    if let roles = Self.sharedHost(first, second) {
                        conflicts.append(RoleConflict(first: first, second: second, roles: roles))
                    }
                }
            }
        }
        return conflicts.sorted { $0.second.definedAt.description < $1.second.definedAt.description }
    }

    private static func expectations(_ rule: Rule) -> Set<String> {
        Set(rule.valueCheck?.matcher.templates.map(\.text) ?? [])
    }

    /// Roles of a host (one or two) on which both rules apply, if any.
    private static func sharedHost(_ first: Rule, _ second: Rule) -> [Role]? {
        for architecture in NetworkingVariant.allCases {
            for (index, role) in Role.allCases.enumerated() {
                for other in Role.allCases[index...] {
                    let roles = role == other ? [role] : [role, other]
                    if first.applies(toRoles: roles, architecture: architecture),
                       second.applies(toRoles: roles, architecture: architecture),
                       first.when == nil || second.when == nil || first.when == second.when {
                        return roles
                    }
                }
            }
        }
        return nil
    }
}
