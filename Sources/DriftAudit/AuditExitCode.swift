import DriftCore

/// The audit's exit status, the contract cron and CI act on.
package enum AuditExitCode: Int32, Sendable {
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
    package static func of(hosts: [HostResult], findings: [Finding]) -> AuditExitCode {
        var builder = RunOverview.Builder()
        for host in hosts { builder.add(host: host) }
        builder.add(findings)
        return of(builder.build())
    }

    /// The code of a run with this overview: what the audit counted host by host decides it.
    package static func of(_ overview: RunOverview) -> AuditExitCode {
        let guide = overview.tally(.guide), upgrade = overview.tally(.upgrade)
        if overview.failedHosts > 0 || overview.files(.unreadable) > 0 || guide[.error] + upgrade[.error] > 0 {
            return .incomplete
        }
        return guide[.fail] + upgrade[.fail] > 0 ? .drift : .clean
    }
}
