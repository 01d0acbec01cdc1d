import DriftCore
import Testing

/// Expects `body` to throw a diagnostic of `kind` at `file`:`line` whose message contains `fragment`
/// (alone, or among the diagnostics of a `DiagnosticList`).
package func expectDiagnostic(
    _ kind: Diagnostic.Kind, file: String, line: Int, containing fragment: String,
    sourceLocation: Testing.SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected a \(kind) error containing '\(fragment)'", sourceLocation: sourceLocation)
    } catch let list as DiagnosticList {
        // Loaders that report every mistake at once: the one expected must be among them.
        let match = list.diagnostics.first { $0.location.line == line && $0.message.contains(fragment) }
        #expect(match != nil, "\(list)", sourceLocation: sourceLocation)
        if let match {
            #expect(match.kind == kind, "\(match)", sourceLocation: sourceLocation)
            #expect(match.location.file == file, "\(match)", sourceLocation: sourceLocation)
        }
    } catch let diagnostic as Diagnostic {
        #expect(diagnostic.kind == kind, "\(diagnostic)", sourceLocation: sourceLocation)
        #expect(diagnostic.location.file == file, "\(diagnostic)", sourceLocation: sourceLocation)
        #expect(diagnostic.location.line == line, "\(diagnostic)", sourceLocation: sourceLocation)
        #expect(diagnostic.message.contains(fragment), "\(diagnostic)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}
