import DriftCore

/// The options that make the shared INI core read a file exactly as one program does.
///
/// Each INI-like format is a dialect value rather than a separate parser, so a
/// fix to line handling reaches every format at once.
public struct INIDialect: Sendable {
    public var format: ConfigFormat
    /// Characters that start a full-line comment.
    public var commentPrefixes: Set<Unicode.Scalar>
    /// Key/value separators; the first one on the line wins.
    public var separators: Set<Unicode.Scalar>
    /// An indented line continues the previous value, joined with a newline.
    public var continuationLines: Bool
    /// Matching surrounding quotes are removed from a value.
    public var stripsMatchingQuotes: Bool

    /// oslo.config's `iniparser.BaseParser` as used by every OpenStack service:
    /// full-line `#`/`;` comments only (an inline `#` belongs to the value),
    /// first `=` or `:` separates, quotes stripped, indented lines continue,
    /// blank lines end a value, assignments need a section.
    public static let oslo = INIDialect(
        format: .osloINI, commentPrefixes: ["#", ";"], separators: ["=", ":"],
        continuationLines: true, stripsMatchingQuotes: true)
}
