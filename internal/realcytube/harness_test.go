//go:build cytube

package realcytube

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/connectortest"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/mapping"
)

// registered is the kit's registered channel: goldowner owns it (rank 5),
// goldmod has rank 2 there; everyone else has their global rank.
const registered = "goldentest"

// passwords of the kit's accounts (../shared/cytube-server/README.md).
var passwords = map[string]string{
	"goldowner": "pw-goldowner-123",
	"goldmod":   "pw-goldmod-123",
	"golduser":  "pw-golduser-123",
	"golduser2": "pw-golduser2-123",
	"siteop":    "pw-siteop-123", // global rank 255
}

// kitHost is the real CyTube's HTTP host:port, set by `make test-cytube`.
func kitHost(t *testing.T) string {
	t.Helper()
	hp := os.Getenv("CYTUBE_REAL")
	if hp == "" {
		t.Fatal("CYTUBE_REAL is not set: run `make test-cytube`, which starts the real CyTube of ../shared/cytube-server")
	}
	return hp
}

// CyTube limits new connections per IP (5, then one per 10 s) and delays
// guest logins per IP; it takes the client IP from X-Forwarded-For on
// loopback (trust-proxies: loopback). Each client of the suite gets its own
// address, unique to this process so a rerun within CyTube's memory of
// the last run starts clean.
var clientSeq atomic.Uint32

func clientHeader() http.Header {
	n := clientSeq.Add(1)
	pid := os.Getpid()
	h := http.Header{}
	h.Set("X-Forwarded-For", fmt.Sprintf("127.%d.%d.%d", 10+pid%200, (pid/200)%250, n%250+1))
	return h
}

// uniqueChannel returns a fresh (unregistered) channel name for one test.
func uniqueChannel(t *testing.T, prefix string) string {
	t.Helper()
	return fmt.Sprintf("%s-%d-%d", prefix, os.Getpid()%100000, clientSeq.Add(1))
}

// recorder keeps every event a session delivered.
type recorder struct {
	mu   sync.Mutex
	evs  []cytube.Event
	more chan struct{}
}

func newRecorder() *recorder { return &recorder{more: make(chan struct{})} }

func (r *recorder) add(ev cytube.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	close(r.more)
	r.more = make(chan struct{})
	r.mu.Unlock()
}

// actor is another user in the channel: a plain cytube.Session.
type actor struct {
	s   *cytube.Session
	rec *recorder
}

// newActor joins channel as user ("" = anonymous; a name without a kit
// account logs in as a guest) and waits until it is ready; it leaves when
// the test ends.
func newActor(t *testing.T, channel, user string) *actor {
	t.Helper()
	return newActorCancel(t, channel, user).actor
}

// stopper is an actor that can leave before the test ends.
type stopper struct {
	*actor
	stop func()
}

// newActorCancel is newActor with a stop function (idempotent).
func newActorCancel(t *testing.T, channel, user string) stopper {
	t.Helper()
	return newActorFrom(t, channel, user, clientHeader())
}

// newActorFrom is newActorCancel from the client address in hdr (see
// clientHeader), e.g. to put two accounts on one IP.
func newActorFrom(t *testing.T, channel, user string, hdr http.Header) stopper {
	t.Helper()
	a := &actor{rec: newRecorder()}
	s, err := cytube.New(cytube.Config{
		Host: kitHost(t), Channel: channel, Username: user, Password: passwords[user],
		Header: hdr, ConnEvery: -1, OnEvent: a.rec.add,
	})
	if err != nil {
		t.Fatal(err)
	}
	a.s = s
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	waitUntil(t, "actor "+user+" ready in "+channel, 30*time.Second, func() bool {
		if s.State() == cytube.StateStopped {
			t.Fatalf("actor %s: session stopped before it was ready", user)
		}
		return s.State() == cytube.StateReady
	})
	return stopper{a, stop}
}

// send sends one CyTube event as the actor and fails the test on error.
func (a *actor) send(t *testing.T, event string, arg any) cytube.Confirmation {
	t.Helper()
	// Not t.Context(): actors also clean up after the test (t.Cleanup).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := a.s.Send(ctx, cytube.Request{Event: event, Arg: arg})
	if err != nil {
		t.Fatalf("actor %s: %s: %v", a.s.OwnName(), event, err)
	}
	return c
}

func (a *actor) chat(t *testing.T, line string) {
	t.Helper()
	a.send(t, "chatMsg", map[string]any{"msg": line, "meta": map[string]any{}})
}

// setOptions sets channel options as this actor (rank >= 3, e.g. siteop)
// and waits until CyTube broadcast them.
func (a *actor) setOptions(t *testing.T, opts map[string]any) {
	t.Helper()
	a.send(t, "setOptions", opts)
}

