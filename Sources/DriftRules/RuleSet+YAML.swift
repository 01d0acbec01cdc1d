import DriftCore
import DriftParsing
import Foundation
import Yams

extension RuleSet {
    static let fileFields = ["description", "file", "format", "defaults", "rules", "secrets", "placeholders", "services",
                             "upgrade", "release", "options", "weak-secrets", "secret-words", "not-secrets"]
    static let defaultFields = ["section", "roles", "except-roles", "networking", "services", "severity", "guide", "example-vars"]
    static let commonRuleFields = ["id", "title", "roles", "except-roles", "networking", "services", "when", "severity",
                                   "rationale", "guide", "quote", "fix", "reading", "examples", "each", "source"]
    static let valueRuleFields = ["file", "format", "section", "key", "type"] + Matcher.names
    static let consistencyFields = ["consistent", "scope", "values", "reference", "owner", "type", "compare-defaults"]
    static let sourceFields = ["file", "format", "section", "key", "roles", "transform"]
    static let guideFields = ["chapter", "section", "step"]
    static let movedFields = ["section", "key", "value", "old-key", "replaces"]
    static let exampleFields = ["pass", "fail", "vars", "fixed"]
    static let exampleHostFields = ["roles", "vars", "files", "facts"]

    /// Loads every `*.yaml` file directly inside each directory, in name order; subdirectories
    /// hold opt-in packs and are not read. Problems are diagnostics naming file:line.
    package static func load(directories: [String]) throws -> RuleSet {
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

    package static func load(files: [String]) throws -> RuleSet {
        var set = RuleSet()
        for file in files { try set.merge(contentsOf: file) }
        return set
    }

    /// Adds the contents of one rule file.
    package mutating func merge(contentsOf file: String) throws {
        try merge(yaml: try Self.text(ofRuleFile: file), file: file)
    }

    static func text(ofRuleFile file: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw Diagnostic(.rule, at: SourceLocation(file: file, line: 1), "cannot read rule file '\(file)'")
        }
        return text
    }

