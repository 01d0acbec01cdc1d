/// A problem compared with the previous run: history counted in things to fix, not checks.
///
/// "Fixed" means the checks ran and passed. A problem whose checks are now waived is
/// `waived`; one whose checks did not run (its host was not audited or not collected, its rule
/// was not loaded, the check no longer applies) is `unchecked`, and `reason` says which.
package struct ProblemChange: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A problem now that none of its checks failed in the previous run.
        case new
        /// Every check of a previous problem ran and passed.
        case fixed
        /// A problem now whose root, or one of whose checks, was a problem before.
        case stillFailing = "still-failing"
        /// A previous problem whose checks now pass or are waived, some waived.
        case waived
        /// A previous problem some of whose checks did not run this time.
        case unchecked
    }

    package var kind: Kind
    /// The problem as it is now; for `fixed`, `waived` and `unchecked`, as it was.
    package var problem: Problem
    /// For `waived` and `unchecked`: why it is not counted as fixed.
    package var reason: String?

    package init(kind: Kind, problem: Problem, reason: String? = nil) {
        self.kind = kind
        self.problem = problem
        self.reason = reason
    }

    /// Compares the problems of two runs. `statuses` holds, for the findings of `previous`'s
    /// problems, their status in the current run where the current run has them (a finding
    /// absent there was not checked); the overviews give the rest.
    package static func compare(previous: RunOverview, current: RunOverview, statuses: [String: FindingStatus]) -> [ProblemChange] {
        let previousIDs = Set(previous.problems.map(\.id)), currentIDs = Set(current.problems.map(\.id))
        let failedBefore = Set(previous.attention.map(\.id)), failingNow = Set(current.attention.map(\.id))
        var changes: [ProblemChange] = []
        for problem in current.problems {
            let before = previousIDs.contains(problem.id) || problem.findings.contains(where: failedBefore.contains)
            changes.append(ProblemChange(kind: before ? .stillFailing : .new, problem: problem))
        }
        let hosts = Dictionary(current.hosts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let previousFindings = Dictionary(previous.attention.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for problem in previous.problems where !currentIDs.contains(problem.id) {
            // Its checks still fail, under another root: counted there, as still failing.
            if problem.findings.contains(where: failingNow.contains) { continue }
            changes.append(settled(problem, host: hosts[problem.host], statuses: statuses, findings: previousFindings,
                                   hosts: hosts))
        }
        let order = Kind.allCases
        return changes.sorted { lhs, rhs in
            lhs.kind == rhs.kind ? Problem.order(lhs.problem, rhs.problem)
                : order.firstIndex(of: lhs.kind)! < order.firstIndex(of: rhs.kind)!
        }
    }

    /// What became of a previous problem that is no problem now.
    private static func settled(_ problem: Problem, host: RunOverview.Host?, statuses: [String: FindingStatus],
                                findings: [String: Finding], hosts: [String: RunOverview.Host]) -> ProblemChange {
        func unaudited(_ name: String) -> String? {
            guard let host = hosts[name] else { return "host \(name) was not in this run" }
            return host.collected ? nil : "host \(name) could not be collected this time"
        }
        if let reason = unaudited(problem.host) { return ProblemChange(kind: .unchecked, problem: problem, reason: reason) }
        var waived: [String] = []
        for id in problem.findings {
            let finding = findings[id]
            switch statuses[id] {
            case .pass?:
                continue
            case .waived?:
                waived.append(finding?.rule ?? id)
            case .skipped?:
                return ProblemChange(kind: .unchecked, problem: problem,
                                     reason: "\(finding.map { "\($0.rule) on \($0.host)" } ?? id) no longer applies (skipped)")
            case .fail?, .error?, nil:
                guard let finding else { return ProblemChange(kind: .unchecked, problem: problem, reason: "a check did not run") }
                if let reason = unaudited(finding.host) { return ProblemChange(kind: .unchecked, problem: problem, reason: reason) }
                return ProblemChange(kind: .unchecked, problem: problem,
                                     reason: "rule \(finding.rule) was not checked on \(finding.host) (not loaded, or its file not read)")
            }
        }
        if !waived.isEmpty {
            return ProblemChange(kind: .waived, problem: problem, reason: "waived: " + waived.joined(separator: ", "))
        }
        return ProblemChange(kind: .fixed, problem: problem)
    }
}
