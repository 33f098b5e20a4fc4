// Package cytube keeps one CyTube channel membership alive over the
// socketio client: it discovers the socket server, joins the channel once
// per connection, logs in (guest or registered), rebuilds the channel state
// from the join burst, and reconnects with socket.io-client's backoff while
// never dialing faster than CyTube's per-IP limit allows.
//
// It knows CyTube's protocol (event names, payload shapes, error strings,
// rate limits, which commands kick a sender without permission) but
// nothing about protobuf or NATS: events leave through Config.OnEvent as
// JSON, flagged History (chat buffer replay), Replayed (a replay already
// delivered on an earlier connection) and Self (our own echo), and
// commands enter through Send, which returns once CyTube confirmed or
// refused them.
//
// Goroutines: Run owns all of them (the read loop of the current
// connection, which runs on Run's own goroutine, one pacing lane per
// command class, started with the lane's first command, and short timers)
// and returns only after they ended. Send, State and Snapshot may be called
// from any goroutine. OnEvent and OnState are called from Run's goroutines,
// one at a time for events.
//
// Errors callers branch on: ErrNotReady, ErrConnectionLost, ErrStopped,
// ErrQueueFull and ErrUnconfirmed (errors.Is), and *RefusedError,
// *LoginError, *KickedError, *ChannelPasswordError and *DiscoveryError
// (errors.As). Run returns nil when its context ends and the terminal
// condition otherwise.
package cytube
