/// One assignment in a configuration file, with where it is and how it was written.
///
/// A repeated key produces one entry per occurrence, in the order the consuming
/// program reads them, so multi-valued options (oslo's MultiStrOpt such as
/// nova's two `notification_driver` lines) keep every value.
package struct Entry: Hashable, Sendable {
    /// Section path as written (`DEFAULT`, `filter:authtoken`, `activation/thin`); `nil` where the format has none.
    package var section: String?
    /// Option name as written.
    package var key: String
    package var value: ConfigValue
    /// File and lines; for MySQL the file may be an `!include`d one.
    package var span: SourceSpan
    /// The entry's bytes in its file (all its lines, terminators included).
    package var byteRange: Range<Int>
    /// The value's bytes in its file, from its first character on the first line to its last
    /// on the last line; `nil` for a key written without a value.
    package var valueRange: Range<Int>?
    /// 1-based byte column of the value on the first line.
    package var valueColumn: Int?

    package init(section: String?, key: String, value: ConfigValue, span: SourceSpan, byteRange: Range<Int>,
                valueRange: Range<Int>? = nil, valueColumn: Int? = nil) {
        self.section = section
        self.key = key
        self.value = value
        self.span = span
        self.byteRange = byteRange
        self.valueRange = valueRange
        self.valueColumn = valueColumn
    }

    package var line: Int { span.startLine }
}
