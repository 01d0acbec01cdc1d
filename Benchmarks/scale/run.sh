#!/usr/bin/env bash
# Scale benchmark: audits generated DNS-style fleets of N compute nodes (plus a controller and
# a network node) from local trees, with --db, --json and --html, in a release build, and
# prints wall time, CPU, peak RSS, the database, JSON and HTML sizes and the failing findings.
#
#   bash Benchmarks/scale/run.sh [--binary PATH] [--label TEXT] [--hosts-file dns|full]
#                                [--no-resolution-setting] N...
#
# --binary     the stackdrift to measure (default: a release build of this checkout)
# --label      names the binary in results (default: the checkout's commit)
# --jobs       passed to the audit (default: the audit's own default)
# Each N is measured three ways in one run: the floor (Benchmarks/scale/floor.py: Python reading
# every file and parsing the INI ones with configparser), a first night into an empty database,
# and an unchanged second night into the same database; ratios are wall time over the floor's.
# The floor is measured before the first night and after the second, and the faster one counts.
# Results are appended to .build/scale/results.jsonl; fleets are cached in .build/scale/.
# Local trees only: no network, no root. Standard tools and python3 only.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

binary="" label="" hosts_file=dns extra=() jobs=""
while [ $# -gt 0 ]; do
    case $1 in
        --binary) binary=$2; shift 2 ;;
        --label) label=$2; shift 2 ;;
        --hosts-file) hosts_file=$2; shift 2 ;;
        --no-resolution-setting) extra+=(--no-resolution-setting); shift ;;
        --jobs) jobs=$2; shift 2 ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || set -- 1000 10000
if [ -z "$binary" ]; then
    echo "building stackdrift (release)..." >&2
    swift build -c release --product stackdrift >/dev/null
    binary=$(swift build -c release --show-bin-path)/stackdrift
fi
[ -n "$label" ] || label=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

work=.build/scale
mkdir -p "$work"
stamp=$(cat Benchmarks/scale/generate.py Examples/demo/trees/compute1/etc/nova/nova.conf | sha256sum | cut -c1-12)
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)" >&2
for n in "$@"; do
    fleet=$work/fleet-$n-$hosts_file${extra:+-nosetting}
    if [ "$(cat "$fleet/.stamp" 2>/dev/null)" != "$stamp" ]; then
        python3 Benchmarks/scale/generate.py "$n" "$fleet" --hosts-file "$hosts_file" "${extra[@]}"
        echo "$stamp" > "$fleet/.stamp"
    fi
    out=$(mktemp -d -p "$work" run.XXXXXX)
    # Warm the page cache so the first contender does not pay for the disk alone.
    find "$fleet/trees" -type f -exec cat {} + >/dev/null
    # The floor, in the same run: reading every file and parsing the INI ones in Python.
    floor=$(python3 Benchmarks/fleet/measure.py --log "$out/floor.log" -- python3 Benchmarks/scale/floor.py "$fleet/trees")
    audit=("$binary" audit -i "$fleet/inventory.yaml" --db "$out/audit.db" --json "$out/report.json" --html "$out/report.html" --quiet
           ${jobs:+--jobs "$jobs"})
    # First night: an empty database. Second night: the same fleet again, nothing changed.
    first=$(python3 Benchmarks/fleet/measure.py --log "$out/log" -- "${audit[@]}")
    cp "$out/report.json" "$out/first.json"
    second=$(python3 Benchmarks/fleet/measure.py --log "$out/log2" -- "${audit[@]}")
    # The floor again after both nights: on a shared machine one measurement can be off by half,
    # so the faster of the two is the floor (the ratios are then the less flattering ones).
    floor_again=$(python3 Benchmarks/fleet/measure.py --log "$out/floor2.log" -- python3 Benchmarks/scale/floor.py "$fleet/trees")
    python3 - "$floor" "$first" "$second" "$out" "$n" "$label" "$hosts_file" "$floor_again" <<'PY' | tee -a "$work/results.jsonl"
import json, os, re, sys
floor, first, second = (json.loads(arg) for arg in sys.argv[1:4])
out, n, label, hosts_file = sys.argv[4], int(sys.argv[5]), sys.argv[6], sys.argv[7]
floors = [floor, json.loads(sys.argv[8])]
floor = min(floors, key=lambda measured: measured["wall"])
def size(name):
    total = 0
    for suffix in ("", "-wal"):
        path = os.path.join(out, name + suffix)
        if os.path.exists(path):
            total += os.path.getsize(path)
    return total
def counts(name):
    with open(os.path.join(out, name), "rb") as handle:
        head = handle.read(1 << 16).decode("utf-8", "replace")
    summary = head[head.find('"summary"'):]
    failing = re.search(r'"fail":\s*(\d+)', summary)
    checks = re.search(r'"checks":\s*(\d+)', summary)
    return (int(checks.group(1)) if checks else None), (int(failing.group(1)) if failing else None)
checks, failing = counts("first.json")
hosts = n + 2
row = {"label": label, "hosts_file": hosts_file, "computes": n, "hosts": hosts, "status": first["status"],
       "wall_s": round(first["wall"], 2), "cpu_s": round(first["user"] + first["sys"], 2),
       "max_rss_mb": round(first["max_rss_mb"], 1), "wall_ms_per_host": round(1000 * first["wall"] / hosts, 2),
       "floor_wall_s": round(floor["wall"], 2), "floor_cpu_s": round(floor["user"] + floor["sys"], 2),
       "floor_walls_s": [round(measured["wall"], 2) for measured in floors],
       "floor_ratio": round(first["wall"] / floor["wall"], 2),
       "floor_cpu_ratio": round((first["user"] + first["sys"]) / (floor["user"] + floor["sys"]), 2),
       "second_status": second["status"], "second_wall_s": round(second["wall"], 2),
       "second_cpu_s": round(second["user"] + second["sys"], 2), "second_max_rss_mb": round(second["max_rss_mb"], 1),
       "second_floor_ratio": round(second["wall"] / floor["wall"], 2),
       "second_floor_cpu_ratio": round((second["user"] + second["sys"]) / (floor["user"] + floor["sys"]), 2),
       "db_mb": round(size("audit.db") / 1e6, 2), "json_mb": round(size("first.json") / 1e6, 2),
       "html_mb": round(size("report.html") / 1e6, 2),
       "json_kb_per_host": round(size("first.json") / 1e3 / hosts, 2), "html_kb_per_host": round(size("report.html") / 1e3 / hosts, 2),
       "checks": checks, "failing": failing, "second_failing": counts("report.json")[1]}
print(json.dumps(row))
PY
    rm -rf "$out"
done
