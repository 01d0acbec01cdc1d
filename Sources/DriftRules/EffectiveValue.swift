import DriftCore

/// The value a program uses for one option of one file: written in the file under the
/// option's name (read with the program's own precedence, as the parser gives it), else
/// under a deprecated name the release still reads, else the option's built-in default,
/// else nothing.
///
/// Every rule compares this, value rules and consistency rules alike, so a key left at a
/// default equal to the guide's value is not drift, and one whose default differs is
/// reported with the default and where it is defined.
package struct EffectiveValue: Sendable {
    /// Every occurrence read, in reading order: under the option's name, else under the first
    /// deprecated name that has any (a multi-valued option's values).
    package var occurrences: [Entry]
    /// The occurrence a single-valued option takes; `nil` when the file does not set it.
    package var entry: Entry?
    /// The deprecated name the value was read under.
    package var readAs: OptionDefinition.Name?
    /// The table's definition of the option, if it has one.
    package var definition: OptionDefinition?
    /// The default the program uses when the file does not set the option, as it reads it
    /// (a computed default filled in from the file's other options).
    package var defaultValue: String?
    /// Who reads the default, for messages: the release the table describes ("Icehouse"), or
    /// the program the option belongs to ("memcached").
    package var release: String

    /// The value the program uses: the file's, or the default.
    package var value: ConfigValue? {
        if let entry { return entry.value }
        return defaultValue.map(ConfigValue.string)
    }

    /// Whether the value is the program's default rather than anything the file writes.
    package var isDefault: Bool { entry == nil && defaultValue != nil }

    /// Where the value came from, for the finding; `nil` when the file writes it under the option's own name.
    package func origin(section: String?, key: String) -> ValueOrigin? {
        let option = OptionDefinition.Name(section: section, key: key).description
        let sources = definition?.source ?? []
        if let readAs, entry != nil {
            return ValueOrigin(kind: .deprecatedName, option: readAs.description, definedAt: sources)
        }
        guard entry == nil, definition != nil else { return nil }
        if defaultValue != nil { return ValueOrigin(kind: .builtinDefault, option: option, definedAt: sources) }
        return ValueOrigin(kind: .notSet, option: option, definedAt: sources)
    }

    /// The first citation of the definition, for messages: `(openstack/cinder@2014.1:cinder/common/config.py:184)`.
    var citation: String {
        guard let first = definition?.source.first else { return "" }
        return " (\(first))"
    }

    /// "'auth_strategy' is not set in [DEFAULT], so Icehouse reads its default 'noauth' (…)" — the
    /// default shown through `show`, which masks secrets.
    func notSetClause(key: String, place: String, show: (String) -> (text: String, masked: Bool)) -> String {
        if let defaultValue {
            let shown = show(defaultValue)
            if shown.masked {
                return "'\(key)' is not set\(place), so \(release) uses its built-in default, which is public\(citation)"
            }
            return "'\(key)' is not set\(place), so \(release) reads its default '\(shown.text)'\(citation)"
        }
        if case .none(let reason)? = definition?.fallback {
            return "'\(key)' is not set\(place) (it has no default: \(reason))"
        }
        return "'\(key)' is not set\(place)"
    }

    /// "; read as [DEFAULT] sql_connection, an older name Icehouse still reads" when it was.
    var deprecatedClause: String {
        guard let readAs, entry != nil else { return "" }
        return " (written as \(readAs), an older name \(release) still reads)"
    }
}

extension OptionTable {
    /// The effective value of an option in a parsed file. `applyDefaults: false` reads the file's
    /// own spelling only (upgrade checks judge what the next release reads, not Icehouse's defaults).
    package func effective(in document: ConfigDocument, file: String, section: String?, key: String,
                          applyDefaults: Bool = true) -> EffectiveValue {
        let definition = applyDefaults ? self.definition(file: file, format: document.format, section: section, key: key) : nil
        let occurrences = document.entries(section: section, key: key)
        var value = EffectiveValue(occurrences: occurrences,
                                   entry: document.effectiveEntry(section: section, key: key, among: occurrences),
                                   readAs: nil, definition: definition, defaultValue: nil,
                                   release: definition?.program ?? releaseTitle)
        guard let definition else { return value }
        if value.entry == nil {
            for name in definition.deprecatedNames {
                guard let entry = document.effectiveEntry(section: name.section, key: name.key) else { continue }
                value.entry = entry
                value.occurrences = document.entries(section: name.section, key: name.key)
                value.readAs = name
                break
            }
        }
        if value.entry == nil { value.defaultValue = defaultValue(of: definition, in: document, file: file, depth: 0) }
        return value
    }

    /// The default, computed from the file's other options where the program computes it; the
    /// default as written when a part it needs is unknown.
    private func defaultValue(of definition: OptionDefinition, in document: ConfigDocument, file: String, depth: Int) -> String? {
        guard case .value(let written) = definition.fallback else { return nil }
        guard let computed = definition.computed, depth < 8 else { return written }
        var complete = true
        let rendered = try? computed.render([:]) { key in
            guard let key else { complete = false; return nil }
            let part = effective(in: document, file: file, section: definition.name.section, key: key)
            if let entry = part.entry { return entry.value.text }
            if let other = part.definition, let value = self.defaultValue(of: other, in: document, file: file, depth: depth + 1),
               other.computed == nil || value != other.defaultText {
                return value
            }
            complete = false
            return nil
        }
        guard complete, let rendered else { return written }
        return rendered
    }
}
