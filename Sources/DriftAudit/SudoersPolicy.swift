import DriftCore
import DriftTransport

/// The sudoers lines an audit user needs for `sudo: true`: one `cat` per file the audit reads
/// on the host (every file a rule reads, every service marker, every fact's source), in the
/// exact form the transports run (`SudoCat`), so that an account set up from them reads every
/// file on the first night.
///
/// What cannot be listed in advance is said in comments with the narrowest form sudoers allows:
/// the files a MySQL option file includes are known only once it is read on the node.
package struct SudoersPolicy: Sendable {
    /// Hosts that need the same lines, written once.
    package struct Block: Sendable {
        package var hosts: [String]
        package var user: String
        package var cat: String
        package var files: [AuditPlan.File]
    }

    package var blocks: [Block]
    /// Hosts read over SFTP as their login user, which need no sudoers line.
    package var withoutSudo: [String]
    /// Hosts read from local directory trees.
    package var local: [String]
    /// Write the regular expressions for included directories as lines rather than comments
    /// (sudo 1.9.10 and later).
    package var regexForIncludes: Bool

    /// `user` overrides every host's login name; a host without one in the inventory gets
    /// `defaultUser` (the account the audit would log in as).
    package init(plan: AuditPlan, user: String? = nil, defaultUser: String, regexForIncludes: Bool = false) {
        var blocks: [Block] = []
        var index: [String: Int] = [:]
        var withoutSudo: [String] = [], local: [String] = []
        for planned in plan.hosts {
            let connection = planned.host.connection
            if connection.transport == .local { local.append(planned.host.name); continue }
            if !connection.sudo { withoutSudo.append(planned.host.name); continue }
            let block = Block(hosts: [planned.host.name], user: user ?? connection.user ?? defaultUser,
                              cat: connection.effectiveCatPath, files: planned.files)
            let key = ([block.user, block.cat] + block.files.map { "\($0.path)\u{0}\($0.mayInclude)" }).joined(separator: "\n")
            if let existing = index[key] {
                blocks[existing].hosts.append(planned.host.name)
            } else {
                index[key] = blocks.count
                blocks.append(block)
            }
        }
        self.blocks = blocks
        self.withoutSudo = withoutSudo
        self.local = local
        self.regexForIncludes = regexForIncludes
    }

    /// The whole drop-in: `header` lines (comments naming the inventory), then each block.
    package func render(header: [String]) -> String {
        var lines = header.map { "# " + $0 }
        lines += [
            "# Install on each node with 'visudo -f /etc/sudoers.d/stackdrift' (visudo checks it before sudo reads it).",
            "# Each line allows exactly what stackdrift runs there, 'sudo -n CAT -- FILE', one file at a time.",
        ]
        for block in blocks {
            lines.append("")
            lines += render(block)
        }
        if !withoutSudo.isEmpty {
            lines += ["", "# No sudoers line needed (sudo: false, files read over SFTP as the login user): "
                      + withoutSudo.joined(separator: ", ")]
        }
        if !local.isEmpty {
            lines += ["", "# No sudoers line needed (transport: local): " + local.joined(separator: ", ")]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func render(_ block: Block) -> [String] {
        let counts = AuditPlan.Purpose.allCases.compactMap { purpose -> String? in
            let count = block.files.filter { $0.purpose == purpose }.count
            guard count > 0 else { return nil }
            switch purpose {
            case .rules: return "\(count) read by rules"
            case .marker: return "\(count) service marker\(count == 1 ? "" : "s")"
            case .fact: return "\(count) for facts"
            }
        }.joined(separator: ", ")
        let user = SudoCat.sudoersEscaped(block.user)
        var lines = ["# \(block.hosts.joined(separator: ", ")): \(block.files.count) files (\(counts))"]
        let commands = block.files.map { SudoCat.sudoersCommand($0.path, cat: block.cat) }
        lines += continued("\(user) ALL=(root) NOPASSWD: ", commands)

        let includers = block.files.filter(\.mayInclude).map(\.path)
        guard !includers.isEmpty else { return lines }
        let directories = AuditPlan.debianMySQLIncludeDirectories
        let regexes = directories.map { SudoCat.sudoersRegexCommand(directory: $0, extension: ".cnf", cat: block.cat) }
        let example = directories[0]
        lines += [
            "# \(includers.joined(separator: ", ")) may name more files with !include and !includedir, which the audit",
            "# reads too: which files is known only once it is read on the node. Debian's my.cnf includes the .cnf",
            "# files of \(directories.joined(separator: " and ")) (the second from Debian 9 on).",
        ]
        if regexForIncludes {
            lines.append("# sudo 1.9.10 or later: a regular expression allows exactly the .cnf files directly in each directory.")
            lines += continued("\(user) ALL=(root) NOPASSWD: ", regexes)
        } else {
            lines += [
                "# With sudo 1.9.10 or later (Debian 12; Debian 7 has 1.8.5), --sudo-regex writes, for each directory,",
                "# a regular expression that allows exactly the .cnf files directly in it:",
                "#   \(user) ALL=(root) NOPASSWD: \(regexes[0])",
                "# With an older sudo, allow each file the node has ('ls \(example)/*.cnf'), one line each:",
                "#   \(user) ALL=(root) NOPASSWD: \(SudoCat.sudoersCommand(example + "/NAME.cnf", cat: block.cat))",
            ]
        }
        lines += [
            "# Never '\(block.cat) -- \(example)/*.cnf': in sudoers '*' matches '/' and spaces too, so that line would",
            "# also allow 'cat -- \(example)/x /etc/shadow y.cnf'.",
        ]
        return lines
    }

    /// `prefix` then the commands, one per line, joined by ", \" continuations.
    private func continued(_ prefix: String, _ commands: [String]) -> [String] {
        commands.enumerated().map { index, command in
            (index == 0 ? prefix : "    ") + command + (index == commands.count - 1 ? "" : ", \\")
        }
    }
}
