import Foundation

/// Validates JSON documents against a JSON Schema (draft 2020-12) with the Python `jsonschema`
/// package that `.ci/setup test` installs in `.build/pyenv`: an implementation of the
/// standard that is not ours, so a report and its schema cannot agree by sharing a mistake.
package enum JSONSchemaValidator {
    /// The validation errors, one per line as `path: message`; empty when the document is valid.
    /// `nil` when the validator is not installed.
    package static func errors(in document: String, schema schemaPath: String) throws -> [String]? {
        guard let python = ExternalProgram.python else { return nil }
        let scratch = try TemporaryDirectory(prefix: "schema-check")
        let documentPath = try scratch.write("document.json", document)
        let script = """
        import json, sys
        try:
            import jsonschema
        except ImportError:
            sys.exit(3)
        with open(sys.argv[1]) as f: schema = json.load(f)
        with open(sys.argv[2]) as f: document = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
            print("/" + "/".join(str(p) for p in error.absolute_path) + ": " + error.message)
        """
        let output = try ExternalProgram.run(python, ["-c", script, schemaPath, documentPath])
        if output.status == 3 { return nil }
        guard output.status == 0 else { throw Failure(message: output.stderr) }
        return String(decoding: output.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    package struct Failure: Error, CustomStringConvertible {
        package var message: String
        package var description: String { "the schema validator failed: \(message)" }
    }
}
