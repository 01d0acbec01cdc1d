import DriftAudit
import DriftCore
import DriftRules
import DriftTestSupport
import DriftTransport
import Foundation
import Testing

/// Issue 14: a node holding two roles gets the rules of both, minus those written for the
/// *other* nodes of a role; a node built as the guide says for both roles has no drift.
///
/// Each pair's node is the demo's guide-conforming trees of the two roles merged the way an
/// operator would set the node up: files of one role only are copied; a file both roles
/// write keeps every key of each, and where both set a key, the role whose service reads it
/// decides (the later role in the guide's order: the compute node's vncserver_listen, the proxy's
/// memcached address, which the dashboard's cache then follows); the node's own addresses are
/// the first role's; the controller keeps its own NTP servers.
@Suite struct RoleCompositionTests {
    static let trees = DemoFleet.root + "/trees"

    /// The demo host built for each role alone, with its variables.
    static let hosts: [Role: (name: String, vars: [String: String])] = [
        .controller: ("controller", ["management_ip": "10.0.0.11"]),
        .network: ("network", ["management_ip": "10.0.0.21", "tunnel_ip": "10.0.1.21"]),
        .compute: ("compute1", ["management_ip": "10.0.0.31", "tunnel_ip": "10.0.1.31"]),
        .blockStorage: ("block1", ["management_ip": "10.0.0.41"]),
        .objectStorage: ("object1", ["management_ip": "10.0.0.51", "storage_local_net_ip": "10.0.2.51"]),
        .objectProxy: ("proxy1", ["management_ip": "10.0.0.61", "proxy_local_net_ip": "10.0.2.61"]),
    ]

    /// The demo's deliberate drifts on these hosts, undone: the trees as the guide says.
    static let fixes: [String: [(path: String, drift: String, guide: String)]] = [
        "controller": [("etc/nova/nova.conf", "neutron_admin_password = NEUTRON_PASS", "neutron_admin_password = 9a3c7e1f5b2d"),
                       ("etc/cinder/cinder.conf", "rabbit_password = a8c2e6f0b4d9", "rabbit_password = 7d1e5c9a3b2f")],
        "network": [("etc/neutron/plugins/ml2/ml2_conf.ini", "enable_security_group = False", "enable_security_group = True")],
        "block1": [("etc/lvm/lvm.conf", "\"a/sdc/\" ]", "\"a/sdc/\", \"r/.*/\" ]")],
    ]

    static let pairs: [(Role, Role)] = {
        var pairs: [(Role, Role)] = []
        for (index, first) in Role.allCases.enumerated() {
            for second in Role.allCases[(index + 1)...] { pairs.append((first, second)) }
        }
        return pairs
    }()

    @Test(arguments: RoleCompositionTests.pairs)
    func aNodeBuiltAsTheGuideSaysForBothRolesHasNoDrift(_ first: Role, _ second: Role) throws {
        let node = try Self.node(first, second)
        let findings = try Self.audit(node, roles: [first, second])
        let bad = findings.filter { $0.status == .fail || $0.status == .error }
        #expect(bad.isEmpty, "\(bad.map { "\($0.rule): \($0.message)" }.joined(separator: "\n"))")
        #expect(findings.filter { $0.status == .pass }.count > 15)
        // The NTP step is for the nodes other than the controller.
        let ntp = findings.filter { $0.rule == "ntp.server.controller" }
        #expect(ntp.isEmpty == [first, second].contains(.controller))
    }

    @Test(arguments: RoleCompositionTests.pairs)
    func itsTwinWithDriftFails(_ first: Role, _ second: Role) throws {
        let node = try Self.node(first, second)
        // A node other than the controller that keeps Debian's outside servers drifts; the
        // controller keeps them by design. Every node with Debian's 127.0.1.1 line drifts.
        let pool = "server 0.debian.pool.ntp.org iburst\n"
        try node.directory.write("node/etc/ntp.conf", pool)
        let hosts = try String(contentsOfFile: node.root + "/etc/hosts", encoding: .utf8)
        try node.directory.write("node/etc/hosts", "127.0.1.1\t\(node.name)\n" + hosts)
        let failing = Set(try Self.audit(node, roles: [first, second]).filter { $0.status == .fail }.map(\.rule))
        let controller = [first, second].contains(.controller)
        #expect(failing.contains("hosts.no-127.0.1.1"), "\(failing)")
        #expect(failing.contains("ntp.server.controller") == !controller, "\(failing)")
    }

    // MARK: Building the node

    struct Node {
        let directory: TemporaryDirectory
        let name: String
        let vars: [String: String]
        var root: String { directory.path + "/node" }
    }

