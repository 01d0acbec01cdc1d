import Foundation

/// A compiled regular expression that matches whole values.
///
/// Rules compare whole values (`^…$` is implied) because a partial match on a
/// compliance check hides drift: `1:1000` must not pass `1:10000`.
package struct RegexPattern: Hashable, @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to share between threads.
    private let regex: NSRegularExpression
    package let pattern: String

    package init(_ pattern: String) throws {
        self.pattern = pattern
        self.regex = try NSRegularExpression(pattern: "^(?:\(pattern))$", options: [])
    }

    package func matchesWhole(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    package static func == (lhs: RegexPattern, rhs: RegexPattern) -> Bool { lhs.pattern == rhs.pattern }
    package func hash(into hasher: inout Hasher) { hasher.combine(pattern) }
}
