import DriftCore

/// What the audit knows about one file on one host when rules are evaluated.
public enum FileState: Sendable {
    case parsed(ConfigDocument)
    /// The file exists but was not parsed because no rule reads it (a service marker, say).
    case present
    /// The file does not exist on the host: a finding, not a host error.
    case missing
    /// The file exists but could not be read (permission denied, too large, connection dropped).
    case unreadable(reason: String)
    /// The file was read but the consuming program would reject it.
    case unparseable(Diagnostic)

    /// Whether the file exists on the host, whatever else went wrong.
    public var exists: Bool {
        if case .missing = self { return false }
        return true
    }
}
