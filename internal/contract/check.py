"""Cross-language contract check, Python side.

Decodes every .binpb golden under <golden dir> with the generated code in
gen/python and compares it, field by field, with the proto3 JSON the Go
goldens hold next to it (printed by google.protobuf.json_format with
default options).

A golden JSON file references its binary payloads with objects
{"type": <full message name>, "binpb": <file beside it>, "message": <proto3 JSON>},
anywhere inside it. Every .binpb file must be referenced exactly once.

Usage: python3 check.py <gen/python dir> <golden dir>
Prints {"checked": N, "failed": F} on stdout and one line per mismatch on
stderr; exits 1 on any mismatch. Run by TestCrossLanguage.
"""

import importlib
import json
import os
import sys


def refs(v, out):
    if isinstance(v, list):
        for x in v:
            refs(x, out)
    elif isinstance(v, dict):
        if isinstance(v.get("binpb"), str) and isinstance(v.get("type"), str) and "message" in v:
            out.append(v)
        else:
            for x in v.values():
                refs(x, out)
    return out


def diff(a, b, path):
    """Path of the first difference between two JSON values, or None."""
    if isinstance(a, list) or isinstance(b, list):
        if not (isinstance(a, list) and isinstance(b, list)):
            return "%s: %r vs %r" % (path, a, b)
        if len(a) != len(b):
            return "%s: length %d vs %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            d = diff(a.get(k), b.get(k), "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, bool) or isinstance(b, bool):
        same = a is b
    else:
        same = a == b
    return None if same else "%s: %r vs %r" % (path, a, b)


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: check.py <gen/python dir> <golden dir>", file=sys.stderr)
        return 2
    gen_python, golden = (os.path.abspath(p) for p in sys.argv[1:])
    sys.path.insert(0, gen_python)

    from google.protobuf import json_format, symbol_database

    for module in (
        "cytube.v1.types_pb2",
        "cytube.v1.events_pb2",
        "cytube.v1.actions_pb2",
        "rosey.events.v1.metadata_pb2",
        "rosey.events.v1.events_pb2",
        "rosey.commands.v1.commands_pb2",
    ):
        importlib.import_module(module)
    db = symbol_database.Default()

    files = []
    for root, _, names in os.walk(golden):
        files.extend(os.path.join(root, n) for n in names)
    seen = set()
    checked = failed = 0

    def fail(msg):
        nonlocal failed
        failed += 1
        print(msg, file=sys.stderr)

    for path in sorted(f for f in files if f.endswith(".json")):
        with open(path, encoding="utf-8") as f:
            golden_json = json.load(f)
        for ref in refs(golden_json, []):
            binpb = os.path.join(os.path.dirname(path), ref["binpb"])
            name = os.path.relpath(binpb, golden)
            if binpb in seen:
                fail("%s: referenced twice" % name)
            seen.add(binpb)
            try:
                cls = db.GetSymbol(ref["type"])
            except KeyError:
                fail("%s: message type %s not found in gen/python" % (name, ref["type"]))
                continue
            checked += 1
            try:
                with open(binpb, "rb") as f:
                    msg = cls.FromString(f.read())
                got = json.loads(json_format.MessageToJson(msg))
            except Exception as err:  # noqa: BLE001 - report and go on
                fail("%s: %s" % (name, err))
                continue
            d = diff(ref["message"], got, ref["type"])
            if d:
                fail("%s: Python decodes a different value (go vs python) at %s" % (name, d))
    for f in files:
        if f.endswith(".binpb") and f not in seen:
            fail("%s: no golden JSON references it" % os.path.relpath(f, golden))
    json.dump({"checked": checked, "failed": failed}, sys.stdout)
    sys.stdout.write("\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
