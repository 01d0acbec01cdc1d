import DriftCore

/// Django settings modules (the dashboard's `local_settings.py`), read without
/// executing Python.
///
/// Only top-level assignments count: `NAME = expression` at column 0. When the
/// expression is a literal (strings with implicit concatenation, numbers,
/// `True`/`False`/`None`, lists, tuples, sets and dicts of literals) the value is
/// what `ast.literal_eval` gives; otherwise the expression's source text is kept.
/// Dict literals also yield one entry per nested key, named the way Python
/// indexes them: `CACHES['default']['LOCATION']`. Statements inside blocks
/// (`if`, `try`) are conditional and not read.
package struct PythonSettingsParser: Sendable {
    package var secrets: SecretPolicy

    package init(secrets: SecretPolicy) {
        self.secrets = secrets
    }

    package func parse(_ source: SourceText, path: String) throws -> ConfigDocument {
        let context = ParseContext(path: path, source: source, secrets: secrets)
        var lexer = PythonLexer(bytes: source.bytes, lines: ConfigFormat.djangoSettings.lineBreaks.lines(source.bytes), context: context)
        var entries: [Entry] = []
        var segments: [ConfigDocument.Segment] = []
        var cursor = 0
        let lines = lexer  // its line table, for the lines of values inside dict literals

        while let statement = try lexer.nextStatement() {
            if statement.range.lowerBound > cursor {
                segments.append(.init(kind: .trivia, range: cursor..<statement.range.lowerBound, line: lexer.lineNumber(of: cursor)))
            }
            cursor = statement.range.upperBound
            let tokens = statement.tokens
            guard statement.indented == false, tokens.count >= 3, tokens[0].kind == .name, tokens[1].isOperator("="),
                  tokens.count > 2,
                  !Self.isKeyword(source.string(tokens[0].range)) else {
                segments.append(.init(kind: .trivia, range: statement.range, line: statement.line))
                continue
            }
            // `A = B = value` assigns every name target; the expression follows the last '='.
            var targets = [source.string(tokens[0].range)]
            var start = 2
            while start + 1 < tokens.count, tokens[start].kind == .name, tokens[start + 1].isOperator("=") {
                targets.append(source.string(tokens[start].range))
                start += 2
            }
            let expression = Array(tokens[start...])
            let firstIndex = entries.count
            for name in targets {
                Self.addEntries(name: name, expression: expression, statement: statement, source: source, path: path,
                                lineOf: lines.lineNumber(of:), into: &entries)
            }
            segments.append(.init(kind: .entry(firstIndex), range: statement.range, line: statement.line))
        }
        if source.bytes.count > cursor {
            segments.append(.init(kind: .trivia, range: cursor..<source.bytes.count, line: lexer.lineNumber(of: cursor)))
        }
        return ConfigDocument(path: path, format: .djangoSettings, source: source, lineBreaks: ConfigFormat.djangoSettings.lineBreaks,
                              entries: entries, segments: segments)
    }

    static func isKeyword(_ word: String) -> Bool {
        ["if", "else", "elif", "try", "except", "finally", "for", "while", "with", "def", "class", "import", "from",
         "return", "pass", "del", "global", "nonlocal", "assert", "raise", "lambda", "yield", "async", "await"].contains(word)
    }

    /// An entry for the assignment, and for each key of a dict literal, recursively.
    static func addEntries(name: String, expression: [PythonToken], statement: PythonStatement, source: SourceText,
                           path: String, lineOf: (Int) -> Int, into entries: inout [Entry]) {
        let range = expression.first!.range.lowerBound..<expression.last!.range.upperBound
        var literal = LiteralReader(tokens: expression, source: source)
        let parsed = literal.read()
        let isWhole = parsed != nil && literal.index == expression.count
        let value: ConfigValue = isWhole ? parsed!.configValue(source: source, range: range) : .string(source.string(range))
        let lineStart = statement.lineStartOffset
        entries.append(Entry(section: nil, key: name, value: value,
                             span: SourceSpan(file: path, startLine: statement.line, endLine: statement.lastLine),
                             byteRange: statement.range, valueRange: range, valueColumn: range.lowerBound - lineStart + 1))
        if isWhole {
            addDictEntries(parsed!, prefix: name, statement: statement, source: source, path: path, lineOf: lineOf, into: &entries)
        }
    }

    /// Entries for the keys of dict literals, named as Python subscripts them
    /// (`CACHES['default']['LOCATION']`); lists are followed by index (`X[0]['k']`).
    static func addDictEntries(_ literal: PythonLiteral, prefix: String, statement: PythonStatement, source: SourceText,
                               path: String, lineOf: (Int) -> Int, into entries: inout [Entry]) {
        switch literal {
        case .dict(let pairs, _):
            for (key, value) in pairs {
                let subscriptText: String
                switch key {
                case .string(let text, _): subscriptText = "['\(text)']"
                case .integer(let number, _): subscriptText = "[\(number)]"
                default: continue
                }
                addSubscript(prefix + subscriptText, value, statement: statement, source: source, path: path, lineOf: lineOf,
                             into: &entries)
            }
        case .sequence(let items, _):
            for (index, item) in items.enumerated() {
                switch item {
                case .dict:
                    addSubscript("\(prefix)[\(index)]", item, statement: statement, source: source, path: path, lineOf: lineOf,
                                 into: &entries)
                case .sequence:
                    addDictEntries(item, prefix: "\(prefix)[\(index)]", statement: statement, source: source, path: path,
                                   lineOf: lineOf, into: &entries)
                default: continue
                }
            }
        default:
            return
        }
    }

    /// A dict key's entry: its lines are its value's, so a report points at `'LOCATION': …`,
    /// not at the `CACHES = {` that opens the statement.
    private static func addSubscript(_ name: String, _ value: PythonLiteral, statement: PythonStatement, source: SourceText,
                                     path: String, lineOf: (Int) -> Int, into entries: inout [Entry]) {
        let range = value.range
        let span = SourceSpan(file: path, startLine: lineOf(range.lowerBound), endLine: lineOf(max(range.lowerBound, range.upperBound - 1)))
        entries.append(Entry(section: nil, key: name, value: value.configValue(source: source, range: range),
                             span: span, byteRange: statement.range, valueRange: range, valueColumn: nil))
        addDictEntries(value, prefix: name, statement: statement, source: source, path: path, lineOf: lineOf, into: &entries)
    }
}

