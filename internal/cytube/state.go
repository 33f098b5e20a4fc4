package cytube

import (
	"fmt"
	"time"
)

// State is where a Session is in its life. Transitions happen only inside
// Session.Run; observers get them through Config.OnState.
type State int

// The states of a Session, in the order a healthy session passes through them.
const (
	// StateIdle is a Session that has not been started.
	StateIdle State = iota
	// StateConnecting covers discovery, the websocket dial and the
	// Engine.IO/Socket.IO handshake.
	StateConnecting
	// StateJoining means joinChannel was sent and the join burst is arriving.
	StateJoining
	// StateLoggingIn means login was sent and its answer is awaited.
	StateLoggingIn
	// StateReady means the channel is joined and, when an account is
	// configured, logged in: commands are sent only in this state.
	StateReady
	// StateBackoff means the connection was lost and a new attempt waits.
	StateBackoff
	// StateStopped is terminal: Run has returned.
	StateStopped
)

var stateNames = [...]string{
	StateIdle:       "idle",
	StateConnecting: "connecting",
	StateJoining:    "joining",
	StateLoggingIn:  "logging_in",
	StateReady:      "ready",
	StateBackoff:    "reconnecting",
	StateStopped:    "stopped",
}

// String returns the lower-case name used in logs and status events.
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// StateChange describes one transition. Reason is empty for ordinary
// progress and says why for Backoff and Stopped. Err is the typed cause,
// when there is one (a *KickedError, a *LoginError, a transport error...).
type StateChange struct {
	From, To State
	Reason   string
	Err      error
	// Attempt counts connection attempts since the last good join (1-based).
	Attempt int
	// Retry is the wait before the next attempt, for StateBackoff.
	Retry time.Duration
}
