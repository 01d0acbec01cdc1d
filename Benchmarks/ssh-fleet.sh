#!/usr/bin/env bash
# Times an audit of N loopback SSH hosts (default 20), serially and in parallel, over
# both SSH transports. Each host is its own sshd on 127.0.0.1, chrooted (internal-sftp)
# into a copy of one of the demo trees, so every host has real files and drift.
#
#   sudo bash Benchmarks/ssh-fleet.sh [hosts] [jobs...]     default: 20 hosts, jobs 1 4 8 16
#
# Needs root (sshd chroots only then) and a release build (built if missing). Nothing
# but 127.0.0.1 is contacted; keys are made for the run and everything is removed after.
set -euo pipefail
cd "$(dirname "$0")/.."

hosts=${1:-20}
shift || true
jobs=("$@")
[ ${#jobs[@]} -gt 0 ] || jobs=(1 4 8 16)
runs=${RUNS:-3}
user=stackdrift-audit-test

if [ "$(id -u)" -ne 0 ]; then echo "run as root: sshd can chroot into the trees only then" >&2; exit 1; fi
binary=.build/release/stackdrift
if [ ! -x "$binary" ]; then swift build -c release --product stackdrift >/dev/null; fi
# The account the tests use: no password, no home; pubkey login needs it unlocked ('*', not '!').
id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --home-dir / --shell /bin/sh --password '*' "$user"
mkdir -p /run/sshd

work=$(mktemp -d -p /run stackdrift-bench.XXXXXX)   # /run: a root-owned chain, as ChrootDirectory demands
chmod 755 "$work"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -C bench -f "$work/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -C bench-host -f "$work/host_key"
cp "$work/id_ed25519.pub" "$work/authorized_keys"
chmod 644 "$work/authorized_keys"

# host name, roles and vars of each demo tree
declare -A roles=([controller]=controller [network]=network [compute1]=compute [compute2]=compute)
declare -A vars=(
    [controller]="{management_ip: 10.0.0.11}"
    [network]="{management_ip: 10.0.0.21, tunnel_ip: 10.0.1.21}"
    [compute1]="{management_ip: 10.0.0.31, tunnel_ip: 10.0.1.31}"
    [compute2]="{management_ip: 10.0.0.32, tunnel_ip: 10.0.1.32}")
trees=(controller network compute1 compute2)

base_port=$(( 40000 + RANDOM % 20000 ))
: > "$work/known_hosts"
inventory="$work/inventory.yaml"
cat > "$inventory" <<YAML
architecture: neutron
vars: {controller: controller, controller_ip: 10.0.0.11}
defaults: {user: $user, identity: $work/id_ed25519, known_hosts: $work/known_hosts, timeout: 10}
hosts:
YAML
for i in $(seq 1 "$hosts"); do
    tree=${trees[$(( (i - 1) % 4 ))]}
    port=$(( base_port + i ))
    cp -a "Examples/demo/trees/$tree" "$work/host$i"
    chown -R root:root "$work/host$i"
    chmod 755 "$work/host$i"
    cat > "$work/sshd_$i.conf" <<CONF
ListenAddress 127.0.0.1:$port
HostKey $work/host_key
PidFile none
AuthorizedKeysFile $work/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
MaxStartups 100
Subsystem sftp internal-sftp
ChrootDirectory $work/host$i
ForceCommand internal-sftp
CONF
    /usr/sbin/sshd -D -e -f "$work/sshd_$i.conf" -E "$work/sshd_$i.log" &
    pids+=($!)
    echo "[127.0.0.1]:$port $(cut -d' ' -f1-2 "$work/host_key.pub")" >> "$work/known_hosts"
    echo "  - {name: host$i, address: 127.0.0.1, port: $port, roles: [${roles[$tree]}], vars: ${vars[$tree]}}" >> "$inventory"
done
for i in $(seq 1 "$hosts"); do   # wait until every sshd listens
    for _ in $(seq 1 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$(( base_port + i ))") 2>/dev/null && break
        sleep 0.02
    done
done

printf "%d loopback hosts, %s, median of %d runs\n" "$hosts" "$(nproc) cores" "$runs"
printf "%-9s %5s %9s  %s\n" transport jobs seconds exit
for transport in ssh openssh; do
    sed -i "s/^defaults: {transport: [a-z]*, /defaults: {/; s/^defaults: {/defaults: {transport: $transport, /" "$inventory"
    for j in "${jobs[@]}"; do
        times=()
        for _ in $(seq 1 "$runs"); do
            start=$(date +%s.%N)
            status=0
            "$binary" audit -i "$inventory" --db "$work/bench.db" --jobs "$j" --quiet || status=$?
            end=$(date +%s.%N)
            times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')")
        done
        median=$(printf "%s\n" "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
        printf "%-9s %5d %9.3f  %d\n" "$transport" "$j" "$median" "$status"
    done
done
