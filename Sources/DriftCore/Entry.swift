/// One assignment in a configuration file, with where it is and exactly how it was written.
///
/// A repeated key produces one entry per occurrence, in the order the consuming
/// program reads them, so multi-valued options (oslo's MultiStrOpt such as
/// nova's two `notification_driver` lines) keep every value.
public struct Entry: Hashable, Sendable {
    /// Section path as written (`DEFAULT`, `filter:authtoken`, `activation/thin`); `nil` where the format has none.
    public var section: String?
    /// Option name as written.
    public var key: String
    public var value: ConfigValue
    public var span: SourceSpan
    /// The exact text of the entry's lines, line terminators included.
    public var raw: String
    /// 1-based column on the first line where the value text starts; `nil` for value-less keys.
    public var valueColumn: Int?

    public init(section: String?, key: String, value: ConfigValue, span: SourceSpan, raw: String, valueColumn: Int? = nil) {
        self.section = section
        self.key = key
        self.value = value
        self.span = span
        self.raw = raw
        self.valueColumn = valueColumn
    }

    public var line: Int { span.startLine }
}
