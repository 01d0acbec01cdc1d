import DriftCore

/// Turns a file's bytes into source text the way its consuming program reads them.
///
/// Python 3 services open config files as UTF-8 and fail on anything else, so
/// their formats must be valid UTF-8. C programs (MySQL, LVM, sysctl, glibc)
/// read bytes; for them an invalid file is read as Latin-1, one character per
/// byte, which loses nothing and prints back byte for byte.
package enum ConfigText {
    package static func sourceText(_ bytes: [UInt8], requiresUTF8: Bool) -> SourceText {
        if requiresUTF8 || isValidUTF8(bytes) { return SourceText(bytes: bytes, encoding: .utf8) }
        return SourceText(bytes: bytes, encoding: .latin1)
    }

    /// Whether bytes are valid UTF-8, without building a string: config files are nearly always
    /// ASCII, checked eight bytes at a time; anything else is validated by the standard library.
    package static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        let allASCII = bytes.withUnsafeBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return true }
            var index = 0
            var accumulated: UInt64 = 0
            while index + 8 <= buffer.count {
                accumulated |= UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                index += 8
            }
            while index < buffer.count {
                accumulated |= UInt64(base[index])
                index += 1
            }
            return accumulated & 0x8080_8080_8080_8080 == 0
        }
        return allASCII || String(validating: bytes, as: UTF8.self) != nil
    }

    /// Validates that a Python-read file is UTF-8, naming the first bad line if not.
    package static func requireUTF8(_ bytes: [UInt8], file: String) throws {
        if isValidUTF8(bytes) { return }
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
