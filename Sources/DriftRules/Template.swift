import Foundation

/// Text with `{{variable}}` references to inventory variables (`{{management_ip}}`).
///
/// Rules are written once for the whole fleet; templates let one rule expect
/// each host's own address. Parsing happens at load time so a malformed
/// reference is a rule-file error, not a 3 a.m. surprise.
///
/// `{{value}}` and `{{value:KEY}}` (or `{{value:KEY|fallback}}`) stand for values found in the
/// checked file: the checked key's own value, or another key's in the same section. They are
/// filled in only where a rule says what to write instead (`fix`, `moved-to`), by the engine,
/// which masks secret values first.
package struct Template: Hashable, Sendable, CustomStringConvertible {
    private enum Piece: Hashable, Sendable {
        case literal(String)
        case variable(String)
        /// A value found in the file: `key` nil for the checked key itself.
        case found(key: String?, fallback: String?)
    }

    private let pieces: [Piece]
    package let text: String

    /// Thrown when text has an unclosed `{{` or an empty or invalid variable name.
    package struct SyntaxError: Error, Sendable {
        package let message: String
    }

    /// Thrown when rendering needs a variable the host does not define.
    package struct MissingVariable: Error, Hashable, Sendable {
        package let name: String

        package init(name: String) { self.name = name }
    }

    package init(_ text: String) throws {
        self.text = text
        var pieces: [Piece] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { pieces.append(.literal(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw SyntaxError(message: "unclosed '{{' in '\(text)'")
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if let found = try Self.foundReference(name, in: text) {
                pieces.append(found)
                rest = rest[close.upperBound...]
                continue
            }
            let valid = name.first.map { $0 == "_" || $0.isLetter } == true
                && name.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
            guard valid else { throw SyntaxError(message: "invalid variable name '\(name)' in '\(text)'") }
            pieces.append(.variable(name))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.literal(String(rest))) }
        self.pieces = pieces
    }

    /// A template with no variables, for values built in code.
    package init(literal text: String) {
        self.text = text
        self.pieces = text.isEmpty ? [] : [.literal(text)]
    }

    /// `value`, `value:KEY` or `value:KEY|fallback`; `nil` for other names.
    private static func foundReference(_ name: String, in text: String) throws -> Piece? {
        if name == "value" { return .found(key: nil, fallback: nil) }
        guard name.hasPrefix("value:") else { return nil }
        let reference = name.dropFirst("value:".count)
        let parts = reference.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        let key = parts[0].trimmingCharacters(in: .whitespaces)
        let validKey = !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || "_-.".contains($0) }
        guard validKey else { throw SyntaxError(message: "invalid key '\(key)' in '{{\(name)}}' in '\(text)'") }
        return .found(key: key, fallback: parts.count > 1 ? String(parts[1]) : nil)
    }

    /// Names of the inventory variables referenced, in order of appearance.
    package var variables: [String] {
        pieces.compactMap { if case .variable(let name) = $0 { return name } else { return nil } }
    }

    /// Whether the template refers to values found in the file (`{{value}}`, `{{value:KEY}}`).
    package var refersToFoundValues: Bool {
        pieces.contains { if case .found = $0 { return true } else { return false } }
    }

    /// Renders inventory variables; found values render as their fallback (empty without one).
    package func render(_ vars: [String: String]) throws(MissingVariable) -> String {
        try render(vars, found: { _ in nil })
    }

    /// Renders inventory variables and values found in the file; a found value that is not set
    /// renders as its fallback, or empty.
    package func render(_ vars: [String: String], found: (_ key: String?) -> String?) throws(MissingVariable) -> String {
        var result = ""
        for piece in pieces {
            switch piece {
            case .literal(let literal): result += literal
            case .variable(let name):
                guard let value = vars[name] else { throw MissingVariable(name: name) }
                result += value
            case .found(let key, let fallback):
                result += found(key) ?? fallback ?? ""
            }
        }
        return result
    }

    package var description: String { text }
}
