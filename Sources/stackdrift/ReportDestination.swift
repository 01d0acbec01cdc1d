import ArgumentParser
import DriftReporting
import Foundation

/// Where a rendered report goes: a file (written atomically) or, for `-`, standard output.
struct ReportDestination {
    var format: ReportFormat
    var path: String

    var isStandardOutput: Bool { path == "-" }

    /// At most one report may take standard output.
    static func validate(_ destinations: [ReportDestination]) throws {
        let onStdout = destinations.filter(\.isStandardOutput)
        if onStdout.count > 1 {
            throw ValidationError("only one report can go to standard output ('-'), not "
                                  + onStdout.map { "--\($0.format.rawValue)" }.joined(separator: " and "))
        }
    }

    func write(_ text: String, console: Console) throws {
        if isStandardOutput {
            console.out(text)
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            console.error("cannot write the \(format.rawValue) report to '\(path)': \(error.localizedDescription)")
            throw WriteFailed()
        }
    }

    struct WriteFailed: Error {}
}
