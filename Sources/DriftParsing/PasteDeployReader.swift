import DriftCore
import Foundation

/// Paste Deploy INI files (Swift's proxy-server.conf), read as
/// `paste.deploy.loadwsgi.ConfigLoader` reads them: Python's configparser in strict mode
/// with keys keeping their case, `%(name)s` interpolation against the section and
/// `[DEFAULT]` (plus Paste's `here` and `__file__`), and each `pipeline` value as
/// an ordered list of names.
///
/// Which value a section really uses (`set name`, `[DEFAULT]` precedence) is
/// answered by `ConfigDocument.effectiveEntry`.
package struct PasteDeployReader: Sendable {
    package var secrets: SecretPolicy

    package init(secrets: SecretPolicy) {
        self.secrets = secrets
    }

    package func read(_ source: SourceText, path: String) throws -> ConfigDocument {
        var document = try INIParser(dialect: .configparser, secrets: secrets).parse(source, path: path)
        let directory = (path as NSString).deletingLastPathComponent
        var defaults: [String: String] = ["here": directory.isEmpty ? "/" : directory, "__file__": path]
        for entry in document.entries where entry.section == "DEFAULT" { defaults[entry.key] = entry.value.text }

        var bySection: [String: [String: String]] = [:]
        for entry in document.entries { bySection[entry.section ?? "", default: [:]][entry.key] = entry.value.text }

        for index in document.entries.indices {
            let entry = document.entries[index]
            let section = entry.section ?? ""
            // ConfigParser._unify_values: the section's own options over the defaults.
            let map = defaults.merging(bySection[section] ?? [:]) { _, own in own }
            do {
                let value = try Self.interpolate(entry.value.text, map: map, depth: 1)
                if section.hasPrefix("pipeline:"), entry.key == "pipeline" {
                    let names = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map { ConfigValue.string(String($0)) }
                    document.entries[index].value = .list(names)
                } else {
                    document.entries[index].value = .string(value)
                }
            } catch let problem as InterpolationProblem {
                let line = LineRange(number: entry.line, start: entry.byteRange.lowerBound,
                                     contentEnd: entry.byteRange.upperBound, end: entry.byteRange.upperBound)
                document.warnings.append(ParseContext(path: path, source: source, secrets: secrets)
                    .diagnostic(.syntax, at: line, column: entry.valueColumn ?? 1,
                                "\(problem.message) (Paste Deploy fails when it loads this section)"))
            }
        }
        return document
    }

    struct InterpolationProblem: Error {
        let message: String
    }

    /// configparser's `BasicInterpolation`: `%%` is `%`, `%(name)s` is another option's value,
    /// interpolated in turn up to ten levels deep.
    static func interpolate(_ value: String, map: [String: String], depth: Int) throws -> String {
        guard value.contains("%") else { return value }
        guard depth <= 10 else { throw InterpolationProblem(message: "interpolation nests more than 10 levels deep") }
        var result = ""
        var rest = Substring(value)
        while let percent = rest.firstIndex(of: "%") {
            result += rest[..<percent]
            rest = rest[percent...]
            let next = rest.dropFirst().first
            if next == "%" {
                result += "%"
                rest = rest.dropFirst(2)
            } else if next == "(" {
                guard let close = rest.firstIndex(of: ")"), rest.index(after: close) < rest.endIndex,
                      rest[rest.index(after: close)] == "s", rest.index(rest.startIndex, offsetBy: 2) < close else {
                    throw InterpolationProblem(message: "bad interpolation reference in '\(rest.prefix(40))'")
                }
                let name = String(rest[rest.index(rest.startIndex, offsetBy: 2)..<close])
                guard let replacement = map[name] else {
                    throw InterpolationProblem(message: "'%(\(name))s' names no option of this section or [DEFAULT]")
                }
                result += replacement.contains("%") ? try interpolate(replacement, map: map, depth: depth + 1) : replacement
                rest = rest[rest.index(close, offsetBy: 2)...]
            } else {
                throw InterpolationProblem(message: "'%' must be followed by '%' or '(' (write '%%' for a percent sign)")
            }
        }
        return result + rest
    }
}
