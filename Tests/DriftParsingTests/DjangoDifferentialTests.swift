import DriftCore
import DriftParsing
import DriftTestSupport
import Foundation
import Testing

/// Compares stackdrift's reading of Django settings (`local_settings.py`) with Python's own
/// parser (`ast.parse` and `ast.literal_eval`, never executing the file).
@Suite struct DjangoDifferentialTests {
    static let secrets = SecretPolicy(keyPatterns: ["secret_key"])

    static let edgeCases: [String] = [
        "OPENSTACK_HOST = \"controller\"\nALLOWED_HOSTS = ['localhost', 'my-desktop']\n",
        "CACHES = {\n    'default': {\n        'BACKEND' : 'django.core.cache.backends.memcached.MemcachedCache',\n        'LOCATION' : '127.0.0.1:11211'\n    }\n}\n",
        "TIME_ZONE = \"UTC\"\nDEBUG = False\nX = None\nN = -5\nF = 1.5e3\nH = 0x1F\nT = (1,)\nP = (1)\nS = {1, 2}\n",
        "URL = \"http://%s:5000/v2.0\" % OPENSTACK_HOST\nLIST = [1, 2,\n        3]\n",
        "A = 'con' \"cat\" '''enated'''\nB = r'raw\\n'\nC = 'esc\\n\\t\\x41\\u00e9\\q'\n",
        "if True:\n    HIDDEN = 1\nVISIBLE = 2\n",
        "try:\n    from x import y\nexcept ImportError:\n    pass\nAFTER = 'x'\n",
        "A = 1; B = 2\n",
        "LONG = \\\n    'continued'\n",
        "S = \"\"\"multi\nline\"\"\"\nN = 3\n",
        "BROKEN = 'unterminated\n",
        "BROKEN = [1, 2\n",
        "A = f'{x}'\nB = b'bytes'\n",
        "# comment only\n",
        "",
        "A = {'nested': {'deeper': [1, {'k': 'v'}]}}\n",
        "X = 1 # trailing comment\nY = 'a#b'\n",
        "A = b = 3\n",
        "LOGGING = {\n    'handlers': [\n        {'a': 1},\n        {'b':\n            'two'},\n    ],\n    'dup': 1,\n    'dup': 2,\n    3: {\n        'x': (\n            'y')},\n}\n",
    ]

    @Test func agreesOnDebiansExampleSettings() throws {
        guard let python = ExternalProgram.require(ExternalProgram.which("python3"), "python3"),
              let configs = ExternalProgram.require(ExternalProgram.debianConfigs, "Debian's config files") else { return }
        let file = configs + "/usr/share/openstack-dashboard/examples/local_settings.py"
        #expect(FileManager.default.fileExists(atPath: file))
        try compare([file], python: python)
    }

    @Test func agreesOnEdgeCases() throws {
        guard let python = ExternalProgram.require(ExternalProgram.which("python3"), "python3") else { return }
        let directory = try TemporaryDirectory(prefix: "django-edge")
        try compare(try Self.edgeCases.enumerated().map { try directory.write("case\($0.offset).py", $0.element) }, python: python)
    }