    /// Adds the contents of one rule file, checking ids are unique and formats agree across files.
    package mutating func merge(yaml text: String, file: String) throws {
        sources.append(file)
        digest = Digest.sha256(digest + Array(file.utf8) + [0] + Array(text.utf8) + [0])
        guard let root = try YAMLField.parse(text, file: file, kind: .rule) else { return }
        let top = try root.mapping()
        try top.rejectUnknownKeys(allowed: Self.fileFields)

        if let field = top["secrets"] { secrets.add(try field.stringList()) }
        if let field = top["secret-words"] {
            for item in try field.list() {
                let word = try item.string()
                if word.isEmpty || !word.allSatisfy({ $0.isLetter || $0.isNumber }) {
                    throw item.error("secret word '\(word)' must be letters and digits only (a word of an option's name)")
                }
            }
            secrets.add(words: try field.stringList())
        }
        if let field = top["not-secrets"] { secrets.add(notSecret: try field.stringList()) }
        if let field = top["placeholders"] {
            for item in try field.list() {
                let name = try item.string()
                if name.isEmpty || name.contains(where: \.isWhitespace) {
                    throw item.error("placeholder '\(name)' must be a single word")
                }
                guard name.utf8.contains(where: { (65...90).contains($0) || $0 == 37 }) else {
                    // Lower-case words are real values somewhere; the scan also relies on this to skip most values.
                    throw item.error("placeholder '\(name)' must contain a capital letter or '%'")
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
        if let field = top["weak-secrets"] {
            for item in try field.list() {
                let word = try item.string()
                if word.trimmed().isEmpty { throw item.error("a weak secret must not be empty") }
                if !weakSecrets.contains(where: { $0.lowercased() == word.lowercased() }) { weakSecrets.append(word) }
            }
        }
        if let field = top["release"] {
            let release = try field.string()
            if let other = options.release, other != release.lowercased() {
                throw field.error("the defaults table describes release '\(other)'; this file says '\(release)'")
            }
            options.release = release.lowercased()
        }
        if let field = top["options"] { try readOptions(field) }
        var upgrade: UpgradeTarget?
        if let field = top["upgrade"] {
            let target = try Self.readUpgrade(field)
            upgrade = target
            upgrades.append(UpgradePack(target: target, file: file))
        }
        guard let rulesField = top["rules"] else { return }

        var context = try FileContext(top: top)
        context.upgrade = upgrade
        for ruleField in try rulesField.list() {
            for expanded in try Self.expand(ruleField) {
                let rule = try readRule(expanded, context: context)
                if let existing = self.rule(id: rule.id) {
                    throw expanded.error("duplicate rule id '\(rule.id)' (first defined at \(existing.definedAt))")
                }
                if case .value(let value) = rule.check, let other = rules.first(where: {
                    $0.valueCheck.map { $0.file == value.file && $0.format != value.format } ?? false
                }) {
                    throw expanded.error("'\(value.file)' is read as '\(value.format.rawValue)' here but as "
                        + "'\(other.valueCheck!.format.rawValue)' by rule '\(other.id)'")
                }
                rules.append(rule)
            }
        }
    }

    /// `upgrade: {from: icehouse, to: juno}`: the file is a pack of upgrade checks.
    static func readUpgrade(_ field: YAMLField) throws -> UpgradeTarget {
        let map = try field.mapping()
        try map.rejectUnknownKeys(allowed: ["from", "to"])
        func release(_ name: String) throws -> String {
            let value = try map.require(name)
            let text = try value.string()
            guard !text.isEmpty, text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) else {
                throw value.error("upgrade \(name) '\(text)' must be one release name (letters, digits, '-', '.')")
            }
            return text.lowercased()
        }
        return UpgradeTarget(from: try release("from"), to: try release("to"))
    }

    /// `neutron`, `nova-network`, or `any` (both: the same as leaving the field out, for `each` bindings).
    static func readNetworking(_ field: YAMLField) throws -> NetworkingVariant? {
        if field.node.scalar?.string == "any" { return nil }
        return try field.choice(NetworkingVariant.self, noun: "networking variant (or 'any')")
    }

    // MARK: Rule templates

    /// A rule with `each:` stands for one rule per binding, `${name}` replaced in every text.
    /// A binding may be a list or mapping (`roles: [network, compute]`); it then replaces a
    /// field whose whole text is `${name}`, so one template covers rules that differ in roles.
    static func expand(_ field: YAMLField) throws -> [YAMLField] {
        let map = try field.mapping()
        guard let each = map["each"] else { return [field] }
        var expanded: [YAMLField] = []
        for values in try bindings(each) {
            guard case .mapping(let mapping) = field.node else { return [field] }
            let pairs = try mapping.filter { $0.key.string != "each" }.map { pair in
                (pair.key, try substitute(pair.value, values, file: field.file))
            }
            let node = Node.mapping(Node.Mapping(pairs.map { ($0.0, $0.1) }, mapping.tag, mapping.style, mapping.mark))
            expanded.append(YAMLField(node: node, file: field.file, path: field.path, kind: field.kind))
        }
        return expanded
    }

    /// The bindings of `each:`: a list of mappings, or a list of such lists, whose cross
    /// product is taken (every file × every key), a later list's names overriding an earlier's.
    private static func bindings(_ each: YAMLField) throws -> [[String: Node]] {
        func mapping(_ binding: YAMLField) throws -> [String: Node] {
            var values: [String: Node] = [:]
            for pair in try binding.mapping().pairs {
                if pair.value.isNull { throw pair.value.error("expected a value, found nothing") }
                values[pair.key] = pair.value.node
            }
            return values
        }
        let items = try each.list()
        guard items.contains(where: { $0.node.sequence != nil }) else { return try items.map(mapping) }
        var product: [[String: Node]] = [[:]]
        for factor in items {
            guard factor.node.sequence != nil else {
                throw factor.error("mixes lists and mappings; either every item is a binding, or every item a list of bindings")
            }
            let choices = try factor.list().map(mapping)
            product = product.flatMap { partial in choices.map { partial.merging($0) { _, later in later } } }
        }
        return product
    }

    private static func substitute(_ node: Node, _ values: [String: Node], file: String) throws -> Node {
        switch node {
        case .scalar(let scalar):
            if scalar.string.hasPrefix("${"), scalar.string.hasSuffix("}"),
               let whole = values[String(scalar.string.dropFirst(2).dropLast())], whole.scalar == nil {
                return whole
            }
            var text = scalar.string
            // A bound value may name another binding (`value: "${user}"`); a cycle would never end.
            var replacements = 0
            while let open = text.range(of: "${") {
                replacements += 1
                guard replacements <= 64 else {
                    throw Diagnostic(.rule, at: SourceLocation(file: file, line: scalar.mark?.line ?? 1, column: scalar.mark?.column),
                                     "'each' bindings in '\(scalar.string)' refer to each other in a cycle")
                }
                guard let close = text[open.upperBound...].firstIndex(of: "}") else {
                    throw Diagnostic(.rule, at: SourceLocation(file: file, line: scalar.mark?.line ?? 1, column: scalar.mark?.column),
                                     "unclosed '${' in '\(scalar.string)'")
                }
                let name = String(text[open.upperBound..<close])
                guard let value = values[name] else {
                    throw Diagnostic(.rule, at: SourceLocation(file: file, line: scalar.mark?.line ?? 1, column: scalar.mark?.column),
                                     "'${\(name)}' is not bound by 'each' (bound: \(values.keys.sorted().joined(separator: ", ")))")
                }
                guard let scalarValue = value.scalar?.string else {
                    throw Diagnostic(.rule, at: SourceLocation(file: file, line: scalar.mark?.line ?? 1, column: scalar.mark?.column),
                                     "'${\(name)}' is bound to a list or mapping, which can only stand for a whole field, not inside '\(scalar.string)'")
                }
                text.replaceSubrange(open.lowerBound...close, with: scalarValue)
            }
            return text == scalar.string ? node : .scalar(Node.Scalar(text, scalar.tag, scalar.style, scalar.mark))
        case .mapping(let mapping):
            return .mapping(Node.Mapping(try mapping.map { (try substitute($0.key, values, file: file), try substitute($0.value, values, file: file)) },
                                         mapping.tag, mapping.style, mapping.mark))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(try sequence.map { try substitute($0, values, file: file) }, sequence.tag,
                                           sequence.style, sequence.mark))
        case .alias:
            return node
        }
    }

    // MARK: File context

    /// File-level settings every rule in the file inherits.
    private struct FileContext {
        var file: String?
        var format: ConfigFormat?
        var section: String?
        var roles: Set<Role>?
        var exceptRoles: Set<Role>?
        var networking: NetworkingVariant?
        var services: Set<GuideService>?
        var severity: Severity?
        var guide: YAMLMapping?
        var exampleVars: [String: String] = [:]
        /// Set in upgrade packs: their rules are upgrade checks.
        var upgrade: UpgradeTarget?

        init(top: YAMLMapping) throws {
            if let field = top["file"] { file = try RuleSet.readPath(field) }
            if let field = top["format"] { format = try field.choice(ConfigFormat.self, noun: "format") }
            guard let defaultsField = top["defaults"] else { return }
            let defaults = try defaultsField.mapping()
            try defaults.rejectUnknownKeys(allowed: RuleSet.defaultFields)
            section = try defaults["section"]?.string()
            roles = try defaults["roles"].map(RuleSet.readRoles)
            exceptRoles = try defaults["except-roles"].map(RuleSet.readRoles)
            networking = try defaults["networking"].flatMap(RuleSet.readNetworking)
            services = try defaults["services"].map(RuleSet.readServices)
            severity = try defaults["severity"]?.choice(Severity.self, noun: "severity")
            guide = try defaults["guide"]?.mapping()
            exampleVars = try defaults["example-vars"]?.stringMap() ?? [:]
        }

        /// The format a file is read as: named on the rule, at the top of the rule file, or from the path.
        func format(for file: String, named: YAMLField?, field: YAMLField) throws -> ConfigFormat {
            if let named { return try named.choice(ConfigFormat.self, noun: "format") }
            if let format, self.file == nil || self.file == file { return format }
            if let detected = FormatDetector.format(forPath: file) { return detected }
            throw field.error("cannot tell the format of '\(file)' from its name; set 'format' (valid: \(ConfigFormat.choices))")
        }
    }

    // MARK: Rules

    private func readRule(_ field: YAMLField, context: FileContext) throws -> Rule {
        let map = try field.mapping()
        let isConsistency = map.contains("consistent")
        let isScan = map.contains("scan")
        var allowed = Self.commonRuleFields
        if isConsistency { allowed += Self.consistencyFields } else if isScan { allowed += ["scan", "file"] } else { allowed += Self.valueRuleFields }
        try map.rejectUnknownKeys(allowed: allowed)

        let idField = try map.require("id")
        let id = try idField.string()
        if id.isEmpty || id.contains(where: { $0.isWhitespace }) {
            throw idField.error("rule id '\(id)' must be one word (letters, digits, '.', '-', '_')")
        }

        let check: RuleCheck
        let ruleFile: String?
        if isConsistency {
            check = .consistency(try readConsistency(map, field: field, context: context))
            ruleFile = nil
        } else if isScan {
            let scan = try map.require("scan")
            switch try scan.string() {
            case "placeholders":
                check = .placeholderScan
                ruleFile = nil
            case "host-names":
                let file = try map["file"].map(Self.readPath) ?? context.file ?? "/etc/hosts"
                check = .hostNames(file: file)
                ruleFile = file
            case "program-errors":
                guard let file = try map["file"].map(Self.readPath) ?? context.file else {
                    throw scan.error("scan 'program-errors' needs the file it checks ('file')")
                }
                check = .programErrors(file: file)
                ruleFile = file
            case "confined-includes":
                guard let file = try map["file"].map(Self.readPath) ?? context.file else {
                    throw scan.error("scan 'confined-includes' needs the file it checks ('file')")
                }
                check = .confinedIncludes(file: file)
                ruleFile = file
            default:
                throw scan.error("unknown scan '\(try scan.string())' (valid: placeholders, host-names, program-errors, confined-includes)")
            }
        } else {
            let value = try readValueCheck(map, field: field, context: context)
            check = .value(value)
            ruleFile = value.file
        }
        let source = try map["source"].map { field in
            field.node.scalar != nil ? [try field.string()] : try field.stringList()
        } ?? []
        if context.upgrade != nil, source.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw field.error("upgrade check '\(id)' needs a 'source': where the change is defined (the option's "
                + "definition in the service's code at the release, as repo@ref:path:line or a URL, or the release notes)")
        }

        var examples = RuleExamples(vars: context.exampleVars)
        if let examplesField = map["examples"] {
            let examplesMap = try examplesField.mapping()
            try examplesMap.rejectUnknownKeys(allowed: Self.exampleFields)
            if let vars = try examplesMap["vars"]?.stringMap() { examples.vars.merge(vars) { _, new in new } }
            examples.passing = try examplesMap["pass"]?.list().map { try Self.readExample($0, file: ruleFile) } ?? []
            examples.failing = try examplesMap["fail"]?.list().map { try Self.readExample($0, file: ruleFile) } ?? []
            if let fixedField = examplesMap["fixed"] {
                examples.fixed = try fixedField.list().map { $0.isNull ? nil : try $0.string() }
                if examples.fixed.count != examples.failing.count {
                    throw fixedField.error("'fixed' lists \(examples.fixed.count) texts for \(examples.failing.count) 'fail' examples: give one per example, '~' where the fix is manual")
                }
            }
        }
        if examples.passing.isEmpty || examples.failing.isEmpty {
            throw field.error("rule '\(id)' needs examples with at least one 'pass' and one 'fail' example")
        }

        var when: FactCondition?
        if let whenField = map["when"] {
            let whenMap = try whenField.mapping()
            try whenMap.rejectUnknownKeys(allowed: ["fact", "equals", "one-of"])
            let fact = try whenMap.require("fact").choice(HostFact.self, noun: "fact")
            let values = try whenMap["one-of"]?.stringList() ?? [try whenMap.require("equals").string()]
            when = FactCondition(fact: fact, values: values)
        }

        return Rule(
            id: id,
            title: try map.require("title").string(),
            check: check,
            roles: try map["roles"].map(Self.readRoles) ?? context.roles ?? [],
            exceptRoles: try map["except-roles"].map(Self.readRoles) ?? context.exceptRoles ?? [],
            networking: try map["networking"].map(Self.readNetworking) ?? context.networking,
            services: try map["services"].map(Self.readServices) ?? context.services ?? [],
            when: when,
            severity: try map["severity"]?.choice(Severity.self, noun: "severity") ?? context.severity ?? .medium,
            rationale: try map["rationale"]?.string() ?? "",
            guide: try readGuide(map["guide"], defaults: context.guide, ruleField: field, optional: context.upgrade != nil),
            quote: try map["quote"]?.string(),
            fix: try map["fix"].map(Self.readTemplate),
            reading: try map["reading"]?.string(),
            examples: examples,
            definedAt: field.location,
            source: source,
            upgrade: context.upgrade)
    }

