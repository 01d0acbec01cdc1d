import DriftTestSupport
import Foundation
import Testing

/// The nightly examples the package ships (Packaging/examples) and what the README shows of
/// them are one thing: every line the README quotes is a line of the shipped file.
@Suite struct NightlyExamplesTests {
    static let root = ExternalProgram.packageRoot

    /// The fenced blocks following the paragraph that starts with `lead`, up to the next paragraph of prose.
    static func blocks(after lead: String, in readme: String) -> [[String]] {
        guard let start = readme.range(of: lead) else { return [] }
        var blocks: [[String]] = [], current: [String]?
        for line in readme[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            if line.hasPrefix("```") {
                if let block = current { blocks.append(block); current = nil } else { current = [] }
            } else if current != nil {
                current!.append(String(line))
            } else if !line.isEmpty, !blocks.isEmpty || line.hasPrefix("**") {
                break
            }
        }
        return blocks
    }

    func lines(of example: String) throws -> Set<String> {
        Set(try String(contentsOfFile: Self.root + "/Packaging/examples/" + example, encoding: .utf8)
            .split(separator: "\n").map(String.init))
    }

    @Test func theREADMEQuotesTheShippedCronFileAndUnits() throws {
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        let cron = Self.blocks(after: "**Nightly, from cron**", in: readme)
        let systemd = Self.blocks(after: "**Or a systemd timer**", in: readme)
        try #require(cron.count == 1 && systemd.count == 2, "README blocks: \(cron.count) cron, \(systemd.count) systemd")
        let shipped = (cron: try lines(of: "stackdrift.cron"),
                       units: try lines(of: "stackdrift.service").union(try lines(of: "stackdrift.timer")))
        for line in cron[0] where !line.isEmpty { #expect(shipped.cron.contains(line), "not in stackdrift.cron: \(line)") }
        for line in systemd.joined() where !line.isEmpty { #expect(shipped.units.contains(line), "not in the units: \(line)") }
        #expect(cron[0].contains { $0.contains("/usr/bin/stackdrift audit") }, "the packaged binary's path")
    }

    /// The example inventory is a valid one (checked by the real binary, as an operator would).
    @Test func theExampleFleetIsAValidInventory() throws {
        let result = try CLI.run(["inventory", "show", Self.root + "/Packaging/examples/fleet.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("3 hosts, neutron networking"))
        #expect(result.stdout.contains("transport: ssh stackdrift@10.0.0.31, sudo -n /bin/cat"))
    }
}
