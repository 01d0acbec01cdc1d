import ArgumentParser
import DriftAudit

@main
struct Stackdrift: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stackdrift",
        abstract: "Audit OpenStack (Icehouse) nodes for configuration drift from the installation guide.",
        discussion: """
        stackdrift reads the configuration files of every node in an inventory, compares them with the \
        values the OpenStack Installation Guide for Debian 7 (Icehouse) sets, stores each run in SQLite \
        and reports the drift.

        Examples:
          stackdrift audit --inventory inventory.yaml
          stackdrift audit --inventory inventory.yaml --json report.json --db /var/lib/stackdrift/audit.db
          stackdrift diff compute1
          stackdrift history compute1 /etc/nova/nova.conf DEFAULT.my_ip
          stackdrift report latest --format html -o report.html
          stackdrift fix latest -o fixes/

        Exit codes of audit: 0 no drift, 1 drift found, 2 audit incomplete, 64 usage or configuration \
        error, 75 another audit holds the database.
        """,
        version: StackdriftVersion.current,
        subcommands: [Audit.self, Report.self, Fix.self, Runs.self, Diff.self, History.self, Prune.self, DB.self, Parse.self, Rules.self,
                      InventoryCommand.self]
    )
}
