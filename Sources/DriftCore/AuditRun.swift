import Foundation

/// Everything one audit found, as reporters see it: reporters are pure functions of this value.
package struct AuditRun: Sendable {
    package var id: Int64?
    package var startedAt: Date
    package var finishedAt: Date
    package var toolVersion: String
    package var inventory: String?
    package var architecture: NetworkingVariant
    package var hosts: [HostResult]
    /// In report order (see `Finding.reportOrder`).
    package var findings: [Finding]
    package var exitCode: Int
    /// What changed since the previous run; `nil` without history (no database, or the first run).
    package var changes: RunChanges?
    /// The upgrade checked for (`--upgrade-to`); `nil` when the run checked the guide only.
    package var upgrade: UpgradeTarget?

    package init(id: Int64?, startedAt: Date, finishedAt: Date, toolVersion: String, inventory: String?,
                architecture: NetworkingVariant, hosts: [HostResult], findings: [Finding], exitCode: Int,
                changes: RunChanges? = nil, upgrade: UpgradeTarget? = nil) {
        self.id = id
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.toolVersion = toolVersion
        self.inventory = inventory
        self.architecture = architecture
        self.hosts = hosts
        self.findings = findings
        self.exitCode = exitCode
        self.changes = changes
        self.upgrade = upgrade
    }

    package func count(_ status: FindingStatus) -> Int { findings.lazy.filter { $0.status == status }.count }

    /// Findings of one category (guide drift, or upgrade checks) with this status.
    package func count(_ status: FindingStatus, in category: FindingCategory) -> Int {
        findings.lazy.filter { $0.status == status && $0.category == category }.count
    }
}

/// One host's part of a run: whether it was reached and what became of each file.
package struct HostResult: Sendable, Hashable {
    package var name: String
    package var roles: [Role]
    /// Optional services the host runs, declared or detected.
    package var services: [GuideService]
    /// Why the host could not be collected; `nil` when it was.
    package var error: String?
    package var errorKind: String?
    package var files: [FileResult]
    /// The SHA-1-era SSH algorithms the inventory let the host use (`LegacySSHAlgorithms.summary`),
    /// so that weakened cryptography shows in every report; empty for most hosts.
    package var legacyAlgorithms: [String]

    package init(name: String, roles: [Role], services: [GuideService], error: String? = nil, errorKind: String? = nil,
                files: [FileResult], legacyAlgorithms: [String] = []) {
        self.name = name
        self.roles = roles
        self.services = services
        self.error = error
        self.errorKind = errorKind
        self.files = files
        self.legacyAlgorithms = legacyAlgorithms
    }

    package var collected: Bool { error == nil }
}

/// What became of one requested file.
package struct FileResult: Sendable, Hashable {
    package enum Status: String, Sendable, Hashable, Codable {
        case parsed
        /// Collected but not parsed: no rule reads it (a service marker file, say).
        case present
        case missing
        case unreadable
        case unparseable
        /// Never read: the host's collection ended first (its `HostResult.error` says why).
        /// Neither missing nor drift; the file's checks are not evaluated.
        case notCollected = "not-collected"
    }

    package var path: String
    package var status: Status
    package var format: ConfigFormat?
    /// Why the file could not be read or parsed, already masked.
    package var reason: String?
    /// The offending line for unparseable files.
    package var line: Int?
    /// The file's text with every secret replaced by a redaction tag: what the database
    /// stores, and what reports may quote around a finding. Never the original bytes.
    package var content: [UInt8]?

    package init(path: String, status: Status, format: ConfigFormat?, reason: String? = nil, line: Int? = nil,
                content: [UInt8]? = nil) {
        self.path = path
        self.status = status
        self.format = format
        self.reason = reason
        self.line = line
        self.content = content
    }
}
