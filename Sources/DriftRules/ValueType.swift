import DriftCore

/// How a rule compares values: the way the consuming program types the option.
///
/// `True`, `true` and `1` are the same oslo boolean; `gre,vxlan` and `gre, vxlan`
/// are the same ListOpt. Comparing text alone would report drift that is not there.
public enum ValueType: String, Sendable, Hashable, CaseIterable {
    /// Exact text after the format's own unquoting.
    case string
    /// oslo.config booleans: true/1/on/yes and false/0/off/no, case-insensitive.
    case bool
    /// A whole number.
    case int
    /// Comma-separated list, elements trimmed, order significant (oslo ListOpt).
    case list
    /// Comma-separated list, elements trimmed, order ignored.
    case set
    /// A file system path: repeated and trailing slashes do not count (`/srv/node/` is `/srv/node`).
    case path

    public static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// A value reduced to what the program would see, so two spellings of one value compare equal.
    public enum Normalized: Hashable, Sendable {
        case string(String)
        case bool(Bool)
        case int(Int64)
        case list([String])
        case set(Set<String>)
    }

    private static let trueWords: Set<String> = ["true", "1", "on", "yes"]
    private static let falseWords: Set<String> = ["false", "0", "off", "no"]

    /// Whether text is a boolean word; used to type `equals: True` on oslo files without an explicit `type`.
    public static func isBooleanWord(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered == "true" || lowered == "false"
    }

    /// `nil` when the text is not a valid value of this type (for example `maybe` as a boolean).
    public func normalize(_ text: String) -> Normalized? {
        switch self {
        case .string:
            return .string(text)
        case .bool:
            let lowered = text.trimmed().lowercased()
            if Self.trueWords.contains(lowered) { return .bool(true) }
            if Self.falseWords.contains(lowered) { return .bool(false) }
            return nil
        case .int:
            return Int64(text.trimmed()).map(Normalized.int)
        case .list:
            return .list(Self.elements(text))
        case .set:
            return .set(Set(Self.elements(text)))
        case .path:
            let trimmed = text.trimmed()
            guard !trimmed.isEmpty else { return .string("") }
            let components = trimmed.split(separator: "/").filter { $0 != "." }
            return .string((trimmed.hasPrefix("/") ? "/" : "") + components.joined(separator: "/"))
        }
    }

    /// The value's elements, for `contains` on lists.
    public func elements(of text: String) -> [String] {
        switch self {
        case .list, .set: return Self.elements(text)
        default: return [text]
        }
    }

    private static func elements(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0).trimmed() }.filter { !$0.isEmpty }
    }
}

extension String {
    func trimmed() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first == " " || first == "\t" || first == "\n" || first == "\r" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\n" || last == "\r" { scalars.removeLast() }
        return String(scalars)
    }
}

extension ValueType {
    /// Normalizes a parsed value; typed values keep their structure (an LVM list is a list,
    /// and a one-element list equals its element, as lvmconfig compares them).
    public func normalize(_ value: ConfigValue) -> Normalized? {
        switch (self, value) {
        case (.list, .list(let items)): return .list(items.map(\.text))
        case (.set, .list(let items)): return .set(Set(items.map(\.text)))
        case (_, .list(let items)) where items.count == 1: return normalize(items[0].text)
        default: return normalize(value.text)
        }
    }

    /// The candidates `contains` looks among for one value: list elements, or the value itself.
    public func elements(of value: ConfigValue) -> [String] {
        switch (self, value) {
        case (_, .list(let items)): return items.map(\.text)
        default: return elements(of: value.text)
        }
    }

    /// The type each element is compared as, for `contains`.
    public var elementType: ValueType {
        switch self {
        case .list, .set: return .string
        default: return self
        }
    }
}
