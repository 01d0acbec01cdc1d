import DriftCore
import DriftParsing

/// Files parsed during one run, by path, format and content: a large file that many hosts
/// share (an `/etc/hosts` listing every node, on every node, as the guide asks) is parsed and
/// redacted once, not once per host. Parsing a file depends on nothing else for formats
/// without includes, so the same bytes at the same path give the same document.
///
/// Small files are parsed afresh (hashing and sharing them costs more than parsing), and what
/// is kept is bounded (`capacity`): a fleet whose large files all differ keeps the first few
/// and parses the rest as before.
final class ParsedFiles: Sendable {
    /// Files smaller than this are not kept.
    static let minimumSize = 16 << 10
    /// Roughly the memory kept: a document costs some multiple of its bytes (entries, index).
    static let capacity = 64 << 20
    static let costPerByte = 8

    /// What parsing and redacting a file gave.
    struct Parsed: Sendable {
        enum Outcome: Sendable {
            case parsed(ConfigDocument)
            case unparseable(Diagnostic)
            case unreadable(String)
        }

        var outcome: Outcome
        var redacted: [UInt8]
        /// The SHA-256 of `redacted`, in hex, made once when the parse is shared among hosts: the
        /// store names the content by it, and hashing a fleet-wide /etc/hosts again on every host
        /// was half the hashing of such a night. `nil` for a file parsed for one host.
        var redactedHash: String?
    }

    private struct Key: Hashable {
        var path: String
        var format: ConfigFormat
        var digest: [UInt8]
    }

    private let kept = BoundedMemo<Key, Parsed>(capacity: ParsedFiles.capacity)

    /// `parse`'s result for these bytes, made once per run when the file is large and its
    /// format has no includes.
    func parsed(path: String, format: ConfigFormat, bytes: [UInt8], digests: ContentDigests, parse: () -> Parsed) -> Parsed {
        guard bytes.count >= Self.minimumSize, format.details.includes == nil else { return parse() }
        let key = Key(path: path, format: format, digest: digests.of(path, bytes))
        return kept.value(for: key, cost: { _ in bytes.count * Self.costPerByte }) {
            var parsed = parse()
            if case .parsed(var document) = parsed.outcome {
                document.sharedDigest = key.digest
                parsed.outcome = .parsed(document)
            }
            parsed.redactedHash = Digest.sha256Hex(parsed.redacted)
            return parsed
        }
    }
}

/// The SHA-256 of each file one host's collection holds, made at most once: the host's reuse
/// key and the run's shared parses both name a file's content by it (at 10,000 nodes with
/// full hosts files, four gigabytes to hash). Used by the one worker judging the host.
final class ContentDigests {
    private var digests: [String: [UInt8]] = [:]

    func of(_ path: String, _ bytes: [UInt8]) -> [UInt8] {
        if let known = digests[path] { return known }
        let digest = Digest.sha256(bytes)
        digests[path] = digest
        return digest
    }
}
