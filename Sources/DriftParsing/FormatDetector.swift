import DriftCore

/// Chooses a file's format from its path, the way an operator would name it.
/// Rules can override the choice (`format:`) for files in unusual places.
package enum FormatDetector {
    /// Exact paths and file names the guide touches, checked before the generic suffix rules.
    private static let byName: [String: ConfigFormat] = [
        "my.cnf": .mysql,
        "proxy-server.conf": .pasteINI,
        "lvm.conf": .lvm,
        "sysctl.conf": .sysctl,
        "hosts": .hosts,
        "memcached.conf": .memcached,
        "rsyncd.conf": .rsyncd,
        "mongodb.conf": .mongodb,
        "ntp.conf": .ntp,
        "local_settings.py": .djangoSettings,
        "local_settings": .djangoSettings,
    ]

    package static func format(forPath path: String) -> ConfigFormat? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if let format = byName[name] { return format }
        if path.hasPrefix("/etc/sysctl.d/") { return .sysctl }
        if path.hasPrefix("/var/spool/cron/crontabs/") { return .crontab }
        if path.hasPrefix("/etc/mysql/") && name.hasSuffix(".cnf") { return .mysql }
        if path.hasPrefix("/etc/default/") || path.hasPrefix("/etc/dbconfig-common/") { return .shellVars }
        if path.hasPrefix("/etc/swift/") && name.hasSuffix("-server.conf") { return .pasteINI }
        if path.hasSuffix("-paste.ini") || name == "api-paste.ini" { return .pasteINI }
        if name.hasSuffix(".conf") || name.hasSuffix(".ini") { return .osloINI }
        return nil
    }
}
