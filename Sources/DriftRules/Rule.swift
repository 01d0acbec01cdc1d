import DriftCore

/// One expectation the guide sets, as data: what to check, on which hosts, and why.
///
/// Rules are loaded from `Rules/*.yaml` (see `Rules/README.md`) and carry their
/// own passing and failing examples, which the test suite runs for every rule.
package struct Rule: Sendable, Identifiable {
    package var id: String
    package var title: String
    package var check: RuleCheck
    /// Roles the rule applies to; empty means every role.
    package var roles: Set<Role>
    /// Roles whose hosts the rule never applies to, even when they also hold one of `roles`: a
    /// step the guide writes for the *other* nodes (point NTP at the controller) does not apply
    /// to the controller, and where two roles' steps set one key differently, the role whose
    /// service reads the key decides.
    package var exceptRoles: Set<Role>
    /// Networking variant the rule applies to; `nil` means both.
    package var networking: NetworkingVariant?
    /// Optional services gating the rule; empty means it applies whatever the host runs.
    package var services: Set<GuideService>
    /// A host fact the rule depends on, such as the CPU lacking hardware virtualization.
    package var when: FactCondition?
    package var severity: Severity
    package var rationale: String
    /// The guide's step the rule checks; upgrade checks may have none.
    package var guide: GuideReference?
    /// The guide's own words for what the rule checks.
    package var quote: String?
    package var fix: Template?
    /// How unclear or PDF-mangled guide text was read for this rule.
    package var reading: String?
    package var examples: RuleExamples
    package var definedAt: SourceLocation
    /// Where the expectation comes from beyond the guide: the option's definition in the service's
    /// code at a release (`repo@ref:path:line`), or release notes. Required of upgrade checks.
    package var source: [String]
    /// Set on upgrade checks (rules of a pack file with `upgrade: {from, to}`).
    package var upgrade: UpgradeTarget?

    package init(id: String, title: String, check: RuleCheck, roles: Set<Role> = [], exceptRoles: Set<Role> = [],
                networking: NetworkingVariant? = nil,
                services: Set<GuideService> = [], when: FactCondition? = nil, severity: Severity = .medium,
                rationale: String = "", guide: GuideReference?, quote: String? = nil, fix: Template? = nil,
                reading: String? = nil, examples: RuleExamples = RuleExamples(), definedAt: SourceLocation,
                source: [String] = [], upgrade: UpgradeTarget? = nil) {
        self.id = id
        self.title = title
        self.check = check
        self.roles = roles
        self.exceptRoles = exceptRoles
        self.networking = networking
        self.services = services
        self.when = when
        self.severity = severity
        self.rationale = rationale
        self.guide = guide
        self.quote = quote
        self.fix = fix
        self.reading = reading
        self.examples = examples
        self.definedAt = definedAt
        self.source = source
        self.upgrade = upgrade
    }

    /// Which question the rule's findings answer: guide drift, or what to change before an upgrade.
    package var category: FindingCategory { upgrade == nil ? .guide : .upgrade }

    /// Whether the rule concerns this host's roles and the cloud's networking variant: the host
    /// holds one of `roles` (any, when empty) and none of `exceptRoles`. A host with several roles
    /// gets the rules of each.
    package func applies(to host: InventoryHost, architecture: NetworkingVariant) -> Bool {
        applies(toRoles: host.roles, architecture: architecture)
    }

    /// `applies(to:architecture:)` for a set of roles.
    package func applies(toRoles hostRoles: [Role], architecture: NetworkingVariant) -> Bool {
        if let networking, networking != architecture { return false }
        if hostRoles.contains(where: exceptRoles.contains) { return false }
        return roles.isEmpty || hostRoles.contains(where: roles.contains)
    }

    /// The files the rule reads on a host (value rules: their file; consistency rules: the
    /// sources that concern the host's roles; placeholder scans read what other rules collect).
    /// A value rule also reads /etc/hosts: host names in values resolve through it.
    package func files(for host: InventoryHost) -> [String] {
        switch check {
        case .value(let value): return value.file == RuleEngine.hostsFile ? [value.file] : [value.file, RuleEngine.hostsFile]
        case .consistency(let consistency):
            return consistency.sources.filter { $0.roles.isEmpty || host.roles.contains(where: $0.roles.contains) }.map(\.file)
        case .placeholderScan: return []
        case .hostNames(let file), .programErrors(let file), .confinedIncludes(let file): return [file]
        }
    }

    /// The main file, for listing rules: the value rule's file, a consistency rule's first source.
    package var primaryFile: String? {
        switch check {
        case .value(let value): return value.file
        case .consistency(let consistency): return consistency.sources.first?.file
        case .placeholderScan: return nil
        case .hostNames(let file), .programErrors(let file), .confinedIncludes(let file): return file
        }
    }

    /// The value check, for rules that are one.
    package var valueCheck: ValueCheck? {
        if case .value(let value) = check { return value }
        return nil
    }

    /// Inventory variables the rule needs.
    package var variables: [String] {
        var names: [String] = []
        switch check {
        case .value(let value): names = value.matcher.templates.flatMap(\.variables)
        case .consistency(let consistency): names = consistency.owner?.variables ?? []
        case .placeholderScan, .hostNames, .programErrors, .confinedIncludes: break
        }
        names += fix?.variables ?? []
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}

/// What a rule checks.
package enum RuleCheck: Sendable {
    /// One key in one file on each host.
    case value(ValueCheck)
    /// The same value read from several files or hosts must agree (or differ).
    case consistency(ConsistencyCheck)
    /// No value in any collected file may still hold a guide placeholder.
    case placeholderScan
    /// On every host, the name of every host of the fleet resolves to its management address
    /// through this file (/etc/hosts).
    case hostNames(file: String)
    /// The file has nothing its program refuses to start on (MySQL's missing `!includedir`
    /// directory): each such problem fails once at its line, while the file's values are still
    /// checked by their own rules.
    case programErrors(file: String)
    /// Every include of the file lies in the directories includes may be read from
    /// (`IncludeConfinement`); each one leading elsewhere fails once at its directive, unread.
    case confinedIncludes(file: String)
}

/// A key in a file and what its value must be.
package struct ValueCheck: Sendable {
    /// Absolute path of the file on the host.
    package var file: String
    package var format: ConfigFormat
    /// `nil` for formats without sections.
    package var section: String?
    package var key: String
    package var matcher: Matcher
    /// Explicit comparison type; `nil` lets the engine infer it (see `effectiveType`).
    package var valueType: ValueType?

    package init(file: String, format: ConfigFormat, section: String?, key: String, matcher: Matcher, valueType: ValueType? = nil) {
        self.file = file
        self.format = format
        self.section = section
        self.key = key
        self.matcher = matcher
        self.valueType = valueType
    }

    /// The type values are compared as: explicit, or boolean when an oslo rule expects `True`/`False`
    /// (oslo reads `true`, `1`, `on` and `yes` alike), or plain text. The engine puts the defaults
    /// table's type for the option between the two.
    package var effectiveType: ValueType {
        if let valueType { return valueType }
        let texts = matcher.literalTexts
        if format == .osloINI, !texts.isEmpty, texts.allSatisfy(ValueType.isBooleanWord) { return .bool }
        return .string
    }
}

/// Passing and failing examples of a rule, with the variables they assume.
package struct RuleExamples: Sendable {
    package var passing: [RuleExample]
    package var failing: [RuleExample]
    package var vars: [String: String]
    /// The text each failing example's file has once its remedy is applied, by position
    /// (`fixed:` in the rule file): a text, or `nil` for an example whose remedy is manual.
    /// Empty when the rule declares none; the round trip is checked either way.
    package var fixed: [String?]

    package init(passing: [RuleExample] = [], failing: [RuleExample] = [], vars: [String: String] = [:], fixed: [String?] = []) {
        self.passing = passing
        self.failing = failing
        self.vars = vars
        self.fixed = fixed
    }
}

/// One example: a single file's text, or several hosts with their files and facts.
package struct RuleExample: Sendable {
    package struct Host: Sendable {
        package var name: String
        /// `nil`: the rule's roles.
        package var roles: [Role]?
        package var vars: [String: String]
        package var files: [String: String]
        package var facts: [String: String]

        package init(name: String, roles: [Role]? = nil, vars: [String: String] = [:], files: [String: String] = [:],
                    facts: [String: String] = [:]) {
            self.name = name
            self.roles = roles
            self.vars = vars
            self.files = files
            self.facts = facts
        }
    }

    package var hosts: [Host]

    package init(hosts: [Host]) {
        self.hosts = hosts
    }
}
