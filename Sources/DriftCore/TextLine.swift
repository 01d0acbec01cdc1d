/// One line of a file as read from disk: its number, its text without the
/// terminator, and the exact raw text including the terminator (for round trips).
public struct TextLine: Sendable {
    public var number: Int
    public var text: Substring
    public var raw: Substring

    /// Splits text on `\n`, `\r\n` and lone `\r`, as Python's universal newlines do
    /// (oslo.config and configparser read files in text mode). A final terminator
    /// does not start an extra empty line.
    public static func split(_ text: String) -> [TextLine] {
        var lines: [TextLine] = []
        let scalars = text.unicodeScalars
        var lineStart = scalars.startIndex
        var index = scalars.startIndex
        var number = 1
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if scalar == "\n" || scalar == "\r" {
                let contentEnd = index
                var next = scalars.index(after: index)
                if scalar == "\r", next < scalars.endIndex, scalars[next] == "\n" {
                    next = scalars.index(after: next)
                }
                lines.append(TextLine(number: number, text: Substring(scalars[lineStart..<contentEnd]),
                                      raw: Substring(scalars[lineStart..<next])))
                number += 1
                lineStart = next
                index = next
            } else {
                index = scalars.index(after: index)
            }
        }
        if lineStart < scalars.endIndex {
            let rest = Substring(scalars[lineStart..<scalars.endIndex])
            lines.append(TextLine(number: number, text: rest, raw: rest))
        }
        return lines
    }

    /// The terminator of the line (`\n`, `\r\n`, `\r` or nothing).
    public var terminator: Substring {
        Substring(raw.unicodeScalars[text.unicodeScalars.endIndex...])
    }
}
