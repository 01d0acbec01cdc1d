import DriftCore
import Foundation

/// One row of `stackdrift runs`.
package struct RunSummary: Sendable, Hashable {
    package var id: Int64
    package var startedAt: String
    package var finishedAt: String?
    package var toolVersion: String
    /// Who made the run (`--auditor`); `nil` for runs stored before auditors were recorded.
    package var auditor: String?
    package var inventory: String?
    /// `running`, `finished`, or `interrupted` (the process died before finishing).
    package var status: String
    package var exitCode: Int?
    package var hosts: Int
    package var hostsFailed: Int
    package var passed: Int
    package var failed: Int
    package var errors: Int
    package var waived: Int
    package var skipped: Int
    /// With `--upgrade-to`, the release checked for; `nil` for a run of the guide only.
    package var upgradeTo: String?
    /// Failing upgrade checks (the counts above are the guide's checks only).
    package var upgradeFailed: Int
    /// The networking variant audited, and the release an upgrade was checked from.
    package var architecture: String?
    package var upgradeFrom: String?
    /// The run's overview blob, once finished (schema 4 on).
    package var overviewID: Int64?
    /// The id of the key its secrets were tagged with.
    package var redactionKeyID: String?
    /// Problems (things to fix) in the run, from its stored overview; `nil` for a run without one
    /// (unfinished, or stored before schema 4).
    package var problems: Int?

    package init(id: Int64, startedAt: String, finishedAt: String?, toolVersion: String, inventory: String?, status: String,
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
    package var identity: InventoryIdentity { InventoryIdentity(auditor: auditor, inventory: inventory) }
}
