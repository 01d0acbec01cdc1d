import ArgumentParser
internal import CLinux
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

    /// Writes the report as `render` produces it, piece by piece: to standard output or a FIFO
    /// as a stream, or to a new temporary file beside `path` (created exclusively, never through
    /// a symbolic link) that is renamed over `path` once complete, so a reader never sees half a
    /// report. A symbolic link, a device, a socket or a directory at `path` is refused before
    /// anything is written: run as root, `--json /dev/null` must not replace the system's
    /// /dev/null, nor a link planted in a shared directory redirect a report onto another file.
    /// A failure is told on the console, naming the file and what the system said.
    func write(console: Console, _ render: (any ReportSink) throws -> Void) throws {
        let place = isStandardOutput ? "standard output" : "'\(path)'"
        do {
            if isStandardOutput {
                try render(DescriptorSink(descriptor: STDOUT_FILENO, path: "standard output"))
            } else {
                try Self.writeAtomically(to: path, render)
            }
        } catch let refusal as Refusal {
            console.error("refusing to write the \(format.rawValue) report to \(place): \(refusal.reason)")
            throw WriteFailed()
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

    /// A destination that is not a regular file, a FIFO or nothing.
    struct Refusal: Error {
        var reason: String
    }

    /// What is at a report's destination now, looked at without following a link.
    enum Existing: Equatable {
        case nothing
        /// A regular file, whose permission bits (and owner, when root writes) the report keeps.
        case file(mode: mode_t, owner: uid_t, group: gid_t)
        case fifo
    }

    /// Looks at `path` with `lstat`: a regular file, a FIFO or nothing may be written; anything
    /// else is a `Refusal` saying what it is.
    static func existing(at path: String) throws -> Existing {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return .nothing }
            throw WriteError(path: path, errno: errno)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file(mode: info.st_mode & 0o7777, owner: info.st_uid, group: info.st_gid)
        case S_IFIFO: return .fifo
        case S_IFLNK:
            throw Refusal(reason: "it is a symbolic link; name the file it points to, or remove the link")
        case S_IFCHR, S_IFBLK:
            throw Refusal(reason: "it is a device; reports are written to a regular file, a FIFO or '-' (standard output)")
        case S_IFSOCK:
            throw Refusal(reason: "it is a socket; reports are written to a regular file, a FIFO or '-' (standard output)")
        case S_IFDIR:
            throw Refusal(reason: "it is a directory; name a file in it")
        default:
            throw Refusal(reason: "it is not a regular file")
        }
    }

    /// Writes into a temporary file beside `path`, then renames it over `path`; into a FIFO, as
    /// a stream. The new file gets the replaced file's permissions (and owner, when run as root),
    /// else 0600: reports quote configuration excerpts. Errors say what the system said; the
    /// temporary file never outlives a failure.
    static func writeAtomically(to path: String, _ render: (any ReportSink) throws -> Void) throws {
        let existing = try existing(at: path)
        if existing == .fifo { return try stream(toFIFO: path, render) }
        let url = URL(fileURLWithPath: path)
        var template = Array(url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).XXXXXX").path.utf8CString)
        // mkstemp creates the file 0600 with O_EXCL: nothing planted under its name is followed.
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw WriteError(path: path, errno: errno) }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        do {
            try render(DescriptorSink(descriptor: descriptor, path: path, startsWriteback: true))
            if case .file(let mode, let owner, let group) = existing {
                if geteuid() == 0, fchown(descriptor, owner, group) != 0 { throw WriteError(path: path, errno: errno) }
                guard fchmod(descriptor, mode) == 0 else { throw WriteError(path: path, errno: errno) }
            }
            guard fsync(descriptor) == 0 else { throw WriteError(path: path, errno: errno) }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        // Looked at again just before the rename: a link or device put there meanwhile is refused
        // too (rename would replace the link itself, never what it points to, but say so).
        do {
            if try Self.existing(at: path) == .fifo { throw Refusal(reason: "it became a FIFO while the report was written") }
        } catch {
            unlink(temporary)
            throw error
        }
        if rename(temporary, path) != 0 {
            let failure = errno
            unlink(temporary)
            throw WriteError(path: path, errno: failure)
        }
    }

    /// Writes into an existing FIFO (`mkfifo`; a reader such as `mail` on the other end), never
    /// creating or following anything: opened with `O_NOFOLLOW` and checked to be a FIFO.
    static func stream(toFIFO path: String, _ render: (any ReportSink) throws -> Void) throws {
        let descriptor = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ELOOP { throw Refusal(reason: "it is a symbolic link; name the file it points to, or remove the link") }
            throw WriteError(path: path, errno: errno)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw WriteError(path: path, errno: errno) }
        guard info.st_mode & S_IFMT == S_IFIFO else { throw Refusal(reason: "it changed while being opened; write the report again") }
        try render(DescriptorSink(descriptor: descriptor, path: path))
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
    /// For a new file that is synced when complete: every `writebackStep` bytes, the kernel is
    /// asked to start writing them to disk (`sync_file_range`, without waiting), so the final
    /// `fsync` waits for the last step only. A 786 MB report otherwise sat in the page cache
    /// until that fsync, a third of a second of waiting at the end of a night.
    private let startsWriteback: Bool
    static let writebackStep = 16 << 20
    private var written = 0
    private var handedToDisk = 0

    init(descriptor: Int32, path: String, startsWriteback: Bool = false) {
        self.descriptor = descriptor
        self.path = path
        self.startsWriteback = startsWriteback
    }

    func write(_ text: String) throws {
        var text = text
        try text.withUTF8(write)
    }

    func write(bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer(write)
    }

    private func write(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw ReportDestination.WriteError(path: path, errno: errno)
            }
            offset += written
            self.written += written
        }
        if startsWriteback, self.written - handedToDisk >= Self.writebackStep {
            // Only a hint: a file system that cannot do it still gets the fsync.
            _ = stackdrift_start_writeback(descriptor, Int64(handedToDisk), Int64(self.written - handedToDisk))
            handedToDisk = self.written
        }
    }
}
