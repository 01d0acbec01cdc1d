import Foundation

/// An unprivileged account for SSH tests run as root, so that file permissions and
/// sudo mean something. Created once if missing (`useradd`, no password, no home) and
/// left in place; it can log in only with the throwaway keys of a test sshd.
package enum TestUser {
    package static let name = "stackdrift-audit-test"

    /// Creates the account when running as root; `false` when that is impossible.
    package static func ensure() -> Bool {
        guard getuid() == 0 else { return false }
        return created
    }

    private static let created: Bool = {
        if getpwnam(name) != nil { return true }
        // '*' rather than useradd's locked '!': sshd without PAM refuses locked accounts even for keys.
        _ = try? SSHTestTools.run("/usr/sbin/useradd", ["--system", "--no-create-home", "--home-dir", "/",
                                                       "--shell", "/bin/sh", "--password", "*", name])
        return getpwnam(name) != nil
    }()

    /// Sets the account's password (for the password authentication test).
    package static func setPassword(_ password: String) throws {
        try SSHTestTools.run("/usr/sbin/chpasswd", [], input: "\(name):\(password)\n")
    }
}

/// A sudoers drop-in for the test user, removed when released.
package final class SudoersRule: @unchecked Sendable {
    package let path: String

    /// Lets the test user run these sudoers commands (`/usr/bin/cat -- PATH`, as
    /// `SudoCat.sudoersCommand` writes them) as root without a password.
    package init(allowing commands: [String]) throws {
        path = "/etc/sudoers.d/stackdrift-test-" + UUID().uuidString.prefix(8).lowercased()
        let text = "\(TestUser.name) ALL=(root) NOPASSWD: \(commands.joined(separator: ", "))\n"
        let staging = path + ".new"  // visudo checks it before sudo ever reads it (sudo skips names with '.')
        try Data(text.utf8).write(to: URL(fileURLWithPath: staging))
        chmod(staging, 0o440)
        do {
            try SSHTestTools.run("/usr/sbin/visudo", ["-cf", staging])
        } catch {
            unlink(staging)
            throw error
        }
        rename(staging, path)
    }

    deinit { unlink(path) }
}
