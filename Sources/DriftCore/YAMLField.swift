import Foundation
import Yams

/// A YAML node together with the file it came from and its field path.
///
/// The inventory and rule loaders read YAML through this type so that every
/// type error, missing field or unknown key is reported as
/// `file:line:column: error: hosts[1].roles[0]: unknown role 'comptue' (valid: …)`.
package struct YAMLField {
    package let node: Node
    package let file: String
    /// Dotted field path from the document root, e.g. `hosts[1].vars`.
    package let path: String
    /// What kind of diagnostic errors in this document are.
    package let kind: Diagnostic.Kind

    package init(node: Node, file: String, path: String, kind: Diagnostic.Kind) {
        self.node = node
        self.file = file
        self.path = path
        self.kind = kind
    }

    /// Parses YAML text into its root field; YAML syntax errors become diagnostics with the libyaml position.
    ///
    /// Scalars are left untagged (`Resolver.basic`): every reader here decides what a scalar
    /// means from its field (`int()`, `bool()`, a plain empty or `null` is nothing whatever its
    /// tag), and resolving tags ran every plain scalar through ICU regular expressions, a third
    /// of reading a 10,000-host inventory.
    package static func parse(_ text: String, file: String, kind: Diagnostic.Kind) throws -> YAMLField? {
        do {
            guard let root = try Yams.compose(yaml: text, .basic) else { return nil }
            return YAMLField(node: root, file: file, path: "", kind: kind)
        } catch let error as YamlError {
            throw Self.diagnostic(from: error, file: file, kind: kind, text: text)
        }
    }

    package var location: SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column)
    }

    /// An error located at this node, prefixed with its field path.
    package func error(_ message: String) -> Diagnostic {
        Diagnostic(kind, at: location, path.isEmpty ? message : "\(path): \(message)")
    }

    package var isNull: Bool { node.null != nil }

    // MARK: Scalars

    package func string() throws -> String {
        guard case .scalar(let scalar) = node, !isNull else {
            throw error("expected a text value, found \(describeShape())")
        }
        return scalar.string
    }

    package func int(in range: ClosedRange<Int>? = nil) throws -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            throw error("expected a whole number, found \(describeShape())")
        }
        if let range, !range.contains(value) {
            throw error("'\(value)' is out of range (\(range.lowerBound) to \(range.upperBound))")
        }
        return value
    }

    package func double() throws -> Double {
        guard case .scalar(let scalar) = node, let value = Double(scalar.string), value.isFinite else {
            throw error("expected a number, found \(describeShape())")
        }
        return value
    }

    package func bool() throws -> Bool {
        guard case .scalar(let scalar) = node else { throw error("expected true or false, found \(describeShape())") }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false, found '\(scalar.string)'")
        }
    }

    /// Reads a scalar naming one case of `E`; the error lists the valid spellings.
    package func choice<E: RawRepresentable & CaseIterable>(_ type: E.Type, noun: String) throws -> E
    where E.RawValue == String {
        let text = try string()
        guard let value = E(rawValue: text) else {
            let valid = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw error("unknown \(noun) '\(text)' (valid: \(valid))")
        }
        return value
    }

    // MARK: Collections

    package func list() throws -> [YAMLField] {
        guard case .sequence(let sequence) = node else {
            throw error("expected a list, found \(describeShape())")
        }
        return sequence.enumerated().map { index, child in
            YAMLField(node: child, file: file, path: "\(path)[\(index)]", kind: kind)
        }
    }

    package func stringList() throws -> [String] {
        try list().map { try $0.string() }
    }

    package func mapping() throws -> YAMLMapping {
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping of keys to values, found \(describeShape())")
        }
        var pairs: [YAMLMapping.Pair] = []
        for (keyNode, valueNode) in mapping {
            let key = keyNode.string ?? ""
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            let keyLocation = SourceLocation(file: file, line: keyNode.mark?.line ?? 1, column: keyNode.mark?.column)
            pairs.append(YAMLMapping.Pair(key: key, keyLocation: keyLocation,
                                          value: YAMLField(node: valueNode, file: file, path: childPath, kind: kind)))
        }
        return YAMLMapping(field: self, pairs: pairs)
    }

    /// A mapping whose values are all scalars, read as text (numbers keep their spelling).
    package func stringMap() throws -> [String: String] {
        var result: [String: String] = [:]
        for pair in try mapping().pairs {
            let (key, value) = (pair.key, pair.value)
            if value.isNull { throw value.error("expected a value, found nothing") }
            result[key] = try value.string()
        }
        return result
    }

    private func describeShape() -> String {
        switch node {
        case .scalar(let scalar): return isNull ? "nothing" : "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    private static func diagnostic(from error: YamlError, file: String, kind: Diagnostic.Kind, text: String) -> Diagnostic {
        func located(_ mark: Mark, _ problem: String) -> Diagnostic {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let quoted = mark.line >= 1 && mark.line <= lines.count ? String(lines[mark.line - 1]) : nil
            return Diagnostic(kind, at: SourceLocation(file: file, line: mark.line, column: mark.column),
                              "invalid YAML: \(problem)", quotedLine: quoted)
        }
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return located(mark, problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return located(context.mark, "duplicated key \(keys)")
        default:
            return Diagnostic(kind, at: SourceLocation(file: file, line: 1), "invalid YAML: \(error)")
        }
    }
}

/// A YAML mapping read in document order, with its keys checked against what the schema allows.
package struct YAMLMapping {
    /// One `key: value` line, with where the key is written.
    package struct Pair {
        package let key: String
        package let keyLocation: SourceLocation
        package let value: YAMLField
    }

    package let field: YAMLField
    package let pairs: [Pair]

    package subscript(key: String) -> YAMLField? {
        guard let value = pairs.first(where: { $0.key == key })?.value, !value.isNull else { return nil }
        return value
    }

    /// Whether the key is written at all, even with an empty value.
    package func contains(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    package func require(_ key: String) throws -> YAMLField {
        guard let value = self[key] else { throw field.error("missing required field '\(key)'") }
        return value
    }

    /// Rejects keys the schema does not know, so a misspelt field is an error rather than silently ignored.
    package func rejectUnknownKeys(allowed: [String]) throws {
        if let first = unknownKeys(allowed: allowed).first { throw first }
    }

    /// One diagnostic per key the schema does not know, for loaders that report every mistake at once.
    package func unknownKeys(allowed: [String]) -> [Diagnostic] {
        pairs.filter { !allowed.contains($0.key) }.map { pair in
            let keyPath = field.path.isEmpty ? pair.key : "\(field.path).\(pair.key)"
            return Diagnostic(field.kind, at: pair.keyLocation,
                              "\(keyPath): unknown field '\(pair.key)' (valid: \(allowed.joined(separator: ", ")))")
        }
    }
}