    private func readValueCheck(_ map: YAMLMapping, field: YAMLField, context: FileContext) throws -> ValueCheck {
        let file: String
        if let fileField = map["file"] { file = try Self.readPath(fileField) } else if let contextFile = context.file {
            file = contextFile
        } else {
            throw field.error("rule names no file (set 'file' on the rule or at the top of the rule file)")
        }
        let format = try context.format(for: file, named: map["format"], field: field)
        let section = try map["section"]?.string() ?? context.section
        if format.hasSections, section == nil {
            throw field.error("the rule needs a 'section': '\(format.rawValue)' files have sections")
        }
        if !format.hasSections, let sectionField = map["section"] {
            throw sectionField.error("'\(format.rawValue)' files have no sections; remove 'section'")
        }
        return ValueCheck(file: file, format: format, section: format.hasSections ? section : nil,
                          key: try map.require("key").string(),
                          matcher: try readMatcher(map, field: field, upgrade: context.upgrade != nil),
                          valueType: try map["type"]?.choice(ValueType.self, noun: "type"))
    }

    private func readConsistency(_ map: YAMLMapping, field: YAMLField, context: FileContext) throws -> ConsistencyCheck {
        let kind = try map.require("consistent").choice(ConsistencyCheck.Kind.self, noun: "consistency")
        let scope = try map["scope"]?.choice(ConsistencyCheck.Scope.self, noun: "scope") ?? .fleet
        let valuesField = try map.require("values")
        var sources: [ValueSource] = []
        for sourceField in try valuesField.list() {
            let source = try sourceField.mapping()
            try source.rejectUnknownKeys(allowed: Self.sourceFields)
            let file = try source["file"].map(Self.readPath) ?? context.file
            guard let file else { throw sourceField.error("value source names no 'file'") }
            let format = try context.format(for: file, named: source["format"], field: sourceField)
            let section = try source["section"]?.string()
            if format.hasSections, section == nil { throw sourceField.error("'\(format.rawValue)' files need a 'section'") }
            sources.append(ValueSource(
                file: file, format: format, section: format.hasSections ? section : nil, key: try source.require("key").string(),
                roles: try source["roles"].map(Self.readRoles) ?? [],
                transform: try source["transform"]?.choice(ValueTransform.self, noun: "transform") ?? .none))
        }
        if sources.isEmpty || (kind != .unique && sources.count < 2 && scope == .host) {
            throw valuesField.error("a '\(kind.rawValue)' check on one host compares at least two values")
        }
        let reference = try map["reference"]?.int(in: 0...max(0, sources.count - 1))
        if kind == .included, reference == nil { throw field.error("'included' needs 'reference': the source whose value must be included") }
        return ConsistencyCheck(kind: kind, scope: scope, sources: sources, reference: reference,
                                owner: try map["owner"].map(Self.readTemplate),
                                valueType: try map["type"]?.choice(ValueType.self, noun: "type") ?? .string,
                                comparesDefaults: try map["compare-defaults"]?.bool() ?? false)
    }

