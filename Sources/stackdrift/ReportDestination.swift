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
            try Self.writeAtomically(text, to: path)
        } catch {
            console.error("cannot write the \(format.rawValue) report to '\(path)': \(error.localizedDescription)")
            throw WriteFailed()
        }
    }

    struct WriteFailed: Error {}

    /// Writes the string's UTF-8 bytes as they are (no second copy of a large report, as
    /// `Data(text.utf8)` would make) to a temporary file beside `path`, then renames it over
    /// `path`: a reader never sees half a report.
    static func writeAtomically(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            var text = text
            try text.withUTF8 { bytes in try handle.write(contentsOf: UnsafeRawBufferPointer(bytes)) }
            try handle.synchronize()
            if rename(temporary.path, url.path) != 0 {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path,
                                 NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}
