package bus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf8"

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

// parsePubAck reads a JetStream publish acknowledgement. The one a server
// sends for a stored message (fastPubAck) is read without allocating;
// anything else goes through encoding/json.
func parsePubAck(m *nats.Msg) pubAnswer {
	data := m.Data
	if len(data) == 0 {
		if m.Header.Get("Status") == "503" {
			return pubAnswer{err: nats.ErrNoResponders}
		}
		return pubAnswer{err: jetstream.ErrInvalidJSAck}
	}
	if dup, ok := fastPubAck(data); ok && utf8.Valid(data) {
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

// fastPubAck recognises the usual acknowledgements as nats-server writes
// them: {"stream":"NAME"[,"domain":"D"],"seq":N} and, for a Nats-Msg-Id
// already stored, the same ending ,"duplicate": true} (nats-server 2.15
// server/stream.go:1135-1137 and :7033; 2.9, Debian's, puts a space after
// the commas). Spaces after commas and colons are allowed, names without
// escapes; ok is false for anything else.
func fastPubAck(data []byte) (dup, ok bool) {
	sc := ackScanner{data: data}
	if !sc.lit("{") || !sc.key("stream") || !sc.name() {
		return false, false
	}
	if !sc.lit(",") {
		return false, false
	}
	if sc.key("domain") {
		if !sc.name() || !sc.lit(",") {
			return false, false
		}
	}
	if !sc.key("seq") || !sc.number() {
		return false, false
	}
	if sc.lit(",") {
		if !sc.key("duplicate") || !sc.lit("true") {
			return false, false
		}
		dup = true
	}
	return dup, sc.lit("}") && sc.i == len(data)
}

// ackScanner reads the few tokens of an acknowledgement.
type ackScanner struct {
	data []byte
	i    int
}

func (sc *ackScanner) space() {
	for sc.i < len(sc.data) && (sc.data[sc.i] == ' ' || sc.data[sc.i] == '\t' || sc.data[sc.i] == '\n' || sc.data[sc.i] == '\r') {
		sc.i++
	}
}

// lit reads s after optional space.
func (sc *ackScanner) lit(s string) bool {
	sc.space()
	if !bytes.HasPrefix(sc.data[sc.i:], []byte(s)) {
		return false
	}
	sc.i += len(s)
	return true
}

// key reads "k": after optional space; nothing is consumed when it is not
// there.
func (sc *ackScanner) key(k string) bool {
	at := sc.i
	sc.space()
	rest := sc.data[sc.i:]
	if len(rest) < len(k)+3 || rest[0] != '"' || string(rest[1:1+len(k)]) != k || rest[1+len(k)] != '"' {
		sc.i = at
		return false
	}
	sc.i += len(k) + 2
	if !sc.lit(":") {
		sc.i = at
		return false
	}
	return true
}

// name reads a non-empty string without escapes or control characters.
func (sc *ackScanner) name() bool {
	sc.space()
	if sc.i >= len(sc.data) || sc.data[sc.i] != '"' {
		return false
	}
	end := bytes.IndexByte(sc.data[sc.i+1:], '"')
	if end <= 0 {
		return false
	}
	for _, c := range sc.data[sc.i+1 : sc.i+1+end] {
		if c == '\\' || c < 0x20 {
			return false
		}
	}
	sc.i += end + 2
	return true
}

// number reads an unsigned integer without leading zeros.
func (sc *ackScanner) number() bool {
	sc.space()
	start := sc.i
	for sc.i < len(sc.data) && sc.data[sc.i] >= '0' && sc.data[sc.i] <= '9' {
		sc.i++
	}
	n := sc.i - start
	return n > 0 && n <= 20 && (n == 1 || sc.data[start] != '0')
}
