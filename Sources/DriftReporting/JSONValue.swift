/// A JSON value with ordered object keys and explicit nulls, printed deterministically.
///
/// Report consumers rely on a stable layout (the contract's key order, `null`
/// rather than a missing key), which `JSONEncoder` does not promise.
package indirect enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    /// Finite numbers only; NaN and infinities print as null (JSON has no spelling for them).
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: return false
        }
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(rendered(pretty: false))
    }

    package static func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    package static func int(_ value: Int?) -> JSONValue { value.map { .int(Int64($0)) } ?? .null }

    /// Two-space indented, one key per line, with a trailing newline when `pretty`.
    package func rendered(pretty: Bool = true) -> String {
        var output = ""
        write(to: &output, indent: pretty ? 0 : nil)
        if pretty { output += "\n" }
        return output
    }

    /// A top-level object whose members are written one by one, an array member's elements
    /// made only as each is written (`stream` calls `emit` per element): a report of ten
    /// thousand hosts is then never a whole tree in memory, nor its whole text. Prints exactly
    /// as `.object(...).rendered()` would.
    enum StreamedMember {
        case value(JSONValue)
        case elements((_ emit: (JSONValue) throws -> Void) throws -> Void)
        /// Elements each written compactly, as UTF-8, straight into the text by the emitted
        /// closure (a fleet's findings: a million of them, too many to build a tree for each).
        case written((_ emit: ((inout [UInt8]) -> Void) throws -> Void) throws -> Void)
    }

    /// What separates two elements of a streamed array member (each on its own line).
    static let elementSeparator = ",\n    "

    static func writeStreamed(_ members: [(String, StreamedMember)], to text: inout ReportText) throws {
        var output: [UInt8] = [UInt8(ascii: "{")]
        func append(_ value: String) { output += value.utf8 }
        for (index, (key, member)) in members.enumerated() {
            append(index > 0 ? ",\n  " : "\n  ")
            writeString(key, to: &output)
            append(": ")
            var count = 0
            // One element per line, compact: a fleet's findings are most of the report, and
            // line-per-finding keeps it greppable at a fraction of the indented size.
            func element(_ write: (inout [UInt8]) -> Void) throws {
                append(count == 0 ? "[\n    " : elementSeparator)
                count += 1
                write(&output)
                if output.count >= ReportText.flushSize {
                    text.append(bytes: output)
                    output.removeAll(keepingCapacity: true)
                    try text.flush()
                }
            }
            switch member {
            case .value(let value):
                var rendered = ""
                value.write(to: &rendered, indent: 1)
                append(rendered)
                continue
            case .elements(let stream):
                try stream { value in
                    try element { output in
                        var rendered = ""
                        value.write(to: &rendered, indent: nil)
                        output += rendered.utf8
                    }
                }
            case .written(let stream):
                try stream { write in try element(write) }
            }
            append(count == 0 ? "[]" : "\n  ]")
        }
        append("\n}\n")
        text.append(bytes: output)
    }

    func write(to output: inout String, indent: Int?) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .double(let value): output += value.isFinite ? "\(value)" : "null"
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let items):
            guard !items.isEmpty else { output += "[]"; return }
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                Self.newline(&output, indent.map { $0 + 1 })
                item.write(to: &output, indent: indent.map { $0 + 1 })
            }
            Self.newline(&output, indent)
            output += "]"
        case .object(let pairs):
            guard !pairs.isEmpty else { output += "{}"; return }
            output += "{"
            for (index, (key, value)) in pairs.enumerated() {
                if index > 0 { output += "," }
                Self.newline(&output, indent.map { $0 + 1 })
                Self.writeString(key, to: &output)
                output += indent == nil ? ":" : ": "
                value.write(to: &output, indent: indent.map { $0 + 1 })
            }
            Self.newline(&output, indent)
            output += "}"
        }
    }

    private static func newline(_ output: inout String, _ indent: Int?) {
        guard let indent else { return }
        output += "\n" + String(repeating: "  ", count: indent)
    }

    /// Whether any byte of `value` may need an escape (a plain loop over contiguous UTF-8: this
    /// runs for every string of a report of a million findings). Conservative: a byte that
    /// leads any scalar `VisibleText.needsReplacement` names sends the string down the
    /// scalar-by-scalar path: 0xC2 (C1 controls), 0xD8 (U+061C), 0xE2 (bidirectional controls,
    /// line and paragraph separators), 0xEF (the byte order mark, U+FFFE, U+FFFF).
    ///
    /// Eight bytes are looked at in one step while they are plain ASCII that needs no escape
    /// (a report's 786 MB are almost all such): a word holding a control, a quote, a backslash
    /// or any byte from 0x80 is looked at a byte at a time.
    private static func needsEscaping(_ value: String) -> Bool {
        func escapes(_ byte: UInt8) -> Bool {
            byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F
                || byte == 0xC2 || byte == 0xD8 || byte == 0xE2 || byte == 0xEF
        }
        func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            guard let base = bytes.baseAddress else { return false }
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            // A byte's high bit is set where the byte is zero (the classic "has a zero byte" test;
            // a borrow can flag a byte above a flagged one, never a word without one).
            func zeroBytes(_ word: UInt64) -> UInt64 { (word &- ones) & ~word & highs }
            var index = 0
            while index + 8 <= bytes.count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                let suspect = (word & highs) | ((word &- ones &* 0x20) & ~word & highs)
                    | zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C)) | zeroBytes(word ^ (ones &* 0x7F))
                if suspect != 0 {
                    for offset in index..<index + 8 where escapes(bytes[offset]) { return true }
                }
                index += 8
            }
            for offset in index..<bytes.count where escapes(bytes[offset]) { return true }
            return false
        }
        if let found = value.utf8.withContiguousStorageIfAvailable(scan) { return found }
        var copy = value
        return copy.withUTF8(scan)
    }

    /// `writeString`, into UTF-8: a string without anything to escape is copied as it is.
    static func writeString(_ value: String, to output: inout [UInt8]) {
        guard Self.needsEscaping(value) else {
            output.append(UInt8(ascii: "\""))
            output += value.utf8
            output.append(UInt8(ascii: "\""))
            return
        }
        var escaped = ""
        writeString(value, to: &escaped)
        output += escaped.utf8
    }

    static func writeString(_ value: String, to output: inout String) {
        output += "\""
        // Most strings need no escape: copied whole. 0xE2 leads U+2028 and U+2029 (and other
        // punctuation), which then take the scalar-by-scalar path.
        guard Self.needsEscaping(value) else {
            output += value
            output += "\""
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{2028}": output += "\\u2028"
            case "\u{2029}": output += "\\u2029"
            default:
                // Escaped too: C1 controls and bidirectional overrides, so JSON printed on a
                // terminal (parse --json, report -) is as safe as text.
                if scalar.value < 0x20 || VisibleText.needsReplacement(scalar, keepingLayout: true) {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
