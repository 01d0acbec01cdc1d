import DriftCore
import Foundation

/// A hand-made run exercising everything a report shows: failing, erroring, waived (active and
/// expired), passing and skipped checks; secrets masked and compared; a key that is not set; an
/// unparseable file; a host that was not collected; upgrade checks; changes since the previous run.
/// And hostile values from every source: config values, a host name, a rule title, a waiver.
enum ReportFixture {
    static let script = "<script>document.title='pwned'</script>"
    static let image = #""><img src=x onerror="document.body.dataset.pwned=1">"#
    static let cdataEnd = "]]>"
    static let controls = "a\u{1B}[31mred\u{07}\u{0}b\u{202E}c"
    static let hostileHost = #"net"><b>1"#
    static let hostileTitle = "<b>bold</b> & \"quoted\" title"

    static let started = Date(timeIntervalSince1970: 1_764_000_000)

    /// compute2's nova.conf as redacted: the line numbers below point into it.
    static let novaLines = [
        "[DEFAULT]",                                              // 1
        "rabbit_host = controller",                               // 2
        "rabbit_password = <redacted:1a2b3c4d5e6f>",              // 3
        "my_ip = 10.0.0.32",                                      // 4
        "vncserver_proxyclient_address = 10.0.0.31",              // 5
        "novncproxy_base_url = " + script,                        // 6
        "glance_host = " + image,                                 // 7
        "notification_driver = nova.openstack.common.notifier.rpc_notifier",  // 8
        "# odd bytes: " + controls + " " + cdataEnd,              // 9
        "",                                                       // 10
        "[database]",                                             // 11
        "connection = mysql://nova:<redacted:0f0e0d0c0b0a>@controller/nova",  // 12
    ]

    static let ceilometerLines = [
        "[publisher]",
        "metering_secret = <redacted:99aa88bb77cc>",
    ]

    static let compute1NovaLines = [
        "[DEFAULT]",
        "rabbit_password = <redacted:1a2b3c4d5e6f>",
        "my_ip = 10.0.0.99",
        "rpc_backend = rabbit",
    ]

    static let brokenLines = ["[DEFAULT]", "ok = 1", "this line has no equals sign"]

    static func content(_ lines: [String]) -> [UInt8] { Array((lines.joined(separator: "\n") + "\n").utf8) }

    static func finding(_ rule: String, _ title: String, host: String, file: String, section: String?, key: String?,
                        _ status: FindingStatus, _ severity: Severity, expected: String?, actual: String?, line: Int?,
                        message: String, guide: GuideReference? = nil, fix: String? = nil, secret: Bool = false,
                        category: FindingCategory = .guide) -> Finding {
        Finding(rule: rule, title: title, host: host, file: file, section: section, key: key, status: status,
                severity: severity, expected: expected, actual: actual, line: line, message: message, guide: guide,
                fix: fix, secret: secret, category: category)
    }

    static let nova = "/etc/nova/nova.conf"
    static let computeGuide = GuideReference(chapter: 7, section: "Configure a compute node", step: "3")

    static var vnc: Finding {
        var vnc = finding("nova.default.vncserver_proxyclient_address", "VNC proxy clients reach the node", host: "compute2",
                          file: nova, section: "DEFAULT", key: "vncserver_proxyclient_address", .fail, .medium,
                          expected: "10.0.0.32", actual: "10.0.0.31", line: 5, message: "expected '10.0.0.32', found '10.0.0.31'",
                          guide: computeGuide, fix: "set vncserver_proxyclient_address = 10.0.0.32 in [DEFAULT]")
        vnc.remedy = .edits([LineEdit(action: .setValue, file: nova, line: 5, old: ["vncserver_proxyclient_address = 10.0.0.31"],
                                      new: ["vncserver_proxyclient_address = 10.0.0.32"])])
        return vnc
    }

    static var scriptValue: Finding {
        finding("nova.default.novncproxy_base_url", "Browsers reach the console proxy", host: "compute2", file: nova,
                section: "DEFAULT", key: "novncproxy_base_url", .fail, .high, expected: "http://controller:6080/vnc_auto.html",
                actual: script, line: 6, message: "expected 'http://controller:6080/vnc_auto.html', found '\(script)'",
                guide: computeGuide, fix: "set novncproxy_base_url = http://controller:6080/vnc_auto.html in [DEFAULT]")
    }

