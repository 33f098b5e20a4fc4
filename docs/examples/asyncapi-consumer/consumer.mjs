// @ts-check
// A cytube-connector consumer written from its AsyncAPI document alone.
//
// Nothing here comes from the connector's code or generated packages: the
// subjects, the headers and the JSON bodies are all read from
// gen/asyncapi/asyncapi.yaml at start-up. The consumer
//   - subscribes to the address of every channel the connector publishes
//     on (the document's `send` operations) in the chosen layout;
//   - checks each event's headers and JSON body against the schemas of the
//     message its `ce-dataschema` (or, for JSON-only events, its channel)
//     names;
//   - sends the `chat` command, its body checked against the command's
//     payload schema first, and checks the reply against the operation's
//     reply message (CommandResult), and its confirmation (`ok`);
//   - asks `state.users` and checks the answer the same way.
// It exits 0 when everything fitted, 1 with `asyncapi-consumer: FAIL: ...`.
//
// The connector must publish JSON (PAYLOAD_ENCODING=json): the document gives
// the JSON Schema of every body, and a protobuf body would need the .proto
// files (which the document names in x-protobuf-file).
//
// Environment:
//   NATS_URL    NATS server (default nats://127.0.0.1:4222)
//   ASYNCAPI    the document (default ../../../gen/asyncapi/asyncapi.yaml)
//   CHANNEL     empty for seed mode (one channel, the default), or the
//               channel name for channel mode
//   CHAT_TEXT   text of the chat command
//   EXPECT      comma-separated message names that must be seen at least
//               once (default cytube.v1.ChatMsg,rosey.events.v1.Message)
//   TIMEOUT_MS  give up after this long (default 20000)
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { connect, headers } from "@nats-io/transport-node";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import yaml from "js-yaml";

const env = process.env;
const natsURL = env.NATS_URL ?? "nats://127.0.0.1:4222";
const docPath = env.ASYNCAPI ?? fileURLToPath(new URL("../../../gen/asyncapi/asyncapi.yaml", import.meta.url));
const channelName = env.CHANNEL ?? "";
const chatText = env.CHAT_TEXT ?? "hello from the AsyncAPI consumer";
const expect = (env.EXPECT ?? "cytube.v1.ChatMsg,rosey.events.v1.Message").split(",").filter(Boolean);
const timeoutMs = Number(env.TIMEOUT_MS ?? 20000);

/** @param {string} msg @returns {never} */
function die(msg) {
  console.error(`asyncapi-consumer: FAIL: ${msg}`);
  process.exit(1);
}

/** @type {any} */
const doc = yaml.load(readFileSync(docPath, "utf8"));
if (doc.asyncapi !== "3.0.0") die(`${docPath}: asyncapi ${doc.asyncapi}, want 3.0.0`);

// Schemas: the document's components, compiled on first use.
const ajv = new Ajv({ strict: false });
addFormats(ajv);
ajv.addSchema({ $id: "doc", components: doc.components });
/** @type {Map<string, import("ajv").ValidateFunction>} */
const validators = new Map();
/** @param {string} pointer e.g. "/components/messages/X/payload" */
function validator(pointer) {
  let v = validators.get(pointer);
  if (!v) {
    v = ajv.compile({ $ref: `doc#${pointer}` });
    validators.set(pointer, v);
  }
  return v;
}
/** @param {string} ref "#/components/messages/X" or "#/channels/c/messages/X" */
const messageId = (ref) => ref.split("/").pop() ?? "";
/** @param {string} id @param {any} value @param {"payload" | "headers"} part @param {string} what */
function mustFit(id, value, part, what) {
  const v = validator(`/components/messages/${id}/${part}`);
  if (!v(value)) die(`${what}: ${part} does not fit ${id}: ${ajv.errorsText(v.errors)}: ${JSON.stringify(value).slice(0, 300)}`);
}

// The layout: seed mode is the channels named seed.*; channel mode the
// others, with {channel} replaced.
const seed = channelName === "";
/** @param {string} id */
const inLayout = (id) => (seed ? id.startsWith("seed.") : !id.startsWith("seed."));
/** @param {string} address */
const resolve = (address) => address.replace("{channel}", channelName);
/** @param {string} op */
function operation(op) {
  const o = doc.operations[op];
  if (!o) die(`the document has no operation ${op}`);
  const ch = doc.channels[messageId(o.channel.$ref)];
  return { op: o, address: resolve(ch.address), request: messageId(o.messages[0].$ref), replies: (o.reply?.messages ?? []).map((/** @type {any} */ r) => messageId(r.$ref)) };
}

