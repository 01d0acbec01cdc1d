import DriftCore
import DriftParsing
@testable import DriftRules
import DriftTestSupport
import Testing

/// A document the run shares among hosts (`ConfigDocument.sharedDigest`) has its whole-file
/// scans (the name check, `none-equal` over every key, the placeholder scan) made once per
/// content: every host must still get exactly the findings its own copy gives.
@Suite struct SharedDocumentTests {
    static let nodes = 300

    /// An /etc/hosts listing the fleet, with drift: Debian's 127.0.1.1 line, one node at a
    /// wrong address and one left out.
    static func hostsFile(variant: Int) -> String {
        var lines = ["127.0.0.1 localhost", "127.0.1.1 compute\(variant)"]
        for node in 0..<nodes where node != 7 + variant {
            lines.append("\(node == 3 ? "10.0.9.9" : "10.0.\(node / 200).\(node % 200 + 1)") compute\(node)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A long sysctl.conf (a format holding no secret) with one value still a guide placeholder.
    static func sysctlFile(variant: Int) -> String {
        (0..<nodes).map { line in "net.test.value\(line) = \(line == 40 + variant ? "RABBIT_PASS" : "\(line)")\n" }.joined()
    }

    static func fleet() -> [InventoryHost] {
        (0..<nodes).map { node in
            InventoryHost(name: "compute\(node)", roles: [.compute], services: [],
                          vars: ["management_ip": "10.0.\(node / 200).\(node % 200 + 1)"])
        }
    }

    /// Each host's findings, from its own copy of its file, or from one shared document per content.
    static func findings(shared: Bool, engine: RuleEngine, nameResolution: NameResolution) throws -> [[Finding]] {
        let hosts = fleet()
        let directory = FleetDirectory(hosts: hosts, nameResolution: nameResolution)
        let secrets = engine.ruleSet.secrets
        var documents: [String: ConfigDocument] = [:]
        return try hosts.enumerated().map { index, host in
            let variant = index % 2
            var files: [String: FileState] = [:]
            for (path, format, text) in [("/etc/hosts", ConfigFormat.hosts, hostsFile(variant: variant)),
                                         ("/etc/sysctl.conf", .sysctl, sysctlFile(variant: variant))] {
                var document: ConfigDocument
                if shared, let known = documents["\(path) \(variant)"] {
                    document = known
                } else {
                    document = try DocumentParser.parse(text: text, path: path, format: format, secrets: secrets)
                    if shared {
                        document.sharedDigest = Digest.sha256(Array(text.utf8))
                        documents["\(path) \(variant)"] = document
                    }
                }
                files[path] = .parsed(document)
            }
            let evidence = HostEvidence(host: host, files: files)
            return engine.evaluate(host: evidence, directory: directory).findings
        }
    }

    @Test(arguments: [NameResolution.hosts, .dns])
    func everyHostGetsTheFindingsOfItsOwnCopy(nameResolution: NameResolution) throws {
        let rules = try RuleSet.load(directories: [try BuiltinRules.directory()])
        let engine = RuleEngine(ruleSet: rules, architecture: .neutron)
        let own = try Self.findings(shared: false, engine: engine, nameResolution: nameResolution)
        // One engine for both: what it kept from unshared documents must not answer for shared ones.
        let shared = try Self.findings(shared: true, engine: engine, nameResolution: nameResolution)
        #expect(own.count == shared.count)
        let differing = own.indices.filter { own[$0] != shared[$0] }
        #expect(differing.isEmpty, "hosts whose findings differ with shared documents: \(differing.prefix(5).map { "compute\($0)" })")
        // The drift is found on every host, so the comparison compares something.
        let failing = Set(own[0].filter { $0.status == .fail }.map(\.rule))
        #expect(failing.isSuperset(of: ["hosts.no-127.0.1.1", "placeholders.any-file"]))
        if nameResolution == .hosts {
            #expect(own[0].contains { $0.rule == "hosts.names-resolve" && $0.status == .fail && $0.items == ["compute7"] })
            #expect(own[1].contains { $0.rule == "hosts.names-resolve" && $0.status == .fail && $0.items == ["compute8"] })
            #expect(own[1].contains { $0.rule == "hosts.names-resolve" && $0.key == "compute1" && $0.actual == "127.0.1.1" })
        }
        #expect(own[0].contains { $0.rule == "hosts.names-resolve" && $0.key == "compute3" && $0.actual == "10.0.9.9" })
        #expect(own[0].contains { $0.rule == "placeholders.any-file" && $0.key == "net.test.value40" })
        #expect(own[1].contains { $0.rule == "placeholders.any-file" && $0.key == "net.test.value41" })
    }

    @Test func changingTheEntriesForgetsTheSharedDigest() throws {
        var document = try DocumentParser.parse(text: "10.0.0.11 controller\n", path: "/etc/hosts", format: .hosts,
                                                secrets: SecretPolicy(keyPatterns: []))
        document.sharedDigest = [1, 2, 3]
        document.entries.removeAll()
        #expect(document.sharedDigest == nil)
    }
}
