// Cross-language contract check, TypeScript side: decodes every .binpb
// golden under <golden dir> with the generated code in gen/ts
// (protobuf-es v2) and compares it, field by field, with the proto3 JSON
// the Go goldens hold next to it.
//
// A golden JSON file references its binary payloads with objects
// {"type": <full message name>, "binpb": <file beside it>, "message": <proto3 JSON>},
// anywhere inside it. Every .binpb file must be referenced exactly once.
//
// Usage: node check.mjs <gen/ts dir> <golden dir>
// Prints {"checked": N, "failed": F} on stdout and one line per mismatch on
// stderr; exits 1 on any mismatch. Run by TestCrossLanguage; gen/ts must
// have its node_modules installed (npm ci).
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [genTs, golden] = process.argv.slice(2).map((p) => resolve(p));
if (!genTs || !golden) {
  console.error("usage: node check.mjs <gen/ts dir> <golden dir>");
  process.exit(2);
}

// Load @bufbuild/protobuf from gen/ts/node_modules: the same copy the
// generated files import.
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

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

function refs(v, out) {
  if (Array.isArray(v)) v.forEach((x) => refs(x, out));
  else if (v && typeof v === "object") {
    if (typeof v.binpb === "string" && typeof v.type === "string" && "message" in v) out.push(v);
    else Object.values(v).forEach((x) => refs(x, out));
  }
  return out;
}

// diff returns the path of the first difference between two JSON values.
function diff(a, b, path) {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = diff(a[k], b[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

const files = walk(golden);
const seen = new Set();
let checked = 0;
let failed = 0;
const fail = (msg) => {
  failed++;
  console.error(msg);
};
for (const file of files.filter((f) => f.endsWith(".json"))) {
  for (const ref of refs(JSON.parse(readFileSync(file, "utf8")), [])) {
    const bin = join(dirname(file), ref.binpb);
    const name = relative(golden, bin);
    if (seen.has(bin)) fail(`${name}: referenced twice`);
    seen.add(bin);
    const schema = registry.getMessage(ref.type);
    if (!schema) {
      fail(`${name}: message type ${ref.type} not found in gen/ts`);
      continue;
    }
    checked++;
    try {
      const msg = pb.fromBinary(schema, new Uint8Array(readFileSync(bin)));
      const got = pb.toJson(schema, msg, { registry });
      const d = diff(ref.message, got, ref.type);
      if (d) fail(`${name}: TypeScript decodes a different value (go vs ts) at ${d}`);
    } catch (err) {
      fail(`${name}: ${err}`);
    }
  }
}
for (const f of files.filter((f) => f.endsWith(".binpb"))) {
  if (!seen.has(f)) fail(`${relative(golden, f)}: no golden JSON references it`);
}
process.stdout.write(JSON.stringify({ checked, failed }) + "\n");
process.exit(failed ? 1 : 0);
