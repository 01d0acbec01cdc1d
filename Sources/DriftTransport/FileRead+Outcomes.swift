import Foundation

/// The outcomes every transport reports the same way, so a file missing over SFTP, over
/// `sudo cat` or from a local tree reads alike in the report.
extension FileRead {
    /// A failure when `path` is not one stackdrift asks hosts for: absolute, without `..`
    /// or control characters. `nil` when the path is fine.
    static func rejecting(_ path: String, host: String) -> FileRead? {
        guard path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
            return .failed(TransportError(.io, host: host, path: path, "path must be absolute without '..'"))
        }
        guard !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            return .failed(TransportError(.io, host: host, path: path, "path must not contain control characters"))
        }
        return nil
    }

    static func tooLarge(_ path: String, host: String, limit: Int) -> FileRead {
        .failed(TransportError(.tooLarge, host: host, path: path, "file is larger than the \(limit)-byte limit"))
    }

    static func directory(_ path: String, host: String) -> FileRead {
        .failed(TransportError(.io, host: host, path: path, "is a directory, not a file"))
    }

    /// An SFTP status (RFC draft `SSH_FX_*`) answering an open or read of `path`.
    static func sftpStatus(_ code: UInt32, serverMessage: String, path: String, host: String) -> FileRead {
        switch code {
        case 2, 10, 19:  // no such file, no such path, not a directory (a component is a file)
            return .missing
        case 3:
            return .failed(TransportError(.permissionDenied, host: host, path: path, "permission denied"))
        default:
            let detail = serverMessage.isEmpty ? "" : ": \(serverMessage.lowercased())"
            return .failed(TransportError(.io, host: host, path: path, "the SFTP server answered status \(code)\(detail)"))
        }
    }
}

extension TransportError {
    /// A FIFO, socket or device where a configuration file was expected: refused, not read
    /// (opening a FIFO would wait for a writer forever, a device may have side effects).
    static func notRegular(_ mode: mode_t, path: String, host: String) -> TransportError {
        let kind: String
        switch mode & S_IFMT {
        case S_IFIFO: kind = "a FIFO (named pipe)"
        case S_IFSOCK: kind = "a socket"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        default: kind = "not a regular file"
        }
        return TransportError(.io, host: host, path: path, kind == "not a regular file" ? "is not a regular file"
                              : "is \(kind), not a regular file; refusing to read it")
    }
}

extension DirectoryListing {
    /// A directory's failed listing reads like a failed file read: missing is missing,
    /// everything else the same error.
    init(failed read: FileRead, directory: String, host: String) {
        switch read {
        case .missing: self = .missing
        case .failed(let error): self = .failed(error)
        case .content: self = .failed(TransportError(.io, host: host, path: directory, "is a file, not a directory"))
        }
    }
}

/// The only command stackdrift runs on a host, for files only root may read:
/// `sudo -n CAT -- PATH`, with the node's `cat` by its absolute path (`cat_path:`). A sudoers
/// line can allow exactly that, file by file (`sudoersCommand`).
package enum SudoCat {
    /// The command line for the remote login shell. The path is one single-quoted word, so
    /// nothing in it (quotes, `;`, `$(…)`, spaces) can reach the shell as syntax; `env`
    /// rather than `VAR=value` keeps it valid in csh and fish too, and `LC_ALL=C` makes
    /// the messages below recognisable.
    static func command(_ path: String, cat: String) -> String {
        "env LC_ALL=C sudo -n " + shellQuoted(cat) + " -- " + shellQuoted(path)
    }

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// What `sudo -n cat -- PATH` exiting with `status` and writing `errors` on stderr means.
    static func outcome(status: Int32, output: [UInt8], errors: String, path: String, cat: String, host: String) -> FileRead {
        if status == 0 { return .content(output) }
        func failure(_ kind: TransportError.Kind, _ message: String) -> FileRead {
            .failed(TransportError(kind, host: host, path: path, message))
        }
        let firstLine = errors.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        if errors.contains("a password is required") || errors.contains("a terminal is required") {
            return failure(.sudoPassword, "sudo wants a password to run 'cat -- \(path)' (sudo -n); give the audit user "
                           + "a NOPASSWD sudoers line for this file (see README)")
        }
        if errors.contains("is not allowed to execute") || errors.contains("not in the sudoers file") {
            return failure(.permissionDenied, "sudo refused 'cat -- \(path)': \(firstLine)")
        }
        if errors.contains("sudo: \(cat): command not found") {
            return failure(.io, "the host has no '\(cat)' (set cat_path: /bin/cat for Debian 7 nodes)")
        }
        if status == 127 || errors.contains("sudo: not found") || errors.contains("sudo: command not found") {
            return failure(.io, "sudo is not installed on the host (sudo: true needs it)")
        }
        if errors.contains("No such file or directory") || errors.contains("Not a directory") { return .missing }
        if errors.contains("Is a directory") { return .directory(path, host: host) }
        if errors.contains("Permission denied") { return failure(.permissionDenied, "permission denied (even with sudo)") }
        return failure(.io, "sudo cat exited with status \(status)" + (firstLine.isEmpty ? "" : ": \(firstLine)"))
    }
}

/// How a host's sudo has answered so far, to tell a file missing from the sudoers list from
/// sudo wanting a password for everything. The first is that file's failure and the rest of
/// the host is still read; the second ends the host at its second refusal when no file has
/// been read through sudo yet, so the node's auth log gets two lines rather than one per file.
struct SudoAnswers {
    private var catRan = false
    private var refused: [String] = []

    /// `read`, the answer of `sudo -n cat -- path`, as the host's collection should take it.
    mutating func judge(_ read: FileRead, path: String, host: String) -> FileRead {
        switch read {
        case .content, .missing:
            catRan = true
            return read
        case .failed(let error) where error.kind == .sudoPassword:
            refused.append(path)
            guard !catRan, refused.count >= 2 else { return read }
            let files = refused.map { "'cat -- \($0)'" }.joined(separator: " and ")
            return .failed(TransportError(
                .sudoPassword, host: host, path: path,
                "sudo wants a password for \(files) (sudo -n) and has run no file's cat yet: give the audit user "
                    + "a NOPASSWD sudoers line for every file it reads (see README)", endsHost: true))
        case .failed:
            return read
        }
    }
}
