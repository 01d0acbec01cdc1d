import DriftCore

/// One option as its program reads it, for judging a file that does not write it the way a
/// rule does: its built-in default, the older names the release still reads, spellings that
/// name the same value, and where all of that is defined in the program's code.
///
/// Half the false alarms on real operators' files were keys left at a default equal to the
/// guide's value, or written under a deprecated name. The facts live in `Rules/defaults.yaml`
/// as data, each with its source, so a reader can check every claim a finding makes.
package struct OptionDefinition: Sendable {
    /// A section and key as a file spells them: `[DEFAULT] sql_connection`.
    package struct Name: Hashable, Sendable, CustomStringConvertible {
        package var section: String?
        package var key: String

        package init(section: String?, key: String) {
            self.section = section
            self.key = key
        }

        package var description: String { (section.map { "[\($0)] " } ?? "") + key }
    }

    /// What the program uses when no file sets the option.
    package enum Fallback: Sendable, Hashable {
        /// The built-in default, as the program writes it (`noauth`, `$my_ip`, `` for an empty string).
        case value(String)
        /// No default: the program runs without the setting, or refuses to start; the reason says which.
        case none(reason: String)
    }

    /// The files (absolute paths) this option is read from.
    package var files: [String]
    /// The program whose default this is, for messages ("memcached reads its default"); `nil`:
    /// the release the table describes (an OpenStack service).
    package var program: String?
    package var name: Name
    package var fallback: Fallback
    /// A default the program builds from other options of the same section
    /// (`{{value:auth_protocol}}://{{value:auth_host}}:{{value:auth_port}}`); `nil`: the default as written.
    package var computed: Template?
    /// Older names the release still reads, in the order it tries them.
    package var deprecatedNames: [Name]
    /// Spellings the program treats as another value, by spelling: `nova.openstack.common.rpc.impl_kombu` → `rabbit`.
    package var aliases: [String: String]
    /// How the program types the value; rules naming no type compare this way.
    package var valueType: ValueType?
    /// Where the default (or its absence) and the deprecated names are defined: `repo@ref:path:line`.
    package var source: [String]
    package var definedAt: SourceLocation

    package init(files: [String], program: String? = nil, name: Name, fallback: Fallback, computed: Template? = nil,
                deprecatedNames: [Name] = [], aliases: [String: String] = [:], valueType: ValueType? = nil, source: [String],
                definedAt: SourceLocation) {
        self.files = files
        self.program = program
        self.name = name
        self.fallback = fallback
        self.computed = computed
        self.deprecatedNames = deprecatedNames
        self.aliases = aliases
        self.valueType = valueType
        self.source = source
        self.definedAt = definedAt
    }

    /// The default as written, or `nil` when the option has none.
    package var defaultText: String? {
        if case .value(let text) = fallback { return text }
        return nil
    }
}

/// The defaults table: every option the rules read, by file, section and key.
package struct OptionTable: Sendable {
    package private(set) var definitions: [OptionDefinition] = []
    /// The release the table describes, for messages ("Icehouse reads the default 'noauth'").
    package var release: String?
    /// Indexes into `definitions` by file and key as the file's format compares keys.
    private var index: [String: [Int]] = [:]

    package init() {}

    /// Adds a definition; fails with the earlier definition's location when the option is already defined.
    mutating func add(_ definition: OptionDefinition, format: (String) -> ConfigFormat) -> SourceLocation? {
        for file in definition.files {
            if let existing = self.definition(file: file, format: format(file), section: definition.name.section,
                                              key: definition.name.key) {
                return existing.definedAt
            }
        }
        definitions.append(definition)
        for file in definition.files {
            index[Self.indexKey(file, format(file).normalizedKey(definition.name.key)), default: []].append(definitions.count - 1)
        }
        return nil
    }

    /// The definition of an option of a file, names compared as the file's program compares them.
    package func definition(file: String, format: ConfigFormat, section: String?, key: String) -> OptionDefinition? {
        for position in index[Self.indexKey(file, format.normalizedKey(key))] ?? [] {
            let candidate = definitions[position]
            guard format.hasSections else { return candidate }
            if let wanted = section, let own = candidate.name.section,
               format.normalizedSection(own) == format.normalizedSection(wanted) {
                return candidate
            }
        }
        return nil
    }

    private static func indexKey(_ file: String, _ key: String) -> String { file + "\u{0}" + key }

    /// "Icehouse" for messages, or "the program" when the table names no release.
    var releaseTitle: String {
        guard let release, let first = release.first else { return "the program" }
        return first.uppercased() + release.dropFirst()
    }
}
