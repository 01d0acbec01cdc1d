import Foundation

/// A long-running program for tests (sshd, ssh-agent), stopped when released and
/// within a second of this test process dying, whatever the cause.
///
/// Started with `posix_spawn` rather than Foundation's `Process`, for two reasons
/// met the hard way: `Process` learns that a child ended when a socket the child
/// inherited closes, and daemons close every inherited descriptor at startup (so
/// `Process` blocked in `waitpid` on a running sshd and hung every later `Process`);
/// and it passes on the signal mask of the libdispatch thread it runs on, which
/// blocks nearly everything, so a terminated child never noticed.
package final class TestDaemon: @unchecked Sendable {
    /// The watching shell; the daemon is its child.
    package let pid: pid_t
    private var running = true

    package init(_ command: [String]) throws {
        // The shell stops the daemon when terminated, or once this process is gone.
        let script = """
            "$@" & daemon=$!
            trap 'kill $daemon 2>/dev/null; wait $daemon; exit 0' TERM
            while kill -0 \(getpid()) 2>/dev/null && kill -0 $daemon 2>/dev/null; do sleep 1 & wait $!; done
            kill $daemon 2>/dev/null; wait $daemon
            """
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in 0...2 {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = (["/bin/sh", "-c", script, "daemon"] + command).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        guard status == 0 else { throw SSHTestTools.Failure("cannot start \(command[0]): \(status)") }
        self.pid = pid
    }

    deinit { stop() }

    /// Whether the daemon (and so its shell) is still there.
    package var isRunning: Bool {
        guard running else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { running = false }
        return running
    }

    package func stop() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        running = false
    }
}