/// A literal as `ast.literal_eval` understands it.
indirect enum PythonLiteral {
    case string(String, Range<Int>)
    case integer(Int64, Range<Int>)
    case float(Double, Range<Int>)
    case constant(String, Range<Int>)
    case sequence([PythonLiteral], Range<Int>)
    case dict([(PythonLiteral, PythonLiteral)], Range<Int>)

    var range: Range<Int> {
        switch self {
        case .string(_, let range), .integer(_, let range), .float(_, let range), .constant(_, let range),
             .sequence(_, let range), .dict(_, let range): return range
        }
    }

    func configValue(source: SourceText, range: Range<Int>) -> ConfigValue {
        switch self {
        case .string(let text, _): return .string(text)
        case .integer(let number, _): return .integer(number)
        case .float(let number, _): return .float(number)
        case .constant(let name, _): return name == "None" ? .none : .string(name)
        case .sequence(let items, _): return .list(items.map { $0.configValue(source: source, range: $0.range) })
        case .dict: return .string(source.string(range))
        }
    }
}

/// Reads a literal from tokens; stops (returning what it has) at the first non-literal token.
struct LiteralReader {
    let tokens: [PythonToken]
    let source: SourceText
    var index = 0

    init(tokens: [PythonToken], source: SourceText) {
        self.tokens = tokens
        self.source = source
    }

    mutating func read() -> PythonLiteral? {
        guard index < tokens.count else { return nil }
        let token = tokens[index]
        switch token.kind {
        case .string:
            // Implicit concatenation of adjacent string literals.
            var text = "", end = token.range.upperBound
            while index < tokens.count, tokens[index].kind == .string {
                guard let piece = tokens[index].stringValue else { return nil }
                text += piece
                end = tokens[index].range.upperBound
                index += 1
            }
            return .string(text, token.range.lowerBound..<end)
        case .number:
            index += 1
            return Self.number(source.string(token.range), range: token.range, negative: false)
        case .name:
            let word = source.string(token.range)
            guard ["True", "False", "None"].contains(word) else { return nil }
            index += 1
            return .constant(word, token.range)
        case .operator:
            let op = source.string(token.range)
            if op == "-" || op == "+", index + 1 < tokens.count, tokens[index + 1].kind == .number {
                index += 2
                let number = tokens[index - 1]
                return Self.number(source.string(number.range), range: token.range.lowerBound..<number.range.upperBound,
                                   negative: op == "-")
            }
            guard let close = ["[": "]", "(": ")", "{": "}"][op] else { return nil }
            index += 1
            var items: [PythonLiteral] = []
            var pairs: [(PythonLiteral, PythonLiteral)] = []
            var isDict = false
            var sawComma = false
            while index < tokens.count, !tokens[index].isOperator(close, source: source) {
                guard let item = read() else { return nil }
                if op == "{", index < tokens.count, tokens[index].isOperator(":", source: source) {
                    index += 1
                    guard let value = read() else { return nil }
                    pairs.append((item, value))
                    isDict = true
                } else {
                    items.append(item)
                }
                if index < tokens.count, tokens[index].isOperator(",", source: source) {
                    index += 1
                    sawComma = true
                } else {
                    break
                }
            }
            guard index < tokens.count, tokens[index].isOperator(close, source: source) else { return nil }
            let range = token.range.lowerBound..<tokens[index].range.upperBound
            index += 1
            if op == "(", items.count == 1, !sawComma {
                return items[0]  // parentheses around one value, not a tuple
            }
            return isDict || (op == "{" && items.isEmpty) ? .dict(pairs, range) : .sequence(items, range)
        }
    }

    static func number(_ text: String, range: Range<Int>, negative: Bool) -> PythonLiteral? {
        let cleaned = text.replacingOccurrences(of: "_", with: "").lowercased()
        let sign: Int64 = negative ? -1 : 1
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where cleaned.hasPrefix(prefix) {
            return Int64(cleaned.dropFirst(2), radix: radix).map { .integer(sign * $0, range) }
        }
        if let integer = Int64(cleaned) { return .integer(sign * integer, range) }
        if let double = Double(cleaned) { return .float(negative ? -double : double, range) }
        return nil
    }
}

private extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
