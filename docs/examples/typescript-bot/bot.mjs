// @ts-check
// Example cytube-connector consumer for TypeScript/JavaScript bots.
//
// It connects to NATS, subscribes to the connector's raw and normalized
// event subjects, decodes every event with the generated schema package
// (@roseybot/cytube-connector-schema, built from gen/ts), checks the
// CloudEvents headers, pairs raw and normalized events by
// ce-correlationid, sends one chat command and checks its CommandResult,
// and asks for the channel's ranks (rank_list), a command whose result
// carries data.
// It exits 0 when everything checked out, 1 with a message otherwise.
//
// Plain ESM with JSDoc types: `// @ts-check` makes editors and `tsc
// --checkJs` type-check it against the generated .d.ts files, and node
// runs it without a build step.
//
// Environment:
//   NATS_URL     NATS server (default nats://127.0.0.1:4222)
//   PREFIX       subject prefix of the connector (default rosey)
//   PLATFORM_SCOPE  raw subject scope: "cytube" (seed mode) or
//                "cytube.<channel>" (default cytube)
//   CHAT_TEXT    text of the chat command (default "hello from the TypeScript bot")
//   EXPECT       comma-separated message types that must be seen at least once
//                (default cytube.v1.ChatMsg,rosey.events.v1.Message)
//   TIMEOUT_MS   give up after this long (default 20000)
//   SETTLE_MS    keep checking this long after the expectations are met (default 500)
import { connect, headers } from "@nats-io/transport-node";
import { create, createRegistry, fromBinary, fromJson, toBinary, toJson } from "@bufbuild/protobuf";
import { file_cytube_v1_events } from "@roseybot/cytube-connector-schema/cytube/v1/events_pb.js";
import { file_rosey_events_v1_events } from "@roseybot/cytube-connector-schema/rosey/events/v1/events_pb.js";
import {
  ChatCommandSchema,
  CommandResultSchema,
  RankListCommandSchema,
  ErrorCode,
  file_rosey_commands_v1_commands,
} from "@roseybot/cytube-connector-schema/rosey/commands/v1/commands_pb.js";

const env = process.env;
const natsURL = env.NATS_URL ?? "nats://127.0.0.1:4222";
const prefix = env.PREFIX ?? "rosey";
const scope = env.PLATFORM_SCOPE ?? "cytube";
const chatText = env.CHAT_TEXT ?? "hello from the TypeScript bot";
const expect = (env.EXPECT ?? "cytube.v1.ChatMsg,rosey.events.v1.Message").split(",").filter(Boolean);
const timeoutMs = Number(env.TIMEOUT_MS ?? 20000);
const settleMs = Number(env.SETTLE_MS ?? 500);

const rawPrefix = `${prefix}.platform.${scope}.`;
const normPrefix = `${prefix}.events.`;
const commandPrefix = `${rawPrefix}send.`;

// Every message type the connector publishes on the event subjects.
const registry = createRegistry(file_cytube_v1_events, file_rosey_events_v1_events, file_rosey_commands_v1_commands);

/** @param {string} msg */
function die(msg) {
  console.error(`typescript-bot: FAIL: ${msg}`);
  process.exit(1);
}

/**
 * @typedef {{ subject: string, id: string, type: string, schema: string, decoded: any }} Seen
 */

/** @type {Map<string, { raw: Seen[], normalized: Seen[] }>} correlation id -> events */
const byCorrelation = new Map();
/** @type {Map<string, number>} message type -> count */
const counts = new Map();
let skipped = 0;

/**
 * Checks one event's headers and decodes its body.
 * @param {import("@nats-io/transport-node").Msg} m
 * @returns {Seen | undefined}
 */
function check(m) {
  const h = m.headers;
  if (!h) return die(`${m.subject}: no headers`);
  const get = (/** @type {string} */ k) => h.get(k);
  if (get("ce-specversion") !== "1.0") die(`${m.subject}: ce-specversion is ${JSON.stringify(get("ce-specversion"))}, want "1.0"`);
  for (const k of ["ce-id", "ce-type", "ce-source", "ce-time", "Content-Type"]) {
    if (!get(k)) die(`${m.subject}: header ${k} is missing`);
  }
  if (Number.isNaN(Date.parse(get("ce-time")))) die(`${m.subject}: ce-time ${get("ce-time")} is not RFC 3339`);
  const schema = get("ce-dataschema");
  const contentType = get("Content-Type");
  if (!schema) {
    // Unknown or invalid CyTube events: CyTube's JSON, no proto model.
    if (contentType !== "application/json") die(`${m.subject}: no ce-dataschema but Content-Type ${contentType}`);
    JSON.parse(new TextDecoder().decode(m.data));
    return undefined;
  }
  const desc = registry.getMessage(schema);
  if (!desc) {
    // A type this bot was built without (a newer schema): ignore it, as
    // the schema evolution rules expect readers to.
    skipped++;
    return undefined;
  }
  let decoded;
  try {
    decoded =
      contentType === "application/json"
        ? fromJson(desc, JSON.parse(new TextDecoder().decode(m.data)), { registry })
        : fromBinary(desc, m.data);
  } catch (err) {
    return die(`${m.subject}: body does not decode as ${schema}: ${err}`);
  }
  if (decoded.$typeName !== schema) die(`${m.subject}: decoded ${decoded.$typeName}, ce-dataschema says ${schema}`);
  return { subject: m.subject, id: get("ce-id"), type: get("ce-type"), schema, decoded };
}

