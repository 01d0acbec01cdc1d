import DriftCore
import Foundation

/// One row of `stackdrift runs`.
public struct RunSummary: Sendable, Hashable {
    public var id: Int64
    public var startedAt: String
    public var finishedAt: String?
    public var toolVersion: String
    /// Who made the run (`--auditor`); `nil` for runs stored before auditors were recorded.
    public var auditor: String?
    public var inventory: String?
    /// `running`, `finished`, or `interrupted` (the process died before finishing).
    public var status: String
    public var exitCode: Int?
    public var hosts: Int
    public var hostsFailed: Int
    public var passed: Int
    public var failed: Int
    public var errors: Int
    public var waived: Int
    public var skipped: Int
    /// With `--upgrade-to`, the release checked for; `nil` for a run of the guide only.
    public var upgradeTo: String?
    /// Failing upgrade checks (the counts above are the guide's checks only).
    public var upgradeFailed: Int
    /// The networking variant audited, and the release an upgrade was checked from.
    public var architecture: String?
    public var upgradeFrom: String?
    /// The run's overview blob, once finished (schema 4 on).
    package var overviewID: Int64?
    /// The id of the key its secrets were tagged with.
    package var redactionKeyID: String?
    /// Problems (things to fix) in the run, from its stored overview; `nil` for a run without one
    /// (unfinished, or stored before schema 4).
    public var problems: Int?

    public init(id: Int64, startedAt: String, finishedAt: String?, toolVersion: String, inventory: String?, status: String,
                exitCode: Int?, hosts: Int = 0, hostsFailed: Int = 0, passed: Int = 0, failed: Int = 0, errors: Int = 0,
                waived: Int = 0, skipped: Int = 0, upgradeTo: String? = nil, upgradeFailed: Int = 0,
                architecture: String? = nil, upgradeFrom: String? = nil, auditor: String? = nil) {
        self.auditor = auditor
        self.architecture = architecture
        self.upgradeFrom = upgradeFrom
        self.upgradeTo = upgradeTo
        self.upgradeFailed = upgradeFailed
        self.id = id
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.toolVersion = toolVersion
        self.inventory = inventory
        self.status = status
        self.exitCode = exitCode
        self.hosts = hosts
        self.hostsFailed = hostsFailed
        self.passed = passed
        self.failed = failed
        self.errors = errors
        self.waived = waived
        self.skipped = skipped
    }
}

extension RunSummary {
    /// The runs this one follows: its auditor's runs of its inventory.
    public var identity: InventoryIdentity { InventoryIdentity(auditor: auditor, inventory: inventory) }
}
