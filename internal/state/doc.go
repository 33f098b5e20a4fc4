// Package state answers queries about the live state of CyTube channels
// over NATS and mirrors that state into a JetStream key-value bucket.
//
// A Service is a nats.go micro service (default name "cytube-state") with
// one endpoint per channel and aspect on <prefix>.state.<aspect>, where
// <prefix> is the channel's bus.Scope raw prefix (rosey.platform.cytube in
// seed mode, rosey.platform.cytube.<channel> in channel mode) and the
// aspects are users, playlist, now_playing, poll, options, permissions and
// self. Replies are rosey.state.v1 messages, protobuf or protojson like the
// request; failures travel as micro error headers (Nats-Service-Error,
// Nats-Service-Error-Code INVALID, WRONG_CHANNEL, DISCONNECTED or
// INTERNAL: the commands' ErrorCode names) with a statev1.StateError body.
// The endpoints have no queue group: every instance sees every query and
// only one whose session for the channel has been started answers, so in a
// fleet the owner of the channel replies.
//
// With a bucket configured, the same reply bytes (protobuf) are written to
// the key <platform>.<channel>.<aspect>. Writes are driven by Notify (one
// CyTube event name), Touch and Resync; they are coalesced so that a key is
// written at most once per Debounce interval, and a value equal to the last
// one written is skipped (now_playing counts as equal while the playback
// clock only advances as predicted).
//
// The package knows a channel only through Source (a cytube.Session
// satisfies it); it does not know the connector service that feeds it.
// Start owns the service's goroutines: the micro subscriptions and one
// writer goroutine; Stop ends both and waits. Errors from Start wrap
// ErrInvalidConfig for a bad Config; anything else comes from NATS.
package state
