import Foundation

/// A run's facts that are not about any one host: which run, when, of what, and its verdict.
package struct RunHeader: Sendable, Hashable {
    package var id: Int64?
    package var startedAt: Date
    package var finishedAt: Date
    package var toolVersion: String
    package var inventory: String?
    package var architecture: NetworkingVariant
    package var exitCode: Int
    /// The upgrade checked for (`--upgrade-to`); `nil` when the run checked the guide only.
    package var upgrade: UpgradeTarget?

    package init(id: Int64?, startedAt: Date, finishedAt: Date, toolVersion: String, inventory: String?,
                architecture: NetworkingVariant, exitCode: Int, upgrade: UpgradeTarget?) {
        self.id = id
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.toolVersion = toolVersion
        self.inventory = inventory
        self.architecture = architecture
        self.exitCode = exitCode
        self.upgrade = upgrade
    }
}

/// What a host's details a reporter asks for: reading a stored run costs per part.
package struct HostParts: OptionSet, Sendable, Hashable {
    package let rawValue: Int
    package init(rawValue: Int) { self.rawValue = rawValue }

    /// The host's files with their statuses (its manifest).
    package static let files = HostParts(rawValue: 1)
    /// The redacted text of each present file, for excerpts.
    package static let contents = HostParts(rawValue: 2)
    /// The host's findings.
    package static let findings = HostParts(rawValue: 4)
    package static let all: HostParts = [.files, .contents, .findings]
}

/// A run as reporters read it: the header, overview and changes at once, then hosts one at a
/// time, so a report of ten thousand hosts never holds more than one host's findings.
///
/// `AuditRun` (a run in memory: tests, golden files) and the store's reader of a stored run
/// both provide it; reporters are functions of it.
package protocol ReportableRun {
    var header: RunHeader { get }
    var overview: RunOverview { get }
    /// What changed since the previous run; `nil` without history.
    var changes: RunChanges? { get }
    /// Calls `body` for each host in name order (only those named in `only`, when given) with its
    /// result (files, with redacted contents when asked for) and its findings in report order.
    func forEachHost(only: Set<String>?, parts: HostParts, _ body: (HostResult, [Finding]) throws -> Void) throws
}

extension AuditRun: ReportableRun {
    package var header: RunHeader {
        RunHeader(id: id, startedAt: startedAt, finishedAt: finishedAt, toolVersion: toolVersion, inventory: inventory,
                  architecture: architecture, exitCode: exitCode, upgrade: upgrade)
    }

    package var overview: RunOverview {
        var builder = RunOverview.Builder()
        for host in hosts { builder.add(host: host) }
        builder.add(findings)
        return builder.build()
    }

    package func forEachHost(only: Set<String>?, parts: HostParts, _ body: (HostResult, [Finding]) throws -> Void) throws {
        let byHost = Dictionary(grouping: findings, by: \.host)
        // A finding of a host the run does not list still belongs somewhere: a host with no files.
        var results = Dictionary(hosts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in byHost.keys where results[name] == nil {
            results[name] = HostResult(name: name, roles: [], services: [], files: [])
        }
        for name in results.keys.sorted() where only?.contains(name) ?? true {
            var result = results[name]!
            if !parts.contains(.contents) {
                for index in result.files.indices { result.files[index].content = nil }
            }
            try body(result, (byHost[name] ?? []).sorted(by: Finding.reportOrder))
        }
    }
}
