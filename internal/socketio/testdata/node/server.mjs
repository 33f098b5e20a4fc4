// Reference Socket.IO server for the Go interop tests of internal/socketio.
// Started by interop_ext_test.go as `node server.mjs`; it listens on a free
// port on 127.0.0.1 and prints "PORT <n>" on stdout, then logs to stderr.
// It exits when its stdin closes, so it never outlives the test.
//
// Environment: PING_INTERVAL and PING_TIMEOUT in milliseconds.
//
// Events handled (all on namespace "/"):
//   echo ...args       -> emits "echo" with the same args
//   stats              -> emits "stats" {pongs, clientPings, userAgent}
//   big n              -> emits "big" with a string of n "x"
//   kickme reason      -> CyTube style: emits "kick" {reason}, sends 41, keeps the websocket open
//   disconnectme       -> socket.disconnect(true): 41, then the transport is closed
//   destroy            -> destroys the raw TCP socket (abrupt close)
// A handshake request with the header "X-Test-Reject" is refused by a
// middleware with "Rate limit exceeded" (CONNECT_ERROR 44).
import { createServer } from "node:http";
import { Server } from "socket.io";

const pingInterval = Number(process.env.PING_INTERVAL ?? 200);
const pingTimeout = Number(process.env.PING_TIMEOUT ?? 1000);

const httpServer = createServer();
const io = new Server(httpServer, {
  pingInterval,
  pingTimeout,
  transports: ["websocket"],
  serveClient: false,
});

const log = (...args) => console.error("[node]", ...args);

io.use((socket, next) => {
  if (socket.handshake.headers["x-test-reject"]) {
    next(new Error("Rate limit exceeded"));
    return;
  }
  next();
});

io.on("connection", (socket) => {
  let pongs = 0;
  let clientPings = 0;
  socket.conn.on("packet", (packet) => {
    if (packet.type === "pong") pongs++;
    if (packet.type === "ping") clientPings++;
  });
  socket.conn.on("close", (reason) => log("engine close", socket.id, reason));
  socket.on("disconnect", (reason) => log("disconnect", socket.id, reason));

  socket.emit("rank", -1);
  socket.on("echo", (...args) => socket.emit("echo", ...args));
  socket.on("stats", () =>
    socket.emit("stats", { pongs, clientPings, userAgent: socket.handshake.headers["user-agent"] ?? "" }),
  );
  socket.on("big", (n) => socket.emit("big", "x".repeat(n)));
  socket.on("kickme", (reason) => {
    socket.emit("kick", { reason });
    socket.disconnect(false);
  });
  socket.on("disconnectme", () => socket.disconnect(true));
  socket.on("destroy", () => socket.conn.transport.socket._socket.destroy());
});

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();

httpServer.listen(0, "127.0.0.1", () => {
  console.log(`PORT ${httpServer.address().port}`);
});
