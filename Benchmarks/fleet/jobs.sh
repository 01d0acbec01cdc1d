#!/usr/bin/env bash
# Times `stackdrift audit` of the loopback fleet (fleet.sh) over both SSH transports at
# several --jobs values: what parallelism buys, and what the transport costs.
#
#   sudo bash Benchmarks/fleet/jobs.sh [hosts] [jobs...]     default: 20 hosts, jobs 1 4 8 16
#
# RUNS (default 3) runs per cell, median wall seconds shown, with the median CPU seconds of
# stackdrift and of everything it started (the ssh processes of transport openssh).
# SUDO=1 reads every file with `sudo -n cat` (sudo: true, and a sudoers drop-in allowing the
# fleet's files, removed afterwards). STACKDRIFT=path times that binary instead of the release
# build (a baseline built from another commit, say); TRANSPORTS="ssh openssh" by default.
# Needs root; builds stackdrift in release mode if needed. Only 127.77.0.0/16 is contacted.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=Benchmarks/fleet

hosts=${1:-20}
shift || true
jobs=("$@")
[ ${#jobs[@]} -gt 0 ] || jobs=(1 4 8 16)
runs=${RUNS:-3}
stackdrift=${STACKDRIFT:-.build/release/stackdrift}
transports=${TRANSPORTS:-ssh openssh}

if [ "$(id -u)" -ne 0 ]; then echo "run as root: each sshd gets a mount namespace, on port 22" >&2; exit 1; fi
if [ -z "${STACKDRIFT:-}" ]; then swift build -c release --product stackdrift >/dev/null; fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

source "$here/fleet.sh"
sudoers=""
cleanup() { fleet_down; if [ -n "$sudoers" ]; then rm -f "$sudoers"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM
fleet_up "$hosts"
if [ "${SUDO:-0}" = 1 ]; then
    # Exactly `cat -- FILE` for each file an audit asks a node for (the fleet's files and the
    # other services' files the rules look for), as the README's sudoers example: one audit
    # without sudo lists them.
    sudoers=/etc/sudoers.d/stackdrift-fleet-$$
    cat_path=$(command -v cat)
    "$stackdrift" audit -i "$FLEET_DIR/inventory.yaml" --rules "$here/rules" --db "$FLEET_DIR/list.db" \
        --json "$FLEET_DIR/list.json" --quiet || true
    mapfile -t asked < <(python3 -c 'import json, sys
print("\n".join(sorted({f["path"] for h in json.load(open(sys.argv[1]))["hosts"] for f in h["files"]})))' "$FLEET_DIR/list.json")
    rm -f "$FLEET_DIR/list.db" "$FLEET_DIR/list.db.key" "$FLEET_DIR/list.json"
    printf '%s ALL=(root) NOPASSWD: %s\n' "$FLEET_USER" \
        "$(printf "$cat_path -- %s, " "${asked[@]}" | sed 's/, $//')" > "$sudoers.new"
    chmod 440 "$sudoers.new"
    visudo -cqf "$sudoers.new" && mv "$sudoers.new" "$sudoers"
    sed -i 's/^defaults: {transport: \([a-z]*\), /defaults: {transport: \1, sudo: true, /' "$FLEET_DIR/inventory.yaml"
fi

printf "%d loopback hosts, %s cores, load %s, median of %d runs, %s, sudo %s\n" "$hosts" "$(nproc)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$runs" "$stackdrift" "$([ "${SUDO:-0}" = 1 ] && echo yes || echo no)"
printf "%-9s %5s %9s %9s  %s\n" transport jobs wall_s cpu_s exit
for transport in $transports; do
    sed -i "s/^defaults: {transport: [a-z]*, /defaults: {transport: $transport, /" "$FLEET_DIR/inventory.yaml"
    for j in "${jobs[@]}"; do
        results=()
        for _ in $(seq 1 "$runs"); do
            rm -f "$FLEET_DIR/audit.db" "$FLEET_DIR/audit.db.key"
            results+=("$(python3 "$here/measure.py" -- "$stackdrift" audit -i "$FLEET_DIR/inventory.yaml" \
                --rules "$here/rules" --db "$FLEET_DIR/audit.db" --jobs "$j" --quiet)")
        done
        printf "%s\n" "${results[@]}" | python3 -c '
import json, statistics, sys
runs = [json.loads(line) for line in sys.stdin]
print("%-9s %5s %9.3f %9.3f  %s" % (sys.argv[1], sys.argv[2], statistics.median(r["wall"] for r in runs),
      statistics.median(r["user"] + r["sys"] for r in runs), ",".join(sorted({str(r["status"]) for r in runs}))))' \
            "$transport" "$j"
    done
done
