import Foundation

/// Replaces secret values in a file with keyed tags before the file is stored.
///
/// A tag is `<redacted:` + the first 12 hex digits of HMAC-SHA-256(key, value) + `>`:
/// a changed secret gets a new tag, two equal secrets get the same tag (so
/// "nova and neutron use the same RabbitMQ password" stays answerable), and
/// without the key a tag cannot be checked against guessed passwords. Line
/// structure is kept, so line diffs between stored runs stay meaningful.
package struct Redactor: Sendable {
    package let policy: SecretPolicy
    package let key: [UInt8]

    package init(policy: SecretPolicy, key: [UInt8]) {
        self.policy = policy
        self.key = key
    }

    /// Whether text holds a redaction tag: a stored line that differs from the file on the host,
    /// so never context or a removed line of a patch.
    package static func holdsTag(_ text: String) -> Bool { text.contains("<redacted:") }

    package func tag(_ secret: String) -> String {
        "<redacted:" + Digest.hex(Digest.hmacSHA256(key: key, Array(secret.utf8))).prefix(12) + ">"
    }

    /// Redacts a parsed file: the values of its secret entries (continuation lines included),
    /// then whatever else `SecretScanner` finds (commented-out secrets, lines the parser set
    /// aside, assignments nested in other values) and URL credentials anywhere. `secretEntries:
    /// false` is for a format whose entries cannot hold a secret (`/etc/hosts`, sysctl: their keys
    /// are addresses and kernel names), whose thousands of lines then cost no key lookups.
    package func redact(_ document: ConfigDocument, secretEntries: Bool = true) -> [UInt8] {
        var replacements: [(Range<Int>, String)] = []
        let bytes = document.source.bytes
        for entry in document.entries where secretEntries && entry.span.file == document.path
            && policy.isSecret(format: document.format, section: entry.section, key: entry.key) {
            guard let range = entry.valueRange, !range.isEmpty else { continue }
            let tag = tag(entry.value.text)
            for piece in Self.linePieces(of: range, in: bytes) { replacements.append((piece, tag)) }
        }
        // Then what no entry vouches for: comments, lines set aside, and secrets nested in the
        // values of keys that are not secret (a connection string's `?password=`). Ranges the
        // entries already cover are dropped in `apply`, so their tags stay the entries' own.
        for range in SecretScanner(policy: policy).secretRanges(in: bytes) {
            replacements.append((range, tag(document.source.string(range))))
        }
        return redactURLCredentials(apply(replacements, to: bytes), encoding: document.source.encoding)
    }

    /// Redacts a file that could not be parsed: every secret `SecretScanner` finds, which reads
    /// the widest way (lines end at a lone carriage return too, assignments anywhere on a line,
    /// comments, continuation lines and triple-quoted strings), then URL credentials anywhere.
    package func redact(unparsed source: SourceText) -> [UInt8] {
        let ranges = SecretScanner(policy: policy).secretRanges(in: source.bytes)
        let replacements = ranges.map { ($0, tag(source.string($0))) }
        return apply(replacements, to: source.bytes)
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

    /// Replaces each range by its text; ranges overlapping one before them are joined to it
    /// (the whole joined run tagged), so no byte of either is left showing.
    private func apply(_ replacements: [(Range<Int>, String)], to bytes: [UInt8]) -> [UInt8] {
        guard !replacements.isEmpty else { return bytes }
        var runs: [(Range<Int>, String)] = []
        // Stable: of two ranges starting together the one given first (an entry's) is kept.
        let ordered = replacements.enumerated().sorted { ($0.element.0.lowerBound, $0.offset) < ($1.element.0.lowerBound, $1.offset) }
        for (range, text) in ordered.map(\.element) where !range.isEmpty {
            if let last = runs.last, range.lowerBound < last.0.upperBound {
                guard range.upperBound > last.0.upperBound else { continue }
                let joined = last.0.lowerBound..<range.upperBound
                runs[runs.count - 1] = (joined, tag(String(decoding: bytes[joined], as: UTF8.self)))
            } else {
                runs.append((range, text))
            }
        }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var cursor = 0
        for (range, text) in runs {
            result += bytes[cursor..<range.lowerBound]
            result += Array(text.utf8)
            cursor = range.upperBound
        }
        result += bytes[cursor...]
        return result
    }

    /// URL credentials anywhere in already-redacted bytes (a tag holds no `://`, so tags are kept).
    private func redactURLCredentials(_ bytes: [UInt8], encoding: SourceText.Encoding) -> [UInt8] {
        let ranges = SecretScanner(policy: policy).urlCredentialRanges(in: bytes)
        guard !ranges.isEmpty else { return bytes }
        let source = SourceText(bytes: bytes, encoding: encoding)
        return apply(ranges.map { ($0, tag(source.string($0))) }, to: bytes)
    }
}
