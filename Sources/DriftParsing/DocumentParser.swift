import DriftCore

/// The one entry point from bytes to a `ConfigDocument`, dispatching on format.
public enum DocumentParser {
    /// Parses a file's bytes. Errors are diagnostics naming `path`:line with the line quoted
    /// and masked. `includes` resolves MySQL `!include`/`!includedir` (without it they are
    /// reported as not followed).
    public static func parse(_ bytes: [UInt8], path: String, format: ConfigFormat, secrets: SecretPolicy,
                             includes: IncludeResolver? = nil) throws -> ConfigDocument {
        let requiresUTF8 = format.isReadByPython
        if requiresUTF8 { try ConfigText.requireUTF8(bytes, file: path) }
        let source = ConfigText.sourceText(bytes, requiresUTF8: requiresUTF8)
        var document: ConfigDocument
        switch format {
        case .osloINI:
            document = try INIParser(dialect: .oslo, secrets: secrets).parse(source, path: path)
        case .pasteINI:
            document = try PasteDeployReader(secrets: secrets).read(source, path: path)
        case .mysql:
            document = try MySQLOptionReader(secrets: secrets, resolver: includes).read(source, path: path)
        case .rsyncd:
            document = try INIParser(dialect: .rsyncd, secrets: secrets).parse(source, path: path)
        case .mongodb:
            document = try INIParser(dialect: .boost, secrets: secrets).parse(source, path: path)
        case .lvm:
            document = try LVMParser(secrets: secrets).parse(source, path: path)
        case .sysctl, .hosts, .memcached, .shellVars, .ntp, .crontab:
            document = try LineFormatParser(format: format, secrets: secrets).parse(source, path: path)
        case .djangoSettings:
            document = try PythonSettingsParser(secrets: secrets).parse(source, path: path)
        }
        if source.encoding == .latin1 {
            document.warnings.insert(Diagnostic(.encoding, at: SourceLocation(file: path, line: 1),
                                                "file is not valid UTF-8; read byte for byte as Latin-1"), at: 0)
        }
        return document
    }

    /// Parses text (as UTF-8 bytes).
    public static func parse(text: String, path: String, format: ConfigFormat, secrets: SecretPolicy,
                             includes: IncludeResolver? = nil) throws -> ConfigDocument {
        try parse(Array(text.utf8), path: path, format: format, secrets: secrets, includes: includes)
    }
}

extension ConfigFormat {
    /// Formats read by Python programs, which fail on files that are not UTF-8.
    public var isReadByPython: Bool {
        switch self {
        case .osloINI, .pasteINI, .djangoSettings: return true
        default: return false
        }
    }
}
