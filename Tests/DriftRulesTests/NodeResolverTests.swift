import DriftCore
import DriftParsing
@testable import DriftRules
import Testing

/// A node's resolver reads its /etc/hosts through the document's key index; it must resolve
/// every spelling as glibc reads every line (first line wins, case and one trailing dot
/// ignored), whether or not the parser indexed the document.
@Suite struct NodeResolverTests {
    @Test func theIndexedHostsFileResolvesAsEveryLineRead() throws {
        let inventory = try Inventory.parse("""
            architecture: neutron
            hosts:
              - {name: controller, roles: [controller], vars: {management_ip: 10.0.0.11}}
              - {name: compute1, roles: [compute], vars: {management_ip: 10.0.0.31}}
            """, file: "/srv/inventory.yaml", baseDirectory: "/srv")
        let text = """
            127.0.0.1 localhost
            10.0.0.11 Controller controller.example.
            10.0.0.99 controller
            10.0.0.12 db. DB
            10.0.0.31 compute1
            10.0.0.13 dotted..
            """
        let indexed = try DocumentParser.parse(text: text + "\n", path: "/etc/hosts", format: .hosts, secrets: SecretPolicy(keyPatterns: []))
        var plain = indexed
        plain.entries = indexed.entries
        #expect(indexed.keyIndex != nil && plain.keyIndex == nil)
        let directory = FleetDirectory(inventory: inventory)
        let host = inventory.hosts[1]
        let fast = NodeResolver(host: host, hostsFile: indexed, directory: directory)
        let slow = NodeResolver(host: host, hostsFile: plain, directory: directory)
        #expect(fast.ownAddresses == slow.ownAddresses && fast.ownAddresses == ["10.0.0.31"])
        for spelling in ["controller", "CONTROLLER", "controller.", "controller.example", "controller.example.", "db", "db.",
                         "DB", "dotted", "dotted.", "dotted..", "compute1", "localhost", "nowhere", "10.0.0.11", " controller "] {
            #expect(fast.resolve(spelling) == slow.resolve(spelling), "\(spelling)")
            // glibc's reading: the first line with a name equal to it, ignoring case and one trailing dot.
            let name = NodeResolver.canonicalName(spelling)
            if NodeResolver.canonicalAddress(spelling) == nil,
               let line = plain.entries.first(where: { NodeResolver.canonicalName($0.key) == name }) {
                #expect(fast.resolve(spelling)?.via == .hostsFile(line: line.line), "\(spelling)")
                #expect(fast.resolve(spelling)?.address == NodeResolver.canonicalAddress(line.value.text), "\(spelling)")
            } else {
                #expect(fast.resolve(spelling).map { if case .hostsFile = $0.via { return true } else { return false } } != true,
                        "\(spelling) is on no line")
            }
        }
        #expect(fast.resolve("controller")?.via == .hostsFile(line: 2), "the first line naming it")
        #expect(fast.resolve("db")?.address == "10.0.0.12")
    }
}
