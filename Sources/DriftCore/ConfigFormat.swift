/// A configuration file format, named after the program whose reading stackdrift imitates.
///
/// Only the name lives here: what the format means (how its program splits lines, compares
/// names, picks among repeated options, includes files, and how it is parsed and written) is
/// its `FormatDescription` in DriftParsing.
package enum ConfigFormat: String, Sendable, Codable, CaseIterable, Hashable {
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

    package static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
