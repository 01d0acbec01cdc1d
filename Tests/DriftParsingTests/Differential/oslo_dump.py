"""Reads files with oslo.config's own parser and prints what it read, as JSON.

For each file: {"entries": [{"section", "key", "value"}]} in reading order, or
{"error": message, "line": n} when oslo.config rejects it (the service would not start).
"""
import json
import sys

from oslo_config import cfg, iniparser


class Recorder(cfg.ConfigParser):
    def __init__(self, filename):
        super().__init__(filename, {})
        self.events = []

    def assignment(self, key, value):
        super().assignment(key, value)
        self.events.append({"section": self.section, "key": key, "value": "\n".join(value)})


results = []
for path in sys.argv[1:]:
    parser = Recorder(path)
    try:
        parser.parse()
        results.append({"entries": parser.events})
    except iniparser.ParseError as error:
        results.append({"error": error.msg, "line": error.lineno})
    except UnicodeDecodeError as error:
        results.append({"error": "not UTF-8: %s" % error, "line": None})
json.dump(results, sys.stdout)
