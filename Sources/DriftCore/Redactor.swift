import Foundation

/// Replaces secret values in a file's text with keyed tags before the text is stored.
///
/// A tag is `<redacted:` + the first 12 hex digits of HMAC-SHA-256(key, value) + `>`:
/// a changed secret gets a new tag, two equal secrets get the same tag (so
/// "nova and neutron use the same RabbitMQ password" stays answerable), and
/// without the key a tag cannot be checked against guessed passwords.
public struct Redactor: Sendable {
    public let policy: SecretPolicy
    public let key: [UInt8]

    public init(policy: SecretPolicy, key: [UInt8]) {
        self.policy = policy
        self.key = key
    }

    public func tag(_ secret: String) -> String {
        "<redacted:" + Digest.hex(Digest.hmacSHA256(key: key, Array(secret.utf8))).prefix(12) + ">"
    }

    /// Redacts `text`. With the parsed document, secret entries are found exactly (continuation
    /// lines included); without one (an unparseable file) any `key = value` or `key: value` line
    /// whose key is secret is redacted. URL credentials are redacted everywhere.
    public func redact(_ text: String, document: ConfigDocument?) -> String {
        var lines = TextLine.split(text).map { (text: String($0.text), terminator: String($0.terminator)) }
        if let document {
            for entry in document.entries where policy.isSecret(key: entry.key) {
                redactEntry(entry, in: &lines)
            }
        } else {
            for index in lines.indices {
                lines[index].text = redactAssignmentLine(lines[index].text)
            }
        }
        let joined = lines.map { $0.text + $0.terminator }.joined()
        return redactURLCredentials(joined)
    }

    private func redactEntry(_ entry: Entry, in lines: inout [(text: String, terminator: String)]) {
        let first = entry.span.startLine - 1
        guard lines.indices.contains(first), let column = entry.valueColumn else { return }
        let secret = entry.value.text
        guard !secret.isEmpty else { return }
        let prefix = String(lines[first].text.prefix(column - 1))
        lines[first].text = prefix + tag(secret)
        // Continuation lines belong to the same value: keep their indentation, hide their text.
        if entry.span.endLine > entry.span.startLine {
            for index in (first + 1)..<min(entry.span.endLine, lines.count) {
                let indentation = lines[index].text.prefix { $0 == " " || $0 == "\t" }
                lines[index].text = indentation + tag(secret)
            }
        }
    }

    private func redactAssignmentLine(_ line: String) -> String {
        guard let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { return line }
        var key = line[..<separator].trimmingCharacters(in: .whitespaces)
        if key.hasPrefix("export ") { key = String(key.dropFirst("export ".count)).trimmingCharacters(in: .whitespaces) }
        key = key.trimmingCharacters(in: CharacterSet(charactersIn: "-\"'"))
        guard !key.isEmpty, policy.isSecret(key: key) else { return line }
        let value = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { return line }
        return String(line[...separator]) + " " + tag(value)
    }

    private func redactURLCredentials(_ text: String) -> String {
        guard text.contains("://"), text.contains("@") else { return text }
        let nsText = text as NSString
        var result = ""
        var cursor = 0
        for match in SecretPolicy.urlCredentials.matches(in: text, range: NSRange(location: 0, length: nsText.length)) {
            let password = match.range(at: 2)
            result += nsText.substring(with: NSRange(location: cursor, length: password.location - cursor))
            result += tag(nsText.substring(with: password))
            cursor = password.location + password.length
        }
        result += nsText.substring(from: cursor)
        return result
    }
}
