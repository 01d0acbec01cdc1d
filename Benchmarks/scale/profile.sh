#!/usr/bin/env bash
# CPU by stage of a first and an unchanged second night, from perf call graphs:
#
#   bash Benchmarks/scale/profile.sh [--binary PATH] N
#
# Needs perf (linux-perf) and a fleet made by run.sh or generate.py (made here if missing).
# Prints one JSON line per night (Benchmarks/scale/stages.py: seconds of CPU per stage).
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=""
if [ "${1:-}" = --binary ]; then binary=$2; shift 2; fi
n=${1:-1000}
if [ -z "$binary" ]; then
    swift build -c release --product stackdrift >/dev/null
    binary=$(swift build -c release --show-bin-path)/stackdrift
fi
fleet=.build/scale/fleet-$n-dns
[ -f "$fleet/inventory.yaml" ] || python3 Benchmarks/scale/generate.py "$n" "$fleet"
out=$(mktemp -d -p .build/scale profile.XXXXXX)
for night in first second; do
    perf record -q -F 200 -g -o "$out/$night.data" -- "$binary" audit -i "$fleet/inventory.yaml" --db "$out/audit.db" \
        --json "$out/report.json" --html "$out/report.html" --quiet >/dev/null 2>&1 || true
    printf '{"night": "%s", "computes": %s, "stages": %s}\n' "$night" "$n" \
        "$(perf script -i "$out/$night.data" 2>/dev/null | python3 Benchmarks/scale/stages.py)"
done
rm -rf "$out"
