// The alternative a bot author would write in Node: a CyTube channel
// bridged to NATS with socket.io-client and nats.js, as small as it can
// be. Each chatMsg goes out twice, as the connector's do: the raw event
// on rosey.platform.cytube.chat and a normalized message on
// rosey.events.message, both JSON. BenchmarkProcesses (internal/perf)
// runs it in place of the connector binary, with the same firehose,
// nats-server and subscriber.
//
// Environment: CYTUBE_HOST (host:port, http), CYTUBE_CHANNEL,
// CYTUBE_USERNAME, CYTUBE_PASSWORD, NATS_URL.
import { io } from "socket.io-client";
import { connect, headers } from "@nats-io/transport-node";

const env = process.env;
const host = env.CYTUBE_HOST;
const channel = env.CYTUBE_CHANNEL;
const nc = await connect({ servers: env.NATS_URL, name: "node-bridge" });
const cfg = await (await fetch(`http://${host}/socketconfig/${channel}.json`)).json();
const socket = io(cfg.servers[0].url, { transports: ["websocket"] });
const enc = new TextEncoder();
const status = (state) => {
  const h = headers();
  h.set("Content-Type", "application/json");
  nc.publish("rosey.platform.cytube.status", enc.encode(JSON.stringify({ state })), { headers: h });
};

socket.on("connect", () => {
  socket.emit("joinChannel", { name: channel });
  socket.emit("login", { name: env.CYTUBE_USERNAME, pw: env.CYTUBE_PASSWORD });
});
socket.on("login", (r) => {
  if (r.success) status("CONNECTOR_STATE_LOGGED_IN");
});
socket.on("chatMsg", (m) => {
  const h = headers();
  h.set("Content-Type", "application/json");
  nc.publish("rosey.platform.cytube.chat", enc.encode(JSON.stringify(m)), { headers: h });
  const n = {
    platform: "cytube",
    channel,
    user: { name: m.username },
    text: m.msg.replace(/<[^>]*>/g, ""),
    html: m.msg,
    timestamp: new Date(m.time).toISOString(),
  };
  nc.publish("rosey.events.message", enc.encode(JSON.stringify(n)), { headers: h });
});
process.on("SIGINT", async () => {
  socket.close();
  await nc.drain();
  process.exit(0);
});
