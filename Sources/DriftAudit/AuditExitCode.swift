import DriftCore

/// The audit's exit status, the contract cron and CI act on.
public enum AuditExitCode: Int32, Sendable {
    /// The audit completed and no check failed.
    case clean = 0
    /// The audit completed and at least one check failed.
    case drift = 1
    /// A host or file could not be collected, or a check could not be evaluated.
    /// It wins over `drift`: the results are partial, whatever they say.
    case incomplete = 2
    /// Usage or configuration error before anything was collected.
    case usage = 64
    /// Another audit kept the database locked longer than `--lock-timeout` (sysexits'
    /// EX_TEMPFAIL: nothing was collected; try again later).
    case busy = 75

    /// The code a finished audit exits with.
    public static func of(hosts: [HostResult], findings: [Finding]) -> AuditExitCode {
        let incomplete = hosts.contains { !$0.collected }
            || hosts.contains { $0.files.contains { $0.status == .unreadable } }
            || findings.contains { $0.status == .error }
        if incomplete { return .incomplete }
        return findings.contains { $0.status == .fail } ? .drift : .clean
    }
}
