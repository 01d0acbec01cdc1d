#!/usr/bin/env python3
"""The floor the scale benchmark measures stackdrift against: the cost of merely reading the
fleet's files and parsing the INI ones.

    floor.py TREES_DIR

Reads every regular file under TREES_DIR (every node's tree), and runs Python's configparser
(strict=False, no interpolation: duplicate keys and '%' as oslo.config allows) on each file
whose name ends in .conf or .ini and that opens with a section or comment (the oslo INI
files; ntp.conf and other line formats are read but not parsed). No rules, no store, no
report: what is left is the price of the files themselves. Prints one JSON line with the
counts, so a run can be checked for having read what stackdrift read.

Standard library only.
"""
import configparser
import json
import os
import sys


def main():
    root = sys.argv[1]
    files = parsed = failed = options = 0
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            with open(path, "rb") as handle:
                data = handle.read()
            files += 1
            if not name.endswith((".conf", ".ini")):
                continue
            text = data.decode("utf-8", "replace")
            first = next((line.strip() for line in text.splitlines() if line.strip()), "")
            if not first.startswith(("[", "#", ";")):
                continue
            parser = configparser.ConfigParser(strict=False, interpolation=None)
            try:
                parser.read_string(text, source=path)
            except configparser.MissingSectionHeaderError:
                continue  # a line format that opens with a comment (ntp.conf, sysctl.conf)
            except configparser.Error:
                failed += 1
                continue
            parsed += 1
            options += sum(len(parser[section]) for section in parser.sections())
    print(json.dumps({"files": files, "ini_parsed": parsed, "ini_failed": failed, "options": options}))


if __name__ == "__main__":
    main()
