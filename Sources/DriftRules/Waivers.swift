import DriftCore
import Foundation

/// An accepted deviation from a rule: which findings it covers, why, and until when.
package struct Waiver: Sendable {
    /// Rule id, or a glob (`nova.default.vnc*`).
    package var rule: String
    package var hosts: [String]
    package var roles: Set<Role>
    package var file: String?
    package var key: String?
    package var reason: String
    /// Last day the waiver applies (inclusive), as `YYYY-MM-DD`.
    package var expires: String
    package var definedAt: SourceLocation

    /// Whether the waiver covers a finding on a host.
    package func covers(_ finding: Finding, host: InventoryHost?) -> Bool {
        guard Glob.matches(pattern: rule, finding.rule) else { return false }
        if !hosts.isEmpty, !hosts.contains(where: { Glob.matches(pattern: $0, finding.host) }) { return false }
        if !roles.isEmpty, !(host?.roles.contains(where: roles.contains) ?? false) { return false }
        if let file, file != finding.file { return false }
        if let key, key != finding.key { return false }
        return true
    }

    /// Whether the waiver still applies on `day` (`YYYY-MM-DD`, compared as text, which orders like dates).
    package func isActive(on day: String) -> Bool {
        day <= expires
    }
}

/// The waivers file: accepted deviations, each with a reason and an expiry date.
package struct WaiverSet: Sendable {
    package var waivers: [Waiver]

    package init(waivers: [Waiver] = []) {
        self.waivers = waivers
    }

    static let fields = ["rule", "host", "hosts", "role", "roles", "file", "key", "reason", "expires"]

    /// Reads a waivers file; an unknown rule id, a missing reason or expiry, or a malformed date
    /// is an error naming file:line.
    ///
    /// `dormantRuleIDs` are rules that exist but are not loaded for this audit (upgrade packs
    /// without `--upgrade-to`): a waiver may name them and then has nothing to waive.
    package static func load(path: String, rules: RuleSet, dormantRuleIDs: Set<String> = []) throws -> WaiverSet {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw Diagnostic(.rule, at: SourceLocation(file: path, line: 1), "cannot read waivers file '\(path)'")
        }
        return try parse(text, file: path, rules: rules, dormantRuleIDs: dormantRuleIDs)
    }

    package static func parse(_ text: String, file: String, rules: RuleSet, dormantRuleIDs: Set<String> = []) throws -> WaiverSet {
        guard let root = try YAMLField.parse(text, file: file, kind: .rule) else { return WaiverSet() }
        let top = try root.mapping()
        try top.rejectUnknownKeys(allowed: ["waivers"])
        var set = WaiverSet()
        for field in try top["waivers"]?.list() ?? [] {
            let map = try field.mapping()
            try map.rejectUnknownKeys(allowed: fields)
            let ruleField = try map.require("rule")
            let rule = try ruleField.string()
            if !rules.rules.contains(where: { Glob.matches(pattern: rule, $0.id) }),
               !dormantRuleIDs.contains(where: { Glob.matches(pattern: rule, $0) }) {
                throw ruleField.error("no rule matches '\(rule)'")
            }
            let reason = try map.require("reason").string()
            if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw field.error("a waiver needs a reason") }
            let expiresField = try map.require("expires")
            let expires = try expiresField.string()
            guard Self.isDay(expires) else { throw expiresField.error("expected a date as YYYY-MM-DD, found '\(expires)'") }
            var hosts = try map["hosts"]?.stringList() ?? []
            if let host = map["host"] { hosts.append(try host.string()) }
            var roles = try map["roles"].map(RuleSet.readRoles) ?? []
            if let role = map["role"] { roles.insert(try role.choice(Role.self, noun: "role")) }
            set.waivers.append(Waiver(rule: rule, hosts: hosts, roles: roles, file: try map["file"].map(RuleSet.readPath),
                                      key: try map["key"]?.string(), reason: reason, expires: expires,
                                      definedAt: field.location))
        }
        return set
    }

    /// Marks failing findings covered by an active waiver as `waived`; a finding covered only by
    /// expired waivers keeps failing and says the waiver expired.
    package func apply(to findings: [Finding], hosts: [InventoryHost], today: Date) -> [Finding] {
        guard !waivers.isEmpty else { return findings }
        let day = Self.day(today)
        let byName = Dictionary(hosts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return findings.map { finding in
            guard finding.status == .fail else { return finding }
            let covering = waivers.filter { $0.covers(finding, host: byName[finding.host]) }
            var result = finding
            if let active = covering.first(where: { $0.isActive(on: day) }) {
                result.status = .waived
                result.waiver = WaiverNote(reason: active.reason, expires: active.expires, expired: false, definedAt: active.definedAt)
                result.message = "waived until \(active.expires): \(active.reason) (was: \(finding.message))"
            } else if let expired = covering.max(by: { $0.expires < $1.expires }) {
                result.waiver = WaiverNote(reason: expired.reason, expires: expired.expires, expired: true, definedAt: expired.definedAt)
                result.message += " (waiver expired on \(expired.expires): \(expired.reason))"
            }
            return result
        }
    }

    static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let dayOfMonth = Int(parts[2]) else { return false }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = dayOfMonth
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return components.isValidDate(in: calendar) && (1...12).contains(month)
    }

    /// A date's day in UTC, as `YYYY-MM-DD`.
    package static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}
