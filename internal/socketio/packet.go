package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// kind says what one websocket text frame carries once decoded.
type kind int

const (
	kindOpen         kind = iota + 1 // engine 0
	kindClose                        // engine 1
	kindPing                         // engine 2
	kindPong                         // engine 3
	kindUpgrade                      // engine 5
	kindNoop                         // engine 6
	kindConnect                      // engine 4 + socket 0
	kindDisconnect                   // engine 4 + socket 1
	kindEvent                        // engine 4 + socket 2
	kindAck                          // engine 4 + socket 3
	kindConnectError                 // engine 4 + socket 4
)

// packet is one decoded frame. Which fields are set depends on kind.
type packet struct {
	kind kind
	// nsp is the Socket.IO namespace ("/" when the frame names none).
	nsp string
	// ackID is the Socket.IO ack id, -1 when absent.
	ackID int64
	// name is the event name (kindEvent).
	name string
	// args are the event arguments after the name (kindEvent) or the
	// ack arguments (kindAck).
	args []json.RawMessage
	// data is the JSON payload of kindOpen, kindConnect and
	// kindConnectError packets (nil when absent).
	data json.RawMessage
}

var (
	errEmptyFrame  = errors.New("empty frame")
	errInvalidUTF8 = errors.New("frame is not valid UTF-8")
)

// decodePacket parses one Engine.IO v4 text frame, and the Socket.IO v5
// packet inside it when it is an Engine.IO message. It never panics and
// keeps no reference to frame except through json.RawMessage copies.
func decodePacket(frame []byte) (packet, error) {
	p := packet{nsp: "/", ackID: -1}
	if len(frame) == 0 {
		return p, errEmptyFrame
	}
	if !utf8.Valid(frame) {
		return p, errInvalidUTF8
	}
	rest := frame[1:]
	switch frame[0] {
	case '0':
		p.kind = kindOpen
		if !json.Valid(rest) || !isObject(rest) {
			return p, errors.New("open packet: payload is not a JSON object")
		}
		p.data = json.RawMessage(bytes.Clone(rest))
		return p, nil
	case '1':
		p.kind = kindClose
	case '2':
		p.kind = kindPing
	case '3':
		p.kind = kindPong
	case '5':
		p.kind = kindUpgrade
	case '6':
		p.kind = kindNoop
	case '4':
		return decodeSocketPacket(rest)
	default:
		return p, fmt.Errorf("unknown engine.io packet type %q", frame[0])
	}
	// Ping and pong may carry a probe payload ("2probe"); the others carry
	// nothing.
	if len(rest) > 0 && p.kind != kindPing && p.kind != kindPong {
		return p, fmt.Errorf("engine.io packet type %c with payload", frame[0])
	}
	return p, nil
}

// decodeSocketPacket parses a Socket.IO packet:
// <type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>].
func decodeSocketPacket(s []byte) (packet, error) {
	p := packet{nsp: "/", ackID: -1}
	if len(s) == 0 {
		return p, errors.New("message packet without socket.io type")
	}
	typ := s[0]
	s = s[1:]
	switch typ {
	case '0':
		p.kind = kindConnect
	case '1':
		p.kind = kindDisconnect
	case '2':
		p.kind = kindEvent
	case '3':
		p.kind = kindAck
	case '4':
		p.kind = kindConnectError
	case '5', '6':
		return p, fmt.Errorf("socket.io packet type %c: %w", typ, ErrBinaryUnsupported)
	default:
		return p, fmt.Errorf("unknown socket.io packet type %q", typ)
	}
	if len(s) > 0 && s[0] == '/' {
		end := bytes.IndexByte(s, ',')
		if end < 0 {
			p.nsp = string(s)
			s = nil
		} else {
			p.nsp = string(s[:end])
			s = s[end+1:]
		}
	}
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits > 0 {
		id, err := strconv.ParseInt(string(s[:digits]), 10, 64)
		if err != nil {
			return p, fmt.Errorf("ack id: %w", err)
		}
		p.ackID = id
		s = s[digits:]
	}
	payload := s
	switch p.kind {
	case kindDisconnect:
		if len(payload) != 0 {
			return p, errors.New("disconnect packet with payload")
		}
	case kindConnect:
		if len(payload) != 0 {
			if !json.Valid(payload) || !isObject(payload) {
				return p, errors.New("connect packet: payload is not a JSON object")
			}
			p.data = json.RawMessage(bytes.Clone(payload))
		}
	case kindConnectError:
		if !json.Valid(payload) || (!isObject(payload) && !isString(payload)) {
			return p, errors.New("connect_error packet: payload is not a JSON object or string")
		}
		p.data = json.RawMessage(bytes.Clone(payload))
	case kindEvent:
		if name, args, ok := splitEvent(payload); ok {
			p.name, p.args = name, args
			return p, nil
		}
		var all []json.RawMessage
		if err := json.Unmarshal(payload, &all); err != nil {
			return p, fmt.Errorf("event payload: %w", err)
		}
		if len(all) == 0 {
			return p, errors.New("event payload: empty array, no event name")
		}
		if !isString(all[0]) {
			return p, errors.New("event payload: event name is not a string")
		}
		var name string // a local, so that p stays on the stack
		if err := json.Unmarshal(all[0], &name); err != nil {
			return p, fmt.Errorf("event name: %w", err)
		}
		p.name, p.args = name, all[1:]
	case kindAck:
		var all []json.RawMessage
		if err := json.Unmarshal(payload, &all); err != nil {
			return p, fmt.Errorf("ack payload: %w", err)
		}
		if p.ackID < 0 {
			return p, errors.New("ack packet without ack id")
		}
		p.args = all
	}
	return p, nil
}