    func compare(_ files: [String], python: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let results = try DifferentialDump.run("ast_dump.py", on: files, python: python, sourceLocation: sourceLocation)
        var agreed = 0
        for (file, theirs) in zip(files, results) {
            let bytes = Array(FileManager.default.contents(atPath: file) ?? Data())
            let label = "\(file): \(String(decoding: bytes.prefix(200), as: UTF8.self).debugDescription)"
            switch (Result { try DocumentParser.parse(bytes, path: file, format: .djangoSettings, secrets: Self.secrets) },
                    theirs["entries"] as? [[String: Any]]) {
            case (.success(let document), let entries?):
                var same = true
                // Every top-level single-name assignment, in order, at the same line.
                let topLevel = document.entries.filter { !$0.key.contains("[") }
                if topLevel.map(\.key) != entries.map({ $0["key"] as? String ?? "" })
                    || topLevel.map(\.line) != entries.map({ $0["line"] as? Int ?? 0 }) {
                    same = false
                    Issue.record("names/lines \(topLevel.map { "\($0.key)@\($0.line)" }) vs \(entries.map { "\($0["key"] ?? "")@\($0["line"] ?? "")" }): \(label)",
                                 sourceLocation: sourceLocation)
                }
                // Every dict key, named by subscript, at the lines of its value.
                let nested = document.entries.filter { $0.key.contains("[") }.map { "\($0.key)@\($0.span.startLine)-\($0.span.endLine)" }
                let theirNested = (theirs["subscripts"] as? [[String: Any]] ?? []).map {
                    "\($0["key"] as? String ?? "")@\($0["line"] as? Int ?? 0)-\($0["end"] as? Int ?? 0)"
                }
                if nested != theirNested {
                    same = false
                    Issue.record("subscripts \(nested) vs \(theirNested): \(label)", sourceLocation: sourceLocation)
                }
                for (entry, expected) in zip(topLevel, entries) where expected["literal"] as? Bool == true {
                    if !Self.matches(entry, expected["value"] as Any, in: document) {
                        same = false
                        Issue.record("\(entry.key): stackdrift \(entry.value) vs Python \(expected["value"] ?? "nil"): \(label)",
                                     sourceLocation: sourceLocation)
                    }
                }
                #expect(document.render() == bytes, "round trip: \(label)", sourceLocation: sourceLocation)
                if same { agreed += 1 }
            case (.failure, nil):
                agreed += 1
            case (.success, nil):
                Issue.record("Python rejects (\(theirs["error"] ?? "?")) but stackdrift accepts: \(label)", sourceLocation: sourceLocation)
            case (.failure(let error), _?):
                Issue.record("stackdrift rejects (\(error)) but Python accepts: \(label)", sourceLocation: sourceLocation)
            }
        }
        print("Python ast differential: \(agreed)/\(files.count) files agree")
    }

    /// Whether stackdrift's value is Python's literal (dicts through their subscript entries).
    static func matches(_ entry: Entry, _ python: Any, in document: ConfigDocument) -> Bool {
        matches(entry.value, python, key: entry.key, document: document)
    }

    static func matches(_ value: ConfigValue, _ python: Any, key: String, document: ConfigDocument) -> Bool {
        if let wrapped = python as? [String: Any] {
            if let items = wrapped["list"] as? [Any] {
                guard case .list(let mine) = value, mine.count == items.count else { return false }
                return zip(mine, items).enumerated().allSatisfy { index, pair in
                    matches(pair.0, pair.1, key: "\(key)[\(index)]", document: document)
                }
            }
            if let constant = wrapped["constant"] as? String {
                if constant == "None" { if case .none = value { return true } else { return false } }
                return value == .string(constant)
            }
            if wrapped["set"] != nil { if case .list = value { return true } else { return false } }
            if let pairs = wrapped["dict"] as? [[Any]] {
                // A dict's keys are entries of their own, named by subscript.
                return pairs.allSatisfy { pair in
                    let subscriptKey: String
                    if let text = pair[0] as? String { subscriptKey = "['\(text)']" } else if let number = pair[0] as? Int {
                        subscriptKey = "[\(number)]"
                    } else {
                        return true
                    }
                    // A repeated key: the last one wins, as in Python.
                    guard let nested = document.entries.last(where: { $0.key == key + subscriptKey }) else { return false }
                    return matches(nested.value, pair[1], key: nested.key, document: document)
                }
            }
            return false
        }
        if let text = python as? String { return value == .string(text) }
        if let number = python as? NSNumber {
            switch value {
            case .float(let mine): return mine == number.doubleValue
            case .integer(let mine): return mine == number.int64Value && Double(mine) == number.doubleValue
            default: return false
            }
        }
        return false
    }
}
