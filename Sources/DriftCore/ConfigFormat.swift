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
    /// A user crontab: `schedule command` lines keyed by schedule, and `NAME=value` settings.
    case crontab

    public static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Whether the format has sections at all; entries of sectionless formats have `section == nil`.
    public var hasSections: Bool {
        switch self {
        case .osloINI, .mysql, .pasteINI, .lvm, .rsyncd: return true
        case .sysctl, .hosts, .memcached, .shellVars, .mongodb, .ntp, .djangoSettings, .crontab: return false
        }
    }

    /// How the consuming program splits the file into lines: Python reads with universal
    /// newlines (a lone CR ends a line), C programs split at line feeds only. Parsers number
    /// lines this way, so anything that quotes a line by number must split the same way.
    public var lineBreaks: LineBreaks {
        switch self {
        case .osloINI, .pasteINI, .djangoSettings: return .universal
        case .mysql, .lvm, .rsyncd, .mongodb, .sysctl, .hosts, .memcached, .shellVars, .ntp, .crontab: return .lineFeed
        }
    }

    /// The section name as the consuming program compares it.
    public func normalizedSection(_ section: String) -> String {
        switch self {
        case .osloINI:
            // oslo.config: `_normalize_group_name` keeps DEFAULT as written and lowercases other groups.
            return section == "DEFAULT" ? section : section.lowercased()
        case .mysql:
            // my_default.c compares group names case-insensitively.
            return section.lowercased()
        default:
            return section
        }
    }

    /// Whether an entry written in `entrySection` is read when the program looks up `wanted`.
    ///
    /// For MySQL, asking for `mysqld` means what the server reads: MariaDB's `mariadbd`
    /// reads `[server]`, `[mysqld]`, `[mysqld-VERSION]`, `[mariadb]`, `[mariadb-VERSION]`,
    /// `[mariadbd]`, `[mariadbd-VERSION]`, `[client-server]` and `[galera]` (checked with
    /// `my_print_defaults --mysqld`); `client` likewise covers `[client-server]` and
    /// `[client-mariadb]`. Versioned groups are taken to apply whatever their version.
    public func sectionMatches(_ entrySection: String, wanted: String) -> Bool {
        let entry = normalizedSection(entrySection), target = normalizedSection(wanted)
        guard self == .mysql else { return entry == target }
        if entry == target { return true }
        switch target {
        case "mysqld", "mariadbd", "mariadb", "server":
            if ["server", "mysqld", "mariadb", "mariadbd", "client-server", "galera"].contains(entry) { return true }
            return ["mysqld-", "mariadb-", "mariadbd-"].contains { entry.hasPrefix($0) && entry.dropFirst($0.count).first?.isNumber == true }
        case "client":
            return entry == "client-server" || entry == "client-mariadb"
        default:
            return false
        }
    }

    /// The option name as the consuming program compares it.
    public func normalizedKey(_ key: String) -> String {
        switch self {
        case .mysql:
            // my_getopt treats '-' and '_' alike; the loose- prefix only silences unknown options.
            var name = key.replacingOccurrences(of: "-", with: "_")
            if name.hasPrefix("loose_") { name.removeFirst("loose_".count) }
            return name
        case .sysctl:
            // sysctl accepts `net.ipv4.ip_forward` and `net/ipv4/ip_forward`; a leading '-' only
            // tells it to ignore a failure to set the key.
            var name = key.replacingOccurrences(of: "/", with: ".")
            if name.hasPrefix("-") { name.removeFirst() }
            return name
        case .hosts:
            // glibc compares host names case-insensitively.
            return key.lowercased()
        case .rsyncd:
            // rsync's strwicmp ignores case and white space: "max connections" is "maxconnections".
            return key.lowercased().filter { !$0.isWhitespace }
        case .memcached:
            return Self.memcachedShortOptions[key] ?? key
        default:
            return key
        }
    }

    /// memcached's long options and the short options they stand for.
    static let memcachedShortOptions = [
        "--listen": "-l", "--port": "-p", "--udp-port": "-U", "--memory-limit": "-m", "--user": "-u",
        "--conn-limit": "-c", "--threads": "-t", "--max-item-size": "-I", "--verbose": "-v",
    ]
}
