#!/usr/bin/env python3
"""CPU by stage from a perf profile of an audit (frame-pointer call graphs).

    perf record -F 200 -g -o perf.data -- stackdrift audit ...
    perf script -i perf.data | stages.py

Each sample goes to the outermost frame naming a stage's code (Swift symbols keep their
module and type names when mangled): reports before the store they read, the store before
what it encodes, and so on. Prints one JSON object: seconds of CPU per stage (at the perf
sampling period) and the share of each. Standard library only.
"""
import json
import re
import sys

# Outermost match wins, so a report reading the store counts as the report.
STAGES = [
    ("reports", ("HTMLReport", "JSONReport", "JUnitReport", "TextReport", "ReportSink")),
    ("rule loading", ("RuleSetV4load", "RuleSetV5merge", "4Yams", "OptionTable", "Inventory")),
    ("fleet checks", ("FleetComparison", "FleetVerdicts")),
    ("overview", ("RunOverview",)),
    ("store", ("SnapshotStore", "BlobStore", "PreparedHost", "SQLiteBackend", "SQLiteDatabase", "sqlite3", "Deflate",
               "FindingSetCodec", "CompactWriter", "CompactReader")),
    ("redaction", ("Redactor", "redactingSecret")),
    ("parsing", ("DocumentParser", "ParsedFiles")),
    ("rules", ("RuleEngine", "WaiverSet", "HostEvidence")),
    ("reuse keys", ("EvaluationReuse", "StoredEvaluation")),
    ("collection", ("LocalTransport", "CollectedFiles", "SafePath")),
]


def stage_of(frames):
    for frame in reversed(frames):  # root first
        for stage, markers in STAGES:
            if any(marker in frame for marker in markers):
                return stage
    return "other"


def main():
    period = None
    counts = {}
    frames = []
    header = re.compile(r"^\S.*?\s(\d+)\s+cpu-clock")
    def flush():
        if frames is not None and header_seen[0]:
            stage = stage_of(frames)
            counts[stage] = counts.get(stage, 0) + 1
    header_seen = [False]
    for line in sys.stdin:
        if not line.strip():
            flush()
            frames = []
            header_seen[0] = False
            continue
        match = header.match(line)
        if match and not line.startswith(("\t", " ")):
            header_seen[0] = True
            period = period or int(match.group(1))
            continue
        frames.append(line.strip())
    flush()
    total = sum(counts.values()) or 1
    seconds = (period or 0) / 1e9
    result = {stage: {"cpu_s": round(count * seconds, 2), "share": round(count / total, 3)}
              for stage, count in sorted(counts.items(), key=lambda item: -item[1])}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
