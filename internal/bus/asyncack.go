package bus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// asyncAcks takes the acknowledgements of a Publisher's asynchronous
// JetStream publishes: each publish carries a reply subject of its own
// under one wildcard subscription, and its answer goes to the channel it
// registered. It replaces nats.go's PublishMsgAsync, which costs about 23
// allocations per message (a future with two channels, a timer, options, a
// message copy, the acknowledgement decoded by encoding/json); here a
// message costs its reply subject, the acknowledgement nats.go delivers,
// and nothing else. The server's answer is what JetStream publishing
// defines (github.com/nats-io/nats-server server/jetstream_api.go
// JSPubAckResponse): {"stream":…,"seq":…[,"duplicate":true]} or
// {"error":{"code":…,"err_code":…,"description":…}}, or a 503 status with
// no data when no stream listens on the subject.
type asyncAcks struct {
	nc *nats.Conn

	mu      sync.Mutex
	prefix  string // "_INBOX.<nuid>."; set with sub
	sub     *nats.Subscription
	status  chan nats.Status // reconnecting and closed, read by watch
	next    uint64
	waiting map[uint64]chan<- pubAnswer
	closed  bool
}

// pubAnswer is the server's answer to one asynchronous publish: stored
// (err nil; dup when the Nats-Msg-Id was already stored) or why not.
type pubAnswer struct {
	dup bool
	err error
}

// register adds a publish whose answer goes to ch (capacity 1, empty) and
// returns its id and reply subject. The first call subscribes and starts
// the goroutine that fails every publish in flight when the connection
// breaks; it ends when the connection closes.
func (a *asyncAcks) register(ch chan<- pubAnswer) (uint64, string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return 0, "", nats.ErrConnectionClosed
	}
	if a.sub == nil {
		prefix := a.nc.NewInbox() + "." // "_INBOX.<nuid>.", or the connection's own inbox prefix
		sub, err := a.nc.Subscribe(prefix+"*", a.handle)
		if err != nil {
			return 0, "", fmt.Errorf("subscribe for acknowledgements: %w", err)
		}
		a.prefix, a.sub = prefix, sub
		a.waiting = make(map[uint64]chan<- pubAnswer)
		a.status = a.nc.StatusChanged(nats.RECONNECTING, nats.CLOSED)
		if a.nc.IsClosed() {
			// Closed before the listener was there: no CLOSED will come.
			a.nc.RemoveStatusListener(a.status)
			a.closed = true
			return 0, "", nats.ErrConnectionClosed
		}
		go a.watch(a.status)
	}
	a.next++
	a.waiting[a.next] = ch
	return a.next, a.prefix + strconv.FormatUint(a.next, 36), nil
}

// cancel forgets publish id: its answer, if it comes, is dropped. An
// answer sent before cancel returns is in the publish's channel.
func (a *asyncAcks) cancel(id uint64) {
	a.mu.Lock()
	delete(a.waiting, id)
	a.mu.Unlock()
}

// handle is the subscription's callback: one acknowledgement.
func (a *asyncAcks) handle(m *nats.Msg) {
	id, err := strconv.ParseUint(m.Subject[min(len(a.prefix), len(m.Subject)):], 36, 64)
	if err != nil {
		return
	}
	ans := parsePubAck(m)
	a.mu.Lock()
	if ch, ok := a.waiting[id]; ok {
		delete(a.waiting, id)
		// Never blocks: one answer per registration, capacity 1. Sent
		// under the lock, so cancel and this cannot both miss it.
		ch <- ans
	}
	a.mu.Unlock()
}

// watch fails every publish in flight when the connection starts to
// reconnect (their answers may be lost with it; they are retried with the
// same Nats-Msg-Id) and when it closes, then ends.
func (a *asyncAcks) watch(status chan nats.Status) {
	for {
		s, ok := <-status
		closed := !ok || s == nats.CLOSED
		err := nats.ErrDisconnected
		if closed {
			err = nats.ErrConnectionClosed
		}
		a.mu.Lock()
		for id, ch := range a.waiting {
			delete(a.waiting, id)
			ch <- pubAnswer{err: err}
		}
		if closed {
			a.closed = true
		}
		a.mu.Unlock()
		if closed {
			return
		}
	}
}

var (
	ackPrefix    = []byte(`{"stream":"`)
	ackSeq       = []byte(`","seq":`)
	ackDuplicate = []byte(`,"duplicate":true}`)
)

// parsePubAck reads a JetStream publish acknowledgement. The one a server
// sends for a stored message, exactly {"stream":"NAME","seq":N} or
// {"stream":"NAME","seq":N,"duplicate":true} (name without escapes), is
// read without allocating; anything else goes through encoding/json.
func parsePubAck(m *nats.Msg) pubAnswer {
	data := m.Data
	if len(data) == 0 {
		if m.Header.Get("Status") == "503" {
			return pubAnswer{err: nats.ErrNoResponders}
		}
		return pubAnswer{err: jetstream.ErrInvalidJSAck}
	}
	if dup, ok := fastPubAck(data); ok {
		return pubAnswer{dup: dup}
	}
	var resp struct {
		Error     *jetstream.APIError `json:"error"`
		Stream    string              `json:"stream"`
		Duplicate bool                `json:"duplicate"`
	}
	if err := json.Unmarshal(data, &resp); err != nil {
		return pubAnswer{err: jetstream.ErrInvalidJSAck}
	}
	if resp.Error != nil {
		return pubAnswer{err: resp.Error}
	}
	if resp.Stream == "" {
		return pubAnswer{err: jetstream.ErrInvalidJSAck}
	}
	return pubAnswer{dup: resp.Duplicate}
}

// fastPubAck recognises the two usual acknowledgements; ok is false for
// anything else.
func fastPubAck(data []byte) (dup, ok bool) {
	rest, found := bytes.CutPrefix(data, ackPrefix)
	if !found {
		return false, false
	}
	end := bytes.IndexByte(rest, '"')
	if end <= 0 {
		return false, false
	}
	for _, c := range rest[:end] {
		if c == '\\' || c < 0x20 {
			return false, false
		}
	}
	if rest, found = bytes.CutPrefix(rest[end:], ackSeq); !found {
		return false, false
	}
	digits := 0
	for digits < len(rest) && rest[digits] >= '0' && rest[digits] <= '9' {
		digits++
	}
	if digits == 0 || digits > 20 || (digits > 1 && rest[0] == '0') {
		return false, false
	}
	switch rest = rest[digits:]; {
	case len(rest) == 1 && rest[0] == '}':
		return false, true
	case bytes.Equal(rest, ackDuplicate):
		return true, true
	}
	return false, false
}
