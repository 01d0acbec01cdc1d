/// The result of checking one rule on one host; passing checks are findings too,
/// so a compliance report shows what was checked, not only what failed.
///
/// `expected` and `actual` are display text and are already masked when the
/// option is secret: raw secret values never leave the rule engine.
package struct Finding: Hashable, Sendable, Codable {
    package var rule: String
    package var title: String
    package var host: String
    /// Absolute path on the host.
    package var file: String
    package var section: String?
    package var key: String?
    package var status: FindingStatus
    package var severity: Severity
    package var expected: String?
    package var actual: String?
    /// 1-based line of the value the check looked at; `nil` when the key is absent.
    package var line: Int?
    package var message: String
    package var guide: GuideReference?
    package var fix: String?
    /// Whether `actual` was masked because the option is secret.
    package var secret: Bool
    /// The accepted deviation that waives this finding, or that did until it expired.
    package var waiver: WaiverNote?
    /// Guide drift, or an upgrade check (`--upgrade-to`); reports keep the two apart.
    package var category: FindingCategory
    /// Every value a finding about many is about, when its message can name only the first few
    /// (the fleet names a host's /etc/hosts lacks); `nil` for findings about one value.
    package var items: [String]?
    /// Where the judged value came from when the file does not write it under the option's own
    /// name: a deprecated name, the program's default, or nothing at all. `nil`: read from the
    /// file as named, or the check judges no single value.
    package var origin: ValueOrigin?
    /// What makes the check pass, for a failing value check: line edits of the file, or a manual
    /// step. `nil` for checks that passed, and for findings made before remedies existed.
    package var remedy: Remedy?
    /// For a consistency check whose rule names a reference source (`reference:`): the place of
    /// the value this finding was compared with. When that value itself fails a check, this
    /// finding is its consequence, and problem grouping puts it under the reference's problem
    /// instead of advising to change a value that is right. `nil` for every other finding.
    package var reference: ValuePlace?

    package init(
        rule: String, title: String, host: String, file: String, section: String?, key: String?,
        status: FindingStatus, severity: Severity, expected: String?, actual: String?, line: Int?,
        message: String, guide: GuideReference?, fix: String? = nil, secret: Bool = false,
        category: FindingCategory = .guide
    ) {
        self.rule = rule
        self.title = title
        self.host = host
        self.file = file
        self.section = section
        self.key = key
        self.status = status
        self.severity = severity
        self.expected = expected
        self.actual = actual
        self.line = line
        self.message = message
        self.guide = guide
        self.fix = fix
        self.secret = secret
        self.waiver = nil
        self.category = category
        self.origin = nil
        self.remedy = nil
        self.reference = nil
    }

    /// Report order: host, file, line (absent keys last), rule.
    package static func reportOrder(_ lhs: Finding, _ rhs: Finding) -> Bool {
        withUnsafePointer(to: lhs) { left in withUnsafePointer(to: rhs) { right in reportOrder(left, right) } }
    }

    /// `reportOrder` of two findings where they lie. Passed by value out of an array or buffer,
    /// each finding was copied for the call (a dozen retains, then as many releases), on every
    /// comparison of a sort and every step of the in-order test.
    static func reportOrder(_ lhs: UnsafePointer<Finding>, _ rhs: UnsafePointer<Finding>) -> Bool {
        if lhs.pointee.host != rhs.pointee.host { return lhs.pointee.host < rhs.pointee.host }
        if lhs.pointee.file != rhs.pointee.file { return lhs.pointee.file < rhs.pointee.file }
        let leftLine = lhs.pointee.line ?? Int.max, rightLine = rhs.pointee.line ?? Int.max
        if leftLine != rightLine { return leftLine < rightLine }
        if lhs.pointee.rule != rhs.pointee.rule { return lhs.pointee.rule < rhs.pointee.rule }
        // Ties (one rule, one line, several keys or categories) in a fixed order too, so reports
        // never depend on the order findings were made in.
        if lhs.pointee.category != rhs.pointee.category { return lhs.pointee.category.rawValue < rhs.pointee.category.rawValue }
        if lhs.pointee.section != rhs.pointee.section { return (lhs.pointee.section ?? "") < (rhs.pointee.section ?? "") }
        return (lhs.pointee.key ?? "") < (rhs.pointee.key ?? "")
    }
}

