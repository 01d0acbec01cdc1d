/// Every mistake found in one file, in the order they were found, so one run names them all
/// instead of one per attempt.
///
/// Thrown by loaders that keep going after an error (the inventory); each element prints as
/// a compiler-style diagnostic of its own, one per line.
package struct DiagnosticList: Error, Hashable, Sendable, CustomStringConvertible {
    package var diagnostics: [Diagnostic]

    package init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    package var description: String {
        var text = diagnostics.map(\.description).joined(separator: "\n")
        if diagnostics.count > 1 { text += "\n\(diagnostics.count) errors" }
        return text
    }
}

/// Collects diagnostics while a loader reads on, so that an error in one field does not
/// hide the errors in the next.
package struct DiagnosticCollector {
    package private(set) var diagnostics: [Diagnostic] = []

    package init() {}

    package var isEmpty: Bool { diagnostics.isEmpty }

    /// Runs `body`, keeping its diagnostic (or the diagnostics of a list) and returning `nil`
    /// when it throws. The loaders' readers throw only diagnostics; anything else would be a
    /// bug, kept rather than lost, at the place `body` was asked about.
    package mutating func attempt<T>(at place: SourceLocation = SourceLocation(file: "?", line: 1),
                                    _ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch let diagnostic as Diagnostic {
            diagnostics.append(diagnostic)
        } catch let list as DiagnosticList {
            diagnostics += list.diagnostics
        } catch {
            diagnostics.append(Diagnostic(.io, at: place, "\(error)"))
        }
        return nil
    }

    package mutating func record(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

    /// Throws every diagnostic collected so far, if any.
    package func throwIfAny() throws {
        if !diagnostics.isEmpty { throw DiagnosticList(diagnostics) }
    }
}
