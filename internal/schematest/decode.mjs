// Decodes every binary golden listed in testdata/manifest.json with the
// generated TypeScript code (gen/ts, protobuf-es v2) and prints one JSON
// object {name: <proto3 JSON of the message>} on stdout, using
// protobuf-es's own JSON printer with default options.
//
// Usage: node decode.mjs <gen/ts dir> <testdata dir>
// Run by crosslang_test.go; gen/ts/node_modules must be installed (npm ci).
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [genTs, testdata] = process.argv.slice(2).map((p) => resolve(p));
if (!genTs || !testdata) {
  console.error("usage: node decode.mjs <gen/ts dir> <testdata dir>");
  process.exit(2);
}

// Load @bufbuild/protobuf from gen/ts/node_modules, the same copy the
// generated files resolve, so there is one module instance.
const pbDir = join(genTs, "node_modules", "@bufbuild", "protobuf");
const pbPkg = JSON.parse(readFileSync(join(pbDir, "package.json"), "utf8"));
const pb = await import(pathToFileURL(join(pbDir, pbPkg.exports["."].import)).href);

const files = [
  "cytube/v1/types_pb.js",
  "cytube/v1/events_pb.js",
  "cytube/v1/actions_pb.js",
  "rosey/events/v1/metadata_pb.js",
  "rosey/events/v1/events_pb.js",
  "rosey/commands/v1/commands_pb.js",
];
const descs = [];
for (const f of files) {
  const mod = await import(pathToFileURL(join(genTs, f)).href);
  for (const [k, v] of Object.entries(mod)) {
    if (k.startsWith("file_")) descs.push(v);
  }
}
const registry = pb.createRegistry(...descs);

const manifest = JSON.parse(readFileSync(join(testdata, "manifest.json"), "utf8"));
const out = {};
for (const { name, type } of manifest) {
  const schema = registry.getMessage(type);
  if (!schema) throw new Error(`message type ${type} not found in gen/ts`);
  const bytes = readFileSync(join(testdata, `${name}.binpb`));
  const msg = pb.fromBinary(schema, new Uint8Array(bytes));
  out[name] = pb.toJson(schema, msg, { registry });
}
process.stdout.write(JSON.stringify(out) + "\n");
