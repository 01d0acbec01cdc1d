#!/usr/bin/env python3
"""Turns run.sh's raw results (JSON lines) into Markdown tables: per fleet size the median
of the timed rounds of each contender, the ratios, and how each grows with the fleet.

    report.py results.jsonl

A file may hold several invocations of run.sh (each starts with a "machine" line); for each
fleet size the latest invocation that measured it is used.
"""
import json
import statistics
import sys

CONTENDERS = ["stackdrift", "ansible", "openssh"]
LABELS = {"stackdrift": "stackdrift audit", "ansible": "Ansible slurp", "openssh": "OpenSSH loop"}


def load(path):
    machines, rows, segment = [], [], -1
    with open(path) as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line)
            if "machine" in record:
                machines.append(record["machine"])
                segment += 1
            else:
                record["segment"] = segment
                rows.append(record)
    latest = {}
    for row in rows:
        latest[row["hosts"]] = max(latest.get(row["hosts"], -1), row["segment"])
    rows = [row for row in rows if row["segment"] == latest[row["hosts"]]]
    return machines, rows


def median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def summarise(rows):
    """(hosts, contender) -> medians of the timed rounds, plus the memory run's tree Pss."""
    table = {}
    for hosts in sorted({row["hosts"] for row in rows}):
        for contender in CONTENDERS:
            timed = [r for r in rows if r["hosts"] == hosts and r["contender"] == contender
                     and r["round"] not in ("warmup", "memory")]
            memory = [r for r in rows if r["hosts"] == hosts and r["contender"] == contender and r["round"] == "memory"]
            if not timed:
                continue
            table[hosts, contender] = {
                "runs": len(timed),
                "wall": median(r["wall"] for r in timed),
                "wall_min": min(r["wall"] for r in timed),
                "wall_max": max(r["wall"] for r in timed),
                "cpu": median(r["user"] + r["sys"] for r in timed),
                "server_cpu": median(r.get("server_cpu") for r in timed),
                "max_rss": max(r["max_rss_mb"] for r in timed),
                "pss": memory[-1]["tree_pss_mb"] if memory else None,
                "jobs": timed[0].get("jobs"),
                "status": sorted({r["status"] for r in timed}),
            }
    return table


def number(value, digits=2):
    return "–" if value is None else f"{value:.{digits}f}"


def main(path):
    machines, rows = load(path)
    table = summarise(rows)
    sizes = sorted({hosts for hosts, _ in table})
    out = []
    if machines:
        m = machines[-1]
        out += [f"Machine: {m['cpus']} × {m['cpu']}, {m['memory_gib']} GiB, {m['os']}, Linux {m['kernel']}; "
                f"{m['openssh']}; libssh2 {m['libssh2']}; {m['ansible']} ({m['python']}); {m['swift']}; "
                f"stackdrift {m['stackdrift']}. Load average before each invocation: "
                + ", ".join("/".join(f"{x:.2f}" for x in machine["load_before"]) for machine in machines) + ".", ""]
    for hosts in sizes:
        present = [c for c in CONTENDERS if (hosts, c) in table]
        runs = table[hosts, present[0]]["runs"]
        jobs = table.get((hosts, "stackdrift"), {}).get("jobs")
        out += [f"### {hosts} hosts (median of {runs} runs; stackdrift --jobs {jobs})", "",
                "| | wall s (min–max) | client CPU s | host-side CPU s | largest process RSS MB | whole tree Pss MB |",
                "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for contender in present:
            t = table[hosts, contender]
            out.append(f"| {LABELS[contender]} | {number(t['wall'])} ({number(t['wall_min'])}–{number(t['wall_max'])}) "
                       f"| {number(t['cpu'])} | {number(t['server_cpu'])} | {number(t['max_rss'], 1)} | {number(t['pss'], 1)} |")
        if (hosts, "stackdrift") in table:
            s = table[hosts, "stackdrift"]
            ratios = []
            for other in ("ansible", "openssh"):
                if (hosts, other) in table:
                    o = table[hosts, other]
                    ratios.append(f"stackdrift/{LABELS[other]}: wall {s['wall'] / o['wall']:.3f} "
                                  f"({o['wall'] / s['wall']:.1f}× {'faster' if o['wall'] > s['wall'] else 'slower'}), "
                                  f"client CPU {s['cpu'] / o['cpu']:.3f}, "
                                  f"client + host CPU {(s['cpu'] + (s['server_cpu'] or 0)) / (o['cpu'] + (o['server_cpu'] or 0)):.3f}")
            out += [""] + [f"- {ratio}" for ratio in ratios]
        out.append("")
    if len(sizes) > 1:
        out += ["### Growth with the fleet (median wall seconds; per host in ms)", "",
                "| | " + " | ".join(f"N = {n}" for n in sizes) + f" | N = {sizes[-1]} / N = {sizes[0]} |",
                "| --- | " + " | ".join("---:" for _ in sizes) + " | ---: |"]
        for contender in CONTENDERS:
            cells = []
            for n in sizes:
                t = table.get((n, contender))
                cells.append("–" if t is None else f"{t['wall']:.2f} ({t['wall'] / n * 1000:.0f} ms)")
            first, last = table.get((sizes[0], contender)), table.get((sizes[-1], contender))
            growth = f"{last['wall'] / first['wall']:.1f}×" if first and last else "–"
            out.append(f"| {LABELS[contender]} | " + " | ".join(cells) + f" | {growth} |")
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
