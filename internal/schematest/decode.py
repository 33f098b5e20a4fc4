"""Decode the binary goldens with the generated Python code (gen/python).

Reads testdata/manifest.json, parses every <name>.binpb as the listed
message type and prints one JSON object {name: <proto3 JSON>} on stdout,
using google.protobuf.json_format with default options.

Usage: python3 decode.py <gen/python dir> <testdata dir>
Run by crosslang_test.go.
"""

import importlib
import json
import os
import sys


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: decode.py <gen/python dir> <testdata dir>", file=sys.stderr)
        return 2
    gen_python, testdata = (os.path.abspath(p) for p in sys.argv[1:])
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

    with open(os.path.join(testdata, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    out = {}
    for entry in manifest:
        cls = db.GetSymbol(entry["type"])
        with open(os.path.join(testdata, entry["name"] + ".binpb"), "rb") as f:
            msg = cls.FromString(f.read())
        out[entry["name"]] = json.loads(json_format.MessageToJson(msg))
    json.dump(out, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
