#!/usr/bin/env bash
# stackdrift against Ansible and the bare OpenSSH client on a loopback fleet of N
# compute nodes (fleet.sh), side by side:
#   stackdrift  the whole `stackdrift audit` (SSH collection over SFTP, parsing, rules,
#               a new SQLite database, the JSON report)
#   ansible     ansible-playbook collect.yml: slurp of the 10 files, forks = N
#   openssh     ssh-loop.sh: one `ssh HOST cat -- FILE…` per host, all hosts at once
# For each N: a warm-up run of each (checked: every host, every file), then RUNS rounds,
# each running the three in a rotated order, then one untimed run of each sampling memory.
#
#   sudo bash Benchmarks/fleet/run.sh [N...]         default: 10 50 200
#   RUNS=5 JOBS=8 OUT=file.jsonl sudo -E bash Benchmarks/fleet/run.sh 10
#
# RUNS    timed rounds per N (default 5); the tables give medians
# CONTENDERS  which to run, of "stackdrift ansible openssh" (default all three; Ansible takes
#         about a second per host per run, so `CONTENDERS="stackdrift openssh"` for large N)
# JOBS    stackdrift's --jobs (default: N, every host at once, like the other two)
# OUT     raw results, one JSON object per run (default .build/fleet-bench/results.jsonl);
#         report.py turns it into the tables, which this script prints at the end
# Needs root, `.ci/setup bench` (ansible-core in .build/bench-venv) and builds stackdrift
# in release mode if needed. Only 127.77.0.0/16 is contacted; every sshd and file is
# removed on exit, Ctrl-C included.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=Benchmarks/fleet

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 50 200)
runs=${RUNS:-5}
out=${OUT:-.build/fleet-bench/results.jsonl}
ansible=.build/bench-venv/bin/ansible-playbook
stackdrift=.build/release/stackdrift

if [ "$(id -u)" -ne 0 ]; then echo "run as root: each sshd gets a mount namespace, on port 22" >&2; exit 1; fi
if [ ! -x "$ansible" ]; then echo "ansible-core missing: run 'bash .ci/setup bench' first" >&2; exit 1; fi
swift build -c release --product stackdrift >/dev/null
mkdir -p "$(dirname "$out")"
# 200 hosts: Ansible's forks hold pipes and sockets, stackdrift a socket per host at once.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

source "$here/fleet.sh"
trap fleet_down EXIT
trap 'exit 130' INT TERM

machine() {
    python3 - "$stackdrift" "$ansible" <<'PY'
import json, os, platform, subprocess, sys
def run(*command):
    result = subprocess.run(command, capture_output=True, text=True)
    return (result.stdout + result.stderr).strip()
cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
memory = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
print(json.dumps({"machine": {
    "cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(memory / 1024 / 1024, 1),
    "kernel": platform.release(), "os": run("sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"),
    "openssh": run("ssh", "-V"), "libssh2": run("dpkg-query", "-W", "-f", "${Version}", "libssh2-1"),
    "ansible": run(sys.argv[2], "--version").splitlines()[0],
    "python": run(os.path.dirname(sys.argv[2]) + "/python3", "--version"),
    "swift": run("swift", "--version").splitlines()[0], "stackdrift": run(sys.argv[1], "--version"),
    "load_before": os.getloadavg()}}))
PY
}

# One run of one contender; prints its measure.py JSON with the contender and N added.
measure() {
    local contender=$1 hosts=$2 round=$3; shift 3
    local result server=()
    if [ -n "$FLEET_CGROUP" ]; then server=(--server-cgroup "$FLEET_CGROUP"); fi
    case $contender in
    stackdrift)
        rm -f "$FLEET_DIR/audit.db" "$FLEET_DIR/audit.db.key" "$FLEET_DIR/report.json"
        result=$(python3 "$here/measure.py" "${server[@]}" "$@" -- "$stackdrift" audit \
            -i "$FLEET_DIR/inventory.yaml" --rules "$here/rules" --db "$FLEET_DIR/audit.db" \
            --json "$FLEET_DIR/report.json" --jobs "${JOBS:-$hosts}" --quiet) ;;
    ansible)
        result=$(python3 "$here/measure.py" "${server[@]}" --log "$FLEET_DIR/ansible.out" "$@" -- \
            "$ansible" -e "@$FLEET_DIR/files.json" "$here/collect.yml") ;;
    openssh)
        rm -rf "$FLEET_DIR/out" && mkdir "$FLEET_DIR/out"
        result=$(python3 "$here/measure.py" "${server[@]}" "$@" -- "$here/ssh-loop.sh" \
            "$FLEET_DIR/ssh_config" "$FLEET_DIR/out" "$hosts" "${FLEET_FILES[@]}") ;;
    esac
    echo "$result" | python3 -c 'import json, sys
