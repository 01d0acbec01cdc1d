import DriftAudit
import DriftCore
import DriftDiff
import DriftRules
import DriftStore
import DriftTransport
import Foundation

// Two measurements of the snapshot history, in one run:
//
// 1. Line diffs: two 10,000-line files, mostly different and mostly equal, diffed by
//    stackdrift's LineDiff and by Swift's CollectionDifference on the raw lines (the
//    baseline); prints each time and the ratio.
// 2. A year of nightly audits: a 100-host fleet built from the demo trees (local
//    transport, real parsing, rules and SQLite), audited NIGHTS times into one database,
//    with 1% of the collected files changed before each night (half a comment added, half
//    a value changed). Prints the database size, the growth per night, and the growth of a
//    night where nothing changed, per host. With --postgresql URL (an empty database), the
//    same nights are audited into PostgreSQL too, each night into both, and the two compared:
//    size and audit time per night, and their ratio.
//
//   swift run -c release stackdrift-history-benchmark [--hosts 100] [--nights 365] [--seed 1] [--keep]
//       [--postgresql postgresql://USER@127.0.0.1:PORT/DB]

@main
enum HistoryBenchmark {
    static func main() throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else {
                return fallback
            }
            arguments.removeSubrange(index...(index + 1))
            return value
        }
        let hosts = option("--hosts", 100), nights = option("--nights", 365), seed = option("--seed", 1)
        let keep = arguments.contains("--keep")
        var postgresql: String?
        if let index = arguments.firstIndex(of: "--postgresql"), index + 1 < arguments.count { postgresql = arguments[index + 1] }
        diffBenchmark()
        try historyBenchmark(hosts: hosts, nights: nights, seed: UInt64(seed), keep: keep, postgresql: postgresql)
    }

    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now()
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    // MARK: 1. Diffs

    static func diffBenchmark() {
        print("== line diffs of two 10,000-line files")
        let old = (0..<10_000).map { "option_\($0) = value \($0 % 97)" }
        var similar = old
        for index in stride(from: 0, to: similar.count, by: 500) { similar[index] += " changed" }
        let different = (0..<10_000).map { index in index % 10 == 0 ? old[index] : "other_\(index) = \(index)" }
        for (name, new) in [("mostly equal (20 changed lines)", similar), ("mostly different (90% of lines)", different)] {
            var hunks = 0, baselineEdits = 0
            let ours = seconds { hunks = LineDiff.hunks(old: old, new: new).count }
            let baseline = seconds { baselineEdits = new.difference(from: old).count }
            print(String(format: "  %@: LineDiff %.4f s (%d hunks), CollectionDifference on lines %.4f s (%d edits), ratio %.1fx",
                         name, ours, hunks, baseline, baselineEdits, baseline / max(ours, 1e-9)))
        }
    }

    // MARK: 2. A year of nights

    static func historyBenchmark(hosts: Int, nights: Int, seed: UInt64, keep: Bool, postgresql: String?) throws {
        print("== \(nights) nightly audits of \(hosts) hosts, 1% of files changing each night")
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("stackdrift-history-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer {
            if keep { print("  kept the fleet and database in \(work)") } else { try? FileManager.default.removeItem(atPath: work) }
        }
        let fleet = try Fleet(demo: packageRoot + "/Examples/demo", into: work, hosts: hosts)
        let ruleSet = try RuleSet.load(directories: [packageRoot + "/Rules"])
        // The same fleet, the same nights, into each history: SQLite, and with --postgresql an
        // empty PostgreSQL database given the SQLite history's key (the same tags in both).
        var histories = [History(name: "sqlite", store: try SnapshotStore(path: work + "/history.db"))]
        if let postgresql {
            let store = try SnapshotStore.open(try StoreLocation(postgresql), keyFile: work + "/history.db.key", access: .write)
            guard try store.runs(limit: 1).isEmpty else {
                throw StoreError(.open, path: postgresql, operation: "benchmarking", "the database holds runs; give an empty one")
            }
            histories.append(History(name: "postgresql", store: store))
        }
        let collector = Collector(transports: Auditor.defaultTransports(), jobs: 8)
        let auditor = Auditor(inventory: fleet.inventory, ruleSet: ruleSet, collector: collector, toolVersion: "bench",
                              clock: { Date() })
        var random = SplitMix(state: seed)

        var changedFiles = 0
        for night in 0..<nights {
            if night > 0 { changedFiles += try fleet.change(percent: 1, night: night, random: &random) }
            for index in histories.indices {
                let store = histories[index].store
                histories[index].auditSeconds.append(seconds { _ = try? auditor.run(store: store, auditor: "bench") })
                histories[index].sizes.append(try store.storedBytes())
            }
            if night == 0 || (night + 1) % 73 == 0 || night == nights - 1 {
                print("  night \(String(format: "%3d", night + 1)): " + histories.map {
                    String(format: "%@ %8.2f MB", $0.name, Double($0.sizes.last!) / 1e6)
                }.joined(separator: ", "))
            }
        }
        print(String(format: "  %d files (first night, %d hosts); %d changed in all (%.1f per night)", fleet.fileCount, hosts,
                     changedFiles, Double(changedFiles) / Double(max(nights - 1, 1))))
        for var history in histories {
            let store = history.store
            // One more night with nothing changed.
            let before = try store.storedBytes()
            _ = try auditor.run(store: store, auditor: "bench")
            let unchangedNight = try store.storedBytes() - before
            let growth = zip(history.sizes.dropFirst(), history.sizes).map { Double($0 - $1) }.sorted()
            let mean = growth.reduce(0, +) / Double(max(growth.count, 1))
            let median = growth.isEmpty ? 0 : growth[growth.count / 2]
            history.auditSeconds.sort()
            print("  \(history.name):")
            print(String(format: "    first night %.2f MB; after %d nights %.2f MB", Double(history.sizes.first ?? 0) / 1e6, nights,
                         Double(history.sizes.last ?? 0) / 1e6))
            print(String(format: "    growth per night with 1%% of files changed: mean %.1f KB, median %.1f KB (%.0f bytes per host)",
                         mean / 1e3, median / 1e3, mean / Double(hosts)))
            print(String(format: "    a night with nothing changed: %.1f KB, %.0f bytes per host", Double(unchangedNight) / 1e3,
                         Double(unchangedNight) / Double(hosts)))
            for (kind, statistics) in try store.blobStatistics().sorted(by: { $0.key < $1.key }) {
                print(String(format: "    %@ blobs: %d, %.2f MB stored", kind, statistics.count, Double(statistics.bytes) / 1e6))
            }
            let times = history.auditSeconds
            print(String(format: "    audit time per night: median %.2f s, 90th percentile %.2f s, first night %.2f s; runs stored: %d",
                         times[times.count / 2], times[min(times.count - 1, times.count * 9 / 10)],
                         history.firstNightSeconds, try store.runs().count))
        }
        if histories.count == 2 {
            let (sqlite, postgresql) = (histories[0], histories[1])
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            print(String(format: "  postgresql / sqlite: audit time per night %.2fx, size after %d nights %.2fx",
                         median(postgresql.auditSeconds) / max(median(sqlite.auditSeconds), 1e-9), nights,
                         Double(postgresql.sizes.last ?? 0) / Double(max(sqlite.sizes.last ?? 1, 1))))
        }
    }
}