const nc = await connect({ servers: natsURL, name: "typescript-bot-example" }).catch((err) =>
  die(`connect to ${natsURL}: ${err}`),
);
const timer = setTimeout(() => die(`timed out after ${timeoutMs} ms; seen ${JSON.stringify(Object.fromEntries(counts))}`), timeoutMs);

let done = false;
const subs = [nc.subscribe(`${rawPrefix}>`), nc.subscribe(`${normPrefix}>`)];
for (const sub of subs) {
  (async () => {
    for await (const m of sub) {
      if (m.subject.startsWith(commandPrefix)) continue; // commands, not events
      const seen = check(m);
      if (!seen) continue;
      counts.set(seen.schema, (counts.get(seen.schema) ?? 0) + 1);
      const corr = m.headers?.get("ce-correlationid") || seen.id;
      const entry = byCorrelation.get(corr) ?? { raw: [], normalized: [] };
      (m.subject.startsWith(normPrefix) ? entry.normalized : entry.raw).push(seen);
      byCorrelation.set(corr, entry);
    }
  })().catch((err) => die(`subscription: ${err}`));
}
await nc.flush();
console.log("ready");

// Send one chat command (protobuf body) and check its result.
const h = headers();
h.set("Content-Type", "application/protobuf");
h.set("ce-correlationid", `typescript-bot-${process.pid}`);
const body = toBinary(ChatCommandSchema, create(ChatCommandSchema, { message: chatText }));
const reply = await nc.request(`${commandPrefix}chat`, body, { timeout: 10000, headers: h }).catch((err) =>
  die(`send.chat request: ${err}`),
);
const result =
  reply.headers?.get("Content-Type") === "application/json"
    ? fromJson(CommandResultSchema, reply.json())
    : fromBinary(CommandResultSchema, reply.data);
if (!result.ok) die(`send.chat refused: ${ErrorCode[result.code]} ${result.reason}`);
if (result.correlationId !== `typescript-bot-${process.pid}`) die(`CommandResult.correlationId is ${result.correlationId}`);
console.log(`send.chat: ${JSON.stringify(toJson(CommandResultSchema, result))}`);

// Ask for the channel's ranks: the result carries them
// (CommandResult.data, case "channelRanks"). CyTube answers this from
// channel rank 3; below it the connector refuses at once (NOT_PERMITTED).
const ranksReply = await nc
  .request(`${commandPrefix}rank_list`, toBinary(RankListCommandSchema, create(RankListCommandSchema, {})), { timeout: 10000 })
  .catch((err) => die(`send.rank_list request: ${err}`));
const ranks = fromBinary(CommandResultSchema, ranksReply.data);
/** @type {number | string} */
let rankCount = `refused: ${ErrorCode[ranks.code]}`;
if (ranks.ok) {
  if (ranks.data.case !== "channelRanks") die(`send.rank_list: ok without channelRanks (data ${ranks.data.case})`);
  rankCount = ranks.data.value.items.length;
  for (const r of ranks.data.value.items) console.log(`rank: ${r.name} ${r.rank}`);
}

/** Raw/normalized pairs share a correlation id and agree on the text. */
function pairsOK() {
  let pairs = 0;
  let ownEcho = false;
  for (const [corr, { raw, normalized }] of byCorrelation) {
    if (normalized.length === 0) continue;
    if (raw.length === 0) continue; // the raw half may still be in flight
    pairs++;
    for (const n of normalized) {
      if (n.id === raw[0].id) die(`normalized ${n.subject} reuses the raw ce-id ${n.id}`);
    }
    const chat = raw.find((r) => r.schema === "cytube.v1.ChatMsg");
    const msg = normalized.find((n) => n.schema === "rosey.events.v1.Message");
    if (chat && msg) {
      if (msg.decoded.user?.name !== chat.decoded.username) die(`correlation ${corr}: user ${msg.decoded.user?.name} vs ${chat.decoded.username}`);
      if (msg.decoded.text === chatText && msg.decoded.isSelf) ownEcho = true;
    }
  }
  return { pairs, ownEcho };
}

while (!done) {
  const { ownEcho } = pairsOK();
  done = ownEcho && expect.every((t) => (counts.get(t) ?? 0) > 0);
  if (!done) await new Promise((r) => setTimeout(r, 50));
}
await new Promise((r) => setTimeout(r, settleMs));
const { pairs } = pairsOK();
clearTimeout(timer);
await nc.drain();
console.log(JSON.stringify({ ok: true, events: [...counts.values()].reduce((a, b) => a + b, 0), pairs, skipped, ranks: rankCount, types: Object.fromEntries(counts) }));
