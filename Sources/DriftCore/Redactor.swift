import Foundation

/// Replaces secret values in a file with keyed tags before the file is stored.
///
/// A tag is `<redacted:` + the first 12 hex digits of HMAC-SHA-256(key, value) + `>`:
/// a changed secret gets a new tag, two equal secrets get the same tag (so
/// "nova and neutron use the same RabbitMQ password" stays answerable), and
/// without the key a tag cannot be checked against guessed passwords. Line
/// structure is kept, so line diffs between stored runs stay meaningful.
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

    /// Redacts a parsed file: the values of its secret entries (continuation lines included),
    /// then URL credentials anywhere. `secretEntries: false` is for a format whose entries cannot
    /// hold a secret (`/etc/hosts`, sysctl: their keys are addresses and kernel names), whose
    /// thousands of lines then cost no key lookups.
    public func redact(_ document: ConfigDocument, secretEntries: Bool = true) -> [UInt8] {
        var replacements: [(Range<Int>, String)] = []
        let bytes = document.source.bytes
        for entry in document.entries where secretEntries && entry.span.file == document.path && policy.isSecret(key: entry.key) {
            guard let range = entry.valueRange, !range.isEmpty else { continue }
            let tag = tag(entry.value.text)
            for piece in Self.linePieces(of: range, in: bytes) { replacements.append((piece, tag)) }
        }
        return redactURLCredentials(apply(replacements, to: bytes), encoding: document.source.encoding)
    }

    /// Redacts a file that could not be parsed: any `key = value` or `key: value` line whose key
    /// is secret, then URL credentials anywhere. Lines end at a line feed and at a lone carriage
    /// return too, whatever the format: a file that cannot be parsed is read the widest way, so
    /// a `password = …` after a bare CR is redacted as well.
    public func redact(unparsed source: SourceText) -> [UInt8] {
        var replacements: [(Range<Int>, String)] = []
        let bytes = source.bytes
        for line in LineBreaks.universal.lines(bytes) {
            guard let separator = bytes[line.content].firstIndex(where: { $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: ":") })
            else { continue }
            var key = source.string(line.start..<separator).trimmingCharacters(in: .whitespaces)
            if key.hasPrefix("export ") { key = String(key.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            key = key.trimmingCharacters(in: CharacterSet(charactersIn: "-\"'"))
            guard !key.isEmpty, policy.isSecret(key: key) else { continue }
            var valueStart = separator + 1
            while valueStart < line.contentEnd, bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09 { valueStart += 1 }
            var valueEnd = line.contentEnd
            while valueEnd > valueStart, [0x20, 0x09, 0x0D].contains(bytes[valueEnd - 1]) { valueEnd -= 1 }
            guard valueEnd > valueStart else { continue }
            replacements.append((valueStart..<valueEnd, tag(source.string(valueStart..<valueEnd))))
        }
        return redactURLCredentials(apply(replacements, to: bytes), encoding: source.encoding)
    }

    /// The parts of a value range that hold text: the first line from the value's start, then
    /// each continuation line without its indentation.
    static func linePieces(of range: Range<Int>, in bytes: [UInt8]) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        var start = range.lowerBound
        var index = start
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D {
                if index > start { pieces.append(start..<index) }
                index += 1
                while index < range.upperBound, [0x0A, 0x0D, 0x20, 0x09].contains(bytes[index]) { index += 1 }
                start = index
            } else {
                index += 1
            }
        }
        if range.upperBound > start { pieces.append(start..<range.upperBound) }
        return pieces
    }

    private func apply(_ replacements: [(Range<Int>, String)], to bytes: [UInt8]) -> [UInt8] {
        guard !replacements.isEmpty else { return bytes }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var cursor = 0
        for (range, text) in replacements.sorted(by: { $0.0.lowerBound < $1.0.lowerBound }) where range.lowerBound >= cursor {
            result += bytes[cursor..<range.lowerBound]
            result += Array(text.utf8)
            cursor = range.upperBound
        }
        result += bytes[cursor...]
        return result
    }

    private func redactURLCredentials(_ bytes: [UInt8], encoding: SourceText.Encoding) -> [UInt8] {
        // Cheap pre-check: URLs with credentials need "://" and "@".
        guard bytes.contains(UInt8(ascii: "@")) else { return bytes }
        let source = SourceText(bytes: bytes, encoding: encoding)
        let text = source.text
        guard text.contains("://") else { return bytes }
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
        switch encoding {
        case .utf8: return Array(result.utf8)
        case .latin1: return result.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        }
    }
}
