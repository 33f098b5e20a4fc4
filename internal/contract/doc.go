// Package contract holds the connector's contract tests; it has no API of
// its own beyond this comment.
//
// The contract is what other-language consumers rely on: what CyTube really
// sends becomes exactly these messages, on exactly these subjects, with
// exactly these headers, and every language decodes the same bytes to the
// same values. The tests pin it with committed goldens:
//
//   - testdata/captures: real CyTube 3.86 traffic (JSON Lines, one
//     websocket frame per line; see testdata/captures/README.md).
//   - testdata/golden/events/<event>/<hash>.json: for every distinct
//     server→client EVENT frame in the captures (keyed by the first 12 hex
//     digits of the SHA-256 of the frame text), what service.Translate makes
//     of it: each envelope's subject, its NATS headers as the real
//     bus.Publisher writes them, and its message as proto3 JSON; the
//     binary payloads sit beside it as <hash>.<n>.binpb.
//   - testdata/golden/commands/<action>.json: for every send action, the
//     command body (JSON and protobuf forms) and the exact `42[...]` frame
//     the connector sends to CyTube for each form.
//   - testdata/golden/refusals/<kind>.json: for every refusal CyTube sends
//     (queueFail, cooldown, noflood, spamFiltered, errorMsg, kick), the
//     exact CommandResult a NATS caller gets.
//
// `go test ./internal/contract -update` (or `make golden`) rewrites the
// goldens; otherwise any difference fails with a diff. A coverage gate
// fails when a captured event has no mapping or no golden, and when a
// golden has no captured frame behind it.
//
// TestCrossLanguage decodes every .binpb golden with the generated
// TypeScript (node, gen/ts) and Python (python3, gen/python) code, through
// the shared decoders of internal/crosslang, and compares it field by field
// with its proto3 JSON golden. TestLiveTypeScriptConsumer runs the example
// TypeScript bot in docs/examples/typescript-bot against a real NATS
// server, the Go CyTube test server and a running connector.
//
// The tests need node (>= 20) and npm (gen/ts and the example install with
// `npm ci` when their node_modules is missing) and python3 with the
// protobuf runtime (Debian python3-protobuf; $PYTHON overrides the
// interpreter). They fail, never skip, when one is missing. Every goroutine
// a test starts (NATS servers, the CyTube test server, the connector) ends
// in its t.Cleanup; TestMain checks with goleak.
package contract