    static var imageValue: Finding {
        finding("nova.default.glance_host", hostileTitle, host: "compute2", file: nova, section: "DEFAULT",
                key: "glance_host", .fail, .low, expected: "controller", actual: image, line: 7,
                message: "expected 'controller', found '\(image)'", guide: GuideReference(chapter: 7, section: "Image Service"))
    }

    static var controlValue: Finding {
        finding("site.nova.comment", "Controls " + controls, host: "compute2", file: nova, section: "DEFAULT",
                key: "odd" + cdataEnd, .error, .info, expected: nil, actual: controls, line: 9,
                message: "cannot evaluate '\(controls)' \(cdataEnd)")
    }

    static var meteringSecret: Finding {
        finding("consistency.ceilometer.metering_secret.same", "Every Telemetry node signs with the same metering secret",
                host: "compute2", file: "/etc/ceilometer/ceilometer.conf", section: "publisher", key: "metering_secret",
                .fail, .critical, expected: "<secret A>", actual: "<secret B>", line: 2,
                message: "differs from 2 other values (controller:/etc/ceilometer/ceilometer.conf, compute1:/etc/ceilometer/ceilometer.conf)",
                guide: GuideReference(chapter: 13, section: "Install the Compute agent for Telemetry", step: "4"),
                fix: "set metering_secret in [publisher] to the controller's value on every node", secret: true)
    }

    static var expiredWaiver: Finding {
        var waived = finding("nova.default.notification_driver.ceilometer", "Compute notifies the Telemetry agent",
                             host: "compute2", file: nova, section: "DEFAULT", key: "notification_driver", .fail, .medium,
                             expected: "includes 'ceilometer.compute.nova_notifier'",
                             actual: "nova.openstack.common.notifier.rpc_notifier", line: 8,
                             message: "no value of 'notification_driver' is 'ceilometer.compute.nova_notifier'")
        waived.waiver = WaiverNote(reason: "Telemetry rolled out next sprint", expires: "2025-11-01", expired: true,
                                   definedAt: SourceLocation(file: "/etc/stackdrift/waivers.yaml", line: 3, column: 5))
        return waived
    }

    static var activeWaiver: Finding {
        var waived = finding("nova.default.my_ip", "my_ip is the node's management address", host: "compute1", file: nova,
                             section: "DEFAULT", key: "my_ip", .waived, .high, expected: "10.0.0.31", actual: "10.0.0.99",
                             line: 3, message: "expected '10.0.0.31', found '10.0.0.99'")
        waived.waiver = WaiverNote(reason: "renumbering <b>in progress</b> " + cdataEnd, expires: "2099-12-31", expired: false,
                                   definedAt: SourceLocation(file: "/etc/stackdrift/waivers.yaml", line: 9, column: 5))
        return waived
    }

    static var rabbitPassword: Finding {
        finding("nova.default.rabbit_password.placeholder", "RabbitMQ password", host: "compute1", file: nova,
                section: "DEFAULT", key: "rabbit_password", .pass, .critical, expected: "a real value, not a guide placeholder",
                actual: SecretPolicy.maskText, line: 2, message: "'rabbit_password' is set and is not a guide placeholder",
                secret: true)
    }

    static var absentKey: Finding {
        finding("ml2.ovs.local_ip", "local_ip is the tunnel address", host: "compute1",
                file: "/etc/neutron/plugins/ml2/ml2_conf.ini", section: "ovs", key: "local_ip", .fail, .high,
                expected: "10.0.1.31", actual: nil, line: nil, message: "the file does not exist")
    }

    /// Not in the file: the finding judged the program's default and says where it is defined.
    static var absentInSection: Finding {
        var absent = finding("nova.database.connection", "Compute reaches its database", host: "compute1", file: nova,
                             section: "DEFAULT", key: "glance_host", .fail, .medium, expected: "controller", actual: nil, line: nil,
                             message: "'glance_host' is not set in [DEFAULT], so Icehouse reads its default '$my_ip' "
                                 + "(openstack/nova@2014.1:nova/image/glance.py:43); expected 'controller'")
        absent.origin = ValueOrigin(kind: .builtinDefault, option: "[DEFAULT] glance_host",
                                    definedAt: ["openstack/nova@2014.1:nova/image/glance.py:43"])
        return absent
    }

