import DriftCore

/// The one entry point from bytes to a `ConfigDocument`, through the format's description.
package enum DocumentParser {
    /// Parses a file's bytes. Errors are diagnostics naming `path`:line with the line quoted
    /// and masked. `includes` resolves MySQL `!include`/`!includedir` (without it they are
    /// reported as not followed).
    package static func parse(_ bytes: [UInt8], path: String, format: ConfigFormat, secrets: SecretPolicy,
                             includes: IncludeResolver? = nil) throws -> ConfigDocument {
        let description = format.details
        if description.requiresUTF8 { try ConfigText.requireUTF8(bytes, file: path) }
        let source = ConfigText.sourceText(bytes, requiresUTF8: description.requiresUTF8)
        var document = try description.parse(source, path: path, secrets: secrets, includes: includes)
        if source.encoding == .latin1 {
            document.warnings.insert(Diagnostic(.encoding, at: SourceLocation(file: path, line: 1),
                                                "file is not valid UTF-8; read byte for byte as Latin-1"), at: 0)
        }
        document.indexKeys()
        return document
    }

    /// Parses text (as UTF-8 bytes).
    package static func parse(text: String, path: String, format: ConfigFormat, secrets: SecretPolicy,
                             includes: IncludeResolver? = nil) throws -> ConfigDocument {
        try parse(Array(text.utf8), path: path, format: format, secrets: secrets, includes: includes)
    }
}
