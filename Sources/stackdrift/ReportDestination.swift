import ArgumentParser
import DriftReporting
import Foundation

/// Where a rendered report goes: a file (written atomically) or, for `-`, standard output.
struct ReportDestination {
    var format: ReportFormat
    var path: String

    var isStandardOutput: Bool { path == "-" }

    /// At most one report may take standard output, and no two the same file.
    static func validate(_ destinations: [ReportDestination]) throws {
        let onStdout = destinations.filter(\.isStandardOutput)
        if onStdout.count > 1 {
            throw ValidationError("only one report can go to standard output ('-'), not "
                                  + onStdout.map { "--\($0.format.rawValue)" }.joined(separator: " and "))
        }
        let files = Dictionary(grouping: destinations.filter { !$0.isStandardOutput }) {
            URL(fileURLWithPath: $0.path).standardizedFileURL.path
        }
        if let (path, clashing) = files.first(where: { $0.value.count > 1 }) {
            throw ValidationError("--\(clashing[0].format.rawValue) and --\(clashing[1].format.rawValue) both write '\(path)'; "
                                  + "give each report a file of its own")
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
    /// `Data(text.utf8)` would make) to a new temporary file beside `path` (created exclusively,
    /// never through a symbolic link), then renames it over `path`: a reader never sees half a
    /// report. Errors say what the system said.
    static func writeAtomically(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        var template = Array(url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).XXXXXX").path.utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw WriteError(path: path, errno: errno) }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var text = text
        let failure: Int32? = text.withUTF8 { bytes -> Int32? in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
        // Reports are read by others (mail, CI, a web server): the mode a new file would get.
        let mask = umask(0); umask(mask)
        if let failure = failure ?? (fchmod(descriptor, 0o666 & ~mask) == 0 && fsync(descriptor) == 0 ? nil : errno) {
            close(descriptor)
            unlink(temporary)
            throw WriteError(path: path, errno: failure)
        }
        close(descriptor)
        if rename(temporary, path) != 0 {
            let failure = errno
            unlink(temporary)
            throw WriteError(path: path, errno: failure)
        }
    }

    struct WriteError: Error, LocalizedError {
        var path: String
        var errno: Int32
        var errorDescription: String? { String(cString: strerror(errno)) }
    }
}
