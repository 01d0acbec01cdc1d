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

    /// Writes the report as `render` produces it, piece by piece: to standard output, or to a
    /// new temporary file beside `path` (created exclusively, never through a symbolic link)
    /// that is renamed over `path` once complete, so a reader never sees half a report. A
    /// failure is told on the console, naming the file and what the system said.
    func write(console: Console, _ render: (any ReportSink) throws -> Void) throws {
        let place = isStandardOutput ? "standard output" : "'\(path)'"
        do {
            if isStandardOutput {
                try render(DescriptorSink(descriptor: STDOUT_FILENO, path: "standard output"))
            } else {
                try Self.writeAtomically(to: path, render)
            }
        } catch let error as WriteError {
            console.error("cannot write the \(format.rawValue) report to \(place): \(error.localizedDescription)")
            throw WriteFailed()
        } catch {
            // The run itself could not be read back (the database failed while the report was written).
            console.error("cannot render the \(format.rawValue) report for \(place): \(error)")
            throw WriteFailed()
        }
    }

    struct WriteFailed: Error {}

    /// Writes into a temporary file beside `path`, then renames it over `path`. Errors say what
    /// the system said; the temporary file never outlives a failure.
    static func writeAtomically(to path: String, _ render: (any ReportSink) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        var template = Array(url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).XXXXXX").path.utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw WriteError(path: path, errno: errno) }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        do {
            try render(DescriptorSink(descriptor: descriptor, path: path))
            // Reports are read by others (mail, CI, a web server): the mode a new file would get.
            let mask = umask(0); umask(mask)
            guard fchmod(descriptor, 0o666 & ~mask) == 0, fsync(descriptor) == 0 else { throw WriteError(path: path, errno: errno) }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
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

/// Writes report text to a file descriptor as it comes, its UTF-8 bytes as they are (no second
/// copy of a large piece, as `Data(text.utf8)` would make).
final class DescriptorSink: ReportSink {
    let descriptor: Int32
    let path: String

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    func write(_ text: String) throws {
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
        if let failure { throw ReportDestination.WriteError(path: path, errno: failure) }
    }
}
