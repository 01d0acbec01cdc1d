import DriftCore

/// Turns a file's bytes into source text the way its consuming program reads them.
///
/// Python 3 services open config files as UTF-8 and fail on anything else, so
/// their formats must be valid UTF-8. C programs (MySQL, LVM, sysctl, glibc)
/// read bytes; for them an invalid file is read as Latin-1, one character per
/// byte, which loses nothing and prints back byte for byte.
public enum ConfigText {
    public static func sourceText(_ bytes: [UInt8], requiresUTF8: Bool) -> SourceText {
        if String(validating: bytes, as: UTF8.self) != nil || requiresUTF8 { return SourceText(bytes: bytes, encoding: .utf8) }
        return SourceText(bytes: bytes, encoding: .latin1)
    }

    /// Validates that a Python-read file is UTF-8, naming the first bad line if not.
    public static func requireUTF8(_ bytes: [UInt8], file: String) throws {
        if String(validating: bytes, as: UTF8.self) != nil { return }
        var line = 1
        var index = 0
        while index < bytes.count {
            let end = bytes[index...].firstIndex(of: 0x0A) ?? bytes.count
            if String(validating: bytes[index..<end], as: UTF8.self) == nil { break }
            line += 1
            index = end + 1
        }
        throw Diagnostic(.encoding, at: SourceLocation(file: file, line: line),
                         "file is not valid UTF-8 text (the service reading it would fail too)")
    }
}
