# A loopback fleet of N compute nodes, for the benchmarks beside this file (sourced,
# not run). Each host is a real sshd listening on 127.77.x.y port 22 in a mount
# namespace of its own, where the host's copy of a 10-file compute-node tree is at
# the real paths: an overlay puts the tree's etc/ over /etc and its cpuinfo is
# bind-mounted on /proc/cpuinfo. Everything else (/bin/sh, cat, python3, Debian's
# sftp-server, /tmp) is the machine's own, so stackdrift (SFTP), the OpenSSH loop
# (cat) and Ansible (python3) read the same files the way they would on a node,
# each through the login shell. The mounts exist only inside each sshd's namespace
# and vanish with it; nothing outside $FLEET_DIR is written.
#
#   fleet_up N      start the fleet in a new $FLEET_DIR (under /run), write its files
#   fleet_down      stop every sshd and remove $FLEET_DIR (called from an EXIT trap)
#
# After fleet_up, for N hosts host1 … hostN:
#   $FLEET_DIR/inventory.yaml   stackdrift's inventory (transport ssh, strict host keys)
#   $FLEET_DIR/ssh_config       Host blocks for ssh and Ansible (key, known_hosts, BatchMode)
#   $FLEET_DIR/hosts.ini        Ansible's inventory
#   $FLEET_DIR/files.json       the 10 paths, for Ansible
#   $FLEET_DIR/sshd.pids        one listening sshd per line
#   FLEET_CGROUP                a CPU-accounting cgroup holding every sshd and its sessions,
#                               to count the CPU the hosts spend (empty if none can be made)
#   FLEET_FILES                 the 10 paths (bash array)
# Needs root (mount namespaces, port 22). Only 127.77.0.0/16 is ever contacted.

FLEET_USER=stackdrift-audit-test   # the test suite's login account (no password, no home, /bin/sh)
FLEET_FILES=(/etc/hosts /etc/ntp.conf /etc/sysctl.conf /etc/nova/nova.conf /etc/nova/nova-compute.conf
             /etc/nova/rootwrap.conf /etc/neutron/neutron.conf /etc/neutron/plugins/ml2/ml2_conf.ini
             /etc/ceilometer/ceilometer.conf /proc/cpuinfo)
FLEET_DIR=""
FLEET_PIDS=()
FLEET_CGROUP=""
_fleet_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# A cgroup only for CPU accounting of the sshds (cgroup v1's cpuacct, else a v2 cgroup, whose
# cpu.stat always counts): sessions inherit it, so it adds up what the nodes spend.
_fleet_cgroup() {
    local name=stackdrift-fleet.$$
    if [ -d /sys/fs/cgroup/cpuacct ] && mkdir "/sys/fs/cgroup/cpuacct/$name" 2>/dev/null; then
        FLEET_CGROUP=/sys/fs/cgroup/cpuacct/$name
    elif [ -f /sys/fs/cgroup/cgroup.controllers ] && mkdir "/sys/fs/cgroup/$name" 2>/dev/null; then
        FLEET_CGROUP=/sys/fs/cgroup/$name
    else
        echo "fleet: no cgroup for the sshds; their CPU time is not measured" >&2
    fi
}

fleet_address() { echo "127.77.$(( ($1 - 1) / 250 )).$(( ($1 - 1) % 250 + 1 ))"; }

