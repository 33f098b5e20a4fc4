package socketio

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

var (
	// ErrTooLarge is returned by Emit when the encoded frame is larger than
	// the maxPayload the server announced in its open packet. Nothing was sent.
	ErrTooLarge = errors.New("socketio: frame larger than the server's maxPayload")
	// ErrBinaryUnsupported marks binary websocket frames and Socket.IO binary
	// packets (types 5 and 6). They are reported through Options.OnBadFrame.
	ErrBinaryUnsupported = errors.New("socketio: binary frames and packets are not supported")
	// ErrClosed is returned by Emit once the connection has ended. The error
	// also wraps the *CloseError that says why. Emit wraps ErrNotSent with
	// it when the frame never reached the websocket.
	ErrClosed = errors.New("socketio: connection closed")
	// ErrNotSent marks an Emit error after which nothing of the frame was
	// written: the connection had ended before the writer took it. Without
	// it (a write that failed part way) the server may have read the frame.
	ErrNotSent = errors.New("socketio: frame not sent")
)

// CloseReason says why a connection ended.
type CloseReason int

const (
	// ReasonClosedByClient: Close was called.
	ReasonClosedByClient CloseReason = iota + 1
	// ReasonServerDisconnect: the server sent a Socket.IO DISCONNECT (`41`),
	// for example after a CyTube kick. The client closed the transport.
	ReasonServerDisconnect
	// ReasonPingTimeout: no frame at all arrived for Options.Watchdog.
	ReasonPingTimeout
	// ReasonTransport: read or write error, EOF, abrupt close (1006), a
	// websocket close frame from the server, or an Engine.IO close packet.
	ReasonTransport
)

// String returns a short lower-case description of r.
func (r CloseReason) String() string {
	switch r {
	case ReasonClosedByClient:
		return "closed by client"
	case ReasonServerDisconnect:
		return "server disconnect"
	case ReasonPingTimeout:
		return "ping timeout"
	case ReasonTransport:
		return "transport closed"
	}
	return "CloseReason(" + strconv.Itoa(int(r)) + ")"
}

// CloseError says why a connection ended. Next returns it once every event
// received before the end has been delivered, and Err returns it once Done
// is closed.
type CloseError struct {
	Reason CloseReason
	// Code is the websocket close code the client saw (for example 1005 or
	// 1006), or 0 when there was none.
	Code int
	// Err is the underlying error, if any.
	Err error
}

// Error implements error.
func (e *CloseError) Error() string {
	var b strings.Builder
	b.WriteString("socketio: connection ended: ")
	b.WriteString(e.Reason.String())
	if e.Code != 0 {
		b.WriteString(" (websocket code ")
		b.WriteString(strconv.Itoa(e.Code))
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *CloseError) Unwrap() error { return e.Err }

// ConnectError is returned by Dial when the server refuses the Socket.IO
// CONNECT with a CONNECT_ERROR packet, such as CyTube's
// `44{"message":"Rate limit exceeded"}`. Dial has closed the websocket.
type ConnectError struct {
	// Message is the "message" field of the packet.
	Message string
	// Data is the optional "data" field of the packet, nil when absent.
	Data json.RawMessage
}

// Error implements error.
func (e *ConnectError) Error() string {
	return "socketio: connect refused by server: " + e.Message
}
