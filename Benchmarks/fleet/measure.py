#!/usr/bin/env python3
"""Runs one command and prints, as one JSON object, what it cost.

    measure.py [--server-cgroup DIR] [--memory] [--log FILE] [--] COMMAND [ARG...]

wall       seconds from starting COMMAND to its exit
user, sys  CPU seconds of COMMAND and every process it started, including daemons it left
           behind (ssh ControlPersist masters): this process is a child subreaper, so those
           are re-parented here, stopped with SIGTERM once COMMAND exits, and reaped, and
           getrusage(RUSAGE_CHILDREN) covers them all
max_rss_mb the largest resident set of any one of those processes (ru_maxrss, exact)
tree_pss_mb with --memory: the peak, over samples every 50 ms, of the summed proportional
           set size (Pss, /proc/PID/smaps_rollup) of COMMAND's process tree. Pss splits
           shared pages (libraries, the copy-on-write pages of forked workers) among the
           processes sharing them, so the sum is memory actually used. Sampling costs CPU,
           so timed runs are made without it.
server_cpu with --server-cgroup: CPU seconds the processes of that cgroup (the fleet's sshds
           and every session process they start) spent during the run, read once
           the last session has ended (cgroup v1 cpuacct.usage or v2 cpu.stat)
status     COMMAND's exit status
With --log, COMMAND's standard output and error go to FILE.

Standard library only; Linux only.
"""
import ctypes
import json
import os
import resource
import signal
import sys
import threading
import time

PR_SET_CHILD_SUBREAPER = 36


def parent_map():
    """pid -> ppid for every process."""
    parents = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces; fields resume after the last ')'.
        fields = stat[stat.rindex(b")") + 2:].split()
        parents[int(name)] = int(fields[1])
    return parents


def descendants(root):
    parents = parent_map()
    children = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def cgroup_cpu(directory):
    """CPU seconds used so far by the processes of a cgroup (v1 cpuacct or v2)."""
    if os.path.exists(f"{directory}/cpuacct.usage"):
        with open(f"{directory}/cpuacct.usage") as handle:
            return int(handle.read()) / 1e9
    with open(f"{directory}/cpu.stat") as handle:
        for line in handle:
            if line.startswith("usage_usec "):
                return int(line.split()[1]) / 1e6
    return 0.0


def sessions_left(directory):
    """Processes of the cgroup other than the listeners (whose parent is outside it)."""
    with open(f"{directory}/cgroup.procs") as handle:
        members = {int(pid) for pid in handle.read().split()}
    parents = parent_map()
    return sum(1 for pid in members if parents.get(pid) in members)


def wait_sessions_gone(directory, timeout=10.0):
    """Waits until only the listening sshds are left: every session has ended and is counted."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and sessions_left(directory):
        time.sleep(0.02)


def main(argv):
    server_cgroup, memory, log = None, False, None
    while argv and argv[0].startswith("--"):
        option = argv.pop(0)
        if option == "--":
            break
        if option == "--server-cgroup":
            server_cgroup = argv.pop(0)
        elif option == "--log":
            log = argv.pop(0)
        elif option == "--memory":
            memory = True
        else:
            sys.exit(f"measure.py: unknown option {option}")
    if not argv:
        sys.exit("usage: measure.py [--server-cgroup DIR] [--memory] [--log FILE] [--] COMMAND [ARG...]")

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("measure.py: cannot become a child subreaper")
    me = os.getpid()

    if server_cgroup:
        wait_sessions_gone(server_cgroup)   # a previous run's last sessions
        server_before = cgroup_cpu(server_cgroup)
    peak_pss = 0
    done = threading.Event()

    def sample():
        nonlocal peak_pss
        while not done.is_set():
            peak_pss = max(peak_pss, sum(pss_kb(pid) for pid in descendants(me)))
            done.wait(0.05)

    started = time.monotonic()
    child = os.fork()
    if child == 0:
        try:
            if log:
                descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(descriptor, 1)
                os.dup2(descriptor, 2)
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    sampler = threading.Thread(target=sample, daemon=True) if memory else None
    if sampler:
        sampler.start()
    _, status = os.waitpid(child, 0)
    wall = time.monotonic() - started
    done.set()
    if sampler:
        sampler.join()

    # Daemons COMMAND left (re-parented to this subreaper): stop them, then reap everything.
    for pid in descendants(me):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            if time.monotonic() > deadline:
                for pid in descendants(me):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "wall": round(wall, 4),
        "user": round(usage.ru_utime, 4),
        "sys": round(usage.ru_stime, 4),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "tree_pss_mb": round(peak_pss / 1024, 1) if memory else None,
        "server_cpu": None,
        "status": os.waitstatus_to_exitcode(status),
    }
    if server_cgroup:
        wait_sessions_gone(server_cgroup)
        result["server_cpu"] = round(cgroup_cpu(server_cgroup) - server_before, 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
