#!/usr/bin/env python3
"""Writes a DNS-style fleet of local trees for the scale benchmark.

    generate.py N DIR [--hosts-file dns|full] [--no-resolution-setting]

A controller and a network node (the demo's trees) and N compute nodes made from the demo's
compute1, each with its own management and tunnel addresses. One compute in a hundred has the
my_ip of another compute copied into its nova.conf (the drift the audit must find). The
inventory is DIR/inventory.yaml (transport local).

--hosts-file dns (default): each node's /etc/hosts names only localhost, the controller, the
  network node and the node itself, as in clouds that resolve names through DNS; the inventory
  says so (name_resolution: dns) unless --no-resolution-setting is given (for stackdrift
  versions that do not know the setting).
--hosts-file full: each /etc/hosts lists every node of the fleet, as the guide asks.

Standard library only.
"""
import argparse
import os
import re
import shutil
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEMO = os.path.join(REPO, "Examples", "demo", "trees")


def compute_name(i):
    return f"compute{i:05d}"


def addresses(i):
    """Management and tunnel addresses of compute i (1-based): 10.1.x.y and 10.2.x.y."""
    return f"10.1.{(i - 1) // 250}.{(i - 1) % 250 + 1}", f"10.2.{(i - 1) // 250}.{(i - 1) % 250 + 1}"


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def hosts_file(own_name, own_ip, fleet_lines):
    lines = ["127.0.0.1\tlocalhost", "", "# Management network"]
    lines += fleet_lines if fleet_lines is not None else [
        "10.0.0.11\tcontroller", "10.0.0.21\tnetwork", f"{own_ip}\t{own_name}"]
    lines += ["", "::1     localhost ip6-localhost ip6-loopback", "ff02::1 ip6-allnodes", "ff02::2 ip6-allrouters", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("dir")
    parser.add_argument("--hosts-file", choices=["dns", "full"], default="dns")
    parser.add_argument("--no-resolution-setting", action="store_true")
    args = parser.parse_args()
    out = os.path.abspath(args.dir)
    if os.path.exists(out):
        shutil.rmtree(out)
    trees = os.path.join(out, "trees")
    os.makedirs(trees)

    full = None
    if args.hosts_file == "full":
        full = ["10.0.0.11\tcontroller", "10.0.0.21\tnetwork"]
        full += [f"{addresses(i)[0]}\t{compute_name(i)}" for i in range(1, args.n + 1)]

    for name, ip in (("controller", "10.0.0.11"), ("network", "10.0.0.21")):
        shutil.copytree(os.path.join(DEMO, name), os.path.join(trees, name))
        write(os.path.join(trees, name, "etc", "hosts"), hosts_file(name, ip, full))

    template_root = os.path.join(DEMO, "compute1")
    template = {}
    for base, _, files in os.walk(template_root):
        for file in files:
            path = os.path.join(base, file)
            template[os.path.relpath(path, template_root)] = read(path)

    copied = set(range(100, args.n + 1, 100))  # every hundredth compute copies my_ip from the one before it
    inventory = ["# Scale benchmark: %d compute nodes, a controller and a network node (generate.py)" % args.n,
                 "architecture: neutron"]
    if args.hosts_file == "dns" and not args.no_resolution_setting:
        inventory.append("name_resolution: dns")
    inventory += ["vars: {controller: controller, controller_ip: 10.0.0.11}", "defaults: {transport: local}", "hosts:",
                  "  - {name: controller, root: trees/controller, roles: [controller], vars: {management_ip: 10.0.0.11}}",
                  "  - {name: network, root: trees/network, roles: [network], "
                  "vars: {management_ip: 10.0.0.21, tunnel_ip: 10.0.1.21}}"]
    for i in range(1, args.n + 1):
        name = compute_name(i)
        management, tunnel = addresses(i)
        my_ip = addresses(i - 1)[0] if i in copied else management
        root = os.path.join(trees, name)
        for relative, text in template.items():
            if relative == os.path.join("etc", "hosts"):
                text = hosts_file(name, management, full)
            else:
                text = text.replace("10.0.0.31", management).replace("10.0.1.31", tunnel)
                if relative == os.path.join("etc", "nova", "nova.conf"):
                    text = re.sub(r"(?m)^my_ip = .*$", f"my_ip = {my_ip}", text)
            write(os.path.join(root, relative), text)
        inventory.append(f"  - {{name: {name}, root: trees/{name}, roles: [compute], services: [telemetry], "
                         f"vars: {{management_ip: {management}, tunnel_ip: {tunnel}}}}}")
    write(os.path.join(out, "inventory.yaml"), "\n".join(inventory) + "\n")
    print(f"{out}: {args.n + 2} hosts ({len(copied)} computes with a copied my_ip), /etc/hosts {args.hosts_file}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
