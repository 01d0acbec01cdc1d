import DriftCore

/// Everything stackdrift knows about one configuration format, in one place: the program
/// whose reading it imitates, how that program splits lines and compares names, which of
/// several occurrences it uses, which files it includes, whether a value can be a secret,
/// how it is parsed and how a new entry is written in it.
///
/// `ConfigFormat` (DriftCore) only names a format; what a format *means* is here, so adding a
/// format is one description (and its parser), not a `switch` in every module.
package struct FormatDescription: Sendable {
    package let format: ConfigFormat
    /// The program whose reading is imitated, as the README's format table names it.
    package let reader: String
    /// Python programs fail on files that are not UTF-8; C programs read bytes.
    package let requiresUTF8: Bool
    /// How the program splits the file into lines; line numbers count these breaks.
    package let lineBreaks: LineBreaks
    /// Whether the format has sections at all; entries of sectionless formats have `section == nil`.
    package let hasSections: Bool
    /// Whether a value in this format can be a secret: /etc/hosts and sysctl.conf hold none,
    /// so redaction need not look at their entries.
    package let holdsSecrets: Bool
    /// Which of several occurrences of a single-valued option the program uses.
    package let precedence: Precedence
    let keyFolding: KeyFolding
    let sectionFolding: SectionFolding
    let parser: @Sendable (SourceText, String, SecretPolicy, IncludeResolver?) throws -> ConfigDocument
    /// The files a file includes, found in its bytes (MySQL `!include`/`!includedir`); `nil`
    /// for formats without includes.
    package let includes: (@Sendable ([UInt8]) -> [IncludeDirective])?
    /// Writes new entries the way the format spells them (for fixes).
    package let writer: EntryWriter

    /// Which occurrence of an option the program reads.
    package enum Precedence: Sendable {
        /// The last one read (oslo.config, MySQL, LVM, most line formats).
        case last
        /// The first line naming it (glibc's /etc/hosts).
        case first
        /// Paste Deploy: `set name` in the section wins, else a `[DEFAULT]` value, else the section's own.
        case pasteDefaults
        /// rsync: a module's own parameter, else the global one.
        case globalFallback
    }

    enum KeyFolding: Sendable {
        case exact, mysql, sysctl, lowercased, rsyncd, memcached
    }

    enum SectionFolding: Sendable {
        /// oslo.config's `_normalize_group_name`: DEFAULT as written, other groups lowercased.
        case oslo
        /// Compared ignoring case (MySQL groups).
        case lowercased
        case exact
    }

    /// The description of a format.
    package static func of(_ format: ConfigFormat) -> FormatDescription { all[format]! }

    /// Every format's description.
    package static let all: [ConfigFormat: FormatDescription] = {
        // The dialect is looked up when a file is parsed, not now: dialects read their line breaks
        // from these descriptions, and building them here would initialise this table recursively.
        func ini(_ dialect: @autoclosure @escaping @Sendable () -> INIDialect)
            -> @Sendable (SourceText, String, SecretPolicy, IncludeResolver?) throws -> ConfigDocument {
            { source, path, secrets, _ in try INIParser(dialect: dialect(), secrets: secrets).parse(source, path: path) }
        }
        func lines(_ format: ConfigFormat) -> @Sendable (SourceText, String, SecretPolicy, IncludeResolver?) throws -> ConfigDocument {
            { source, path, secrets, _ in try LineFormatParser(format: format, secrets: secrets).parse(source, path: path) }
        }
        let descriptions = [
            FormatDescription(format: .osloINI, reader: "oslo.config", requiresUTF8: true, lineBreaks: .universal, hasSections: true,
                              holdsSecrets: true, precedence: .last, keyFolding: .exact, sectionFolding: .oslo,
                              parser: ini(.oslo), includes: nil, writer: EntryWriter(style: .assignment(" = "))),
            FormatDescription(format: .mysql, reader: "MariaDB's my_default.c (my_print_defaults)", requiresUTF8: false,
                              lineBreaks: .lineFeed, hasSections: true, holdsSecrets: true, precedence: .last,
                              keyFolding: .mysql, sectionFolding: .lowercased,
                              parser: { source, path, secrets, includes in
                                  try MySQLOptionReader(secrets: secrets, resolver: includes).read(source, path: path)
                              },
                              includes: { bytes in
                                  MySQLOptionReader.includeTargets(in: bytes).map {
                                      IncludeDirective(path: $0.path, isDirectory: $0.isDirectory,
                                                       accepts: MySQLOptionReader.hasOptionFileExtension)
                                  }
                              },
                              writer: EntryWriter(style: .assignment(" = "))),
            FormatDescription(format: .pasteINI, reader: "Python's configparser as Paste Deploy uses it", requiresUTF8: true,
                              lineBreaks: .universal, hasSections: true, holdsSecrets: true, precedence: .pasteDefaults,
                              keyFolding: .exact, sectionFolding: .exact,
                              parser: { source, path, secrets, _ in try PasteDeployReader(secrets: secrets).read(source, path: path) },
                              includes: nil, writer: EntryWriter(style: .assignment(" = "))),
            FormatDescription(format: .lvm, reader: "libdevmapper's config tokenizer (lvmconfig)", requiresUTF8: false,
                              lineBreaks: .lineFeed, hasSections: true, holdsSecrets: false, precedence: .last,
                              keyFolding: .exact, sectionFolding: .exact,
                              parser: { source, path, secrets, _ in try LVMParser(secrets: secrets).parse(source, path: path) },
                              includes: nil, writer: EntryWriter(style: .lvm)),
            FormatDescription(format: .sysctl, reader: "procps sysctl -p", requiresUTF8: false, lineBreaks: .lineFeed,
                              hasSections: false, holdsSecrets: false, precedence: .last, keyFolding: .sysctl,
                              sectionFolding: .exact, parser: lines(.sysctl), includes: nil,
                              writer: EntryWriter(style: .assignment(" = "))),
            FormatDescription(format: .hosts, reader: "glibc's files backend", requiresUTF8: false, lineBreaks: .lineFeed,
                              hasSections: false, holdsSecrets: false, precedence: .first, keyFolding: .lowercased,
                              sectionFolding: .exact, parser: lines(.hosts), includes: nil,
                              writer: EntryWriter(style: .valueFirst("\t"))),
            FormatDescription(format: .memcached, reader: "Debian's start-memcached", requiresUTF8: false, lineBreaks: .lineFeed,
                              hasSections: false, holdsSecrets: false, precedence: .last, keyFolding: .memcached,
                              sectionFolding: .exact, parser: lines(.memcached), includes: nil,
                              writer: EntryWriter(style: .words)),
            FormatDescription(format: .shellVars, reader: "sh assignments (never executed)", requiresUTF8: false,
                              lineBreaks: .lineFeed, hasSections: false, holdsSecrets: true, precedence: .last,
                              keyFolding: .exact, sectionFolding: .exact, parser: lines(.shellVars), includes: nil,
                              writer: EntryWriter(style: .shell)),
            FormatDescription(format: .rsyncd, reader: "rsync's loadparm", requiresUTF8: false, lineBreaks: .lineFeed,
                              hasSections: true, holdsSecrets: true, precedence: .globalFallback, keyFolding: .rsyncd,
                              sectionFolding: .exact, parser: ini(.rsyncd), includes: nil,
                              writer: EntryWriter(style: .assignment(" = "))),
            FormatDescription(format: .mongodb, reader: "boost::program_options", requiresUTF8: false, lineBreaks: .lineFeed,
                              hasSections: false, holdsSecrets: true, precedence: .last, keyFolding: .exact,
                              sectionFolding: .exact, parser: ini(.boost), includes: nil,
                              writer: EntryWriter(style: .assignment(" = "))),
            FormatDescription(format: .ntp, reader: "ntpd's configuration parser", requiresUTF8: false, lineBreaks: .lineFeed,
                              hasSections: false, holdsSecrets: false, precedence: .last, keyFolding: .exact,
                              sectionFolding: .exact, parser: lines(.ntp), includes: nil, writer: EntryWriter(style: .words)),
            FormatDescription(format: .djangoSettings, reader: "Python's ast.literal_eval", requiresUTF8: true,
                              lineBreaks: .universal, hasSections: false, holdsSecrets: true, precedence: .last,
                              keyFolding: .exact, sectionFolding: .exact,
                              parser: { source, path, secrets, _ in try PythonSettingsParser(secrets: secrets).parse(source, path: path) },
                              includes: nil, writer: EntryWriter(style: .python)),
            FormatDescription(format: .crontab, reader: "cron", requiresUTF8: false, lineBreaks: .lineFeed, hasSections: false,
                              holdsSecrets: true, precedence: .last, keyFolding: .exact, sectionFolding: .exact,
                              parser: lines(.crontab), includes: nil, writer: EntryWriter(style: .words)),
        ]
        return Dictionary(uniqueKeysWithValues: descriptions.map { ($0.format, $0) })
    }()

    /// Parses a file's text the way the program reads it.
    package func parse(_ source: SourceText, path: String, secrets: SecretPolicy, includes: IncludeResolver?) throws -> ConfigDocument {
        try parser(source, path, secrets, includes)
    }

    // MARK: Names

    /// The option name as the consuming program compares it.
    package func normalizedKey(_ key: String) -> String {
        switch keyFolding {
        case .exact:
            return key
        case .mysql:
            // my_getopt treats '-' and '_' alike; the loose- prefix only silences unknown options.
            var name = key.replacingOccurrences(of: "-", with: "_")
            if name.hasPrefix("loose_") { name.removeFirst("loose_".count) }
            return name
        case .sysctl:
            // sysctl accepts `net.ipv4.ip_forward` and `net/ipv4/ip_forward`; a leading '-' only
            // tells it to ignore a failure to set the key.
            var name = key.replacingOccurrences(of: "/", with: ".")
            if name.hasPrefix("-") { name.removeFirst() }
            return name
        case .lowercased:
            // glibc compares host names case-insensitively.
            return key.lowercased()
        case .rsyncd:
            // rsync's strwicmp ignores case and white space: "max connections" is "maxconnections".
            return key.lowercased().filter { !$0.isWhitespace }
        case .memcached:
            return Self.memcachedShortOptions[key] ?? key
        }
    }

    /// memcached's long options and the short options they stand for.
    static let memcachedShortOptions = [
        "--listen": "-l", "--port": "-p", "--udp-port": "-U", "--memory-limit": "-m", "--user": "-u",
        "--conn-limit": "-c", "--threads": "-t", "--max-item-size": "-I", "--verbose": "-v",
    ]

    /// The section name as the consuming program compares it.
    package func normalizedSection(_ section: String) -> String {
        switch sectionFolding {
        case .oslo: return section == "DEFAULT" ? section : section.lowercased()
        case .lowercased: return section.lowercased()
        case .exact: return section
        }
    }

    /// Whether an entry written in `entrySection` is read when the program looks up `wanted`.
    ///
    /// For MySQL, asking for `mysqld` means what the server reads: MariaDB's `mariadbd`
    /// reads `[server]`, `[mysqld]`, `[mysqld-VERSION]`, `[mariadb]`, `[mariadb-VERSION]`,
    /// `[mariadbd]`, `[mariadbd-VERSION]`, `[client-server]` and `[galera]` (checked with
    /// `my_print_defaults --mysqld`); `client` likewise covers `[client-server]` and
    /// `[client-mariadb]`. Versioned groups are taken to apply whatever their version.
    package func sectionMatches(_ entrySection: String, wanted: String) -> Bool {
        let entry = normalizedSection(entrySection), target = normalizedSection(wanted)
        guard format == .mysql else { return entry == target }
        if entry == target { return true }
        switch target {
        case "mysqld", "mariadbd", "mariadb", "server":
            if ["server", "mysqld", "mariadb", "mariadbd", "client-server", "galera"].contains(entry) { return true }
            return ["mysqld-", "mariadb-", "mariadbd-"].contains { entry.hasPrefix($0) && entry.dropFirst($0.count).first?.isNumber == true }
        case "client":
            return entry == "client-server" || entry == "client-mariadb"
        default:
            return false
        }
    }
}