    static func node(_ first: Role, _ second: Role) throws -> Node {
        let a = hosts[first]!, b = hosts[second]!
        let directory = try TemporaryDirectory(prefix: "roles")
        var filesA = try files(of: a.name), filesB = try files(of: b.name)
        // B's files name B's own addresses; on the shared node they are A's.
        for (name, value) in b.vars {
            guard let own = a.vars[name], own != value else { continue }
            for path in filesB.keys { filesB[path] = filesB[path]!.replacingOccurrences(of: value, with: own) }
        }
        for (path, text) in filesB {
            guard let mine = filesA[path] else { filesA[path] = text; continue }
            switch path {
            case "etc/ntp.conf": filesA[path] = first == .controller ? mine : text
            case "etc/hosts", "proc/cpuinfo": continue
            case "etc/sysctl.conf": filesA[path] = mine + text
            case _ where path.hasSuffix(".conf") || path.hasSuffix(".ini"):
                filesA[path] = path == "etc/memcached.conf" ? text : mergeINI(mine, text)
            default: filesA[path] = text
            }
        }
        // The dashboard's cache follows memcached when the proxy moved it off loopback.
        if let memcached = filesA["etc/memcached.conf"], let settings = filesA["etc/openstack-dashboard/local_settings.py"],
           let listen = memcached.split(separator: "\n").first(where: { $0.hasPrefix("-l ") })?.dropFirst(3) {
            filesA["etc/openstack-dashboard/local_settings.py"] = settings.replacingOccurrences(
                of: "'LOCATION': '127.0.0.1:11211'", with: "'LOCATION': '\(listen):11211'")
        }
        for (path, text) in filesA { try directory.write("node/" + path, text) }
        return Node(directory: directory, name: a.name, vars: b.vars.merging(a.vars) { _, mine in mine })
    }

    /// A demo host's files, relative to its root, with the demo's drifts undone.
    static func files(of host: String) throws -> [String: String] {
        let root = trees + "/" + host
        var files: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue
            else { continue }
            files[path] = try String(contentsOfFile: root + "/" + path, encoding: .utf8)
        }
        for fix in fixes[host] ?? [] {
            let text = try #require(files[fix.path])
            #expect(text.contains(fix.drift), "the demo's drift in \(host):\(fix.path) moved")
            files[fix.path] = text.replacingOccurrences(of: fix.drift, with: fix.guide)
        }
        return files
    }

    /// Both files' keys, section by section; where both set a key, the second's lines win
    /// (every line of a multi-valued key). Comments are not kept.
    static func mergeINI(_ first: String, _ second: String) -> String {
        typealias Sections = [(name: String, keys: [(key: String, lines: [String])])]
        func parse(_ text: String) -> Sections {
            var sections: Sections = [("", [])]
            var section = 0
            for raw in text.split(separator: "\n") {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
                if line.hasPrefix("[") {
                    if let existing = sections.firstIndex(where: { $0.name == line }) {
                        section = existing
                    } else {
                        sections.append((line, []))
                        section = sections.count - 1
                    }
                    continue
                }
                let key = String(line.split(separator: "=", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces)
                if let index = sections[section].keys.firstIndex(where: { $0.key == key }) {
                    sections[section].keys[index].lines.append(line)
                } else {
                    sections[section].keys.append((key, [line]))
                }
            }
            return sections
        }
        var merged = parse(first)
        for section in parse(second) {
            guard let index = merged.firstIndex(where: { $0.name == section.name }) else { merged.append(section); continue }
            for entry in section.keys {
                if let existing = merged[index].keys.firstIndex(where: { $0.key == entry.key }) {
                    merged[index].keys[existing].lines = entry.lines
                } else {
                    merged[index].keys.append(entry)
                }
            }
        }
        return merged.map { section in
            (section.name.isEmpty ? [] : [section.name]) + section.keys.flatMap(\.lines)
        }.flatMap { $0 }.joined(separator: "\n") + "\n"
    }

    static func audit(_ node: Node, roles: [Role]) throws -> [Finding] {
        let vars = node.vars.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        let inventory = try Inventory.parse("""
        architecture: neutron
        vars: {controller: controller, controller_ip: 10.0.0.11}
        hosts:
          - {name: \(node.name), transport: local, root: \(node.root), roles: [\(roles.map(\.rawValue).joined(separator: ", "))],
             vars: {\(vars)}}
        """, file: "inventory.yaml", baseDirectory: "/")
        let auditor = Auditor(inventory: inventory, ruleSet: try RuleSet.load(directories: [try BuiltinRules.directory()]),
                              collector: Collector(transports: Auditor.defaultTransports(), jobs: 1))
        return try auditor.scratchRun().findings
    }
}
