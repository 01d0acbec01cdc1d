import Foundation

/// Copies of directory trees that a test sshd can serve as each host's `/` with
/// `ChrootDirectory`, so that `/etc/nova/nova.conf` over SSH is the tree's file.
///
/// sshd accepts a chroot only when every directory from `/` down is owned by root
/// and writable by no one else, which rules out /tmp; the copies go under the first
/// of /run, /var/lib and /var/cache that qualifies. Removed when released.
package final class ChrootTrees: @unchecked Sendable {
    package let path: String

    /// Copies each `trees[name]` directory to `<path>/<name>`. Needs root.
    package init(_ trees: [String: String]) throws {
        guard getuid() == 0 else { throw SSHTestTools.Failure("chroot trees need root") }
        guard let base = ["/run", "/var/lib", "/var/cache"].first(where: Self.isSecureChain) else {
            throw SSHTestTools.Failure("no root-owned directory chain for chroot trees")
        }
        path = base + "/stackdrift-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])
        for (name, source) in trees {
            try FileManager.default.copyItem(atPath: source, toPath: path + "/" + name)
            chmod(path + "/" + name, 0o755)
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    package func root(of name: String) -> String { path + "/" + name }

    /// Whether `directory` and each directory above it is root's and not group- or world-writable.
    private static func isSecureChain(_ directory: String) -> Bool {
        var current = URL(fileURLWithPath: directory).standardizedFileURL.path
        while true {
            var info = stat()
            guard stat(current, &info) == 0, info.st_uid == 0, info.st_mode & 0o022 == 0,
                  (info.st_mode & S_IFMT) == S_IFDIR else { return false }
            if current == "/" { return true }
            current = (current as NSString).deletingLastPathComponent
        }
    }
}
