#!/usr/bin/env bash
# The OpenSSH floor of the fleet benchmark: one `ssh HOST cat -- FILE…` per host, all
# hosts at once (background jobs), each host's files concatenated into OUT/HOST.
#   ssh-loop.sh SSH_CONFIG OUT HOSTS FILE...
# Exits 1 if any host failed.
set -uo pipefail
config=$1 out=$2 hosts=$3
shift 3
pids=()
for i in $(seq 1 "$hosts"); do
    ssh -F "$config" "host$i" cat -- "$@" > "$out/host$i" &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit $status
