package cytube

import (
	"errors"
	"io"
	"net"
	"strings"

	"github.com/roseybot/cytube-connector/internal/socketio"
)

// Cause classifies why a connection ended (StateChange.Err), so that
// callers need not know the errors of the layers below.
type Cause string

// Causes, the reason label of the connector's reconnect metric.
const (
	CauseTransport        Cause = "transport"         // dial failed, connection dropped (also a CyTube restart: 1006)
	CausePingTimeout      Cause = "ping_timeout"      // no frame within the watchdog
	CauseServerDisconnect Cause = "server_disconnect" // CyTube sent `41` without a kick
	CauseKicked           Cause = "kicked"            // CyTube kicked the session
	CauseRateLimited      Cause = "rate_limited"      // our connection pacing, or CyTube refused for rate
	CauseRefused          Cause = "refused"           // CyTube refused the Socket.IO connect
	CauseLogin            Cause = "login"             // login or channel password refused or timed out
	CauseDiscovery        Cause = "discovery"         // /socketconfig answered with an error status
	CauseClosed           Cause = "closed"            // the connection ended without an error
	CauseOther            Cause = "other"
)

// Cause classifies sc.Err.
func (sc StateChange) Cause() Cause {
	err := sc.Err
	if err == nil {
		if strings.Contains(sc.Reason, "rate limit") {
			return CauseRateLimited
		}
		return CauseClosed
	}
	var (
		ke *KickedError
		le *LoginError
		pe *ChannelPasswordError
		de *DiscoveryError
		ce *socketio.ConnectError
		cl *socketio.CloseError
		ne net.Error
	)
	switch {
	case errors.As(err, &ke):
		if strings.Contains(strings.ToLower(ke.Reason), "rate limit") {
			return CauseRateLimited
		}
		return CauseKicked
	case errors.As(err, &le), errors.As(err, &pe):
		return CauseLogin
	case errors.As(err, &ce):
		if strings.Contains(strings.ToLower(ce.Message), "rate limit") {
			return CauseRateLimited
		}
		return CauseRefused
	case errors.As(err, &cl):
		switch cl.Reason {
		case socketio.ReasonPingTimeout:
			return CausePingTimeout
		case socketio.ReasonServerDisconnect:
			return CauseServerDisconnect
		}
		return CauseTransport
	case errors.As(err, &de):
		if de.Status == 0 {
			return CauseTransport
		}
		return CauseDiscovery
	case errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, socketio.ErrClosed):
		return CauseTransport
	}
	return CauseOther
}

// unreachable reports a connection attempt that never reached the server:
// its name did not resolve or the dial failed (refused, no route, timed
// out).
func unreachable(err error) bool {
	var dns *net.DNSError
	var op *net.OpError
	return errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial")
}
