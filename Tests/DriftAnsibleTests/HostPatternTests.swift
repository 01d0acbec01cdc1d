@testable import DriftAnsible
import Testing

@Suite struct HostPatternTests {
    @Test func expandsTheDocumentedRanges() throws {
        #expect(try HostPattern.expand("compute[01:03]") == ["compute01", "compute02", "compute03"])
        #expect(try HostPattern.expand("db-[a:c]") == ["db-a", "db-b", "db-c"])
        #expect(try HostPattern.expand("node[0:20:10]") == ["node0", "node10", "node20"])
        #expect(try HostPattern.expand("r[1:2]n[a:b]") == ["r1na", "r1nb", "r2na", "r2nb"])
        #expect(try HostPattern.expand("plain") == ["plain"])
        // Ansible's quirks, kept: an empty start is 0; letters run a-z then A-Z; a start of
        // several letters is found as a substring of them.
        #expect(try HostPattern.expand("h[:2]") == ["h0", "h1", "h2"])
        #expect(try HostPattern.expand("h[y:B]") == ["hy", "hz", "hA", "hB"])
        #expect(try HostPattern.expand("h[bc:d]") == ["hb", "hc", "hd"])
    }

    @Test func refusesWhatAnsibleRefuses() {
        for pattern in ["h[1:2:3:4]", "h[1:]", "h[01:100]", "h[c:a]", "h[1:x]", "h[1:3:0]", "h[1:3"] {
            #expect(throws: HostPattern.Failure.self, "\(pattern)") { try HostPattern.expand(pattern) }
        }
    }

    @Test func splitsAPortOffAsParseAddressDoes() {
        #expect(HostPattern.splitPort("node1:2222") == ("node1", 2222))
        #expect(HostPattern.splitPort("node[01:03]:2222") == ("node[01:03]", 2222))
        #expect(HostPattern.splitPort("[fe80::1]:22") == ("fe80::1", 22))
        #expect(HostPattern.splitPort("node[01:03]") == ("node[01:03]", nil))
        #expect(HostPattern.splitPort("fe80::1") == ("fe80::1", nil))
    }

    /// A 10,000-host range is expanded whole; a range past the bound is refused before it is built.
    @Test func largeRangesAreBounded() throws {
        let names = try HostPattern.expand("compute[00001:10000]")
        #expect(names.count == 10_000)
        #expect(names.first == "compute00001" && names.last == "compute10000")
        #expect(throws: HostPattern.Failure.self) { try HostPattern.expand("h[0:999999999999]") }
        #expect(throws: HostPattern.Failure.self) { try HostPattern.expand("h[0:999]x[0:999]") }
    }

    /// Every pattern here, expanded by ansible-core itself: the same names, or an error on both sides.
    @Test func matchesAnsiblesOwnExpansion() throws {
        guard RealAnsible.available() else { return }
        let patterns = [
            "compute[01:20]", "db-[a:f]", "node[0:90:10]", "x[1:3]y[a:b]", "h[:3]", "h[08:10]", "h[ab:c]", "h[y:B]",
            "h[5:1:-1]", "h[-2:2]", "h[1:10:3]-tail", "h[a:z:5]", "h[0:3]]x", "h[1:2:3:4]", "h[1:]", "h[01:100]",
            "h[c:a]", "h[1:x]", "h[1:3:0]", "h[a:c:-1]", "h[+1:3]", "h[1_0:12]", "plain.example.org",
        ]
        let expected = try RealAnsible.expand(patterns)
        for (pattern, ansible) in zip(patterns, expected) {
            let ours = try? HostPattern.expand(pattern)
            #expect(ours == ansible, "\(pattern): ours \(String(describing: ours)), Ansible's \(String(describing: ansible))")
        }
    }
}
