"""Decode binary protobuf files with the generated Python code (gen/python).

Reads a manifest from stdin: a JSON array of {"name": N, "type": T}, where
T is a full message name and <dir>/N.binpb holds the message's bytes.
Prints one JSON object on stdout:

    {"messages": {N: <proto3 JSON>, ...}, "errors": {N: "<why>", ...}}

using google.protobuf.json_format with default options. An entry that
cannot be decoded (unknown type, unreadable or invalid bytes) goes to
"errors" and the others are still decoded; the exit status is 0 unless the
arguments or the manifest are unusable. Comparing with Go's values is the
caller's job.

Usage: python3 decode.py <gen/python dir> <dir> < manifest.json
Run by crosslang.Decode (internal/crosslang/crosslang.go).
"""

import importlib
import json
import os
import sys


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: decode.py <gen/python dir> <dir> < manifest.json", file=sys.stderr)
        return 2
    gen_python, base = (os.path.abspath(p) for p in sys.argv[1:])
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

    manifest = json.load(sys.stdin)
    messages, errors = {}, {}
    for entry in manifest:
        name, type_name = entry["name"], entry["type"]
        try:
            cls = db.GetSymbol(type_name)
        except KeyError:
            errors[name] = "message type %s not found in gen/python" % type_name
            continue
        try:
            with open(os.path.join(base, name + ".binpb"), "rb") as f:
                msg = cls.FromString(f.read())
            messages[name] = json.loads(json_format.MessageToJson(msg))
        except Exception as err:  # noqa: BLE001 - report and go on
            errors[name] = str(err)
    json.dump({"messages": messages, "errors": errors}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
