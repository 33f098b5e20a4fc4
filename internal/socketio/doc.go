// Package socketio speaks Engine.IO v4 and Socket.IO v5 over one websocket
// (the websocket transport only, namespace "/" only).
//
// A Conn lives for one connection only; reconnecting is left to the caller
// because only the session knows what to replay (join, then login). The
// package knows nothing about CyTube: it moves event names and raw JSON
// arguments. It never sends Engine.IO pings (a v4 server closes the link on
// a client ping); it answers each server ping `2` with a pong `3`, and a
// watchdog ends the connection when no frame at all arrives for
// pingInterval+pingTimeout (or Options.Watchdog). Socket.IO acks are
// delivered as events but never sent, and binary packets are refused.
//
// Goroutines: Dial runs the handshake on the caller's goroutine, then
// starts one goroutine that reads and one that writes (the writer answers
// pings and, at the end, sends `41`, a close frame and closes TCP). Close
// ends both before it returns; call Close on every Conn, even one that has
// already ended. Next and TryNext are for one goroutine at a time; Emit,
// Close, Done, Err, Arrived, BadFrames, Stalls, Open and SocketID are safe
// for concurrent use. Options.OnBadFrame is called on the reading
// goroutine.
//
// Received events wait in a queue bounded in bytes (Options.MaxBuffered,
// default 64 MiB), not in events: a consumer that stops taking events for
// a while (its own sink is down) does not stop the reader, which keeps
// answering pings. Only beyond the bound does the reader stop; the server
// then drops the connection after its ping timeout (Conn.Stalls counts
// these stops). TryNext and Arrived let a consumer wait for events in a
// select of its own, without a goroutine around Next.
//
// Errors callers can branch on:
//   - *ConnectError from Dial: the server refused the CONNECT (`44{...}`),
//     for example "Rate limit exceeded". Back off before dialling again.
//   - *CloseError from Next and Err, with a CloseReason: ReasonClosedByClient,
//     ReasonServerDisconnect (the server sent `41`, as CyTube does after a
//     kick; the client closed the transport itself), ReasonPingTimeout
//     (watchdog) and ReasonTransport (read or write error, EOF, abrupt close,
//     close frame or Engine.IO close from the server). Code holds the
//     websocket close code when there was one (1005, 1006, ...).
//   - ErrTooLarge from Emit: the frame exceeds the server's maxPayload;
//     nothing was sent and the connection is unaffected.
//   - ErrClosed from Emit once the connection has ended (it also wraps the
//     *CloseError); with ErrNotSent when nothing of the frame was written.
//   - ErrBinaryUnsupported, passed to Options.OnBadFrame.
//   - Context errors (context.Canceled, context.DeadlineExceeded) from Dial,
//     Next and Emit; Dial also wraps context.DeadlineExceeded when
//     Options.HandshakeTimeout runs out.
package socketio