/// One history the nights are audited into, and what each night cost it.
struct History {
    var name: String
    var store: SnapshotStore
    var sizes: [Int64] = []
    var auditSeconds: [Double] = []
    var firstNightSeconds: Double { auditSeconds.first ?? 0 }
}

/// A fleet of local trees made from the demo fleet: the controller, the network node, and
/// compute nodes copied from compute1 with their own addresses.
struct Fleet {
    let inventory: Inventory
    let root: String
    /// Collected configuration files that may change (not /proc).
    let files: [String]
    var fileCount: Int { files.count }

    init(demo: String, into root: String, hosts count: Int) throws {
        self.root = root
        let manager = FileManager.default
        var yaml = "architecture: neutron\nvars: {controller: controller, controller_ip: 10.0.0.11}\ndefaults: {transport: local}\nhosts:\n"
        func copy(_ from: String, _ name: String, replacing: [(String, String)]) throws {
            let target = root + "/trees/" + name
            let enumerator = manager.enumerator(atPath: demo + "/trees/" + from)
            while let relative = enumerator?.nextObject() as? String {
                let source = demo + "/trees/" + from + "/" + relative
                var isDirectory: ObjCBool = false
                guard manager.fileExists(atPath: source, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                var text = try String(contentsOfFile: source, encoding: .utf8)
                for (old, new) in replacing { text = text.replacingOccurrences(of: old, with: new) }
                try manager.createDirectory(atPath: (target + "/" + relative as NSString).deletingLastPathComponent,
                                            withIntermediateDirectories: true)
                try text.write(toFile: target + "/" + relative, atomically: false, encoding: .utf8)
            }
        }
        try copy("controller", "controller", replacing: [])
        try copy("network", "network", replacing: [])
        yaml += "  - {name: controller, root: trees/controller, roles: [controller], vars: {management_ip: 10.0.0.11}}\n"
        yaml += "  - {name: network, root: trees/network, roles: [network], vars: {management_ip: 10.0.0.21, tunnel_ip: 10.0.1.21}}\n"
        var hostsLines = ""
        for index in 0..<max(0, count - 2) {
            let management = "10.0.\(4 + index / 250).\(index % 250 + 1)", tunnel = "10.1.\(4 + index / 250).\(index % 250 + 1)"
            hostsLines += "\(management)\tcompute\(index + 1)\n"
            try copy("compute1", "compute\(index + 1)", replacing: [("10.0.0.31", management), ("10.0.1.31", tunnel)])
            yaml += "  - {name: compute\(index + 1), root: trees/compute\(index + 1), roles: [compute], "
                + "vars: {management_ip: \(management), tunnel_ip: \(tunnel)}}\n"
        }
        // Every node resolves every compute node, as the guide's /etc/hosts step asks.
        let treesEnumerator = try manager.contentsOfDirectory(atPath: root + "/trees")
        for tree in treesEnumerator {
            let hosts = root + "/trees/" + tree + "/etc/hosts"
            if let text = try? String(contentsOfFile: hosts, encoding: .utf8) {
                try (text + hostsLines).write(toFile: hosts, atomically: false, encoding: .utf8)
            }
        }
        try yaml.write(toFile: root + "/inventory.yaml", atomically: false, encoding: .utf8)
        inventory = try Inventory.load(path: root + "/inventory.yaml")
        var files: [String] = []
        let enumerator = manager.enumerator(atPath: root + "/trees")
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if manager.fileExists(atPath: root + "/trees/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue,
               !relative.contains("/proc/") {
                files.append(root + "/trees/" + relative)
            }
        }
        self.files = files.sorted()
    }

    /// Changes `percent` of the files: half get a comment line, half a value changed on
    /// one `key = value` line. Returns how many files changed.
    func change(percent: Int, night: Int, random: inout SplitMix) throws -> Int {
        let count = max(1, files.count * percent / 100)
        for _ in 0..<count {
            let file = files[Int(random.next() % UInt64(files.count))]
            var lines = try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "\n")
            let assignments = lines.indices.filter { lines[$0].contains(" = ") && !lines[$0].hasPrefix("#") }
            if random.next() % 2 == 0 || assignments.isEmpty {
                lines.insert("# night \(night): checked by ops", at: lines.count - 1 < 0 ? 0 : lines.count - 1)
            } else {
                let index = assignments[Int(random.next() % UInt64(assignments.count))]
                lines[index] += "_\(night)"
            }
            try lines.joined(separator: "\n").write(toFile: file, atomically: false, encoding: .utf8)
        }
        return count
    }
}

struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
