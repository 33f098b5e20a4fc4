package cytube

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"

	"google.golang.org/protobuf/proto"
)

// Event is one CyTube event, as received, with what the session knows
// about it.
type Event struct {
	Name string
	// Arg is the first (CyTube's only) argument; nil when the frame had
	// none, and the JSON literal null for `null`.
	Arg json.RawMessage
	// Args holds every argument as sent.
	Args []json.RawMessage
	// Msg is Arg decoded into its cytube.v1 message by raw.Decode, the one
	// parse of the argument: the session's state, Self and Key, the
	// confirmations of sent commands and the published raw event are all
	// read from it. Nil when Err is set.
	Msg proto.Message
	// Unmodelled lists the keys of Arg the schema has no field for.
	Unmodelled []string
	// Err says why Arg did not decode: raw.ErrUnknownEvent for an event
	// the schema does not model, a *raw.DecodeError for a payload of the
	// wrong shape.
	Err error
	// Received is when the frame was read.
	Received time.Time
	// Conn numbers the connections of this session, from 1.
	Conn uint64
	// Seq numbers the events of this connection, from 1.
	Seq uint64
	// SocketID is the Socket.IO sid of the connection.
	SocketID string
	// History marks a chatMsg from the chat buffer CyTube replays on join.
	History bool
	// Replayed marks a history message already delivered on an earlier
	// connection of this session: it is not new to anyone downstream.
	Replayed bool
	// Self marks a chatMsg or pm sent by this session's own user.
	Self bool
	// Key is a stable identity for chatMsg and pm, derived from channel,
	// time, sender (and recipient) and text, so the same message gets the
	// same key on every replay. Empty for other events.
	Key string
	// Channel is the channel the session is in.
	Channel string
	// Cause is the Request.Trace of the command this event confirmed (a
	// chat line's own echo, the queue of a media_queue...); empty for
	// events no command of this session caused.
	Cause string
}

// markChat flags history, self and the stable key of a chatMsg or pm.
func (c *connRun) markChat(ev *Event, own string) {
	var from, to, text string
	var at int64
	switch m := ev.Msg.(type) {
	case *cytubev1.ChatMsg:
		from, text, at = m.GetUsername(), m.GetMsg(), m.GetTime()
	case *cytubev1.Pm:
		from, to, text, at = m.GetUsername(), m.GetTo(), m.GetMsg(), m.GetTime()
	default:
		return
	}
	ev.Self = own != "" && strings.EqualFold(from, own)
	ev.Key = chatKey(c.s.cfg.Channel, ev.Name, at, from, to, text)
	if ev.Name == "chatMsg" && c.inBurst {
		ev.History = true
	}
	s := c.s
	s.mu.Lock()
	seen := s.seen.add(ev.Key)
	if ev.History && !seen && s.published.covers(at, ev.Key) {
		// Published by the process (or fleet member) before this one.
		seen = true
	}
	s.mu.Unlock()
	if ev.History && seen {
		ev.Replayed = true
	}
}

// chatKey is the stable identity of a chat message or PM: the first 16
// bytes of SHA-256 over channel, event, time, sender, recipient and text,
// each followed by a NUL, in hex.
func chatKey(channel, event string, at int64, from, to, text string) string {
	var buf [256]byte
	b := append(append(buf[:0], channel...), 0)
	b = append(append(b, event...), 0)
	b = append(strconv.AppendInt(b, at, 10), 0)
	b = append(append(b, from...), 0)
	b = append(append(b, to...), 0)
	b = append(append(b, text...), 0)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func (s *Session) deliver(ev Event) {
	if s.cfg.OnEvent != nil {
		s.cfg.OnEvent(ev)
	}
}

// seenKeys is how many chat and PM keys a session remembers to mark
// replayed history. CyTube replays the last 15 chat messages of its chat
// buffer on every join, so a replayed message we saw is among the last 15
// chat messages we saw before the connection broke; 64 keys leave room
// for PMs in between (they share the ring) and for the history messages
// of the join itself.
const seenKeys = 64

// keyRing remembers the last n keys. Its storage is allocated with the
// first key: most channels of a large deployment are idle.
type keyRing struct {
	n    int
	keys []string
	set  map[string]struct{}
	next int
}

func newKeyRing(n int) *keyRing {
	return &keyRing{n: n}
}

// add records k and reports whether it was already present.
func (r *keyRing) add(k string) bool {
	if r.keys == nil {
		r.keys, r.set = make([]string, r.n), make(map[string]struct{}, r.n)
	}
	if _, ok := r.set[k]; ok {
		return true
	}
	if old := r.keys[r.next]; old != "" {
		delete(r.set, old)
	}
	r.keys[r.next] = k
	r.set[k] = struct{}{}
	r.next = (r.next + 1) % len(r.keys)
	return false
}
