/// A configuration file format, named after the program whose reading stackdrift imitates.
///
/// The format decides how names compare: oslo.config treats group names other
/// than `DEFAULT` case-insensitively, MySQL treats `-` and `_` in option names
/// alike. Rules and lookups go through `normalizedSection` and `normalizedKey`
/// so that a value is found exactly when the consuming program would find it.
public enum ConfigFormat: String, Sendable, Codable, CaseIterable, Hashable {
    /// oslo.config INI: nova.conf, neutron.conf, ml2_conf.ini, agent .ini files, cinder/glance/keystone/ceilometer.
    case osloINI = "oslo-ini"
    /// MySQL/MariaDB option files: my.cnf and its `!include`s.
    case mysql
    /// Paste Deploy INI read by Python's configparser: proxy-server.conf.
    case pasteINI = "paste-ini"
    /// LVM's nested `section { key = value }` syntax: lvm.conf.
    case lvm
    /// `key = value` kernel parameters: sysctl.conf.
    case sysctl
    /// `/etc/hosts`: address followed by names.
    case hosts
    /// memcached.conf: one command-line option per line (`-l 10.0.0.51`).
    case memcached
    /// Shell-style `KEY=value` assignments: /etc/default/*, dbconfig-common files.
    case shellVars = "shell-vars"
    /// rsyncd.conf: global parameters then `[module]` sections.
    case rsyncd
    /// mongodb.conf (2.4 style): `key = value`.
    case mongodb
    /// ntp.conf: directives with arguments (`server controller iburst`).
    case ntp
    /// Django settings module: top-level `NAME = literal` assignments, never executed.
    case djangoSettings = "django-settings"

    public static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Whether the format has sections at all; entries of sectionless formats have `section == nil`.
    public var hasSections: Bool {
        switch self {
        case .osloINI, .mysql, .pasteINI, .lvm, .rsyncd: return true
        case .sysctl, .hosts, .memcached, .shellVars, .mongodb, .ntp, .djangoSettings: return false
        }
    }

    /// The section name as the consuming program compares it.
    public func normalizedSection(_ section: String) -> String {
        switch self {
        case .osloINI:
            // oslo.config: `_normalize_group_name` keeps DEFAULT as written and lowercases other groups.
            return section == "DEFAULT" ? section : section.lowercased()
        case .mysql:
            return section.lowercased()
        default:
            return section
        }
    }

    /// The option name as the consuming program compares it.
    public func normalizedKey(_ key: String) -> String {
        switch self {
        case .mysql:
            var name = key.replacingOccurrences(of: "-", with: "_")
            if name.hasPrefix("loose_") { name.removeFirst("loose_".count) }
            return name
        case .sysctl:
            // sysctl accepts both `net.ipv4.ip_forward` and `net/ipv4/ip_forward`.
            return key.replacingOccurrences(of: "/", with: ".")
        default:
            return key
        }
    }
}
