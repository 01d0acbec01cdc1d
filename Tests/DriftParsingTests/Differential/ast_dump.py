"""Reads Django settings files with Python's own parser (ast, never executing them)
and prints the top-level `NAME = literal` assignments as JSON, or the syntax error.
Keys of dict literals are listed too, named as stackdrift names them
(`CACHES['default']['LOCATION']`), with the lines of their values.
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


def subscripts(node, prefix, out):
    """The dict keys inside a literal, depth first, as stackdrift's subscript entries."""
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                name = prefix + "['" + key.value + "']"
            elif isinstance(key, ast.Constant) and isinstance(key.value, int) and not isinstance(key.value, bool):
                name = prefix + "[" + str(key.value) + "]"
            elif isinstance(key, ast.UnaryOp) and isinstance(key.op, ast.USub) and isinstance(key.operand, ast.Constant):
                name = prefix + "[-" + str(key.operand.value) + "]"
            else:
                continue
            out.append({"key": name, "line": value.lineno, "end": value.end_lineno})
            subscripts(value, name, out)
    elif isinstance(node, (ast.List, ast.Tuple)):
        for index, item in enumerate(node.elts):
            if isinstance(item, (ast.Dict, ast.List, ast.Tuple)):
                name = prefix + "[" + str(index) + "]"
                if isinstance(item, ast.Dict):
                    out.append({"key": name, "line": item.lineno, "end": item.end_lineno})
                subscripts(item, name, out)


results = []
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
    except (SyntaxError, UnicodeDecodeError, ValueError) as error:
        results.append({"error": str(error), "line": getattr(error, "lineno", None)})
        continue
    entries = []
    nested = []
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
                    if literal:
                        subscripts(node.value, target.id, nested)
    results.append({"entries": entries, "subscripts": nested})
json.dump(results, sys.stdout)
