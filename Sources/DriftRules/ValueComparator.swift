import DriftCore

/// Compares a value with an expected spelling the way the consuming program reads both: typed
/// (oslo booleans, integers, lists, URLs, host names), with the option's aliases (a class path
/// that names the same driver as its short name), and, for host names, through the checked
/// node's own resolution.
struct ValueComparator {
    enum Match: Equatable {
        /// The same value once typed.
        case same
        /// Another spelling of the same value on this node, with the explanation to show.
        case equivalent(String)
    }

    let type: ValueType
    /// Spelling → the value it stands for (the defaults table's `aliases`).
    let aliases: [String: String]
    let resolver: NodeResolver?

    /// The value a spelling stands for, through the option's aliases.
    func canonical(_ text: String) -> String { aliases[text.trimmed()] ?? text }

    func normalize(_ value: ConfigValue) -> ValueType.Normalized? {
        guard !aliases.isEmpty else { return type.normalize(value) }
        switch type {
        case .list: return .list(type.elements(of: value).map(canonical))
        case .set: return .set(Set(type.elements(of: value).map(canonical)))
        default: return type.normalize(canonical(Self.scalarText(value)))
        }
    }

    func normalize(_ text: String) -> ValueType.Normalized? { normalize(.string(text)) }

    /// The comparator for the elements of a list value (`contains`).
    var forElements: ValueComparator { ValueComparator(type: type.elementType, aliases: aliases, resolver: resolver) }

    /// `nil` when the value is not the wanted one (or is not a valid value of the type).
    func match(_ value: ConfigValue, _ wanted: String) -> Match? {
        guard let actual = normalize(value) else { return nil }
        if normalize(wanted) == actual { return .same }
        guard type.comparesHosts, let resolver else { return nil }
        let written = Self.scalarText(value).trimmed()
        switch type {
        case .host, .address:
            return resolver.equivalence(of: written, to: wanted, loopbackIsSelf: type.connectsFromNode).map(Match.equivalent)
        case .url, .authURL, .announcedURL:
            let trims = type == .authURL
            guard let found = URLParts(written, trimsTrailingSlash: trims), let expected = URLParts(wanted, trimsTrailingSlash: trims),
                  found.withoutHost == expected.withoutHost,
                  let note = resolver.equivalence(of: found.host, to: expected.host, loopbackIsSelf: type.connectsFromNode)
            else { return nil }
            return .equivalent("'\(SecretPolicy.maskingURLCredentials(in: written))', the same endpoint: \(note)")
        default:
            return nil
        }
    }

    /// A one-element list (an LVM array, an ntp line's one argument) stands for its element.
    static func scalarText(_ value: ConfigValue) -> String {
        if case .list(let items) = value, items.count == 1 { return items[0].text }
        return value.text
    }
}
