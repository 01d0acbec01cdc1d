import Foundation

/// Ansible's host patterns: `name`, `name:port`, `[v6]:port`, and ranges `compute[01:20]`,
/// `db-[a:f]`, `node[0:90:10]`, expanded exactly as `expand_hostname_range` in
/// ansible-core 2.19 (`lib/ansible/plugins/inventory/__init__.py`) does, within a bound.
package enum HostPattern {
    /// Most hosts one pattern may expand to; a larger range is refused rather than built.
    package static let maximumHosts = 100_000

    package struct Failure: Error, Sendable, Equatable {
        package var message: String
    }

    /// The port a pattern ends with, split off as `parse_address` does: `host:22`, `[host]:22`.
    /// A pattern that is not host-with-port is returned whole.
    package static func splitPort(_ pattern: String) -> (pattern: String, port: Int?) {
        if pattern.hasPrefix("["), let close = pattern.lastIndex(of: "]"),
           pattern[pattern.index(after: close)...].hasPrefix(":") {
            let digits = pattern[pattern.index(close, offsetBy: 2)...]
            let inner = String(pattern[pattern.index(after: pattern.startIndex)..<close])
            // `[host]:port` only when the brackets hold a whole host identifier, not a range like [01:03].
            if !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), !isRange(inner), let port = Int(digits) {
                return (inner, port)
            }
        }
        // hostport: (non-':' characters or whole [...] groups)* ':' digits, to the end.
        var index = pattern.startIndex
        while index < pattern.endIndex {
            let character = pattern[index]
            if character == "[" {
                guard let close = pattern[index...].firstIndex(of: "]") else { return (pattern, nil) }
                index = pattern.index(after: close)
            } else if character == "]" {
                return (pattern, nil)
            } else if character == ":" {
                let digits = pattern[pattern.index(after: index)...]
                if !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let port = Int(digits) {
                    return (String(pattern[..<index]), port)
                }
                return (pattern, nil)
            } else {
                index = pattern.index(after: index)
            }
        }
        return (pattern, nil)
    }

    private static func isRange(_ text: String) -> Bool { text.contains(":") && !text.contains("::") && text.split(separator: ":").count <= 3 && text.allSatisfy { $0.isLetter || $0.isNumber || $0 == ":" } }

    /// Every host name `pattern` stands for, in Ansible's order.
    package static func expand(_ pattern: String) throws(Failure) -> [String] {
        guard pattern.contains("[") else { return [pattern] }
        var names: [String] = []
        try expand(pattern, into: &names)
        return names
    }

    private static func expand(_ pattern: String, into names: inout [String]) throws(Failure) {
        // head [ nrange ] tail: the first '[' and the first ']' (Python's replace(…, 1) then split('|')).
        guard let open = pattern.firstIndex(of: "[") else { names.append(pattern); return }
        guard let close = pattern.firstIndex(of: "]"), close > open else {
            throw Failure(message: "host range in '\(pattern)' has no closing ']'")
        }
        if pattern.contains("|") { throw Failure(message: "host pattern '\(pattern)' must not contain '|'") }
        let head = String(pattern[..<open])
        let range = String(pattern[pattern.index(after: open)..<close])
        let tail = String(pattern[pattern.index(after: close)...])
        let bounds = range.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard bounds.count == 2 || bounds.count == 3 else {
            throw Failure(message: "host range '[\(range)]' must be begin:end or begin:end:step")
        }
        let begin = bounds[0].isEmpty ? "0" : bounds[0]
        let end = bounds[1]
        guard !end.isEmpty else { throw Failure(message: "host range '[\(range)]' must specify an end value") }
        var width: Int?
        if begin.first == "0" && begin.count > 1 {
            guard begin.count == end.count else {
                throw Failure(message: "host range '[\(range)]' must give begin and end in equal-length formats")
            }
            width = begin.count
        }
        let stepText = bounds.count == 3 ? bounds[2] : "1"
        guard let step = pythonInt(stepText) else { throw Failure(message: "host range step '\(stepText)' is not a number") }
        guard step != 0 else { throw Failure(message: "host range step must not be zero") }

        let items: [String]
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        if let first = substringIndex(of: begin, in: letters), let last = substringIndex(of: end, in: letters) {
            // An alphabetic range: ascii_letters[first:last + 1:step].
            guard first <= last else { throw Failure(message: "host range '[\(range)]' must have begin <= end") }
            let slice = step > 0 ? Array(stride(from: first, to: last + 1, by: step)) : []
            items = slice.map { String(letters[$0]) }
        } else {
            guard let low = pythonInt(begin), let high = pythonInt(end) else {
                throw Failure(message: "host range '[\(range)]' is neither numeric nor alphabetic")
            }
            let count = rangeCount(from: low, to: high + 1, by: step)
            if count + names.count > maximumHosts {
                throw Failure(message: "host range in '\(pattern)' expands to more than \(maximumHosts) hosts")
            }
            items = stride(from: low, to: high + 1, by: step).map { zeroFilled($0, width: width) }
        }
        for item in items {
            let name = head + item + tail
            if name.contains("[") {
                try expand(name, into: &names)
            } else {
                names.append(name)
            }
            if names.count > maximumHosts {
                throw Failure(message: "host range in '\(pattern)' expands to more than \(maximumHosts) hosts")
            }
        }
    }

    /// Python's `str.index` of a substring in `string.ascii_letters`.
    private static func substringIndex(of text: String, in letters: [Character]) -> Int? {
        let needle = Array(text)
        guard !needle.isEmpty, needle.count <= letters.count else { return nil }
        for start in 0...(letters.count - needle.count) where Array(letters[start..<(start + needle.count)]) == needle {
            return start
        }
        return nil
    }

    private static func rangeCount(from low: Int, to high: Int, by step: Int) -> Int {
        if step > 0 { return low < high ? (high - low + step - 1) / step : 0 }
        return low > high ? (low - high - step - 1) / -step : 0
    }

    /// `str(x).zfill(width)`: zeros after the sign.
    private static func zeroFilled(_ value: Int, width: Int?) -> String {
        let digits = String(value.magnitude)
        let sign = value < 0 ? "-" : ""
        guard let width, sign.count + digits.count < width else { return sign + digits }
        return sign + String(repeating: "0", count: width - sign.count - digits.count) + digits
    }

    /// Python's `int(text)`: surrounding whitespace, a sign, digits with single '_' between them.
    static func pythonInt(_ text: String) -> Int? {
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        var negative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        guard let first = body.first, first.isASCIIDigit, let last = body.last, last.isASCIIDigit,
              !body.contains("__"), body.allSatisfy({ $0.isASCIIDigit || $0 == "_" }),
              let magnitude = Int(body.filter { $0 != "_" }) else { return nil }
        return negative ? -magnitude : magnitude
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