    static var brokenFile: Finding {
        finding("site.broken.ok", "ok is 1", host: "compute2", file: "/etc/site/broken.conf", section: "DEFAULT", key: "ok",
                .error, .low, expected: "1", actual: nil, line: nil,
                message: "/etc/site/broken.conf could not be parsed: line 3: expected '=' after key")
    }

    static var skipped: Finding {
        finding("dashboard.allowed_hosts", "The dashboard answers for its host names", host: "compute2",
                file: "/etc/openstack-dashboard/local_settings.py", section: nil, key: "ALLOWED_HOSTS", .skipped, .medium,
                expected: nil, actual: nil, line: nil, message: "the host does not run the dashboard")
    }

    static var hostileHostFinding: Finding {
        finding("hosts.controller", "The controller resolves", host: hostileHost, file: "/etc/hosts", section: nil,
                key: "controller", .fail, .high, expected: "10.0.0.11", actual: "10.0.0.12", line: 1,
                message: "'controller' resolves to '10.0.0.12' (its first line), not to its management address 10.0.0.11")
    }

    static var upgradeFail: Finding {
        finding("upgrade.juno.nova.rpc_backend", "Juno names the RabbitMQ driver by its module", host: "compute1", file: nova,
                section: "DEFAULT", key: "rpc_backend", .fail, .medium, expected: "nova.openstack.common.rpc.impl_kombu",
                actual: "rabbit", line: 4, message: "Juno reads 'rabbit' only through a deprecated alias",
                fix: "set rpc_backend = nova.openstack.common.rpc.impl_kombu", category: .upgrade)
    }

    static var upgradePass: Finding {
        finding("upgrade.juno.nova.my_ip", "my_ip survives the upgrade", host: "compute2", file: nova, section: "DEFAULT",
                key: "my_ip", .pass, .low, expected: "set", actual: "10.0.0.32", line: 4, message: "'my_ip' is set",
                category: .upgrade)
    }

    static var fixedSinceLastRun: Finding {
        finding("nova.default.verbose", "Compute logs verbosely", host: "compute1", file: nova, section: "DEFAULT",
                key: "verbose", .fail, .low, expected: "True", actual: "False", line: 5, message: "expected 'True', found 'False'")
    }

    static var changes: RunChanges {
        RunChanges(
            previousRunID: 6, previousStartedAt: started.addingTimeInterval(-86_400),
            files: [
                FileChange(host: "compute1", path: "/etc/neutron/plugins/ml2/ml2_conf.ini", kind: .vanished),
                FileChange(host: "compute2", path: nova, kind: .changed, hunks: [
                    DiffHunk(oldStart: 4, oldCount: 4, newStart: 4, newCount: 4, lines: [
                        DiffLine(kind: .context, oldLine: 4, newLine: 4, text: "my_ip = 10.0.0.32"),
                        DiffLine(kind: .context, oldLine: 5, newLine: 5, text: "vncserver_proxyclient_address = 10.0.0.31"),
                        DiffLine(kind: .removed, oldLine: 6, newLine: nil,
                                 text: "novncproxy_base_url = http://controller:6080/vnc_auto.html"),
                        DiffLine(kind: .added, oldLine: nil, newLine: 6, text: "novncproxy_base_url = " + script),
                        DiffLine(kind: .context, oldLine: 7, newLine: 7, text: "glance_host = " + image),
                    ]),
                ]),
                FileChange(host: "compute2", path: "/etc/site/broken.conf", kind: .new),
            ],
            unchangedFiles: 3,
            findings: [
                FindingChange(kind: .new, finding: scriptValue),
                FindingChange(kind: .fixed, finding: fixedSinceLastRun),
                FindingChange(kind: .stillFailing, finding: vnc),
            ],
            problems: problemChanges)
    }

