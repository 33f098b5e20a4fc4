// Validates the AsyncAPI document `make generate` writes, and real
// messages against it. Run by internal/asyncapi's tests:
//
//   node validate-asyncapi.mjs <asyncapi.yaml> [<samples.jsonl> <jsonschema dir>]
//
// 1. The document must parse with the AsyncAPI parser (@asyncapi/parser)
//    without errors; warnings are printed.
// 2. Each sample line {subject, type, headers?, json} is a message the
//    connector published or accepts: its subject must match the address of
//    a channel that carries a message named `type`, its headers must fit
//    that message's headers schema, and its JSON body that message's
//    payload schema (draft-07, as AsyncAPI reads it) and the bundled
//    draft 2020-12 schema protoc-gen-jsonschema wrote.
// It prints one line per failure and exits 1 on any.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Parser } from "@asyncapi/parser";
import Ajv from "ajv";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import yaml from "js-yaml";

const [docPath, samplesPath, schemaDir] = process.argv.slice(2);
const text = readFileSync(docPath, "utf8");
let failures = 0;
const fail = (msg) => {
  failures++;
  if (failures <= 50) console.log(msg);
};

const { document, diagnostics } = await new Parser().parse(text);
for (const d of diagnostics) {
  const where = (d.path || []).join("/");
  if (d.severity === 0) fail(`asyncapi error: ${d.message} at ${where}`);
  else if (d.severity === 1) console.log(`asyncapi warning: ${d.message} at ${where}`);
}
if (!document) {
  console.log("asyncapi: the document did not parse");
  process.exit(1);
}
console.log(`asyncapi: ${document.channels().length} channels, ${document.operations().length} operations, ${document.components().messages().length} messages`);

if (samplesPath) {
  const raw = yaml.load(text);
  const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false });
  addFormats(ajv);
  // Only the components: the document's own `id` is not a schema id.
  ajv.addSchema({ $id: "asyncapi.json", components: raw.components });
  const ajv2020 = new Ajv2020({ strict: false });
  addFormats(ajv2020);
  const bundles = new Map();
  const compiled = new Map();
  const compile = (ref) => {
    if (!compiled.has(ref)) compiled.set(ref, ajv.compile({ $ref: ref }));
    return compiled.get(ref);
  };
  const bundle = (type) => {
    if (!bundles.has(type)) {
      const s = JSON.parse(readFileSync(join(schemaDir, `${type}.jsonschema.bundle.json`), "utf8"));
      bundles.set(type, ajv2020.compile(s));
    }
    return bundles.get(type);
  };
  const channels = Object.entries(raw.channels).filter(([, c]) => c.address).map(([id, c]) => ({
    id,
    re: new RegExp("^" + c.address.replaceAll(".", "\\.").replace("{channel}", "[^.]+") + "$"),
    messages: Object.values(c.messages).map((m) => m.$ref.split("/").pop()),
  }));
  const why = (v) => ajv.errorsText(v.errors, { separator: "; " });
  let n = 0;
  for (const line of readFileSync(samplesPath, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const s = JSON.parse(line);
    n++;
    const where = `${s.source || ""} ${s.subject} ${s.type}`;
    let msgId = s.type;
    if (s.subject) {
      const ch = channels.find((c) => c.re.test(s.subject) && c.messages.includes(s.type));
      if (!ch) {
        fail(`${where}: no channel of the document carries ${s.type} on ${s.subject}`);
        continue;
      }
    }
    if (!raw.components.messages[msgId]) {
      fail(`${where}: the document has no message ${msgId}`);
      continue;
    }
    if (s.headers) {
      const v = compile(`asyncapi.json#/components/messages/${msgId}/headers`);
      if (!v(s.headers)) fail(`${where}: headers: ${why(v)}`);
    }
    const v = compile(`asyncapi.json#/components/messages/${msgId}/payload`);
    if (!v(s.json)) fail(`${where}: payload: ${why(v)}: ${JSON.stringify(s.json).slice(0, 300)}`);
    if (raw.components.messages[msgId]["x-protobuf-message"]) {
      const b = bundle(s.type);
      if (!b(s.json)) fail(`${where}: ${s.type}${".jsonschema.bundle.json"}: ${ajv2020.errorsText(b.errors)}`);
    }
  }
  console.log(`samples: ${n} checked, ${failures} failures`);
}
process.exit(failures ? 1 : 0);
