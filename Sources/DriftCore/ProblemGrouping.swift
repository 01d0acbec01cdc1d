/// Groups a run's failing and erroring findings by root cause: one problem per thing to fix.
///
/// A pure function of what the run keeps whatever the fleet's size (the attention findings
/// and each host's standing, `RunOverview`), so the audit groups once, when the run finishes,
/// and stores the problems with the overview. It lives in DriftCore, beside the overview it
/// reads: consistency findings carry the place of the value they were compared with
/// (`Finding.reference`), so grouping needs nothing from the rule set.
///
/// The rules, in the order they apply:
/// 1. A host that could not be collected (or only in part) is one problem; its files not read
///    have no findings to group (they are never reported missing).
/// 2. A file missing, unreadable or unparseable is one problem, with every check on that host
///    that reads it inside; an unreadable or unparseable file is a problem even when no check
///    reads it.
/// 3. The checks failing on one host, file, section and key (a value rule and the consistency
///    checks reading that option) are one problem, rooted there.
/// 4. A consistency finding whose reference value (`Finding.reference`) is itself the root of a
///    problem of rule 3 (something there fails on its own) is a consequence: it moves into that
///    problem, whose advice is to fix the reference, never the consequences.
package enum ProblemGrouping {
    package static func problems(attention: [Finding], hosts: [RunOverview.Host]) -> [Problem] {
        var problems: [Problem] = []
        for host in hosts where !host.collected { problems.append(hostProblem(host)) }

        var failedFiles: [HostPath: RunOverview.FileFailure] = [:]
        for host in hosts {
            for failure in host.fileFailures ?? [] { failedFiles[HostPath(host: host.name, path: failure.path)] = failure }
        }
        var fileFindings: [HostPath: [Finding]] = [:]
        var places: [Place: [Finding]] = [:]
        for finding in attention {
            let file = HostPath(host: finding.host, path: finding.file)
            if failedFiles[file] != nil {
                fileFindings[file, default: []].append(finding)
            } else {
                places[Place(finding), default: []].append(finding)
            }
        }
        for (file, failure) in failedFiles.sorted(by: { ($0.key.host, $0.key.path) < ($1.key.host, $1.key.path) }) {
            let findings = fileFindings[file] ?? []
            // A missing file no check needs (a service's marker on a node without the service) is no problem.
            if failure.status == .missing, findings.isEmpty { continue }
            problems.append(fileProblem(host: file.host, failure, findings: findings))
        }

        // Rule 4: consequences move to the problem at their reference, when something there fails on its own.
        let standsAlone = Set(places.filter { $0.value.contains { $0.reference == nil } }.keys)
        var consequences: [Place: [Finding]] = [:]
        for (place, findings) in places {
            var staying: [Finding] = []
            for finding in findings {
                if let reference = finding.reference, case let target = Place(reference, category: finding.category),
                   target != place, standsAlone.contains(target) {
                    consequences[target, default: []].append(finding)
                } else {
                    staying.append(finding)
                }
            }
            places[place] = staying
        }
        for (place, findings) in places where !findings.isEmpty {
            problems.append(valueProblem(place, root: findings, consequences: consequences[place] ?? []))
        }
        return problems.sorted(by: Problem.order)
    }

    /// Where a value problem is rooted: one option on one host, or one line for checks of no key.
    struct Place: Hashable {
        var category: FindingCategory
        var host: String
        var file: String
        var section: String?
        var key: String?
        var line: Int?

        init(_ finding: Finding) {
            self.init(ValuePlace(host: finding.host, file: finding.file, section: finding.section, key: finding.key,
                                 line: finding.line), category: finding.category)
        }

        init(_ place: ValuePlace, category: FindingCategory) {
            self.category = category
            host = place.host
            file = place.file
            section = place.section
            key = place.key
            line = place.key == nil ? place.line : nil
        }
    }

    struct HostPath: Hashable {
        var host: String
        var path: String
    }

    static func hostProblem(_ host: RunOverview.Host) -> Problem {
        let partial = host.files.values.reduce(0, +) > host.files(.notCollected)
        let title = partial
            ? "collection ended part-way: \(host.files(.notCollected)) file\(host.files(.notCollected) == 1 ? "" : "s") not read"
            : "host could not be collected"
        return Problem(
            id: Problem.id(kind: .host, category: .guide, host: host.name, file: nil, section: nil, key: nil, line: nil),
            kind: .host, category: .guide, title: title, severity: .high, status: .error, host: host.name, file: nil,
            line: nil, section: nil, key: nil,
            advice: (host.error ?? "unknown error") + "; its files not read are neither missing nor checked",
            hosts: [host.name], findings: [], consequences: 0, needsHuman: true, secret: false)
    }

    static func fileProblem(host: String, _ failure: RunOverview.FileFailure, findings: [Finding]) -> Problem {
        let ordered = findings.sorted(by: Finding.attentionOrder)
        let checks = "\(findings.count) check\(findings.count == 1 ? "" : "s") read\(findings.count == 1 ? "s" : "") it"
        let title: String, advice: String
        switch failure.status {
        case .missing:
            title = "'\(failure.path)' does not exist"
            advice = "create it as the guide says"
                + (ordered.first?.guide.map { " (\($0))" } ?? "") + "; \(checks)"
        case .unreadable:
            title = "cannot read '\(failure.path)'"
            advice = "let the audit read it: give the host 'sudo: true' in the inventory and install the lines "
                + "'stackdrift inventory sudoers' prints, or make the file readable by the audit's user"
                + (failure.reason.map { " (\($0))" } ?? "") + (findings.isEmpty ? "" : "; \(checks)")
        default:
            title = "cannot parse '\(failure.path)'" + (failure.line.map { " at line \($0)" } ?? "")
            advice = "fix the syntax" + (failure.line.map { " at line \($0)" } ?? "")
                + (failure.reason.map { ": \($0)" } ?? "") + (findings.isEmpty ? "" : "; until then \(checks) and cannot judge it")
        }
        let category: FindingCategory = findings.isEmpty || findings.contains { $0.category == .guide } ? .guide : .upgrade
        return Problem(
            id: Problem.id(kind: .file, category: category, host: host, file: failure.path, section: nil, key: nil, line: nil),
            kind: .file, category: category, title: title, severity: ordered.map(\.severity).max() ?? .medium,
            status: findings.contains { $0.status == .fail } ? .fail : .error, host: host, file: failure.path,
            line: failure.line, section: nil, key: nil, advice: advice, hosts: [host],
            findings: findings.sorted(by: Finding.reportOrder).map(\.id), consequences: 0, fileStatus: failure.status,
            needsHuman: true, secret: false)
    }

    static func valueProblem(_ place: Place, root: [Finding], consequences: [Finding]) -> Problem {
        // A check judging the value on its own speaks for the problem (a comparison only when none
        // does), one that says what to write before one that does not, then the most severe.
        let ordered = root.sorted { lhs, rhs in
            if (lhs.reference == nil) != (rhs.reference == nil) { return lhs.reference == nil }
            if (lhs.fix == nil) != (rhs.fix == nil) { return lhs.fix != nil }
            return Finding.attentionOrder(lhs, rhs)
        }
        let primary = ordered[0]
        let all = root + consequences
        let status: FindingStatus = all.contains { $0.status == .fail } ? .fail : .error
        var advice = primary.fix ?? primary.message
        if !consequences.isEmpty {
            let hosts = Set(consequences.map(\.host)).count
            advice += "; the \(consequences.count) check\(consequences.count == 1 ? "" : "s") on \(hosts) "
                + "host\(hosts == 1 ? "" : "s") that compare\(consequences.count == 1 ? "s" : "") with it then pass: "
                + "change nothing there"
        }
        var hosts = [place.host]
        hosts += Set(all.map(\.host)).subtracting([place.host]).sorted()
        return Problem(
            id: Problem.id(kind: .value, category: place.category, host: place.host, file: place.file, section: place.section,
                           key: place.key, line: place.line),
            kind: .value, category: place.category, title: primary.title, severity: all.map(\.severity).max() ?? primary.severity,
            status: status, host: place.host, file: place.file, line: ordered.lazy.compactMap(\.line).first,
            section: place.section, key: place.key, advice: advice, hosts: hosts,
            findings: (ordered + consequences.sorted(by: Finding.reportOrder)).map(\.id), consequences: consequences.count,
            needsHuman: status == .error || primary.fix == nil, secret: root.contains(where: \.secret))
    }
}
