import DriftReporting
import Foundation

/// Terminal output for the CLI: colour only on a terminal and never with NO_COLOR or --no-color.
///
/// Everything printed is untrusted until shown otherwise (values, host names and paths come
/// from nodes): `out` and `error` pass it through `VisibleText.terminal`, so control
/// characters and bidirectional overrides appear as visible stand-ins. Only text whose every
/// untrusted piece was made visible on its own, and which carries this console's colour
/// codes, goes out `painted`.
struct Console {
    let noColor: Bool

    func colorAllowed(forStderr: Bool) -> Bool {
        if noColor { return false }
        let environment = ProcessInfo.processInfo.environment
        if environment["NO_COLOR"].map({ !$0.isEmpty }) == true { return false }
        if environment["TERM"] == "dumb" { return false }
        return isatty(forStderr ? STDERR_FILENO : STDOUT_FILENO) == 1
    }

    func out(_ text: String) {
        FileHandle.standardOutput.write(Data(VisibleText.terminal(text).utf8))
    }

    /// Prints text already made visible piece by piece, with colour codes of its own.
    func out(painted text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    func note(_ text: String, toStderr: Bool) {
        if toStderr { error(text, prefixed: false) } else { out(text + "\n") }
    }

    func error(_ text: String, prefixed: Bool = true, newline: Bool = true) {
        error(painted: VisibleText.terminal(text), prefixed: prefixed, newline: newline)
    }

    /// `error` for text already made visible piece by piece, with colour codes of its own.
    func error(painted text: String, prefixed: Bool = true, newline: Bool = true) {
        let ending = newline && !text.hasSuffix("\n") ? "\n" : ""
        FileHandle.standardError.write(Data(((prefixed ? "stackdrift: " : "") + text + ending).utf8))
    }
}
