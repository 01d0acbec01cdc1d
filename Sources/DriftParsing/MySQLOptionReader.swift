import DriftCore
import Foundation

/// Reads files named by include directives: from a host's collected files during an
/// audit, or from the local disk for `stackdrift parse`.
package protocol IncludeResolver {
    func read(_ path: String) -> IncludeRead
    /// Names (not paths) of the entries of a directory.
    func list(_ directory: String) -> DirectoryRead
}

/// Includes that lead nowhere: for reading one file on its own (and for fuzzing, which
/// must not touch the file system).
package struct NoIncludes: IncludeResolver {
    package init() {}
    package func read(_ path: String) -> IncludeRead { .missing }
    package func list(_ directory: String) -> DirectoryRead { .missing }
}

package enum IncludeRead: Sendable, Hashable {
    case content([UInt8])
    case missing
    case failed(String)
    /// Not read: the path leads outside the include confinement (the reason says where).
    case refused(String)
}

package enum DirectoryRead: Sendable, Hashable {
    case entries([String])
    case missing
    case failed(String)
    /// Not listed: the directory lies outside the include confinement (the reason says where).
    case refused(String)
}

/// MySQL/MariaDB option files read as `my_default.c` reads them, producing the
/// effective option set: every option of every included file in reading order,
/// each pointing back to its file and line.
///
/// Checked against `my_print_defaults` (mariadb-client 10.11): groups are
/// case-insensitive; `#` outside quotes ends a line; `!include FILE` of a missing
/// file is silently skipped but `!includedir DIR` of a missing directory is fatal (the
/// document records it in `errors` and goes on reading, so the file's own values can
/// still be checked);
/// `!includedir` reads `*.cnf` (case-sensitive) in byte order; includes nest ten
/// deep; a directive on a last line without a newline loses its last character;
/// lines longer than 4094 bytes are read in 4094-byte pieces.
package final class MySQLOptionReader: INIDirectiveHandler {
    /// `fgets(buff, sizeof(buff) - 1, fp)` with a 4096-byte buffer reads at most 4094 bytes.
    package static let fgetsLimit = 4094
    /// `max_recursion_level` in my_default.c.
    package static let maxIncludeDepth = 10

    private let secrets: SecretPolicy
    private let resolver: IncludeResolver?
    private var depth = 0
    /// Every included file's own document, in reading order.
    private var included: [ConfigDocument] = []
    private var warnings: [Diagnostic] = []
    /// Problems the server refuses to start on; reading goes on past them.
    private var errors: [Diagnostic] = []
    /// Includes leading outside the confinement, never read.
    private var refused: [Diagnostic] = []

    package init(secrets: SecretPolicy, resolver: IncludeResolver?) {
        self.secrets = secrets
        self.resolver = resolver
    }

    /// Reads a file and everything it includes.
    package func read(_ source: SourceText, path: String) throws -> ConfigDocument {
        var document = try parseFile(source, path: path)
        document.includes = included
        document.warnings += warnings
        document.errors += errors
        document.refusedIncludes += refused
        return document
    }

    private func parseFile(_ source: SourceText, path: String) throws -> ConfigDocument {
        let parser = INIParser(dialect: .mysql, secrets: secrets)
        return try parser.parse(ParseContext(path: path, source: source, secrets: secrets), directives: self)
    }

    // MARK: Directives

    func handle(directive: Range<Int>, line: LineRange, context: ParseContext) throws -> [Entry] {
        guard depth < Self.maxIncludeDepth else {
            warnings.append(context.diagnostic(.include, at: line, column: 1,
                                               "directive skipped: includes nest more than \(Self.maxIncludeDepth) deep"))
            return []
        }
        guard let parsed = Self.directive(context.source.bytes, at: directive.lowerBound, line: line) else {
            return []  // my_default.c ignores unknown directives
        }
        guard let path = parsed.path else {
            throw context.error(.include, at: line, column: directive.lowerBound - line.start + 1,
                                "'!\(parsed.isDirectory ? "includedir" : "include")' needs a path")
        }
        let argument = context.string(path)
        return parsed.isDirectory
            ? try includeDirectory(argument, line: line, context: context)
            : includeFile(argument, line: line, context: context)
    }

    /// Reads `!include PATH` or `!includedir PATH` starting at the '!' as `my_default.c` does;
    /// `nil` for other directives. `path` is `nil` when the directive has no argument.
    static func directive(_ bytes: [UInt8], at bang: Int, line: LineRange) -> (isDirectory: Bool, path: Range<Int>?)? {
        var cursor = bang + 1
        while cursor < line.contentEnd, ByteClass.isMySQLSpace(bytes[cursor]) { cursor += 1 }
        let isDirectory: Bool
        if keyword("includedir", in: bytes, at: cursor, end: line.contentEnd) {
            isDirectory = true
            cursor += "includedir".utf8.count
        } else if keyword("include", in: bytes, at: cursor, end: line.contentEnd) {
            isDirectory = false
            cursor += "include".utf8.count
        } else {
            return nil
        }
        while cursor < line.contentEnd, ByteClass.isMySQLSpace(bytes[cursor]) { cursor += 1 }
        // get_argument: fgets leaves the newline at the end and the code always drops the last
        // byte; on a last line without a newline that byte is part of the path.
        var end = line.contentEnd
        if line.end == line.contentEnd, end > cursor { end -= 1 }
        while end > cursor, ByteClass.isMySQLSpace(bytes[end - 1]) { end -= 1 }
        return (isDirectory, end > cursor ? cursor..<end : nil)
    }

    /// The files and directories a MySQL option file includes, for fetching them from a host
    /// before parsing. Scans directive lines only; groups and options do not matter here.
    package static func includeTargets(in content: [UInt8]) -> [(isDirectory: Bool, path: String)] {
        guard content.contains(UInt8(ascii: "!")) else { return [] }
        var targets: [(Bool, String)] = []
        let source = ConfigText.sourceText(content, requiresUTF8: false)
        for line in LineBreaks.lineFeed.lines(content, maxLength: fgetsLimit) {
            var start = line.start
            while start < line.contentEnd, ByteClass.isMySQLSpace(content[start]) { start += 1 }
            guard start < line.contentEnd, content[start] == UInt8(ascii: "!"),
                  let parsed = directive(content, at: start, line: line), let path = parsed.path else { continue }
            let text = source.string(path)
            targets.append((parsed.isDirectory, text.hasPrefix("/") ? text : "/" + text))
        }
        return targets
    }

    private func includeFile(_ path: String, line: LineRange, context: ParseContext) -> [Entry] {
        guard let resolver else {
            warnings.append(context.diagnostic(.include, at: line, column: 1, "'\(path)' not followed (no files to read it from)"))
            return []
        }
        switch resolver.read(absolute(path)) {
        case .missing:
            // The server skips a missing !include silently; say so, it is rarely intended.
            warnings.append(context.diagnostic(.include, at: line, column: 1,
                                               "included file '\(path)' does not exist (MySQL skips it silently)"))
            return []
        case .failed(let reason):
            warnings.append(context.diagnostic(.include, at: line, column: 1, "cannot read included file '\(path)': \(reason)"))
            return []
        case .refused(let reason):
            refused.append(context.diagnostic(.include, at: line, column: 1,
                                              "includes '\(path)', \(reason); not read"))
            return []
        case .content(let bytes):
            let source = ConfigText.sourceText(bytes, requiresUTF8: false)
            depth += 1
            defer { depth -= 1 }
            do {
                let document = try parseFile(source, path: absolute(path))
                included.append(document)
                return document.entries
            } catch let diagnostic as Diagnostic {
                warnings.append(diagnostic)
                return []
            } catch {
                return []
            }
        }
    }

    private func includeDirectory(_ directory: String, line: LineRange, context: ParseContext) throws -> [Entry] {
        guard let resolver else {
            warnings.append(context.diagnostic(.include, at: line, column: 1, "'\(directory)' not followed (no files to read it from)"))
            return []
        }
        let names: [String]
        switch resolver.list(absolute(directory)) {
        case .entries(let entries): names = entries
        case .missing:
            // my_default.c stops with "Fatal error in defaults handling": the server does not start.
            // What the file sets is still read, so its values can be checked; the problem is told once.
            errors.append(context.diagnostic(.include, at: line, column: 1,
                                             "directory '\(directory)' named by !includedir does not exist (MySQL refuses to start)"))
            return []
        case .refused(let reason):
            refused.append(context.diagnostic(.include, at: line, column: 1,
                                              "includes directory '\(directory)', \(reason); not read"))
            return []
        case .failed(let reason):
            // Files stackdrift cannot list may set any option: nothing in this file can be judged.
            throw context.error(.include, at: line, column: 1, "cannot read directory '\(directory)': \(reason)")
        }
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var entries: [Entry] = []
        for name in names.filter(Self.hasOptionFileExtension).sorted(by: Self.byteOrder) {
            entries += includeFile(base + "/" + name, line: line, context: context)
        }
        return entries
    }

    /// `fn_ext2` finds the last '.', and the extension must be exactly ".cnf".
    package static func hasOptionFileExtension(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: ".") else { return false }
        return name[dot...] == ".cnf"
    }

    /// `my_dir(..., MY_WANT_SORT)` sorts with strcmp: byte order.
    static func byteOrder(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    private func absolute(_ path: String) -> String {
        // The server resolves relative paths against its working directory; stackdrift reads from '/'.
        path.hasPrefix("/") ? path : "/" + path
    }

    static func keyword(_ word: String, in bytes: [UInt8], at index: Int, end: Int) -> Bool {
        let count = word.utf8.count
        guard index + count <= end else { return false }
        guard bytes[index..<(index + count)].elementsEqual(word.utf8) else { return false }
        // The keyword must be followed by white space (the newline counts).
        return index + count == end || ByteClass.isMySQLSpace(bytes[index + count])
    }

    // MARK: Values

    /// `remove_end_comment`: the offset of the first `#` outside quotes, or the end.
    static func endOfComment(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var quote: UInt8 = 0
        var escape = false
        for index in range {
            let byte = bytes[index]
            if (byte == 0x27 || byte == 0x22) && !escape {
                if quote == 0 { quote = byte } else if quote == byte { quote = 0 }
            }
            if quote == 0 && byte == UInt8(ascii: "#") { return index }
            escape = quote != 0 && byte == UInt8(ascii: "\\") && !escape
        }
        return range.upperBound
    }

    /// Removes surrounding quotes (when the value is at least two bytes long) and processes
    /// the escapes `\n \t \r \b \s \" \' \\`; other backslashes are kept.
    static func unquote(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, source: SourceText)
        -> (String, Range<Int>) {
        var start = range.lowerBound, end = range.upperBound
        if end - start >= 2, bytes[start] == 0x22 || bytes[start] == 0x27, bytes[end - 1] == bytes[start] {
            start += 1
            end -= 1
        }
        guard bytes[start..<end].contains(UInt8(ascii: "\\")) else {
            return (source.string(start..<end), start..<end)
        }
        var output: [UInt8] = []
        output.reserveCapacity(end - start)
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), index != end - 1 {
                index += 1
                switch bytes[index] {
                case UInt8(ascii: "n"): output.append(0x0A)
                case UInt8(ascii: "t"): output.append(0x09)
                case UInt8(ascii: "r"): output.append(0x0D)
                case UInt8(ascii: "b"): output.append(0x08)
                case UInt8(ascii: "s"): output.append(0x20)
                case 0x22, 0x27, UInt8(ascii: "\\"): output.append(bytes[index])
                default:
                    output.append(UInt8(ascii: "\\"))
                    output.append(bytes[index])
                }
            } else {
                output.append(byte)
            }
            index += 1
        }
        return (SourceText(bytes: output, encoding: source.encoding).text, start..<end)
    }
}

/// Resolves includes from the local file system wherever they lead, as `my_print_defaults`
/// does: for the differential tests only. Everything else follows includes through the
/// collector, confined (`IncludeConfinement`).
package struct LocalIncludeResolver: IncludeResolver {
    package init() {}

    package func read(_ path: String) -> IncludeRead {
        guard let handle = fopen(path, "rb") else { return errno == ENOENT ? .missing : .failed(String(cString: strerror(errno))) }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, handle)
            if count > 0 { bytes += buffer[0..<count] }
            if count < buffer.count { break }
        }
        return .content(bytes)
    }

    package func list(_ directory: String) -> DirectoryRead {
        guard let dir = opendir(directory) else { return errno == ENOENT ? .missing : .failed(String(cString: strerror(errno))) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return .entries(names)
    }
}
