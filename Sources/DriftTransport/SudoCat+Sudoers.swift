/// The sudoers side of `SudoCat`: the `Cmnd` that allows exactly the command the transports run.
extension SudoCat {
    /// `/usr/bin/cat -- /etc/nova/nova.conf`: allows `sudo -n /usr/bin/cat -- /etc/nova/nova.conf`
    /// and nothing else. Characters sudoers reads as syntax (`,` `:` `=` `\` `#`, spaces) and its
    /// wildcards (`*` `?` `[` `]` `!`) are escaped, so every path matches only itself.
    package static func sudoersCommand(_ path: String, cat: String) -> String {
        sudoersEscaped(cat) + " -- " + sudoersEscaped(path)
    }

    /// Allows `cat -- DIRECTORY/NAME.EXT` for any NAME of letters, digits, `_`, `.` and `-`, and
    /// nothing with a space or a `/` in it: a regular expression, which sudo reads from 1.9.10 on
    /// (Debian 12 has 1.9.13; Debian 7 has 1.8.5, which has none). For the files of a directory
    /// MySQL includes, whose names are known only on the node.
    package static func sudoersRegexCommand(directory: String, extension: String, cat: String) -> String {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return sudoersEscaped(cat) + " ^-- " + regexEscaped(base) + "/[A-Za-z0-9_.-]+" + regexEscaped(`extension`) + "$"
    }

    /// A word sudoers reads back as exactly `text` in a command or its arguments. sudoers(5):
    /// ',', ':', '=', '\\' (and '#', a comment, and spaces, which separate arguments) lose their
    /// meaning behind a '\\', which sudoers then drops; arguments are matched with fnmatch(3), so
    /// a wildcard ('*', '?', '[', ']', '!') keeps its '\\' to match only itself, and a '\\' is
    /// written four times (sudoers leaves two, which fnmatch reads as one literal '\\').
    package static func sudoersEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\\\\\\\"
            case ",", ":", "=", "#", " ", "\t", "*", "?", "[", "]", "!": escaped += "\\" + String(character)
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A POSIX extended regular expression matching exactly `text`; '#' escaped for sudoers.
    static func regexEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if ".[]()*+?{}|^$\\#".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
