import DriftCore

/// The one-line answer every report leads with: drift or not, and whether the audit saw everything.
struct Verdict {
    /// Failing guide checks (upgrade checks are reported apart).
    var failing: Int
    var failingHosts: Int
    /// Guide problems with a failing check: the things to fix the failing checks come down to.
    var failingProblems: Int
    /// A host, file or check could not be evaluated.
    var incomplete: Bool
    /// Failing upgrade checks.
    var upgradeFailing: Int
    var upgradeHosts: Int
    /// The release the run checked an upgrade to (`--upgrade-to`), if any.
    var upgradeTarget: String?

    init(_ header: RunHeader, _ overview: RunOverview) {
        let guide = overview.tally(.guide), upgrade = overview.tally(.upgrade)
        failing = guide[.fail]
        failingHosts = overview.hosts.count { $0.guide[.fail] > 0 }
        failingProblems = overview.problems.count { $0.category == .guide && $0.status == .fail }
        upgradeFailing = upgrade[.fail]
        upgradeHosts = overview.hosts.count { $0.upgrade[.fail] > 0 }
        upgradeTarget = header.upgrade?.to
        // The audit decided this when it chose exit code 2 (a host or file not collected, a
        // check that could not be evaluated, a run that could not be stored); the verdict
        // reads the decision rather than making it again.
        incomplete = header.exitCode == 2
    }

    enum Part: String {
        case drift, upgrade, incomplete, ok
        /// Upgrade checks ran and none fails.
        case upgradeReady = "upgrade-ready"

        var label: String {
            switch self {
            case .upgradeReady: "UPGRADE"
            default: rawValue.uppercased()
            }
        }
    }

    /// Each applicable statement with its label and explanation, most important first: guide
    /// drift, pending upgrade changes, an incomplete audit, then the all-clear of each.
    var parts: [(part: Part, text: String)] {
        var parts: [(Part, String)] = []
        if failing > 0 {
            parts.append((.drift, "\(failingProblems) problem\(plural(failingProblems)) (\(failing) failing check\(plural(failing)) "
                          + "on \(failingHosts) host\(plural(failingHosts)))"))
        }
        if upgradeFailing > 0 {
            let what = upgradeTarget.map { "\(upgradeFailing) change\(plural(upgradeFailing)) before \($0)" }
                ?? "\(upgradeFailing) upgrade check\(plural(upgradeFailing)) failing"
            parts.append((.upgrade, what + " on \(upgradeHosts) host\(plural(upgradeHosts))"))
        }
        if incomplete { parts.append((.incomplete, "some hosts, files or checks could not be evaluated")) }
        if failing == 0, !incomplete { parts.append((.ok, "no drift from the guide")) }
        if upgradeFailing == 0, let upgradeTarget { parts.append((.upgradeReady, "nothing to change before \(upgradeTarget)")) }
        return parts
    }

    private func plural(_ count: Int) -> String { count == 1 ? "" : "s" }
}
