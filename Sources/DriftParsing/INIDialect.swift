import DriftCore

/// The rules that make the shared INI core read a file exactly as one program does.
///
/// Each INI-like format is a dialect value rather than a parser of its own, so a
/// fix to line handling reaches every format at once. The dialects below were
/// checked against the programs' own parsers (see Tests/DriftParsingTests).
package struct INIDialect: Sendable {
    /// How an assignment may run over several lines.
    package enum Continuation: Sendable {
        case none
        /// oslo.config: a line starting with a space or tab continues the value; a blank line ends it.
        case indentedLines
        /// configparser: a line indented deeper than the option continues it; blank lines inside
        /// the value are kept, comment lines skipped.
        case deeperIndentation
        /// rsync: a line ending in a backslash continues on the next line.
        case trailingBackslash
    }

    /// How a `[section]` header is recognised.
    package enum SectionHeader: Sendable {
        /// The right-stripped line must end with `]`; the name is everything between, unstripped.
        case oslo
        /// configparser's `\[(?P<header>.+)\]` on the stripped line: up to the last `]`.
        case configparser
        /// my_default.c: up to the first `]`, trailing white space removed; the rest is ignored.
        case mysql
        /// Up to the first `]`, trimmed; no `]` on the line is an error.
        case trimmed
    }

    /// What an assignment before any section header means.
    package enum Orphans: Sendable {
        case error(String)
        /// The assignment belongs to an implicit section of this name (rsync's global parameters).
        case implicitSection(String)
        /// The format has no sections; headers prefix keys instead (boost's `section.key`).
        case sectionless
    }

    /// What a line with a key but no separator means.
    package enum Valueless: Sendable {
        case error(String)
        /// A key without a value, like MySQL's `skip-external-locking`.
        case bareKey
        /// The program warns and ignores the line.
        case warn(String)
    }

    package enum Unquoting: Sendable {
        case none
        /// oslo.config: `value[1:-1]` when the value starts and ends with the same quote.
        case oslo
        /// my_default.c: quotes stripped when the value is at least two characters long, then the
        /// escapes `\n \t \r \b \s \" \' \\` are processed.
        case mysql
    }

    package enum InlineComments: Sendable {
        case none
        /// MySQL: `#` outside single or double quotes ends the line.
        case hashOutsideQuotes
        /// boost::program_options: `#` anywhere ends the line.
        case hash
    }

    package var format: ConfigFormat
    package var lineBreaks: LineBreaks
    /// C programs reading with a fixed `fgets` buffer see longer lines in pieces.
    package var maxLineLength: Int?
    /// What white space is: Python strips Unicode white space, C programs ASCII white space,
    /// MySQL ASCII white space and 0xA0.
    package enum Whitespace: Sendable { case python, c, mysql }

    package var whitespace: Whitespace
    package var commentPrefixes: ByteSet
    /// Whether a comment may be indented (in oslo.config an indented line is a continuation).
    package var indentedComments: Bool
    package var inlineComments: InlineComments
    package var continuation: Continuation
    package var sectionHeader: SectionHeader
    package var orphans: Orphans
    /// Key/value separators; the first one on the line wins.
    package var separators: ByteSet
    package var valueless: Valueless
    package var unquoting: Unquoting
    /// configparser's strict mode: a repeated section or option in one file is an error.
    package var strictDuplicates: Bool
    package var allowsEmptyKey: Bool
    /// Lines starting with this byte are directives (`!include` in MySQL, `&include` in rsync).
    package var directivePrefix: UInt8?
    /// C string handling: a NUL byte ends the line for the program.
    package var nulEndsLine: Bool
    /// Python-read files must be UTF-8; byte-oriented programs accept any bytes.
    package var requiresUTF8: Bool

    /// oslo.config's `iniparser.BaseParser` as every OpenStack service uses it: full-line
    /// `#`/`;` comments only (an inline `#` belongs to the value), first `=` or `:`
    /// separates, matching quotes stripped, indented lines continue, blank lines end a
    /// value, assignments need a section.
    package static let oslo = INIDialect(
        format: .osloINI, lineBreaks: ConfigFormat.osloINI.lineBreaks, maxLineLength: nil, whitespace: .python,
        commentPrefixes: [UInt8(ascii: "#"), UInt8(ascii: ";")], indentedComments: false, inlineComments: .none,
        continuation: .indentedLines, sectionHeader: .oslo,
        orphans: .error("assignment before any [section] header"),
        separators: [UInt8(ascii: "="), UInt8(ascii: ":")], valueless: .error("expected '=' or ':' after key"),
        unquoting: .oslo, strictDuplicates: false, allowsEmptyKey: false, directivePrefix: nil, nulEndsLine: false,
        requiresUTF8: true)

    /// Python's `configparser.ConfigParser` as Paste Deploy configures it (keys keep their case,
    /// strict mode, no inline comments, `%` interpolation applied by the Paste reader).
    package static let configparser = INIDialect(
        format: .pasteINI, lineBreaks: ConfigFormat.pasteINI.lineBreaks, maxLineLength: nil, whitespace: .python,
        commentPrefixes: [UInt8(ascii: "#"), UInt8(ascii: ";")], indentedComments: true, inlineComments: .none,
        continuation: .deeperIndentation, sectionHeader: .configparser,
        orphans: .error("option before any [section] header (configparser: MissingSectionHeaderError)"),
        separators: [UInt8(ascii: "="), UInt8(ascii: ":")],
        valueless: .error("expected '=' or ':' after option name (configparser: ParsingError)"),
        unquoting: .none, strictDuplicates: true, allowsEmptyKey: false, directivePrefix: nil, nulEndsLine: false,
        requiresUTF8: true)

    /// MariaDB/MySQL's `my_default.c` (`search_default_file_with_ext`), as `my_print_defaults` reads.
    package static let mysql = INIDialect(
        format: .mysql, lineBreaks: ConfigFormat.mysql.lineBreaks, maxLineLength: MySQLOptionReader.fgetsLimit, whitespace: .mysql,
        commentPrefixes: [UInt8(ascii: "#"), UInt8(ascii: ";")], indentedComments: true,
        inlineComments: .hashOutsideQuotes, continuation: .none, sectionHeader: .mysql,
        orphans: .error("option without a preceding [group]"), separators: [UInt8(ascii: "=")], valueless: .bareKey,
        unquoting: .mysql, strictDuplicates: false, allowsEmptyKey: true, directivePrefix: UInt8(ascii: "!"),
        nulEndsLine: true, requiresUTF8: false)

    /// rsync's rsyncd.conf reader: global parameters before the first `[module]`, backslash
    /// continuation, badly formed lines ignored with a warning.
    package static let rsyncd = INIDialect(
        format: .rsyncd, lineBreaks: ConfigFormat.rsyncd.lineBreaks, maxLineLength: nil, whitespace: .c,
        commentPrefixes: [UInt8(ascii: "#"), UInt8(ascii: ";")], indentedComments: true, inlineComments: .none,
        continuation: .trailingBackslash, sectionHeader: .trimmed, orphans: .implicitSection("global"),
        separators: [UInt8(ascii: "=")], valueless: .warn("badly formed line ignored (no '=')"), unquoting: .none,
        strictDuplicates: false, allowsEmptyKey: false, directivePrefix: UInt8(ascii: "&"), nulEndsLine: true,
        requiresUTF8: false)

    /// boost::program_options config files, as MongoDB 2.x reads `/etc/mongodb.conf`:
    /// `key = value`, `#` comments anywhere, `[section]` prefixing keys as `section.key`.
    package static let boost = INIDialect(
        format: .mongodb, lineBreaks: ConfigFormat.mongodb.lineBreaks, maxLineLength: nil, whitespace: .c,
        commentPrefixes: [UInt8(ascii: "#")], indentedComments: true, inlineComments: .hash, continuation: .none,
        sectionHeader: .trimmed, orphans: .sectionless, separators: [UInt8(ascii: "=")],
        valueless: .error("expected '=' after option name"), unquoting: .none, strictDuplicates: false,
        allowsEmptyKey: false, directivePrefix: nil, nulEndsLine: true, requiresUTF8: false)
}
