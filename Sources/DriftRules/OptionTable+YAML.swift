import DriftCore
import DriftParsing

extension RuleSet {
    static let optionGroupFields = ["files", "format", "program", "section", "keys"]
    static let optionFields = ["key", "section", "default", "no-default", "computed", "deprecated", "aliases", "type", "source"]

    /// `options:` of a rule file: groups of options read from the same files, each option with
    /// its default (or the reason it has none), deprecated names, aliases, type and source.
    ///
    /// ```yaml
    /// release: icehouse
    /// options:
    ///   - files: [/etc/cinder/cinder.conf]
    ///     section: DEFAULT
    ///     keys:
    ///       - {key: auth_strategy, default: noauth, source: "openstack/cinder@2014.1:cinder/common/config.py:184"}
    /// ```
    mutating func readOptions(_ field: YAMLField) throws {
        for group in try field.list() {
            let map = try group.mapping()
            try map.rejectUnknownKeys(allowed: Self.optionGroupFields)
            let filesField = try map.require("files")
            let files = try filesField.list().map(Self.readPath)
            if files.isEmpty { throw filesField.error("'files' needs at least one path") }
            let named = try map["format"]?.choice(ConfigFormat.self, noun: "format")
            var formats: [String: ConfigFormat] = [:]
            for file in files {
                guard let format = named ?? FormatDetector.format(forPath: file) else {
                    throw filesField.error("cannot tell the format of '\(file)' from its name; set 'format' (valid: \(ConfigFormat.choices))")
                }
                formats[file] = format
            }
            let groupSection = try map["section"]?.string()
            let program = try map["program"]?.string()
            for item in try map.require("keys").list() {
                var definition = try Self.readOption(item, files: files, formats: formats, groupSection: groupSection)
                definition.program = program
                if let existing = options.add(definition, format: { formats[$0] ?? .osloINI }) {
                    throw item.error("option \(definition.name) of '\(files[0])' is already defined at \(existing)")
                }
            }
        }
    }

    private static func readOption(_ field: YAMLField, files: [String], formats: [String: ConfigFormat],
                                   groupSection: String?) throws -> OptionDefinition {
        let map = try field.mapping()
        try map.rejectUnknownKeys(allowed: optionFields)
        let key = try map.require("key").string()
        let section = try map["section"]?.string() ?? groupSection
        let sectioned = files.map { formats[$0]?.hasSections ?? true }
        if sectioned.contains(true), section == nil {
            throw field.error("option '\(key)' needs a 'section': '\(files[0])' has sections")
        }
        if !sectioned.contains(true), let sectionField = map["section"] {
            throw sectionField.error("'\(files[0])' has no sections; remove 'section'")
        }
        let name = OptionDefinition.Name(section: sectioned.contains(true) ? section : nil, key: key)

        let fallback: OptionDefinition.Fallback
        switch (map["default"], map["no-default"]) {
        case (let value?, nil): fallback = .value(value.isNull ? "" : try value.string())
        case (nil, let reason?):
            let text = try reason.string()
            if text.trimmed().isEmpty { throw reason.error("'no-default' needs the reason the option has none") }
            fallback = .none(reason: text)
        default:
            throw field.error("option '\(key)' needs exactly one of 'default' (the built-in value) and 'no-default' (why there is none)")
        }
        let computed = try map["computed"].map(readTemplate)
        if computed != nil, case .none = fallback { throw field.error("'computed' describes a default; option '\(key)' has none") }

        var deprecated: [OptionDefinition.Name] = []
        for item in try map["deprecated"]?.list() ?? [] {
            deprecated.append(try readOptionName(item, defaultSection: name.section))
        }
        var aliases: [String: String] = [:]
        for pair in try map["aliases"]?.mapping().pairs ?? [] {
            for spelling in try pair.value.stringList() { aliases[spelling] = pair.key }
        }
        let sourceField = try map.require("source")
        let source = sourceField.node.scalar != nil ? [try sourceField.string()] : try sourceField.stringList()
        if source.allSatisfy({ $0.trimmed().isEmpty }) {
            throw sourceField.error("option '\(key)' needs a 'source': where its default is defined (repo@ref:path:line, or the program's documentation)")
        }
        return OptionDefinition(files: files, name: name, fallback: fallback, computed: computed, deprecatedNames: deprecated,
                                aliases: aliases, valueType: try map["type"]?.choice(ValueType.self, noun: "type"),
                                source: source, definedAt: field.location)
    }

    /// `[DEFAULT] sql_connection`, or a bare key in the option's own section.
    private static func readOptionName(_ field: YAMLField, defaultSection: String?) throws -> OptionDefinition.Name {
        let text = try field.string().trimmed()
        guard text.hasPrefix("[") else {
            if text.isEmpty { throw field.error("a deprecated name must not be empty") }
            return OptionDefinition.Name(section: defaultSection, key: text)
        }
        guard let close = text.firstIndex(of: "]") else {
            throw field.error("deprecated name '\(text)' must be '[section] key' or 'key'")
        }
        let section = String(text[text.index(after: text.startIndex)..<close]).trimmed()
        let key = String(text[text.index(after: close)...]).trimmed()
        if section.isEmpty || key.isEmpty { throw field.error("deprecated name '\(text)' must be '[section] key' or 'key'") }
        return OptionDefinition.Name(section: section, key: key)
    }
}
