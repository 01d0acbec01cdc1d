import Foundation

/// Terminal output for the CLI: colour only on a terminal and never with NO_COLOR or --no-color.
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
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    func note(_ text: String, toStderr: Bool) {
        if toStderr { error(text, prefixed: false) } else { out(text + "\n") }
    }

    func error(_ text: String, prefixed: Bool = true, newline: Bool = true) {
        let ending = newline && !text.hasSuffix("\n") ? "\n" : ""
        FileHandle.standardError.write(Data(((prefixed ? "stackdrift: " : "") + text + ending).utf8))
    }
}