    /// An example: a file's text, `{files, facts, vars}` for one host, or `{hosts: {name: {…}}}`.
    static func readExample(_ field: YAMLField, file: String?) throws -> RuleExample {
        if case .scalar = field.node {
            guard let file else { throw field.error("a text example needs the rule's file; give 'files' instead") }
            return RuleExample(hosts: [RuleExample.Host(name: "example", files: [file: try field.string()])])
        }
        let map = try field.mapping()
        if let hostsField = map["hosts"] {
            try map.rejectUnknownKeys(allowed: ["hosts"])
            return RuleExample(hosts: try hostsField.mapping().pairs.map { pair in
                try readExampleHost(name: pair.key, pair.value)
            })
        }
        return RuleExample(hosts: [try readExampleHost(name: "example", field)])
    }

    private static func readExampleHost(name: String, _ field: YAMLField) throws -> RuleExample.Host {
        let map = try field.mapping()
        try map.rejectUnknownKeys(allowed: exampleHostFields)
        return RuleExample.Host(
            name: name, roles: try map["roles"].map { try $0.list().map { try $0.choice(Role.self, noun: "role") } },
            vars: try map["vars"]?.stringMap() ?? [:], files: try map["files"]?.stringMap() ?? [:],
            facts: try map["facts"]?.stringMap() ?? [:])
    }

