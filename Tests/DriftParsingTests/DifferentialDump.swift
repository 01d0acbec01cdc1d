import DriftTestSupport
import Foundation
import Testing

/// The Python side of the differential tests: one of the dump scripts in `Differential/`
/// (oslo_dump.py, paste_dump.py, ast_dump.py) reads every file with the service's own parser
/// and prints one JSON object per file, in the order given.
enum DifferentialDump {
    static func run(_ script: String, on files: [String], python: String,
                    sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let path = ExternalProgram.packageRoot + "/Tests/DriftParsingTests/Differential/" + script
        let output = try ExternalProgram.run(python, [path] + files)
        #expect(output.status == 0, "\(output.stderr)", sourceLocation: sourceLocation)
        let results = try #require(try JSONSerialization.jsonObject(with: output.stdout) as? [[String: Any]],
                                   sourceLocation: sourceLocation)
        #expect(results.count == files.count, "one result per file", sourceLocation: sourceLocation)
        return results
    }
}
