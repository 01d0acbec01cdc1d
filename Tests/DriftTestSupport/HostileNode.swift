import Foundation

/// A controller's tree (a copy of the demo's) turned hostile: includes aimed at files outside
/// /etc/mysql by path, by symbolic link and by directory; secrets the masking used to miss
/// (URL passwords with quotes and blanks, commented-out ones, continuation lines, a secret
/// without '=', a Django dict's nested 'PASSWORD', a triple-quoted SECRET_KEY); and terminal
/// control sequences in values. Every planted secret and every outside file's content is a
/// marker no output may contain (`secrets`, `outsideContents`).
package enum HostileNode {
    /// Secrets planted in the node's own files.
    package static let secrets = [
        "S3cr'et PLANTED_URL1", "PLANTED_URL_QUOTE\"2", "PLANTED_COMMENTED_RABBIT", "PLANTED_COMMENTED_MYSQL",
        "PLANTED_CONTINUATION_A", "PLANTED_CONTINUATION_B", "PLANTED_WITHOUT_EQUALS", "PLANTED_DJANGO_NESTED",
        "PLANTED_TRIPLE_FIRST", "PLANTED_TRIPLE_SECOND", "PLANTED_PARSED_NESTED",
    ]
    /// What the files outside /etc/mysql hold: none may be read.
    package static let outsideContents = ["OUTSIDE_SSH_PRIVATE_KEY", "OUTSIDE_SHADOW", "OUTSIDE_SSHD_CNF"]
    /// Control sequences planted in a value; none may reach a terminal raw.
    package static let controlSequences = ["\u{1B}]0;pwned\u{07}", "\u{1B}[2J", "\u{202E}"]

    /// Copies `source` (a host tree) to `destination` and plants everything above in it.
    package static func plant(copying source: String, to destination: String) throws {
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: "/bin/cp")
        copy.arguments = ["-a", source, destination]
        try copy.run()
        copy.waitUntilExit()
        func write(_ path: String, _ text: String) throws {
            let file = destination + path
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: file)
            try text.write(toFile: file, atomically: false, encoding: .utf8)
        }
        try write("/root/.ssh/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\nOUTSIDE_SSH_PRIVATE_KEY\n")
        try write("/etc/shadow", "[mysqld]\nroot:OUTSIDE_SHADOW:19000:0:99999:7:::\n")
        try write("/etc/ssh/sshd.cnf", "[mysqld]\nOUTSIDE_SSHD_CNF = 1\n")
        let myCnf = destination + "/etc/mysql/my.cnf"
        var mysql = try String(contentsOfFile: myCnf, encoding: .utf8)
        mysql += "\n# old: password = PLANTED_COMMENTED_MYSQL\n!include /root/.ssh/id_ed25519\n!includedir /etc/ssh/\n"
        try write("/etc/mysql/my.cnf", mysql)
        try FileManager.default.createSymbolicLink(atPath: destination + "/etc/mysql/conf.d/zz-shadow.cnf",
                                                   withDestinationPath: "/etc/shadow")
        try FileManager.default.createSymbolicLink(atPath: destination + "/etc/mysql/conf.d/zz-up.cnf",
                                                   withDestinationPath: "../../shadow")

        // neutron.conf parses: URL passwords with a quote and a blank, a commented-out secret.
        let neutronPath = destination + "/etc/neutron/neutron.conf"
        var neutron = try String(contentsOfFile: neutronPath, encoding: .utf8)
        neutron = neutron.replacingOccurrences(
            of: "[database]\n", with: "[database]\n# old: rabbit_password = PLANTED_COMMENTED_RABBIT\n"
                + "# connection = mysql://neutron:PLANTED_URL_QUOTE\"2@controller/neutron\n")
        neutron = neutron.replacingOccurrences(
            of: #"connection = mysql://neutron:[^\n]*"#, with: "connection = mysql://neutron:S3cr'et PLANTED_URL1@controller/neutron",
            options: .regularExpression)
        try write("/etc/neutron/neutron.conf", neutron)

        // nova.conf does not parse (a secret without '='): continuation lines, the bare secret,
        // and control sequences in a value.
        let novaPath = destination + "/etc/nova/nova.conf"
        var nova = try String(contentsOfFile: novaPath, encoding: .utf8)
        nova = nova.replacingOccurrences(of: "[DEFAULT]\n", with: "[DEFAULT]\n"
            + "rabbit_password = PLANTED_CONTINUATION_A\n    PLANTED_CONTINUATION_B\n"
            + "admin_password PLANTED_WITHOUT_EQUALS\n"
            + "vnc_keymap = en-us" + controlSequences.joined() + "\n")
        try write("/etc/nova/nova.conf", nova)

        // local_settings.py does not parse either; keystone.conf's Django-like twin is not needed.
        let dashboard = destination + "/etc/openstack-dashboard/local_settings.py"
        var settings = (try? String(contentsOfFile: dashboard, encoding: .utf8)) ?? ""
        settings += "\nDATABASES = {'default': {'ENGINE': 'django.db.backends.mysql', 'PASSWORD': 'PLANTED_DJANGO_NESTED'}}\n"
            + "SECRET_KEY = \"\"\"PLANTED_TRIPLE_FIRST\nPLANTED_TRIPLE_SECOND\"\"\"\ndef broken(:\n"
        try write("/etc/openstack-dashboard/local_settings.py", settings)
    }

    /// A Django settings file that parses, with a password nested in a dict (for `parse`).
    package static let parsedSettings = """
        DATABASES = {
            'default': {
                'ENGINE': 'django.db.backends.mysql',
                'PASSWORD': 'PLANTED_PARSED_NESTED',
            },
        }

        """

    /// Every marker that must never appear in an output.
    package static var markers: [String] {
        let words = secrets.flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "\"" }).map(String.init) }
        return secrets + words.filter { $0.hasPrefix("PLANTED") } + outsideContents
    }
}
