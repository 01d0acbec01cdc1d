import DriftCore

/// Turns a file's bytes into text the way the consuming programs do: Python 3
/// services open config files as UTF-8 and fail on anything else.
public enum ConfigText {
    public static func decode(_ bytes: [UInt8], file: String) throws -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        // Name the first line holding an invalid sequence so the operator can find it.
        var line = 1
        var index = 0
        while index < bytes.count {
            let end = bytes[index...].firstIndex(of: 0x0A) ?? bytes.count
            if String(validating: bytes[index..<end], as: UTF8.self) == nil { break }
            line += 1
            index = end + 1
        }
        throw Diagnostic(.encoding, at: SourceLocation(file: file, line: line),
                         "file is not valid UTF-8 text (the services reading it would fail too)")
    }
}