extension Array where Element == Finding {
    /// The findings sorted by `Finding.reportOrder`. Positions are sorted, not the findings
    /// themselves, and compared where they lie: a finding is a large value (a copy retains a
    /// dozen strings), and a host's hundred of them are sorted on every store and overview.
    /// Findings already in order (most are: the engine and the store make them so) are
    /// returned as they are; two runs in order (a host's own findings followed by its fleet
    /// findings, as the store keeps them) are merged, as a stable sort would order them.
    package func inReportOrder() -> [Finding] {
        withUnsafeBufferPointer { findings in
            guard let base = findings.baseAddress else { return self }
            var descents: [Int] = []
            for index in findings.indices.dropFirst() where Finding.reportOrder(base + index, base + index - 1) {
                descents.append(index)
                if descents.count > 1 { break }
            }
            switch descents.count {
            case 0:
                return self
            case 1:
                return Self.merging(base, count: findings.count, secondAt: descents[0])
            default:
                return findings.indices.sorted { Finding.reportOrder(base + $0, base + $1) }.map { findings[$0] }
            }
        }
    }

    /// The `count` findings at `base` as two runs each in report order, the second starting at
    /// `secondAt`, merged; on ties the first's finding comes first.
    private static func merging(_ base: UnsafePointer<Finding>, count: Int, secondAt middle: Int) -> [Finding] {
        let findings = UnsafeBufferPointer(start: base, count: count)
        var merged: [Finding] = []
        merged.reserveCapacity(count)
        var left = 0, right = middle
        while left < middle && right < count {
            if Finding.reportOrder(base + right, base + left) {
                merged.append(findings[right])
                right += 1
            } else {
                merged.append(findings[left])
                left += 1
            }
        }
        merged += findings[left..<middle]
        merged += findings[right..<count]
        return merged
    }
}

/// Which question a finding answers.
package enum FindingCategory: String, Sendable, Hashable, CaseIterable, Codable {
    /// Does the host match the installation guide?
    case guide
    /// What must change before upgrading to the next release?
    case upgrade
}

/// A waiver as a report shows it.
package struct WaiverNote: Hashable, Sendable, Codable {
    package var reason: String
    /// Last day the waiver applies, `YYYY-MM-DD`.
    package var expires: String
    /// Set when the waiver no longer applies: the finding keeps failing.
    package var expired: Bool
    /// Where the waiver is written.
    package var definedAt: SourceLocation

    package init(reason: String, expires: String, expired: Bool, definedAt: SourceLocation) {
        self.reason = reason
        self.expires = expires
        self.expired = expired
        self.definedAt = definedAt
    }
}

extension Finding {
    /// What a finding is about (category, rule, host, file, section, key), without its outcome:
    /// the same check in two runs has the same identity, so history and reports can tell
    /// a newly failing check from one still failing.
    package struct Identity: Sendable, Hashable {
        package var category: FindingCategory
        package var rule: String
        package var host: String
        package var file: String
        package var section: String?
        package var key: String?
    }

    package var identity: Identity {
        Identity(category: category, rule: rule, host: host, file: file, section: section, key: key)
    }
}

extension Finding {
    /// `/etc/nova/nova.conf:12`, or the file alone when the check found no line.
    package var location: String { line.map { "\(file):\($0)" } ?? file }

    /// `[DEFAULT] my_ip`: the section and key checked, as far as the finding has them.
    package var subject: String { [section.map { "[\($0)]" }, key].compactMap { $0 }.joined(separator: " ") }

    /// Failing or erroring: what a reader must act on.
    package var needsAttention: Bool { status == .fail || status == .error }

    /// Failing before erroring, most severe first, then report order.
    package static func attentionOrder(_ lhs: Finding, _ rhs: Finding) -> Bool {
        if lhs.status != rhs.status { return lhs.status == .fail }
        if lhs.severity != rhs.severity { return lhs.severity > rhs.severity }
        return reportOrder(lhs, rhs)
    }
}

/// Where one value is: the host, file, section, key and line a check looked at. No value,
/// so a place can be stored and shown whatever the option holds.
package struct ValuePlace: Sendable, Hashable, Codable {
    package var host: String
    package var file: String
    package var section: String?
    package var key: String?
    package var line: Int?

    package init(host: String, file: String, section: String?, key: String?, line: Int?) {
        self.host = host
        self.file = file
        self.section = section
        self.key = key
        self.line = line
    }
}

extension Finding {
    /// A short stable name for the check (`f-` and 12 hex digits of SHA-256 over its identity):
    /// the same check on the same host has the same id from run to run, whatever its outcome
    /// or the line its value moved to. Findings that judge no key (a program's refusals, one
    /// per line) are told apart by their line.
    package var id: String {
        // The fields joined by NUL, as UTF-8 (a report computes a million of these).
        var identity: [UInt8] = []
        identity.reserveCapacity(category.rawValue.utf8.count + rule.utf8.count + host.utf8.count + file.utf8.count + 64)
        func add(_ field: String, first: Bool = false) {
            if !first { identity.append(0) }
            identity += field.utf8
        }
        add(category.rawValue, first: true)
        add(rule)
        add(host)
        add(file)
        add(section ?? "\u{1}")
        add(key ?? "\u{1}")
        if key == nil { add(line.map(String.init) ?? "-") }
        return "f-" + Digest.sha256Hex(identity, length: 6)
    }
}
