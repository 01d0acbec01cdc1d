/// The columns of a `runs` row as both backends select them, and the summary they make: the
/// decoding is written once, whichever engine returned the row.
enum RunColumns {
    static let list = """
        id, started_at, finished_at, tool_version, inventory, architecture, status, exit_code, hosts, hosts_failed,
        passed, failed, errors, waived, skipped, upgrade_from, upgrade_to, upgrade_failed, overview_id, auditor, redaction_key_id
        """

    static func summary(_ row: [SQLValue]) -> RunSummary {
        func count(_ index: Int) -> Int { Int(row[index].int ?? 0) }
        var summary = RunSummary(id: row[0].int ?? 0, startedAt: row[1].string ?? "", finishedAt: row[2].string,
                                 toolVersion: row[3].string ?? "", inventory: row[4].string, status: row[6].string ?? "",
                                 exitCode: row[7].int.map(Int.init), hosts: count(8), hostsFailed: count(9), passed: count(10),
                                 failed: count(11), errors: count(12), waived: count(13), skipped: count(14),
                                 upgradeTo: row[16].string, upgradeFailed: count(17), architecture: row[5].string,
                                 upgradeFrom: row[15].string, auditor: row[19].string)
        summary.overviewID = row[18].int
        summary.redactionKeyID = row[20].string
        return summary
    }
}
