// Decodes binary protobuf files with the generated TypeScript code (gen/ts,
// protobuf-es v2).
//
// Reads a manifest from stdin: a JSON array of {"name": N, "type": T},
// where T is a full message name and <dir>/N.binpb holds the message's
// bytes. Prints one JSON object on stdout:
//
//   {"messages": {N: <proto3 JSON>, ...}, "errors": {N: "<why>", ...}}
//
// using protobuf-es's own JSON printer with default options. An entry that
// cannot be decoded (unknown type, unreadable or invalid bytes) goes to
// "errors" and the others are still decoded; the exit status is 0 unless
// the arguments or the manifest are unusable. Comparing with Go's values is
// the caller's job.
//
// Usage: node decode.mjs <gen/ts dir> <dir> < manifest.json
// Run by crosslang.Decode (internal/crosslang/crosslang.go); gen/ts must
// have its node_modules installed (npm ci).
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [genTs, base] = process.argv.slice(2).map((p) => resolve(p));
if (!genTs || !base) {
  console.error("usage: node decode.mjs <gen/ts dir> <dir> < manifest.json");
  process.exit(2);
}

// Load @bufbuild/protobuf from gen/ts/node_modules, the same copy the
// generated files resolve, so there is one module instance.
const pbDir = join(genTs, "node_modules", "@bufbuild", "protobuf");
const pbPkg = JSON.parse(readFileSync(join(pbDir, "package.json"), "utf8"));
const pb = await import(pathToFileURL(join(pbDir, pbPkg.exports["."].import)).href);

const descs = [];
for (const f of [
  "cytube/v1/types_pb.js",
  "cytube/v1/events_pb.js",
  "cytube/v1/actions_pb.js",
  "rosey/events/v1/metadata_pb.js",
  "rosey/events/v1/events_pb.js",
  "rosey/commands/v1/commands_pb.js",
]) {
  const mod = await import(pathToFileURL(join(genTs, f)).href);
  for (const [k, v] of Object.entries(mod)) if (k.startsWith("file_")) descs.push(v);
}
const registry = pb.createRegistry(...descs);

const manifest = JSON.parse(readFileSync(0, "utf8"));
const messages = {};
const errors = {};
for (const { name, type } of manifest) {
  const schema = registry.getMessage(type);
  if (!schema) {
    errors[name] = `message type ${type} not found in gen/ts`;
    continue;
  }
  try {
    const bytes = readFileSync(join(base, `${name}.binpb`));
    const msg = pb.fromBinary(schema, new Uint8Array(bytes));
    messages[name] = pb.toJson(schema, msg, { registry });
  } catch (err) {
    errors[name] = String(err);
  }
}
process.stdout.write(JSON.stringify({ messages, errors }) + "\n");
