import Foundation

/// Text with `{{variable}}` references to inventory variables (`{{management_ip}}`).
///
/// Rules are written once for the whole fleet; templates let one rule expect
/// each host's own address. Parsing happens at load time so a malformed
/// reference is a rule-file error, not a 3 a.m. surprise.
public struct Template: Hashable, Sendable, CustomStringConvertible {
    private enum Piece: Hashable, Sendable {
        case literal(String)
        case variable(String)
    }

    private let pieces: [Piece]
    public let text: String

    /// Thrown when text has an unclosed `{{` or an empty or invalid variable name.
    public struct SyntaxError: Error, Sendable {
        public let message: String
    }

    /// Thrown when rendering needs a variable the host does not define.
    public struct MissingVariable: Error, Hashable, Sendable {
        public let name: String

        public init(name: String) { self.name = name }
    }

    public init(_ text: String) throws {
        self.text = text
        var pieces: [Piece] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { pieces.append(.literal(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw SyntaxError(message: "unclosed '{{' in '\(text)'")
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
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
    public init(literal text: String) {
        self.text = text
        self.pieces = text.isEmpty ? [] : [.literal(text)]
    }

    /// Names of the variables referenced, in order of appearance.
    public var variables: [String] {
        pieces.compactMap { if case .variable(let name) = $0 { return name } else { return nil } }
    }

    public func render(_ vars: [String: String]) throws(MissingVariable) -> String {
        var result = ""
        for piece in pieces {
            switch piece {
            case .literal(let literal): result += literal
            case .variable(let name):
                guard let value = vars[name] else { throw MissingVariable(name: name) }
                result += value
            }
        }
        return result
    }

    public var description: String { text }
}
