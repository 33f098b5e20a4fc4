package connectortest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
)

// Recorder is a subscriber that keeps every message it receives (or only
// counts them) and wakes waiters on each arrival: waits block on a
// condition channel, never on a polling sleep.
type Recorder struct {
	filter string
	keep   bool

	mu     sync.Mutex
	msgs   []*nats.Msg
	counts map[string]int
	more   chan struct{} // closed and replaced on every arrival
}

// NewRecorder returns a recorder for filter ("rosey.>" when empty). With
// ">" it skips "$..." and "_INBOX..." subjects. keep false only counts
// (for soaks), so On and Msgs stay empty.
func NewRecorder(filter string, keep bool) *Recorder {
	if filter == "" {
		filter = "rosey.>"
	}
	return &Recorder{filter: filter, keep: keep, counts: map[string]int{}, more: make(chan struct{})}
}

// Subscribe starts recording on nc, without pending limits, and flushes
// so the subscription is in place when it returns.
func (r *Recorder) Subscribe(nc *nats.Conn) error {
	sub, err := nc.Subscribe(r.filter, r.handle)
	if err != nil {
		return err
	}
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		return err
	}
	return nc.Flush()
}

func (r *Recorder) handle(m *nats.Msg) {
	if r.filter == ">" && (strings.HasPrefix(m.Subject, "$") || strings.HasPrefix(m.Subject, "_INBOX")) {
		return
	}
	r.mu.Lock()
	r.counts[m.Subject]++
	if r.keep {
		r.msgs = append(r.msgs, m)
	}
	close(r.more)
	r.more = make(chan struct{})
	r.mu.Unlock()
}

// Changed returns a channel closed at the next arrival.
func (r *Recorder) Changed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.more
}

// Msgs returns a copy of every kept message, in arrival order.
func (r *Recorder) Msgs() []*nats.Msg {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*nats.Msg(nil), r.msgs...)
}

// Mark is the number of kept messages, for Since.
func (r *Recorder) Mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// Since returns the messages kept after mark.
func (r *Recorder) Since(mark int) []*nats.Msg {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*nats.Msg(nil), r.msgs[mark:]...)
}

// On returns the kept messages on subject.
func (r *Recorder) On(subject string) []*nats.Msg {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*nats.Msg
	for _, m := range r.msgs {
		if m.Subject == subject {
			out = append(out, m)
		}
	}
	return out
}

// Count is how many messages arrived on subject (kept or not).
func (r *Recorder) Count(subject string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[subject]
}

// Until waits up to d until cond, re-evaluated after every arrival, holds;
// cond should depend only on recorded messages (see Eventually).
func (r *Recorder) Until(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	if !r.until(d, 0, cond) {
		t.Fatalf("timed out after %v waiting for %s", d, what)
	}
}

// Eventually is Until for conditions that also read state outside NATS
// (the CyTube test server, an HTTP endpoint): cond is re-evaluated after
// every arrival and at least every tick.
func (r *Recorder) Eventually(t testing.TB, what string, d, tick time.Duration, cond func() bool) {
	t.Helper()
	if !r.until(d, tick, cond) {
		t.Fatalf("timed out after %v waiting for %s", d, what)
	}
}

func (r *Recorder) until(d, tick time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	var tc <-chan time.Time
	if tick > 0 {
		tk := time.NewTicker(tick)
		defer tk.Stop()
		tc = tk.C
	}
	for {
		more := r.Changed() // before cond: no arrival is missed
		if cond() {
			return true
		}
		select {
		case <-more:
		case <-tc:
		case <-deadline.C:
			return cond()
		}
	}
}

// WaitMsg waits up to d for a kept message matching pred and returns it.
func (r *Recorder) WaitMsg(t testing.TB, what string, d time.Duration, pred func(*nats.Msg) bool) *nats.Msg {
	t.Helper()
	var got *nats.Msg
	r.Until(t, what, d, func() bool {
		for _, m := range r.Msgs() {
			if pred(m) {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

// WaitSubject waits up to d for n kept messages on subject and returns
// all of them.
func (r *Recorder) WaitSubject(t testing.TB, subject string, n int, d time.Duration) []*nats.Msg {
	t.Helper()
	r.Until(t, fmt.Sprintf("%d on %s", n, subject), d, func() bool { return len(r.On(subject)) >= n })
	return r.On(subject)
}

// Statuses decodes every kept status on subject.
func (r *Recorder) Statuses(t testing.TB, subject string) []*eventsv1.ConnectorStatus {
	t.Helper()
	var out []*eventsv1.ConnectorStatus
	for _, m := range r.On(subject) {
		out = append(out, DecodeAs(t, m, &eventsv1.ConnectorStatus{}))
	}
	return out
}

// CountState is how many kept statuses on subject have state.
func (r *Recorder) CountState(t testing.TB, subject string, state eventsv1.ConnectorState) int {
	t.Helper()
	n := 0
	for _, st := range r.Statuses(t, subject) {
		if st.GetState() == state {
			n++
		}
	}
	return n
}

// Decode decodes m into v, as JSON when its Content-Type says so.
func Decode(m *nats.Msg, v proto.Message) error {
	if m.Header.Get(bus.HeaderContentType) == bus.ContentTypeJSON {
		return protojson.Unmarshal(m.Data, v)
	}
	return proto.Unmarshal(m.Data, v)
}

// DecodeAs decodes m into v and fails the test if it does not decode.
func DecodeAs[T proto.Message](t testing.TB, m *nats.Msg, v T) T {
	t.Helper()
	if err := Decode(m, v); err != nil {
		t.Fatalf("decode %s: %v", m.Subject, err)
	}
	return v
}
