import Foundation

/// Everything one audit found, as reporters see it: reporters are pure functions of this value.
public struct AuditRun: Sendable {
    public var id: Int64?
    public var startedAt: Date
    public var finishedAt: Date
    public var toolVersion: String
    public var inventory: String?
    public var architecture: NetworkingVariant
    public var hosts: [HostResult]
    /// In report order (see `Finding.reportOrder`).
    public var findings: [Finding]
    public var exitCode: Int
    /// What changed since the previous run; `nil` without history (no database, or the first run).
    public var changes: RunChanges?
    /// The upgrade checked for (`--upgrade-to`); `nil` when the run checked the guide only.
    public var upgrade: UpgradeTarget?

    public init(id: Int64?, startedAt: Date, finishedAt: Date, toolVersion: String, inventory: String?,
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

    public func count(_ status: FindingStatus) -> Int { findings.lazy.filter { $0.status == status }.count }

    /// Findings of one category (guide drift, or upgrade checks) with this status.
    public func count(_ status: FindingStatus, in category: FindingCategory) -> Int {
        findings.lazy.filter { $0.status == status && $0.category == category }.count
    }
}

/// One host's part of a run: whether it was reached and what became of each file.
public struct HostResult: Sendable, Hashable {
    public var name: String
    public var roles: [Role]
    /// Optional services the host runs, declared or detected.
    public var services: [GuideService]
    /// Why the host could not be collected; `nil` when it was.
    public var error: String?
    public var errorKind: String?
    public var files: [FileResult]
    /// The SHA-1-era SSH algorithms the inventory let the host use (`LegacySSHAlgorithms.summary`),
    /// so that weakened cryptography shows in every report; empty for most hosts.
    public var legacyAlgorithms: [String]

    public init(name: String, roles: [Role], services: [GuideService], error: String? = nil, errorKind: String? = nil,
                files: [FileResult], legacyAlgorithms: [String] = []) {
        self.name = name
        self.roles = roles
        self.services = services
        self.error = error
        self.errorKind = errorKind
        self.files = files
        self.legacyAlgorithms = legacyAlgorithms
    }

    public var collected: Bool { error == nil }
}

/// What became of one requested file.
public struct FileResult: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Codable {
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

    public var path: String
    public var status: Status
    public var format: ConfigFormat?
    /// Why the file could not be read or parsed, already masked.
    public var reason: String?
    /// The offending line for unparseable files.
    public var line: Int?
    /// The file's text with every secret replaced by a redaction tag: what the database
    /// stores, and what reports may quote around a finding. Never the original bytes.
    public var content: [UInt8]?

    public init(path: String, status: Status, format: ConfigFormat?, reason: String? = nil, line: Int? = nil,
                content: [UInt8]? = nil) {
        self.path = path
        self.status = status
        self.format = format
        self.reason = reason
        self.line = line
        self.content = content
    }
}
