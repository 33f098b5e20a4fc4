// Package cytubetest is a CyTube-compatible server for tests and the
// connector's demo mode. It speaks the real wire protocol over real
// websockets: the server side of Engine.IO v4 / Socket.IO v5 (implemented
// here on gorilla/websocket, independently of the connector's client) and
// the CyTube 3.86 event set described in the project's protocol reference,
// with frame shapes, event order and error strings copied from the golden
// captures.
//
// Scope:
//   - HTTP: GET /socketconfig/<chan>.json and the websocket endpoint
//     /socket.io/?EIO=4&transport=websocket (open packet, 40/41/42/44, server
//     pings, pong timeout, per-IP connection rate limit with a 44 that keeps
//     the socket open, malformed frames and client pings close the socket).
//   - One registered channel (Options.Channel) plus fresh unregistered
//     channels for any other valid name; join burst, guest and registered
//     login (including login before join and the "Duplicate login" kick),
//     chat with CyTube's normalisation, escaping, links, default filters,
//     commands, mute/shadow-mute, flood limiters, PMs, playlist, leader,
//     voteskip, polls, channel ranks, MOTD, options and permissions.
//   - Scripting for tests and demos: Kick, Emit, EmitRaw, fake users, Queue,
//     polls, Restart (same port, state kept, sessions dropped), DropAll,
//     SetPings, frame logs (Received, Sent), login bookkeeping, and replay of
//     golden captures (ServeReplay with the embedded captures from Capture).
//
// Differences from real CyTube (deliberate simplifications):
//   - Only EIO=4 over websocket. Polling, EIO=3 and a missing EIO are
//     refused with HTTP 400 and engine.io's JSON error (real CyTube answers
//     in v3 framing and supports polling).
//   - No database, no media lookups: `cm` items are not fetched (title and
//     duration come from the queue frame), `yt` and `fi` always fail with the
//     offline messages, and types outside Options.MediaTypes are "Unknown".
//   - usercount is broadcast on every join (never throttled, never on leave).
//   - Aliases are the user's own name; IP cloaks are a stand-in hash.
//   - The queue limiter is a token bucket, not CyTube's counter; the reserved
//     guest name list is a small fixed set; emote and chat filter editing,
//     bans by IP, the ACP, channel CSS/JS editing and user playlists are not
//     implemented (those events are ignored like unknown events).
//   - Playback advances on its own only when MediaUpdateInterval > 0.
//
// Goroutines: the server owns one serve loop, one clock goroutine and, per
// connection, a reader, a writer and a pinger (or a replay player). All of
// them end in Close, which waits for them. Methods are safe for concurrent
// use. Errors are returned wrapped; none are meant for branching except
// context errors from Restart and Replay.Wait (errors.Is ctx.Err()).
package cytubetest