func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// connector is the whole connector (service.Service) against an
// in-process nats-server and the real CyTube, in channel subject mode: a
// connectortest.Connector.
type connector struct {
	*connectortest.Connector
	t       *testing.T
	nc      *nats.Conn
	scope   bus.Scope
	channel string
}

type connOption func(*config.Channel, *cytube.Config)

// newConnector starts a connector for channel as user and waits for
// wantState (LOGGED_IN unless given).
func newConnector(t *testing.T, channel, user string, opts ...connOption) *connector {
	t.Helper()
	hdr := clientHeader()
	cc := connectortest.Start(t, connectortest.Options{
		Host: kitHost(t), Channels: []string{channel}, Username: user, Anonymous: user == "",
		Password: passwords[user], Version: "0.0.0-realcytube",
		Config: func(cfg *config.Config) {
			for _, o := range opts {
				o(&cfg.Channels[0], nil)
			}
			cfg.Subjects.Mode = config.SubjectModeChannel
		},
		Session: func(sc *cytube.Config) {
			sc.Header = hdr
			sc.BackoffMin, sc.BackoffMax = 200*time.Millisecond, time.Second
			for _, o := range opts {
				o(nil, sc)
			}
		},
		IgnoreRunError: true, StopTimeout: 20 * time.Second,
	})
	return &connector{Connector: cc, t: t, nc: cc.Conn(), scope: cc.Scope, channel: channel}
}

// waitStatus waits for a status with state and returns it.
func (c *connector) waitStatus(state eventsv1.ConnectorState, d time.Duration) *eventsv1.ConnectorStatus {
	c.t.Helper()
	var got *eventsv1.ConnectorStatus
	c.waitMsg("status "+state.String(), d, func(m *nats.Msg) bool {
		if m.Subject != c.scope.Status() {
			return false
		}
		st := &eventsv1.ConnectorStatus{}
		if proto.Unmarshal(m.Data, st) != nil || st.GetState() != state {
			return false
		}
		got = st
		return true
	})
	return got
}

// statuses returns every status published so far.
func (c *connector) statuses() []*eventsv1.ConnectorStatus {
	c.t.Helper()
	return c.Statuses(c.scope)
}

func (c *connector) ready() *connector {
	c.t.Helper()
	c.waitStatus(eventsv1.ConnectorState_CONNECTOR_STATE_LOGGED_IN, 30*time.Second)
	return c
}

func (c *connector) waitMsg(what string, d time.Duration, pred func(*nats.Msg) bool) *nats.Msg {
	c.t.Helper()
	return c.Rec.WaitMsg(c.t, what, d, pred)
}

// count returns how many messages were published on subject.
func (c *connector) count(subject string) int { return c.Count(subject) }

// rawSubject is the subject the connector publishes CyTube's event on.
func (c *connector) rawSubject(event string) string {
	c.t.Helper()
	suffix, ok := mapping.RawSubject(event)
	if !ok {
		c.t.Fatalf("event %q is not modelled", event)
	}
	return c.scope.Raw(suffix)
}

// result is one command's answer and how long it took.
type result struct {
	*commandsv1.CommandResult
	took time.Duration
}

// cmd sends one JSON command and returns its result (deadline 8 s).
func (c *connector) cmd(action string, body any) result {
	c.t.Helper()
	return c.cmdWithin(action, body, 8*time.Second)
}

func (c *connector) cmdWithin(action string, body any, deadline time.Duration) result {
	c.t.Helper()
	return c.request(action, body, deadline)()
}

// request publishes one JSON command at once, so commands reach the
// connector in the order of these calls, and returns a function that
// waits for its result.
func (c *connector) request(action string, body any, deadline time.Duration) func() result {
	c.t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	wait := c.Publish(connectortest.Request{Action: action, Body: data, Deadline: deadline})
	return func() result {
		c.t.Helper()
		r := wait()
		return result{r.CommandResult, r.Took}
	}
}

// ok fails unless r succeeded.
func (r result) ok(t *testing.T, what string) result {
	t.Helper()
	if !r.GetOk() {
		t.Fatalf("%s: want ok, got %s %q (server %q) after %s", what, r.GetCode(), r.GetReason(), r.GetServerMessage(), r.took)
	}
	return r
}

// refused fails unless r failed with code within quick (a refusal must
// never be a timeout), and returns it.
func (r result) refused(t *testing.T, what string, code commandsv1.ErrorCode, quick time.Duration) result {
	t.Helper()
	if r.GetOk() || r.GetCode() != code {
		t.Fatalf("%s: want %s, got ok=%v %s %q (server %q) after %s", what, code, r.GetOk(), r.GetCode(), r.GetReason(), r.GetServerMessage(), r.took)
	}
	if r.took > quick {
		t.Fatalf("%s: %s came after %s, want within %s", what, code, r.took, quick)
	}
	return r
}
