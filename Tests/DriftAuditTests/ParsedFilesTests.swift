@testable import DriftAudit
import DriftCore
import DriftParsing
import DriftRules
import Foundation
import Testing

/// A file many hosts share is parsed once per run (a large one from the first host, a small one
/// from the second); a content one host holds, and formats with includes, as before.
@Suite struct ParsedFilesTests {
    static let policy = SecretPolicy(keyPatterns: ["*password*"])

    static func hostsFile(_ nodes: Int, extra: String = "") -> [UInt8] {
        Array(("127.0.0.1 localhost\n" + (1...nodes).map { "10.1.\($0 / 250).\($0 % 250) compute\($0)\n" }.joined() + extra).utf8)
    }

    static func parse(_ bytes: [UInt8], path: String, format: ConfigFormat, count: inout Int) -> ParsedFiles.Parsed {
        count += 1
        let document = try? DocumentParser.parse(bytes, path: path, format: format, secrets: policy)
        return ParsedFiles.Parsed(outcome: document.map { .parsed($0) } ?? .unreadable("unparseable"), redacted: bytes)
    }

    @Test func aLargeSharedFileIsParsedOnceAndGivesTheSameDocument() throws {
        let files = ParsedFiles()
        let shared = Self.hostsFile(2_000)
        #expect(shared.count >= ParsedFiles.largeSize)
        var parses = 0
        var documents: [ConfigDocument] = []
        for _ in 0..<3 {
            let parsed = files.parsed(path: "/etc/hosts", format: .hosts, bytes: shared, digests: ContentDigests()) {
                Self.parse(shared, path: "/etc/hosts", format: .hosts, count: &parses)
            }
            guard case .parsed(let document) = parsed.outcome else { Issue.record("not parsed"); return }
            documents.append(document)
            // The store names the redacted content by this hash, so each host need not hash it again.
            #expect(parsed.redactedHash == Digest.sha256Hex(parsed.redacted))
        }
        #expect(parses == 1)
        let fresh = try DocumentParser.parse(shared, path: "/etc/hosts", format: .hosts, secrets: Self.policy)
        #expect(documents.allSatisfy { $0.entries == fresh.entries && $0.render() == fresh.render() })

        // Other bytes, or the same bytes at another path, are parsed for themselves.
        let other = Self.hostsFile(2_000, extra: "10.9.9.9 extra\n")
        _ = files.parsed(path: "/etc/hosts", format: .hosts, bytes: other, digests: ContentDigests()) { Self.parse(other, path: "/etc/hosts", format: .hosts, count: &parses) }
        _ = files.parsed(path: "/srv/hosts", format: .hosts, bytes: shared, digests: ContentDigests()) { Self.parse(shared, path: "/srv/hosts", format: .hosts, count: &parses) }
        #expect(parses == 3)
    }

    @Test func aSmallFileIsSharedFromItsSecondHostOn() throws {
        let files = ParsedFiles()
        var parses = 0
        let small = Self.hostsFile(10)
        #expect(small.count < ParsedFiles.largeSize)
        var hashes: [String?] = []
        var documents: [ConfigDocument] = []
        for _ in 0..<4 {
            let parsed = files.parsed(path: "/etc/hosts", format: .hosts, bytes: small, digests: ContentDigests()) {
                Self.parse(small, path: "/etc/hosts", format: .hosts, count: &parses)
            }
            hashes.append(parsed.redactedHash)
            guard case .parsed(let document) = parsed.outcome else { Issue.record("not parsed"); return }
            documents.append(document)
        }
        #expect(parses == 2, "the first host's parse is its own; the second's is kept for the others")
        // Only a shared parse carries the content's digest and its redacted hash.
        #expect(hashes[0] == nil && documents[0].sharedDigest == nil)
        #expect(hashes[1...].allSatisfy { $0 == Digest.sha256Hex(small) })
        #expect(documents[1...].allSatisfy { $0.sharedDigest == Digest.sha256(small) })
        #expect(documents.allSatisfy { $0.entries == documents[0].entries })

        // A content each host holds alone is parsed for each.
        for index in 0..<3 {
            let own = Self.hostsFile(10, extra: "10.9.9.\(index) compute-own\n")
            let parsed = files.parsed(path: "/etc/hosts", format: .hosts, bytes: own, digests: ContentDigests()) {
                Self.parse(own, path: "/etc/hosts", format: .hosts, count: &parses)
            }
            #expect(parsed.redactedHash == nil)
        }
        #expect(parses == 5)
    }

    @Test func formatsWithIncludesAreAlwaysParsed() {
        let files = ParsedFiles()
        var parses = 0
        let mysql = Array(("[mysqld]\n" + String(repeating: "# padding line for a large option file\n", count: 600)).utf8)
        #expect(mysql.count >= ParsedFiles.largeSize)
        for _ in 0..<3 {
            let parsedMySQL = files.parsed(path: "/etc/mysql/my.cnf", format: .mysql, bytes: mysql, digests: ContentDigests()) {
                Self.parse(mysql, path: "/etc/mysql/my.cnf", format: .mysql, count: &parses)
            }
            // Parsed for one host: the store hashes the content itself.
            #expect(parsedMySQL.redactedHash == nil)
        }
        #expect(parses == 3, "an include's target may differ from host to host")
    }

    @Test func whatIsKeptIsBounded() {
        let files = ParsedFiles()
        var parses = 0
        let nodes = 2_000
        let size = Self.hostsFile(nodes).count
        let fits = ParsedFiles.capacity / (size * ParsedFiles.costPerByte)
        // More distinct large files than fit: the first ones are kept, the others parsed each time.
        let contents = (0...(fits + 1)).map { Self.hostsFile(nodes, extra: "10.9.9.\($0) extra\($0)\n") }
        for _ in 0..<2 {
            for bytes in contents {
                _ = files.parsed(path: "/etc/hosts", format: .hosts, bytes: bytes, digests: ContentDigests()) { Self.parse(bytes, path: "/etc/hosts", format: .hosts, count: &parses) }
            }
        }
        #expect(parses == contents.count + (contents.count - fits))
    }
}