/// One include directive of a file: a file, or a directory whose accepted entries are read in
/// byte order of their names.
package struct IncludeDirective: Sendable {
    package var path: String
    package var isDirectory: Bool
    /// For a directory: which entry names the program reads (`*.cnf` for MySQL).
    package var accepts: @Sendable (String) -> Bool
}

/// How a format spells one entry, so a fix writes a line the program reads as intended.
package struct EntryWriter: Sendable {
    package enum Style: Sendable {
        /// `key<separator>value` (INI files, sysctl, LVM): the separator as the file spells it when it can be told.
        case assignment(String)
        /// `value<separator>key` (/etc/hosts: the address, then the name).
        case valueFirst(String)
        /// `key value…` (ntp directives, memcached options, crontab schedules).
        case words
        /// `KEY=value`, single-quoted when the value needs it (shell assignments).
        case shell
        /// `KEY = 'value'` (a Python string literal).
        case python
        /// `key = "value"` inside a `name {` block (lvm.conf): strings quoted, integers bare, arrays
        /// as `[ "a", "b" ]`, indented like the block's other entries.
        case lvm
    }

    package let style: Style

    /// The line (without its break) that sets `key` to `value`; `existing` is a raw entry of the
    /// same file whose spacing around `=` is reused, so the new line looks like its neighbours.
    package func line(key: String, value: String, like existing: String? = nil) -> String {
        switch style {
        case .assignment(let separator):
            return key + (existing.flatMap(Self.separator(in:)) ?? separator) + value
        case .lvm:
            return key + (existing.flatMap(Self.separator(in:)) ?? " = ") + self.value(value)
        case .valueFirst(let separator):
            return value + separator + key
        case .words:
            return key + " " + value
        case .shell:
            return key + "=" + self.value(value)
        case .python:
            return key + " = " + self.value(value)
        }
    }

    /// A value as written where the parser's value range lies: bare for the INI and line formats
    /// (their parsers unquote inside the range), a literal where the range covers the quotes.
    package func value(_ value: String) -> String {
        switch style {
        case .assignment, .valueFirst, .words:
            return value
        case .shell:
            let plain = value.allSatisfy { $0.isLetter || $0.isNumber || "_-./:,@%+=".contains($0) }
            return plain && !value.isEmpty ? value : "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
        case .python:
            return "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        case .lvm:
            if Int64(value) != nil { return value }
            return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
    }

    /// A list value spelled as `original` (the value as the file writes it) spells it: an LVM
    /// array, a Paste pipeline's words, an oslo list's commas with their spacing (`commas`: the
    /// program splits at commas, whatever the original shows); `nil` where a list is a literal
    /// stackdrift does not write (Python, shell).
    package func list(_ elements: [String], like original: String, commas: Bool = false) -> String? {
        switch style {
        case .lvm:
            return "[ " + elements.map(value).joined(separator: ", ") + " ]"
        case .python, .shell:
            return nil
        case .assignment, .valueFirst, .words:
            if original.contains(",") || commas { return elements.joined(separator: original.contains(", ") ? ", " : ",") }
            return elements.joined(separator: " ")
        }
    }

    /// A line turned into a comment: the program no longer reads it, the operator still sees it.
    /// Every format stackdrift reads takes `#` at the start of a line as a comment.
    package func comment(_ line: String) -> String { "#" + line }

    /// The header line of a new section; `nil` where sections are blocks (lvm.conf's `name { … }`).
    package func header(_ section: String) -> String? {
        if case .lvm = style { return nil }
        return "[" + section + "]"
    }

    /// Whether entries keep the indentation of their neighbours; in INI files an indented line
    /// continues the previous value, so there a new entry starts at the margin.
    package var indents: Bool {
        if case .lvm = style { return true }
        return false
    }

    /// `" = "` from `a = b`, `"="` from `a=b`: the text between a key and its value around the first `=`.
    static func separator(in line: String) -> String? {
        guard let equals = line.firstIndex(of: "=") else { return nil }
        var start = equals, end = line.index(after: equals)
        while start > line.startIndex, line[line.index(before: start)] == " " || line[line.index(before: start)] == "\t" {
            start = line.index(before: start)
        }
        while end < line.endIndex, line[end] == " " || line[end] == "\t" { end = line.index(after: end) }
        guard start > line.startIndex else { return nil }
        return String(line[start..<end])
    }
}

extension ConfigFormat {
    /// This format's description (`FormatDescription.of(self)`).
    package var details: FormatDescription { FormatDescription.of(self) }

    package var lineBreaks: LineBreaks { details.lineBreaks }
    package var hasSections: Bool { details.hasSections }
    /// Formats read by Python programs, which fail on files that are not UTF-8.
    package var isReadByPython: Bool { details.requiresUTF8 }
    package func normalizedKey(_ key: String) -> String { details.normalizedKey(key) }
    package func normalizedSection(_ section: String) -> String { details.normalizedSection(section) }
    package func sectionMatches(_ entrySection: String, wanted: String) -> Bool { details.sectionMatches(entrySection, wanted: wanted) }
}
