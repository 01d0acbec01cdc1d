/// Where a configuration file's includes may be read from.
///
/// A node's configuration is untrusted and stackdrift often reads it as root: a my.cnf with
/// `!include /root/.ssh/id_ed25519` or a `conf.d/x.cnf` symbolic link to `/etc/shadow` must
/// not make the audit read, store and show that file. An include is followed only when its
/// path, and the path it resolves to through every symbolic link, lies inside the directories
/// the option-file layout allows: the directory of the file the rules asked for and
/// `/etc/mysql` by default, or what the inventory's `include_dirs:` lists. Anything else
/// becomes a finding, never a read.
package struct IncludeConfinement: Sendable, Hashable {
    /// Where Debian's MySQL and MariaDB packages keep every option file they include.
    package static let defaultDirectories = ["/etc/mysql"]

    /// Absolute directories without a trailing slash.
    package private(set) var directories: [String]

    package init(directories: [String] = IncludeConfinement.defaultDirectories) {
        self.directories = directories.map(Self.normalized)
    }

    /// The directories a file included (directly or not) by `root` may lie in: `root`'s own
    /// directory, then the configured ones.
    package func directories(includedFrom root: String) -> [String] {
        let own = Self.parent(of: Self.normalized(root))
        return directories.contains(own) ? directories : [own] + directories
    }

    /// `nil` when `path` may be read as an include of `root`; otherwise why not, as a finding
    /// says it ("outside /etc/mysql").
    package func refusal(of path: String, includedFrom root: String) -> String? {
        let allowed = directories(includedFrom: root)
        let normalized = Self.normalized(path)
        if allowed.contains(where: { Self.isInside(normalized, $0) }) { return nil }
        return "outside " + allowed.joined(separator: ", ")
    }

    /// Whether `path` is `directory` itself or lies below it (both normalised).
    static func isInside(_ path: String, _ directory: String) -> Bool {
        directory == "/" || path == directory || path.hasPrefix(directory + "/")
    }

    /// `path` made absolute from `/`, with `.`, `..` and repeated or trailing slashes resolved
    /// lexically (`..` never climbs above `/`).
    package static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}
