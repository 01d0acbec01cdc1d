"""Reads Django settings files with Python's own parser (ast, never executing them)
and prints the top-level `NAME = literal` assignments as JSON, or the syntax error.
"""
import ast
import json
import sys


def plain(value):
    if isinstance(value, (list, tuple)):
        return {"list": [plain(item) for item in value]}
    if isinstance(value, (set, frozenset)):
        return {"set": sorted(json.dumps(plain(item), sort_keys=True) for item in value)}
    if isinstance(value, dict):
        return {"dict": [[plain(k), plain(v)] for k, v in value.items()]}
    if isinstance(value, bool) or value is None:
        return {"constant": repr(value)}
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


results = []
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
    except (SyntaxError, UnicodeDecodeError, ValueError) as error:
        results.append({"error": str(error), "line": getattr(error, "lineno", None)})
        continue
    entries = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            try:
                value = plain(ast.literal_eval(node.value))
                literal = True
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                value, literal = None, False
            for target in node.targets:
                if isinstance(target, ast.Name):
                    entries.append({"key": target.id, "line": node.lineno, "literal": literal, "value": value})
    results.append({"entries": entries})
json.dump(results, sys.stdout)
