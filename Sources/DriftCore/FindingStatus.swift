/// The outcome of one check on one host.
package enum FindingStatus: String, Sendable, Codable, CaseIterable, Hashable {
    /// The value is as the guide says.
    case pass
    /// The value drifted from the guide (or from its peers).
    case fail
    /// The check could not be evaluated: the file was unreadable or unparseable, a variable is undefined.
    case error
    /// The check failed but an unexpired waiver accepts the deviation.
    case waived
    /// The check does not apply here (for example a service the host does not run).
    case skipped
}
