import DriftCore

/// The one entry point from bytes to a `ConfigDocument`, dispatching on format.
public enum DocumentParser {
    /// Parses a file's bytes. Errors are diagnostics naming `path`:line with the line quoted and masked.
    public static func parse(_ bytes: [UInt8], path: String, format: ConfigFormat, secrets: SecretPolicy) throws -> ConfigDocument {
        let text = try ConfigText.decode(bytes, file: path)
        return try parse(text: text, path: path, format: format, secrets: secrets)
    }

    public static func parse(text: String, path: String, format: ConfigFormat, secrets: SecretPolicy) throws -> ConfigDocument {
        switch format {
        case .osloINI:
            return try INIParser(dialect: .oslo, secrets: secrets).parse(text, path: path)
        default:
            throw Diagnostic(.syntax, at: SourceLocation(file: path, line: 1),
                             "the '\(format.rawValue)' format is not supported yet")
        }
    }
}
