import DriftCore
import Foundation

/// Formats read one line at a time by C programs and scripts: sysctl.conf,
/// /etc/hosts, memcached.conf, shell-style `KEY=value` files and ntp.conf.
///
/// One walker tiles the file into segments and builds entries; each format
/// supplies only how it reads a line, following the program that consumes it.
package struct LineFormatParser: Sendable {
    package var format: ConfigFormat
    package var secrets: SecretPolicy

    package init(format: ConfigFormat, secrets: SecretPolicy) {
        self.format = format
        self.secrets = secrets
    }

    /// What one line holds.
    enum LineReading {
        case trivia
        /// Entries whose ranges lie within the line (or, for shell values, run over the next lines).
        case entries([Parts])
        /// The program warns and ignores the line.
        case warning(String)
    }

    /// One entry found on a line.
    struct Parts {
        var key: String
        var value: ConfigValue
        var valueRange: Range<Int>?
        /// The last line the entry occupies, when a quoted shell value runs over several.
        var lastLine: LineRange?
    }

    package func parse(_ source: SourceText, path: String) throws -> ConfigDocument {
        let context = ParseContext(path: path, source: source, secrets: secrets)
        let lines = format.lineBreaks.lines(source.bytes)
        var entries: [Entry] = []
        var segments: [ConfigDocument.Segment] = []
        var warnings: [Diagnostic] = []
        var trivia: (start: Int, end: Int, line: Int)?

        func closeTrivia() {
            if let run = trivia { segments.append(.init(kind: .trivia, range: run.start..<run.end, line: run.line)) }
            trivia = nil
        }

        try source.bytes.withUnsafeBufferPointer { bytes in
            var index = 0
            while index < lines.count {
                var line = lines[index]
                index += 1
                // The C readers stop at a NUL byte.
                if let nul = bytes[line.content].firstIndex(of: 0) { line.contentEnd = nul }
                let reading = try read(line, bytes: bytes, lines: lines, context: context)
                switch reading {
                case .trivia:
                    trivia = trivia.map { ($0.start, line.end, $0.line) } ?? (line.start, line.end, line.number)
                case .warning(let message):
                    warnings.append(context.diagnostic(.syntax, at: line, column: 1, message))
                    trivia = trivia.map { ($0.start, line.end, $0.line) } ?? (line.start, line.end, line.number)
                case .entries(let parts):
                    guard !parts.isEmpty else {
                        trivia = trivia.map { ($0.start, line.end, $0.line) } ?? (line.start, line.end, line.number)
                        continue
                    }
                    closeTrivia()
                    let lastLine = parts.compactMap(\.lastLine).max { $0.number < $1.number } ?? line
                    let first = entries.count
                    for part in parts {
                        entries.append(Entry(
                            section: nil, key: part.key, value: part.value,
                            span: SourceSpan(file: path, startLine: line.number, endLine: lastLine.number),
                            byteRange: line.start..<lastLine.end, valueRange: part.valueRange,
                            valueColumn: part.valueRange.map { $0.lowerBound - line.start + 1 }))
                    }
                    segments.append(.init(kind: .entry(first), range: line.start..<lastLine.end, line: line.number))
                    // Skip the lines a multi-line value consumed.
                    while index < lines.count, lines[index].number <= lastLine.number { index += 1 }
                }
            }
        }
        closeTrivia()
        return ConfigDocument(path: path, format: format, source: source, lineBreaks: format.lineBreaks, entries: entries,
                              segments: segments, warnings: warnings)
    }

    func read(_ line: LineRange, bytes: UnsafeBufferPointer<UInt8>, lines: [LineRange], context: ParseContext) throws
        -> LineReading {
        switch format {
        case .sysctl: return sysctl(line, bytes, context)
        case .hosts: return hosts(line, bytes, context)
        case .memcached: return memcached(line, bytes, context)
        case .ntp: return ntp(line, bytes, context)
        case .crontab: return crontab(line, bytes, context)
        case .shellVars: return try ShellWords.assignments(line, bytes: bytes, lines: lines, context: context)
        default: return .trivia
        }
    }

    // MARK: sysctl.conf

    /// procps-ng `sysctl -p`: strip the line; skip it if shorter than two bytes or a `#`/`;`
    /// comment; the name is `strtok(line, "=")` stripped (leading '=' skipped); the value runs
    /// from after the '=' to the end of the line, leading blanks removed. A line without a
    /// name or a value is reported ("invalid syntax, continuing...") and skipped.
    func sysctl(_ line: LineRange, _ bytes: UnsafeBufferPointer<UInt8>, _ context: ParseContext) -> LineReading {
        let stripped = ByteClass.cStrip(bytes, line.content)
        guard stripped.count >= 2 else { return .trivia }
        let first = bytes[stripped.lowerBound]
        if first == UInt8(ascii: "#") || first == UInt8(ascii: ";") { return .trivia }
        var nameStart = stripped.lowerBound
        while nameStart < stripped.upperBound, bytes[nameStart] == UInt8(ascii: "=") { nameStart += 1 }
        let equals = bytes[nameStart..<stripped.upperBound].firstIndex(of: UInt8(ascii: "="))
        let name = ByteClass.cStrip(bytes, nameStart..<(equals ?? stripped.upperBound))
        guard !name.isEmpty, let equals else { return .warning("invalid syntax (sysctl skips this line)") }
        var valueStart = equals + 1
        while valueStart < stripped.upperBound, bytes[valueStart] == UInt8(ascii: "=") || bytes[valueStart] == 0x0D { valueStart += 1 }
        while valueStart < stripped.upperBound, bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09 { valueStart += 1 }
        var valueEnd = valueStart
        while valueEnd < stripped.upperBound, bytes[valueEnd] != 0x0D { valueEnd += 1 }
        guard valueEnd > valueStart else { return .warning("invalid syntax: no value (sysctl skips this line)") }
        let range = valueStart..<valueEnd
        return .entries([Parts(key: context.string(name), value: .string(context.string(range)), valueRange: range)])
    }

    // MARK: /etc/hosts

    /// glibc's files backend: `#` starts a comment anywhere; the first field must be an IPv4
    /// or IPv6 address, then the canonical name and aliases. Each name becomes an entry whose
    /// value is the address; lookups take a name's first line, as the resolver does.
    func hosts(_ line: LineRange, _ bytes: UnsafeBufferPointer<UInt8>, _ context: ParseContext) -> LineReading {
        let end = bytes[line.content].firstIndex(of: UInt8(ascii: "#")) ?? line.contentEnd
        let fields = Self.fields(bytes, line.start..<end)
        guard let addressRange = fields.first else { return .trivia }
        let address = context.string(addressRange)
        guard Self.isIPAddress(address) else {
            return .warning("'\(address)' is not an IP address; the resolver ignores this line")
        }
        guard fields.count >= 2 else { return .warning("address '\(address)' has no host name; the resolver ignores this line") }
        return .entries(fields.dropFirst().map { name in
            Parts(key: context.string(name), value: .string(address), valueRange: addressRange)
        })
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    // MARK: memcached.conf

    /// Debian's `start-memcached`: `#` starts a comment, blank lines are skipped, `-d` and `-h`
    /// are ignored, and a line not starting with '-' is reported and skipped. An option line
    /// becomes an entry keyed by its option (`-l`, or `--listen` before an '='), valued by the rest.
    func memcached(_ line: LineRange, _ bytes: UnsafeBufferPointer<UInt8>, _ context: ParseContext) -> LineReading {
        let end = bytes[line.content].firstIndex(of: UInt8(ascii: "#")) ?? line.contentEnd
        let content = ByteClass.cStrip(bytes, line.start..<end)
        guard !content.isEmpty else { return .trivia }
        guard bytes[content.lowerBound] == UInt8(ascii: "-") else {
            return .warning("not an option line (start-memcached skips it)")
        }
        var keyEnd = content.lowerBound
        while keyEnd < content.upperBound, !ByteClass.isCSpace(bytes[keyEnd]), bytes[keyEnd] != UInt8(ascii: "=") { keyEnd += 1 }
        let key = context.string(content.lowerBound..<keyEnd)
        if key == "-d" || key == "-h" { return .trivia }
        var valueStart = keyEnd
        if valueStart < content.upperBound, bytes[valueStart] == UInt8(ascii: "=") { valueStart += 1 }
        while valueStart < content.upperBound, ByteClass.isCSpace(bytes[valueStart]) { valueStart += 1 }
        let range = valueStart..<content.upperBound
        let value: ConfigValue = range.isEmpty ? .none : .string(context.string(range))
        return .entries([Parts(key: key, value: value, valueRange: range.isEmpty ? nil : range)])
    }

    // MARK: ntp.conf

    /// ntpd's configuration: `#` starts a comment; the first word is the directive and the
    /// following words its arguments (a list). Directives such as `server` repeat.
    func ntp(_ line: LineRange, _ bytes: UnsafeBufferPointer<UInt8>, _ context: ParseContext) -> LineReading {
        let end = bytes[line.content].firstIndex(of: UInt8(ascii: "#")) ?? line.contentEnd
        let fields = Self.fields(bytes, line.start..<end)
        guard let directive = fields.first else { return .trivia }
        let arguments = fields.dropFirst()
        let range = arguments.first.map { $0.lowerBound..<arguments.last!.upperBound }
        return .entries([Parts(key: context.string(directive), value: .list(arguments.map { .string(context.string($0)) }),
                               valueRange: range)])
    }

    // MARK: crontab

    /// cron's user crontabs: `#` comment lines, `NAME=value` settings, and jobs keyed by their
    /// schedule (`@hourly`, or the five time fields joined by single spaces) valued by the command.
    func crontab(_ line: LineRange, _ bytes: UnsafeBufferPointer<UInt8>, _ context: ParseContext) -> LineReading {
        let content = ByteClass.cStrip(bytes, line.content)
        guard let first = content.first, bytes[first] != UInt8(ascii: "#") else { return .trivia }
        let fields = Self.fields(bytes, content)
        // cron's load_env: one word, optional blanks, '=' (`PATH = /usr/bin` is a setting too).
        if let equals = bytes[content].firstIndex(of: UInt8(ascii: "=")),
           Self.fields(bytes, content.lowerBound..<equals).count == 1 {
            let name = ByteClass.cStrip(bytes, content.lowerBound..<equals)
            let value = ByteClass.cStrip(bytes, (equals + 1)..<content.upperBound)
            return .entries([Parts(key: context.string(name), value: .string(context.string(value)), valueRange: value)])
        }
        let scheduleFields = bytes[fields[0].lowerBound] == UInt8(ascii: "@") ? 1 : 5
        guard fields.count > scheduleFields else { return .warning("a job needs a schedule and a command") }
        let schedule = fields[0..<scheduleFields].map { context.string($0) }.joined(separator: " ")
        let command = fields[scheduleFields].lowerBound..<content.upperBound
        return .entries([Parts(key: schedule, value: .string(context.string(command)), valueRange: command)])
    }

    /// White-space separated fields of a byte range.
    static func fields(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [Range<Int>] {
        var fields: [Range<Int>] = []
        var index = range.lowerBound
        while index < range.upperBound {
            while index < range.upperBound, ByteClass.isCSpace(bytes[index]) { index += 1 }
            let start = index
            while index < range.upperBound, !ByteClass.isCSpace(bytes[index]) { index += 1 }
            if index > start { fields.append(start..<index) }
        }
        return fields
    }
}