result = json.loads(sys.stdin.read())
result.update(contender=sys.argv[1], hosts=int(sys.argv[2]), round=sys.argv[3], jobs=int(sys.argv[4]) if sys.argv[1] == "stackdrift" else None)
print(json.dumps(result))' "$contender" "$hosts" "$round" "${JOBS:-$hosts}"
}

# The warm-up runs must have done the whole work: every host, every file, no error.
check() {
    local contender=$1 hosts=$2 result=$3 status
    status=$(echo "$result" | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])')
    case $contender in
    stackdrift)
        # 0 or 1 (drift on every tenth host); 2 would be a host or file not collected.
        [ "$status" -le 1 ] || { echo "stackdrift failed ($status)" >&2; return 1; }
        python3 - "$FLEET_DIR/report.json" "$hosts" "${FLEET_FILES[@]}" <<'PY' ;;
import json, sys
report, hosts, files = json.load(open(sys.argv[1])), int(sys.argv[2]), set(sys.argv[3:])
assert report["summary"]["hosts"] == hosts and report["summary"]["hosts_failed"] == 0, report["summary"]
for host in report["hosts"]:
    read = {f["path"] for f in host["files"] if f["status"] in ("parsed", "present")}
    assert read == files, (host["name"], read ^ files)
PY
    ansible)
        [ "$status" -eq 0 ] || { echo "ansible failed ($status)" >&2; tail -20 "$FLEET_DIR/ansible.out" >&2; return 1; }
        [ "$(grep -c 'ok=1 .*unreachable=0 .*failed=0' "$FLEET_DIR/ansible.out")" -eq "$hosts" ] \
            || { echo "ansible: not every host ok" >&2; return 1; } ;;
    openssh)
        [ "$status" -eq 0 ] || { echo "ssh loop failed ($status)" >&2; return 1; }
        local expected
        expected=$(ssh -F "$FLEET_DIR/ssh_config" host1 cat -- "${FLEET_FILES[@]}" | wc -c)
        [ "$(cat "$FLEET_DIR/out/host1" | wc -c)" -eq "$expected" ] && [ "$(ls "$FLEET_DIR/out" | wc -l)" -eq "$hosts" ] \
            || { echo "ssh loop: output incomplete" >&2; return 1; } ;;
    esac
}

read -r -a contenders <<< "${CONTENDERS:-stackdrift ansible openssh}"
machine >> "$out"
for hosts in "${sizes[@]}"; do
    echo "== $hosts hosts: starting the fleet" >&2
    fleet_up "$hosts"
    mkdir -p "$FLEET_DIR/ansible"
    # Ansible's fast configuration: pipelining (one ssh session per module, no file copied to the
    # host), its default ControlPersist (one connection per host, shared by the 10 slurps),
    # no fact gathering, the host's python named (no interpreter discovery), forks = N.
    cat > "$FLEET_DIR/ansible.cfg" <<CFG
[defaults]
inventory = $FLEET_DIR/hosts.ini
forks = $hosts
gathering = explicit
host_key_checking = True
interpreter_python = /usr/bin/python3
retry_files_enabled = False
local_tmp = $FLEET_DIR/ansible/tmp
[ssh_connection]
pipelining = True
ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -F $FLEET_DIR/ssh_config
control_path_dir = $FLEET_DIR/ansible/cp
CFG
    export ANSIBLE_CONFIG=$FLEET_DIR/ansible.cfg ANSIBLE_HOME=$FLEET_DIR/ansible

    for contender in "${contenders[@]}"; do
        echo "== $hosts hosts: warm-up $contender" >&2
        result=$(measure "$contender" "$hosts" warmup)
        check "$contender" "$hosts" "$result"
        echo "$result" >> "$out"
    done
    for round in $(seq 1 "$runs"); do
        for k in "${!contenders[@]}"; do
            contender=${contenders[$(( (round - 1 + k) % ${#contenders[@]} ))]}
            echo "== $hosts hosts: round $round/$runs $contender" >&2
            measure "$contender" "$hosts" "$round" >> "$out"
        done
    done
    for contender in "${contenders[@]}"; do
        echo "== $hosts hosts: memory $contender" >&2
        measure "$contender" "$hosts" memory --memory >> "$out"
    done
    fleet_down
done
python3 "$here/report.py" "$out"