// isObject reports whether valid JSON text v is an object.
func isObject(v []byte) bool {
	v = bytes.TrimLeft(v, " \t\r\n")
	return len(v) > 0 && v[0] == '{'
}

// isString reports whether valid JSON text v is a string.
func isString(v []byte) bool {
	v = bytes.TrimLeft(v, " \t\r\n")
	return len(v) > 0 && v[0] == '"'
}

// openData is the JSON body of the Engine.IO open packet.
type openData struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

// parseOpen turns the payload of an open packet into an OpenPacket.
func parseOpen(data json.RawMessage) (OpenPacket, error) {
	var o openData
	if err := json.Unmarshal(data, &o); err != nil {
		return OpenPacket{}, fmt.Errorf("open packet: %w", err)
	}
	if o.SID == "" {
		return OpenPacket{}, errors.New("open packet: missing sid")
	}
	if o.PingInterval <= 0 || o.PingTimeout <= 0 {
		return OpenPacket{}, fmt.Errorf("open packet: pingInterval %d / pingTimeout %d must be positive", o.PingInterval, o.PingTimeout)
	}
	if o.MaxPayload < 0 {
		return OpenPacket{}, fmt.Errorf("open packet: negative maxPayload %d", o.MaxPayload)
	}
	return OpenPacket{
		SID:          o.SID,
		Upgrades:     o.Upgrades,
		PingInterval: time.Duration(o.PingInterval) * time.Millisecond,
		PingTimeout:  time.Duration(o.PingTimeout) * time.Millisecond,
		MaxPayload:   o.MaxPayload,
	}, nil
}

// parseConnectSID returns the sid of a CONNECT packet payload `{"sid":...}`.
func parseConnectSID(data json.RawMessage) (string, error) {
	var v struct {
		SID string `json:"sid"`
	}
	if len(data) == 0 {
		return "", errors.New("connect packet without payload")
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return "", fmt.Errorf("connect packet: %w", err)
	}
	if v.SID == "" {
		return "", errors.New("connect packet: missing sid")
	}
	return v.SID, nil
}

// parseConnectError builds a ConnectError from a CONNECT_ERROR payload:
// `{"message":..., "data":...}` (socket.io 3+) or a bare string (socket.io 2).
func parseConnectError(data json.RawMessage) *ConnectError {
	if isString(data) {
		var msg string
		if json.Unmarshal(data, &msg) == nil {
			return &ConnectError{Message: msg}
		}
	}
	var v struct {
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return &ConnectError{Message: string(data)}
	}
	return &ConnectError{Message: v.Message, Data: v.Data}
}

// Frames the client sends that never change.
var (
	frameConnect    = []byte("40")
	frameDisconnect = []byte("41")
	framePong       = []byte("3")
)

// encodeEvent builds the frame `42[name,args...]`. Arguments are encoded
// with encoding/json without HTML escaping; json.RawMessage arguments are
// passed through (compacted).
func encodeEvent(name string, args []any) ([]byte, error) {
	all := make([]any, 0, 1+len(args))
	all = append(all, name)
	all = append(all, args...)
	var buf bytes.Buffer
	buf.WriteString("42")
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(all); err != nil {
		return nil, err
	}
	// Encode ends the value with a newline; the frame must not.
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
