import DriftCore

/// What the audit knows about one file on one host when rules are evaluated.
package enum FileState: Sendable {
    case parsed(ConfigDocument)
    /// The file exists but was not parsed because no rule reads it (a service marker, say).
    case present
    /// The file does not exist on the host: a finding, not a host error.
    case missing
    /// The file exists but could not be read (permission denied, too large, connection dropped).
    case unreadable(reason: String)
    /// The file was read but the consuming program would reject it.
    case unparseable(Diagnostic)
    /// The host's collection ended before the file was read (the connection dropped, a step
    /// timed out): whether it exists is unknown, so rules reading it are not evaluated, as on a
    /// host that could not be collected at all. The host's failure says why.
    case notCollected

    /// Whether the file is known to exist on the host, whatever else went wrong.
    package var exists: Bool {
        switch self {
        case .missing, .notCollected: return false
        default: return true
        }
    }
}