// Every subject the connector publishes on, with the messages it carries.
/** @type {Map<string, string[]>} */
const published = new Map();
for (const [id, o] of Object.entries(doc.operations)) {
  const chId = messageId(/** @type {any} */ (o).channel.$ref);
  if (/** @type {any} */ (o).action !== "send" || !inLayout(chId)) continue;
  const ch = doc.channels[chId];
  published.set(resolve(ch.address), Object.keys(ch.messages));
}
if (published.size === 0) die(`no published channels in ${docPath}`);

const nc = await connect({ servers: natsURL, name: "asyncapi-consumer-example" }).catch((err) => die(`connect to ${natsURL}: ${err}`));
const timer = setTimeout(() => die(`timed out after ${timeoutMs} ms; seen ${JSON.stringify(Object.fromEntries(counts))}`), timeoutMs);
/** @type {Map<string, number>} */
const counts = new Map();
let ownEcho = false;

for (const [subject, ids] of published) {
  const sub = nc.subscribe(subject);
  (async () => {
    for await (const m of sub) {
      /** @type {Record<string, string>} */
      const h = {};
      for (const k of m.headers?.keys() ?? []) h[k] = m.headers?.get(k) ?? "";
      const schema = h["ce-dataschema"];
      const id = schema ? ids.find((i) => doc.components.messages[i]["x-protobuf-message"] === schema) : ids.length === 1 ? ids[0] : undefined;
      if (!id) die(`${subject}: the document has no message ${schema} on this channel (has ${ids.join(", ")})`);
      if (h["Content-Type"] !== "application/json") die(`${subject}: Content-Type ${h["Content-Type"]}: run the connector with PAYLOAD_ENCODING=json`);
      const body = JSON.parse(new TextDecoder().decode(m.data));
      mustFit(id, h, "headers", subject);
      mustFit(id, body, "payload", subject);
      counts.set(id, (counts.get(id) ?? 0) + 1);
      if (id === "rosey.events.v1.Message" && body.text === chatText && body.isSelf) ownEcho = true;
    }
  })().catch((err) => die(`subscription ${subject}: ${err}`));
}
await nc.flush();
console.log(`ready: ${published.size} subjects`);

/**
 * Sends a JSON request the document describes and checks the reply.
 * @param {string} op operation id
 * @param {any} body
 */
async function request(op, body) {
  const { address, request: req, replies } = operation(op);
  mustFit(req, body, "payload", `${op} request`);
  const h = headers();
  h.set("Content-Type", "application/json");
  const reply = await nc.request(address, JSON.stringify(body), { timeout: 10000, headers: h }).catch((err) => die(`${address}: ${err}`));
  const got = reply.json();
  // The reply is the one reply message whose payload it fits.
  const fits = replies.filter((/** @type {string} */ r) => validator(`/components/messages/${r}/payload`)(got));
  if (fits.length === 0) die(`${address}: the reply fits none of ${replies.join(", ")}: ${JSON.stringify(got)}`);
  return { id: fits[0], body: got };
}

const prefix = seed ? "seed." : "";
const chat = await request(`answer.${prefix}send.chat`, { message: chatText });
if (chat.id !== "rosey.commands.v1.CommandResult" || chat.body.ok !== true) die(`send.chat: ${JSON.stringify(chat.body)}`);
console.log(`send.chat: ${JSON.stringify(chat.body)}`);
const users = await request(`answer.${prefix}state.users`, {});
if (users.id !== "rosey.state.v1.UsersReply") die(`state.users: ${users.id} ${JSON.stringify(users.body)}`);
console.log(`state.users: ${users.body.users.length} users`);

while (!(ownEcho && expect.every((t) => (counts.get(t) ?? 0) > 0))) await new Promise((r) => setTimeout(r, 50));
clearTimeout(timer);
await nc.drain();
console.log(JSON.stringify({ ok: true, events: [...counts.values()].reduce((a, b) => a + b, 0), users: users.body.users.length, types: Object.fromEntries(counts) }));
