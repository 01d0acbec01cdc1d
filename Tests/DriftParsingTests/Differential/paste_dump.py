"""Reads files as Paste Deploy's ConfigLoader does (NicerConfigParser, keys keep
their case, `here` and `__file__` defaults) and prints, as JSON, every option of
every section with its raw and interpolated value, or the error that rejects the file.
"""
import configparser
import json
import os
import sys

from paste.deploy.loadwsgi import NicerConfigParser

results = []
for path in sys.argv[1:]:
    defaults = {"here": os.path.dirname(os.path.abspath(path)), "__file__": os.path.abspath(path)}
    try:
        parser = NicerConfigParser(path, defaults=defaults)
        parser.optionxform = str
        with open(path) as handle:
            parser.read_file(handle)
        sections = []
        names = ["DEFAULT"] + parser.sections()
        for section in names:
            own = parser._defaults if section == "DEFAULT" else parser._sections[section]
            options = []
            for key in own:
                if section == "DEFAULT" and key in defaults:
                    continue
                raw = parser.get(section, key, raw=True)
                try:
                    value = parser.get(section, key)
                    failed = False
                except configparser.InterpolationError:
                    value, failed = raw, True
                options.append({"key": key, "raw": raw, "value": value, "interpolation_failed": failed})
            sections.append({"section": section, "options": options})
        results.append({"sections": sections})
    except configparser.Error as error:
        results.append({"error": str(error).splitlines()[0], "line": getattr(error, "lineno", None)})
    except UnicodeDecodeError as error:
        results.append({"error": "not UTF-8: %s" % error, "line": None})
json.dump(results, sys.stdout)
