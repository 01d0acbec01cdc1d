import DriftCore
import DriftParsing
import Foundation

extension RuleSet {
    static let fileFields = ["description", "file", "format", "defaults", "rules", "secrets", "placeholders", "services"]
    static let defaultFields = ["section", "roles", "networking", "services", "severity", "guide", "example-vars"]
    static let ruleFields = ["id", "title", "file", "format", "section", "key", "type", "roles", "networking", "services",
                             "severity", "rationale", "guide", "fix", "reading", "examples"] + Matcher.names
    static let guideFields = ["chapter", "section", "step"]
    static let exampleFields = ["pass", "fail", "vars"]

    /// Loads every `*.yaml` file directly inside each directory, in name order; subdirectories
    /// hold opt-in packs and are not read. Problems are diagnostics naming file:line.
    public static func load(directories: [String]) throws -> RuleSet {
        var files: [String] = []
        for directory in directories {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw Diagnostic(.rule, at: SourceLocation(file: directory, line: 1), "rule directory '\(directory)' does not exist")
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted()
            files += names.map { URL(fileURLWithPath: directory).appendingPathComponent($0).path }
        }
        return try load(files: files)
    }

    public static func load(files: [String]) throws -> RuleSet {
        var set = RuleSet()
        for file in files {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw Diagnostic(.rule, at: SourceLocation(file: file, line: 1), "cannot read rule file '\(file)'")
            }
            try set.merge(yaml: text, file: file)
        }
        return set
    }

    /// Adds the contents of one rule file, checking ids are unique and formats agree across files.
    public mutating func merge(yaml text: String, file: String) throws {
        sources.append(file)
        guard let root = try YAMLField.parse(text, file: file, kind: .rule) else { return }
        let top = try root.mapping()
        try top.rejectUnknownKeys(allowed: Self.fileFields)

        if let field = top["secrets"] { secrets.add(try field.stringList()) }
        if let field = top["placeholders"] {
            for item in try field.list() {
                let name = try item.string()
                if name.isEmpty || name.contains(where: \.isWhitespace) {
                    throw item.error("placeholder '\(name)' must be a single word")
                }
                if !placeholders.contains(name) { placeholders.append(name) }
            }
        }
        if let field = top["services"] {
            for pair in try field.mapping().pairs {
                guard let service = GuideService(rawValue: pair.key) else {
                    throw Diagnostic(.rule, at: pair.keyLocation,
                                     "services: unknown service '\(pair.key)' (valid: \(GuideService.choices))")
                }
                serviceMarkers[service, default: []] += try pair.value.stringList()
            }
        }
        guard let rulesField = top["rules"] else { return }

        let context = try FileContext(top: top)
        for ruleField in try rulesField.list() {
            let rule = try readRule(ruleField, context: context)
            if let existing = self.rule(id: rule.id) {
                throw ruleField.error("duplicate rule id '\(rule.id)' (first defined at \(existing.definedAt))")
            }
            if let other = rules.first(where: { $0.file == rule.file && $0.format != rule.format }) {
                throw ruleField.error("'\(rule.file)' is read as '\(rule.format.rawValue)' here but as "
                    + "'\(other.format.rawValue)' by rule '\(other.id)'")
            }
            rules.append(rule)
        }
    }

    /// File-level settings every rule in the file inherits.
    private struct FileContext {
        var file: String?
        var format: ConfigFormat?
        var formatField: YAMLField?
        var section: String?
        var roles: Set<Role>?
        var networking: NetworkingVariant?
        var services: Set<GuideService>?
        var severity: Severity?
        var guide: YAMLMapping?
        var exampleVars: [String: String] = [:]

        init(top: YAMLMapping) throws {
            if let field = top["file"] { file = try RuleSet.readPath(field) }
            if let field = top["format"] {
                format = try field.choice(ConfigFormat.self, noun: "format")
                formatField = field
            }
            guard let defaultsField = top["defaults"] else { return }
            let defaults = try defaultsField.mapping()
            try defaults.rejectUnknownKeys(allowed: RuleSet.defaultFields)
            section = try defaults["section"]?.string()
            roles = try defaults["roles"].map(RuleSet.readRoles)
            networking = try defaults["networking"]?.choice(NetworkingVariant.self, noun: "networking variant")
            services = try defaults["services"].map(RuleSet.readServices)
            severity = try defaults["severity"]?.choice(Severity.self, noun: "severity")
            guide = try defaults["guide"]?.mapping()
            exampleVars = try defaults["example-vars"]?.stringMap() ?? [:]
        }
    }

    private func readRule(_ field: YAMLField, context: FileContext) throws -> Rule {
        let map = try field.mapping()
        try map.rejectUnknownKeys(allowed: Self.ruleFields)

        let idField = try map.require("id")
        let id = try idField.string()
        if id.isEmpty || id.contains(where: { $0.isWhitespace }) {
            throw idField.error("rule id '\(id)' must be one word (letters, digits, '.', '-', '_')")
        }
        let file: String
        if let fileField = map["file"] { file = try Self.readPath(fileField) } else if let contextFile = context.file {
            file = contextFile
        } else {
            throw field.error("rule '\(id)' names no file (set 'file' on the rule or at the top of the rule file)")
        }
        let format: ConfigFormat
        if let formatField = map["format"] {
            format = try formatField.choice(ConfigFormat.self, noun: "format")
        } else if let contextFormat = context.format, map["file"] == nil || context.file == file {
            format = contextFormat
        } else if let detected = FormatDetector.format(forPath: file) {
            format = detected
        } else {
            throw field.error("cannot tell the format of '\(file)' from its name; set 'format' (valid: \(ConfigFormat.choices))")
        }

        let section = try map["section"]?.string() ?? context.section
        if format.hasSections, section == nil {
            throw field.error("rule '\(id)' needs a 'section': '\(format.rawValue)' files have sections")
        }
        if !format.hasSections, map["section"] != nil {
            throw map["section"]!.error("'\(format.rawValue)' files have no sections; remove 'section'")
        }
        let key = try map.require("key").string()
        let matcher = try readMatcher(map, field: field)
        let valueType = try map["type"]?.choice(ValueType.self, noun: "type")

        let guide = try readGuide(map["guide"], defaults: context.guide, ruleField: field)
        var examples = RuleExamples(vars: context.exampleVars)
        if let examplesField = map["examples"] {
            let examplesMap = try examplesField.mapping()
            try examplesMap.rejectUnknownKeys(allowed: Self.exampleFields)
            examples.passing = try examplesMap["pass"]?.stringList() ?? []
            examples.failing = try examplesMap["fail"]?.stringList() ?? []
            if let vars = try examplesMap["vars"]?.stringMap() { examples.vars.merge(vars) { _, new in new } }
        }
        if examples.passing.isEmpty || examples.failing.isEmpty {
            throw field.error("rule '\(id)' needs examples with at least one 'pass' and one 'fail' snippet")
        }

        return Rule(
            id: id,
            title: try map.require("title").string(),
            file: file,
            format: format,
            section: format.hasSections ? section : nil,
            key: key,
            matcher: matcher,
            valueType: valueType,
            roles: try map["roles"].map(Self.readRoles) ?? context.roles ?? [],
            networking: try map["networking"]?.choice(NetworkingVariant.self, noun: "networking variant") ?? context.networking,
            services: try map["services"].map(Self.readServices) ?? context.services ?? [],
            severity: try map["severity"]?.choice(Severity.self, noun: "severity") ?? context.severity ?? .medium,
            rationale: try map["rationale"]?.string() ?? "",
            guide: guide,
            fix: try map["fix"].map(Self.readTemplate),
            reading: try map["reading"]?.string(),
            examples: examples,
            definedAt: field.location)
    }

    private func readMatcher(_ map: YAMLMapping, field: YAMLField) throws -> Matcher {
        let present = Matcher.names.filter { map.contains($0) }
        guard present.count == 1, let name = present.first else {
            let found = present.isEmpty ? "none" : present.joined(separator: ", ")
            throw field.error("a rule needs exactly one matcher (valid: \(Matcher.names.joined(separator: ", "))); found \(found)")
        }
        guard let value = map[name] else { throw field.error("matcher '\(name)' has no value") }
        switch name {
        case "equals": return .equals(try Self.readTemplate(value))
        case "contains": return .contains(try Self.readTemplate(value))
        case "one-of":
            let templates = try value.list().map(Self.readTemplate)
            if templates.isEmpty { throw value.error("'one-of' needs at least one value") }
            return .oneOf(templates)
        case "regex":
            let pattern = try value.string()
            do { return .regex(try RegexPattern(pattern)) } catch {
                throw value.error("invalid regular expression '\(pattern)'")
            }
        case "present", "absent", "not-placeholder":
            guard try value.bool() else { throw value.error("'\(name)' takes 'true'; remove it to disable") }
            return name == "present" ? .present : name == "absent" ? .absent : .notPlaceholder
        default:
            throw value.error("unknown matcher '\(name)'")
        }
    }

    private func readGuide(_ field: YAMLField?, defaults: YAMLMapping?, ruleField: YAMLField) throws -> GuideReference {
        var chapter: Int?, section: String?, step: String?
        for mapping in [defaults, try field?.mapping()].compactMap({ $0 }) {
            try mapping.rejectUnknownKeys(allowed: Self.guideFields)
            if let value = mapping["chapter"] { chapter = try value.int(in: 1...30) }
            if let value = mapping["section"] { section = try value.string() }
            if let value = mapping["step"] { step = try value.string() }
        }
        guard let section else { throw ruleField.error("rule needs 'guide' with at least the guide's 'section'") }
        return GuideReference(chapter: chapter, section: section, step: step)
    }

    static func readTemplate(_ field: YAMLField) throws -> Template {
        do { return try Template(try field.string()) } catch let error as Template.SyntaxError {
            throw field.error(error.message)
        }
    }

    static func readPath(_ field: YAMLField) throws -> String {
        let path = try field.string()
        guard path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
            throw field.error("file '\(path)' must be an absolute path without '..'")
        }
        return path
    }

    static func readRoles(_ field: YAMLField) throws -> Set<Role> {
        Set(try field.list().map { try $0.choice(Role.self, noun: "role") })
    }

    static func readServices(_ field: YAMLField) throws -> Set<GuideService> {
        Set(try field.list().map { try $0.choice(GuideService.self, noun: "service") })
    }
}
