import DriftCore

/// One expectation the guide sets, as data: which file, section and key, what
/// value, on which hosts, and why.
///
/// Rules are loaded from `Rules/*.yaml` (see `Rules/README.md`) and carry their
/// own passing and failing examples, which the test suite runs for every rule.
public struct Rule: Sendable, Identifiable {
    public var id: String
    public var title: String
    /// Absolute path of the file on the host.
    public var file: String
    public var format: ConfigFormat
    /// `nil` for formats without sections.
    public var section: String?
    public var key: String
    public var matcher: Matcher
    /// Explicit comparison type; `nil` lets the engine infer it (see `effectiveType`).
    public var valueType: ValueType?
    /// Roles the rule applies to; empty means every role.
    public var roles: Set<Role>
    /// Networking variant the rule applies to; `nil` means both.
    public var networking: NetworkingVariant?
    /// Optional services gating the rule; empty means it applies whatever the host runs.
    public var services: Set<GuideService>
    public var severity: Severity
    public var rationale: String
    public var guide: GuideReference
    public var fix: Template?
    /// How unclear or PDF-mangled guide text was read for this rule.
    public var reading: String?
    public var examples: RuleExamples
    public var definedAt: SourceLocation

    public init(
        id: String, title: String, file: String, format: ConfigFormat, section: String?, key: String,
        matcher: Matcher, valueType: ValueType? = nil, roles: Set<Role> = [], networking: NetworkingVariant? = nil,
        services: Set<GuideService> = [], severity: Severity = .medium, rationale: String = "",
        guide: GuideReference, fix: Template? = nil, reading: String? = nil,
        examples: RuleExamples = RuleExamples(), definedAt: SourceLocation
    ) {
        self.id = id
        self.title = title
        self.file = file
        self.format = format
        self.section = section
        self.key = key
        self.matcher = matcher
        self.valueType = valueType
        self.roles = roles
        self.networking = networking
        self.services = services
        self.severity = severity
        self.rationale = rationale
        self.guide = guide
        self.fix = fix
        self.reading = reading
        self.examples = examples
        self.definedAt = definedAt
    }

    /// The type values are compared as: explicit, or boolean when an oslo rule expects `True`/`False`
    /// (oslo reads `true`, `1`, `on` and `yes` alike), or plain text.
    public var effectiveType: ValueType {
        if let valueType { return valueType }
        let texts = matcher.literalTexts
        if format == .osloINI, !texts.isEmpty, texts.allSatisfy(ValueType.isBooleanWord) { return .bool }
        return .string
    }

    /// Whether the rule concerns this host's roles and the cloud's networking variant.
    public func applies(to host: InventoryHost, architecture: NetworkingVariant) -> Bool {
        if let networking, networking != architecture { return false }
        return roles.isEmpty || host.roles.contains(where: roles.contains)
    }

    /// Inventory variables the rule needs.
    public var variables: [String] {
        var names = matcher.templates.flatMap(\.variables)
        names += fix?.variables ?? []
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}

/// Snippets of the rule's file that must pass and fail it, with the variables they assume.
public struct RuleExamples: Sendable, Hashable {
    public var passing: [String]
    public var failing: [String]
    public var vars: [String: String]

    public init(passing: [String] = [], failing: [String] = [], vars: [String: String] = [:]) {
        self.passing = passing
        self.failing = failing
        self.vars = vars
    }
}
