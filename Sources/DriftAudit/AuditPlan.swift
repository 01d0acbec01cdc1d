import DriftCore
import DriftParsing
import DriftRules

/// What an audit will do on each host, worked out without connecting: the rules that apply,
/// every file it will ask for and why, and which of those may name further files.
///
/// Computed from the same `RuleEngine.filesToCollect(for:)` the `Auditor` collects with, so
/// `inventory show` and the sudoers lines of `inventory sudoers` cannot drift from what an
/// audit reads.
package struct AuditPlan: Sendable {
    /// Why a file is read.
    package enum Purpose: String, Sendable, Codable, CaseIterable {
        /// A rule checks its contents.
        case rules
        /// Its presence shows an optional service runs (`Rules/services.yaml`); read when the
        /// inventory leaves the host's services to detection.
        case marker
        /// A fact about the host comes from it (`/proc/cpuinfo`).
        case fact
    }

    package struct File: Sendable, Hashable {
        package var path: String
        package var purpose: Purpose
        /// It may include other files (MySQL's `!include` and `!includedir`), which the audit
        /// reads too; their names are known only once this file is read on the host.
        package var mayInclude: Bool
    }

    package struct Host: Sendable {
        package var host: InventoryHost
        /// The rules that apply to the host's roles and the cloud's networking variant.
        package var ruleCount: Int
        /// Every file the audit asks the host for, in path order.
        package var files: [File]

        /// The files that may include others, whose included files cannot be listed in advance.
        package var includers: [File] { files.filter(\.mayInclude) }
    }

    package var architecture: NetworkingVariant
    package var hosts: [Host]

    package init(inventory: Inventory, ruleSet: RuleSet) {
        let engine = RuleEngine(ruleSet: ruleSet, architecture: inventory.architecture)
        architecture = inventory.architecture
        hosts = inventory.hosts.map { host in
            let rules = engine.rules(for: host)
            let ruleFiles = Set(rules.flatMap { $0.files(for: host) })
            let files = engine.filesToCollect(for: host).map { path in
                let purpose: Purpose = ruleFiles.contains(path) ? .rules : engine.factSources.contains(path) ? .fact : .marker
                return File(path: path, purpose: purpose, mayInclude: Self.followsIncludes(of: path, ruleSet: ruleSet))
            }
            return Host(host: host, ruleCount: rules.count, files: files)
        }
    }

    /// Whether the audit reads what `path` includes: files whose format has include directives
    /// (MySQL option files), as the `Auditor`'s include expansion reads them.
    static func followsIncludes(of path: String, ruleSet: RuleSet) -> Bool {
        ruleSet.format(forFile: path)?.details.includes != nil
    }

    /// The directories Debian's own my.cnf includes with `!includedir`: `/etc/mysql/conf.d/` in
    /// Debian 7's mysql-common, and also `/etc/mysql/mariadb.conf.d/` in the mariadb.cnf that
    /// Debian 9 and later point my.cnf at. A site's my.cnf may name others.
    package static let debianMySQLIncludeDirectories = ["/etc/mysql/conf.d", "/etc/mysql/mariadb.conf.d"]
}