    private func readMatcher(_ map: YAMLMapping, field: YAMLField, upgrade: Bool) throws -> Matcher {
        let present = Matcher.names.filter { map.contains($0) }
        guard present.count == 1, let name = present.first else {
            let found = present.isEmpty ? "none" : present.joined(separator: ", ")
            throw field.error("a rule needs exactly one matcher (valid: \(Matcher.names.joined(separator: ", "))); found \(found)")
        }
        guard let value = map[name] else { throw field.error("matcher '\(name)' has no value") }
        let matcher = try readMatcher(name, value, upgrade: upgrade)
        if name != "moved-to", matcher.templates.contains(where: \.refersToFoundValues) {
            throw value.error("'{{value}}' and '{{value:KEY}}' stand for values found in the file; use them in 'fix' or 'moved-to', not in '\(name)'")
        }
        return matcher
    }

    private func readMatcher(_ name: String, _ value: YAMLField, upgrade: Bool) throws -> Matcher {
        switch name {
        case "equals": return .equals(try Self.readTemplate(value))
        case "none-equal": return .noneEqual(try Self.readTemplate(value))
        case "contains": return .contains(try Self.readTemplate(value))
        case "one-of":
            let templates = try value.list().map(Self.readTemplate)
            if templates.isEmpty { throw value.error("'one-of' needs at least one value") }
            return .oneOf(templates)
        case "regex", "any-match":
            let pattern = try value.string()
            do {
                let compiled = try RegexPattern(pattern)
                return name == "regex" ? .regex(compiled) : .anyMatch(compiled)
            } catch {
                throw value.error("invalid regular expression '\(pattern)'")
            }
        case "ordered-subsequence", "ends-with":
            let items = try value.list().map(Self.readTemplate)
            if items.isEmpty { throw value.error("'\(name)' needs at least one value") }
            return name == "ordered-subsequence" ? .orderedSubsequence(items) : .endsWith(items)
        case "present", "absent", "not-placeholder":
            guard try value.bool() else { throw value.error("'\(name)' takes 'true'; remove it to disable") }
            return name == "present" ? .present : name == "absent" ? .absent : .notPlaceholder
        case "moved-to":
            guard upgrade else {
                throw value.error("'moved-to' is an upgrade check: use it in a pack file with 'upgrade: {from, to}'")
            }
            let moved = try value.mapping()
            try moved.rejectUnknownKeys(allowed: Self.movedFields)
            return .movedTo(MovedOption(
                section: try moved["section"]?.string(), key: try moved.require("key").string(),
                value: try moved["value"].map(Self.readTemplate),
                oldKey: try moved.require("old-key").choice(MovedOption.OldKey.self, noun: "old-key"),
                replaces: try moved["replaces"]?.stringList() ?? []))
        default:
            throw value.error("unknown matcher '\(name)'")
        }
    }

    private func readGuide(_ field: YAMLField?, defaults: YAMLMapping?, ruleField: YAMLField, optional: Bool) throws
        -> GuideReference? {
        if optional, field == nil, defaults == nil { return nil }
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
