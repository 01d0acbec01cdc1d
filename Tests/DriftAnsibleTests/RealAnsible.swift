import DriftTestSupport
import Foundation
import Testing

/// ansible-core from the test virtualenv (`.ci/setup test` pins it), the program whose reading
/// of inventories the importer must match.
enum RealAnsible {
    /// The virtualenv's python, when ansible-core is installed in it.
    static let python: String? = {
        guard let python = ExternalProgram.python,
              let output = try? ExternalProgram.run(python, ["-c", "import ansible"]), output.status == 0 else { return nil }
        return python
    }()

    static var script: String { ExternalProgram.packageRoot + "/.build/pyenv/bin/ansible-inventory" }

    /// Whether the comparison can run; records an issue under `.ci/test`, where it must.
    static func available(sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Bool {
        ExternalProgram.require(python, "ansible-core in .build/pyenv", sourceLocation: sourceLocation) != nil
    }

    /// `ansible-inventory -i FILE --list`, written to `output`. Ansible gets a home and
    /// configuration of its own in `scratch`, so nothing of the machine's leaks in.
    static func list(_ file: String, into output: String, scratch: String) throws {
        let environment = ["ANSIBLE_CONFIG": scratch + "/ansible.cfg", "ANSIBLE_HOME": scratch + "/ansible-home",
                           "HOME": scratch, "ANSIBLE_LOCAL_TEMP": scratch + "/ansible-tmp",
                           "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True", "ANSIBLE_NOCOLOR": "1"]
        try Data("[defaults]\n".utf8).write(to: URL(fileURLWithPath: scratch + "/ansible.cfg"))
        let result = try ExternalProgram.run(python!, [script, "-i", file, "--list", "--output", output],
                                             environment: environment)
        guard result.status == 0 else {
            throw Failure(description: "ansible-inventory failed on \(file): \(result.stderr)")
        }
    }

    /// Ansible's own `expand_hostname_range` (through its `_expand_hostpattern`, as the INI
    /// plugin calls it) for each pattern: the names, or `nil` where Ansible raises.
    static func expand(_ patterns: [String]) throws -> [[String]?] {
        let program = """
        import json, sys
        from ansible.plugins.inventory import BaseInventoryPlugin
        plugin = BaseInventoryPlugin()
        out = []
        for pattern in json.load(sys.stdin):
            try:
                names, port = plugin._expand_hostpattern(pattern)
                out.append([str(n) for n in names])
            except Exception:
                out.append(None)
        print(json.dumps(out))
        """
        let input = try TemporaryDirectory(prefix: "stackdrift-ansible-ranges")
        let file = try input.write("patterns.json", String(decoding: try JSONEncoder().encode(patterns), as: UTF8.self))
        let result = try ExternalProgram.run("/bin/sh", ["-c", "\"$0\" -c \"$1\" < \"$2\"", python!, program, file])
        guard result.status == 0 else { throw Failure(description: "python failed: \(result.stderr)") }
        return try JSONDecoder().decode([[String]?].self, from: result.stdout)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }
}