fleet_up() {
    local hosts=$1 i address management tunnel host tree
    if [ "$(id -u)" -ne 0 ]; then echo "fleet: run as root (mount namespaces, sshd on port 22)" >&2; return 1; fi
    if [ "$hosts" -gt 10000 ]; then echo "fleet: at most 10000 hosts" >&2; return 1; fi
    # Pubkey login needs the account unlocked ('*', not '!'); the test suite creates it the same way.
    id "$FLEET_USER" >/dev/null 2>&1 \
        || useradd --system --no-create-home --home-dir / --shell /bin/sh --password '*' "$FLEET_USER"
    mkdir -p /run/sshd   # sshd's privilege separation directory

    FLEET_DIR=$(mktemp -d -p /run stackdrift-fleet.XXXXXX)
    _fleet_cgroup
    chmod 755 "$FLEET_DIR"
    mkdir "$FLEET_DIR/hosts"
    ssh-keygen -q -t ed25519 -N '' -C fleet-client -f "$FLEET_DIR/id_ed25519"
    cp "$FLEET_DIR/id_ed25519.pub" "$FLEET_DIR/authorized_keys"
    chmod 644 "$FLEET_DIR/authorized_keys"
    : > "$FLEET_DIR/known_hosts"
    : > "$FLEET_DIR/sshd.pids"
    printf '%s\n' "${FLEET_FILES[@]}" | python3 -c 'import json, sys; print(json.dumps({"fleet_files": sys.stdin.read().split()}))' \
        > "$FLEET_DIR/files.json"
    cat > "$FLEET_DIR/inventory.yaml" <<YAML
# $hosts compute nodes on loopback; every host names its services, so no marker file is read
architecture: neutron
vars: {controller: controller, controller_ip: 10.0.0.11}
defaults: {transport: ssh, user: $FLEET_USER, identity: $FLEET_DIR/id_ed25519, known_hosts: $FLEET_DIR/known_hosts}
hosts:
YAML
    : > "$FLEET_DIR/ssh_config"
    echo "[fleet]" > "$FLEET_DIR/hosts.ini"
    # Every node resolves every other by name, as the guide's /etc/hosts does (hosts.names-resolve).
    for i in $(seq 1 "$hosts"); do
        printf '10.1.%d.%d\thost%d\n' $(( (i - 1) / 250 )) $(( (i - 1) % 250 + 1 )) "$i"
    done > "$FLEET_DIR/hosts.block"

    for i in $(seq 1 "$hosts"); do
        host=host$i
        address=$(fleet_address "$i")
        management="10.1.$(( (i - 1) / 250 )).$(( (i - 1) % 250 + 1 ))"
        tunnel="10.2.$(( (i - 1) / 250 )).$(( (i - 1) % 250 + 1 ))"
        tree="$FLEET_DIR/hosts/$host"
        # The demo's compute1 (9 files) plus rootwrap.conf, made this host's: its name and addresses.
        cp -a "$_fleet_repo/Examples/demo/trees/compute1" "$tree"
        cp -a "$_fleet_repo/Benchmarks/fleet/tree/." "$tree"
        # Names resolve from the node's own /etc/hosts only: sudo looks up the machine's name, which
        # must never reach (nor wait on) an outside resolver. nsswitch.conf is read by no rule.
        sed 's/^hosts:.*/hosts:          files/' /etc/nsswitch.conf > "$tree/etc/nsswitch.conf"
        sed -i "s/10\.0\.0\.31/$management/g; s/10\.0\.1\.31/$tunnel/g" \
            "$tree/etc/nova/nova.conf" "$tree/etc/neutron/plugins/ml2/ml2_conf.ini"
        sed -i '/^10\.0\.0\.31\tcompute1$/d' "$tree/etc/hosts"
        { echo "# Compute nodes"; cat "$FLEET_DIR/hosts.block"; } >> "$tree/etc/hosts"
        # Every tenth node drifts: a GRE range of its own (one failing check per such host, and
        # a consistency finding across the fleet), so the audit has something to report.
        if [ $(( i % 10 )) -eq 0 ]; then sed -i 's/^tunnel_id_ranges = 1:1000$/tunnel_id_ranges = 1:2000/' \
            "$tree/etc/neutron/plugins/ml2/ml2_conf.ini"; fi
        chown -R root:root "$tree"
        ssh-keygen -q -t ed25519 -N '' -C "$host" -f "$FLEET_DIR/hosts/$host.key"
        cat > "$FLEET_DIR/hosts/$host.sshd_config" <<CONF
ListenAddress $address:22
HostKey $FLEET_DIR/hosts/$host.key
PidFile none
AuthorizedKeysFile $FLEET_DIR/authorized_keys
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
PrintMotd no
PrintLastLog no
Subsystem sftp /usr/lib/openssh/sftp-server
CONF
        # unshare execs sh, which execs sshd: $! is the listening sshd.
        unshare --mount --propagation private -- /bin/sh -c '
            if [ -n "$4" ]; then echo $$ > "$4/cgroup.procs"; fi &&
            mount -t overlay overlay -o "lowerdir=$1/etc:/etc" /etc && mount --bind "$1/proc/cpuinfo" /proc/cpuinfo &&
            exec /usr/sbin/sshd -D -e -f "$2" -E "$3"' fleet-host "$tree" "$FLEET_DIR/hosts/$host.sshd_config" \
            "$FLEET_DIR/hosts/$host.log" "$FLEET_CGROUP" &
        FLEET_PIDS+=($!)
        echo $! >> "$FLEET_DIR/sshd.pids"
        echo "$address $(cut -d' ' -f1-2 "$FLEET_DIR/hosts/$host.key.pub")" >> "$FLEET_DIR/known_hosts"
        echo "  - {name: $host, address: $address, roles: [compute], services: [telemetry], vars: {management_ip: $management, tunnel_ip: $tunnel}}" \
            >> "$FLEET_DIR/inventory.yaml"
        printf 'Host %s\n    HostName %s\n' "$host" "$address" >> "$FLEET_DIR/ssh_config"
        echo "$host" >> "$FLEET_DIR/hosts.ini"
    done
    # After the hosts' blocks: ssh takes each option's first value, so 'Host *' comes last.
    cat >> "$FLEET_DIR/ssh_config" <<CONFIG
Host *
    User $FLEET_USER
    IdentityFile $FLEET_DIR/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $FLEET_DIR/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    BatchMode yes
CONFIG
    for i in $(seq 1 "$hosts"); do   # wait until every sshd listens
        address=$(fleet_address "$i")
        for _ in $(seq 1 500); do
            (exec 3<>"/dev/tcp/$address/22") 2>/dev/null && break
            if ! kill -0 "${FLEET_PIDS[$(( i - 1 ))]}" 2>/dev/null; then
                echo "fleet: sshd of host$i did not start:" >&2; cat "$FLEET_DIR/hosts/host$i.log" >&2; return 1
            fi
            sleep 0.02
        done
    done
}

fleet_down() {
    local pid
    for pid in "${FLEET_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${FLEET_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    FLEET_PIDS=()
    if [ -n "$FLEET_CGROUP" ]; then   # empty once the last session process is gone
        for _ in $(seq 1 250); do rmdir "$FLEET_CGROUP" 2>/dev/null && break; sleep 0.02; done
        FLEET_CGROUP=""
    fi
    # Only plain files are left: the overlays lived in the sshds' namespaces, now gone.
    if [ -n "$FLEET_DIR" ] && [ -d "$FLEET_DIR" ]; then rm -rf "$FLEET_DIR"; fi
    FLEET_DIR=""
}