    /// The previous run's problems compared with this one's: the vnc value still fails, the
    /// verbose one was fixed, a waiver now accepts my_ip, and storage1 (not collected now) was
    /// not checked.
    static var problemChanges: [ProblemChange] {
        var before = RunOverview.Builder()
        for name in ["compute1", "compute2", "storage1"] {
            before.add(host: HostResult(name: name, roles: [.compute], services: [], files: []))
        }
        var waivedNow = activeWaiver
        waivedNow.status = .fail
        waivedNow.waiver = nil
        let lvm = finding("lvm.devices.filter.reject-rest", "LVM rejects the rest", host: "storage1", file: "/etc/lvm/lvm.conf",
                          section: "devices", key: "filter", .fail, .high, expected: nil, actual: nil, line: 15,
                          message: "expected 'filter' to be ending with 'r/.*/'")
        before.add([vnc, fixedSinceLastRun, waivedNow, lvm])
        return ProblemChange.compare(previous: before.build(), current: run(changes: nil).overview,
                                     statuses: [fixedSinceLastRun.id: .pass, waivedNow.id: .waived])
    }

    static func run(changes: RunChanges? = ReportFixture.changes) -> AuditRun {
        let findings = [vnc, scriptValue, imageValue, controlValue, meteringSecret, expiredWaiver, activeWaiver, rabbitPassword,
                        absentKey, absentInSection, brokenFile, skipped, hostileHostFinding, upgradeFail, upgradePass]
        return AuditRun(
            id: 7, startedAt: started, finishedAt: started.addingTimeInterval(2.5), toolVersion: "9.9.9",
            inventory: "/srv/stackdrift/inventory.yaml", architecture: .neutron,
            hosts: [
                HostResult(name: "compute2", roles: [.compute], services: [.telemetry], files: [
                    FileResult(path: nova, status: .parsed, format: .osloINI, content: content(novaLines)),
                    FileResult(path: "/etc/ceilometer/ceilometer.conf", status: .parsed, format: .osloINI,
                               content: content(ceilometerLines)),
                    FileResult(path: "/etc/site/broken.conf", status: .unparseable, format: .osloINI,
                               reason: "expected '=' after key 'this line has no equals sign'", line: 3,
                               content: content(brokenLines)),
                ]),
                HostResult(name: "compute1", roles: [.compute], services: [], files: [
                    FileResult(path: nova, status: .parsed, format: .osloINI, content: content(compute1NovaLines)),
                    FileResult(path: "/etc/neutron/plugins/ml2/ml2_conf.ini", status: .missing, format: .osloINI),
                ], legacyAlgorithms: LegacySSHAlgorithms.debian7.summary),
                HostResult(name: hostileHost, roles: [.network], services: [], files: [
                    FileResult(path: "/etc/hosts", status: .parsed, format: .hosts, content: content(["10.0.0.12 controller"])),
                ]),
                HostResult(name: "storage1", roles: [.blockStorage], services: [], error: "connection refused " + script,
                           errorKind: "refused", files: []),
                // Cut off part-way: what it had not sent is not collected, never missing.
                HostResult(name: "compute3", roles: [.compute], services: [],
                           error: "connection dropped while reading '/etc/nova/nova.conf' over SFTP (libssh2: unable to send "
                               + "FXP_READ request); 2 files were not collected and their checks not evaluated: check the "
                               + "node and the network, then audit again", errorKind: "dropped", files: [
                    FileResult(path: "/etc/hosts", status: .parsed, format: .hosts, content: content(["10.0.0.31 compute3"])),
                    FileResult(path: "/etc/neutron/plugins/ml2/ml2_conf.ini", status: .notCollected, format: .osloINI),
                    FileResult(path: nova, status: .notCollected, format: .osloINI),
                ]),
            ],
            findings: findings.sorted(by: Finding.reportOrder), exitCode: 2, changes: changes,
            upgrade: UpgradeTarget(from: "icehouse", to: "juno"))
    }

    /// What a report's reader is told, for the rationale column.
    static let rationales = [
        "nova.default.vncserver_proxyclient_address": "The console proxy connects to this address; a copied value opens another node's consoles.",
        "nova.default.glance_host": "A rule's rationale with <i>markup</i> " + cdataEnd,
    ]
}
