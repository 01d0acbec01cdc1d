import Synchronization

/// The one-line progress display of an audit on a terminal:
/// `collecting: 12/20 hosts, 1 failed`, rewritten in place as hosts finish.
///
/// Updates arrive from the collector's worker threads in any order; they are
/// serialised, and one older than what is shown is dropped.
package final class ProgressMeter: Sendable {
    private let write: @Sendable (String) -> Void
    private let shown = Mutex((done: 0, visible: false))

    /// Whether to show progress at all: only for a person watching, which means
    /// not `--quiet` and both stdout and stderr (where it is drawn) on a terminal.
    package static func isWanted(quiet: Bool, stdoutIsTerminal: Bool, stderrIsTerminal: Bool) -> Bool {
        !quiet && stdoutIsTerminal && stderrIsTerminal
    }

    /// `write` receives the text to print as is (carriage return and erase-line included).
    package init(write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    package static func line(done: Int, total: Int, failed: Int) -> String {
        "collecting: \(done)/\(total) host\(total == 1 ? "" : "s")" + (failed > 0 ? ", \(failed) failed" : "")
    }

    package func update(done: Int, total: Int, failed: Int) {
        shown.withLock { state in
            guard done >= state.done else { return }
            state = (done, true)
            write("\r\u{1B}[K" + Self.line(done: done, total: total, failed: failed))
        }
    }

    /// Erases the line, so the summary starts on a clean one.
    package func finish() {
        shown.withLock { state in
            if state.visible { write("\r\u{1B}[K") }
            state.visible = false
        }
    }
}
