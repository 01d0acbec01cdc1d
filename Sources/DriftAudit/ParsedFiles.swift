import DriftCore
import DriftParsing
import Synchronization

/// Files parsed during one run, by path, format and content: a file that many hosts share
/// (an `/etc/hosts` listing every node, on every node, as the guide asks; the same
/// `neutron.conf` on every compute) is parsed and redacted once, not once per host. Parsing a
/// file depends on nothing else for formats without includes, so the same bytes at the same
/// path give the same document.
///
/// A large file is kept the first time it is seen. A small one is kept from its second sighting
/// on: a content only one host holds (a `nova.conf` with the node's own address) is parsed for
/// that host as before, and sharing it would only fill the memory kept. Contents are named by
/// the SHA-256 the host's reuse key needs anyway (`ContentDigests`). What is kept is bounded
/// (`capacity`, and the number of sightings remembered): past it, files are parsed afresh.
/// A shared document carries its digest (`ConfigDocument.sharedDigest`), by which the engine
/// answers once per content what depends only on it (`RuleEngine.sharedScans`, shared outcomes).
final class ParsedFiles: Sendable {
    /// Files at least this large are kept on first sight; smaller ones on their second.
    static let largeSize = 16 << 10
    /// Small contents seen once, remembered at most (a digest, a path and a format each).
    static let sightingCapacity = 1 << 18
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
    /// Small contents seen once so far.
    private let sightings = Mutex(Set<Key>())
    /// Off, every file is parsed for its host alone (to show that sharing changes no output).
    private let sharing: Bool

    init(sharing: Bool = true) {
        self.sharing = sharing
    }

    /// `parse`'s result for these bytes, made once per run for a content more than one host
    /// holds (or a large one) when its format has no includes.
    func parsed(path: String, format: ConfigFormat, bytes: [UInt8], digests: ContentDigests, parse: () -> Parsed) -> Parsed {
        guard sharing, format.details.includes == nil else { return parse() }
        let key = Key(path: path, format: format, digest: digests.of(path, bytes))
        if let shared = kept.known(key) { return shared }
        if bytes.count < Self.largeSize, !sightedBefore(key) { return parse() }
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

    /// Whether this small content was seen before; remembers it otherwise, within the bound.
    private func sightedBefore(_ key: Key) -> Bool {
        sightings.withLock { seen in
            if seen.remove(key) != nil { return true }
            if seen.count < Self.sightingCapacity { seen.insert(key) }
            return false
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
