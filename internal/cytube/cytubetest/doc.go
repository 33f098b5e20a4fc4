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
//     golden captures (ServeReplay, given a capture's bytes). The captures
//     are test data, not part of the package: its tests read them from
//     testdata/ (and internal/cytube's from ../cytubetest/testdata), so
//     nothing that imports the package, such as the demo, carries them.
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
//   - The reserved guest name list is a small fixed set; bans by IP and the
//     ACP are outside the model (their events are ignored like unknown ones). Emote and chat
//     filter editing, CSS/JS, the ban list, the channel log, media search
//     (the library only, always empty) and user playlists (in memory) are a
//     small model (admin.go); setOptions takes any keys without checks.
//   - Playback advances on its own only when MediaUpdateInterval > 0.
//
// Goroutines: the server owns one serve loop, one clock goroutine and, per
// connection, a reader, a writer and a pinger (or a replay player). All of
// them end in Close, which waits for them. Methods are safe for concurrent
// use. Errors are returned wrapped; none are meant for branching except
// context errors from Restart and Replay.Wait (errors.Is ctx.Err()).
package cytubetest
