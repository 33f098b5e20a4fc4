package service_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
	"github.com/roseybot/cytube-connector/internal/service"
)

// faultEnv is one connector run for fault tests: NATS is either in-process
// or a real nats-server OS process (which can be killed and restarted),
// and the subscriber reconnects on its own so it survives restarts.
type faultEnv struct {
	t    *testing.T
	url  string
	proc *bustest.Process
	nats *server.Server
	nc   *nats.Conn
	cyt  *cytubetest.Server
	svc  *service.Service
	stop context.CancelFunc
	done chan error
	// wantErr: Run is expected to return an error (terminal CyTube fault).
	wantErr bool
	// record: keep every message (off for the soak, which only counts).
	record bool

	mu    sync.Mutex
	msgs  []*nats.Msg
	count map[string]int
}

type faultOpts struct {
	cytube    cytubetest.Options
	process   bool // nats-server as an OS process (with -js)
	jetstream bool
	session   func(*cytube.Config)
	reconnBuf int
	noRecord  bool
}

func newFaultEnv(t *testing.T, o faultOpts) *faultEnv {
	t.Helper()
	e := &faultEnv{t: t, done: make(chan error, 1), record: !o.noRecord, count: map[string]int{}}
	if o.process {
		e.proc = bustest.RunProcess(t, "", "-js")
		e.url = e.proc.URL()
	} else {
		e.nats = bustest.RunServer(t)
		e.url = e.nats.ClientURL()
	}
	nc, err := nats.Connect(e.url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond), nats.ReconnectJitter(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	e.nc = nc
	t.Cleanup(nc.Close)

	if o.cytube.Accounts == nil {
		o.cytube.Accounts = map[string]cytubetest.Account{"bot": {Password: botPassword, Rank: 3}}
	}
	o.cytube.Channel = "testchan"
	cyt, err := cytubetest.New(o.cytube)
	if err != nil {
		t.Fatal(err)
	}
	e.cyt = cyt
	t.Cleanup(func() { cyt.Close() })

	sub, err := nc.Subscribe("rosey.>", func(m *nats.Msg) {
		e.mu.Lock()
		e.count[m.Subject]++
		if e.record {
			e.msgs = append(e.msgs, m)
		}
		e.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}

	cfg := config.Default()
	ch := config.DefaultChannel()
	ch.Host, ch.Secure, ch.Channel, ch.Username, ch.Password = cyt.Addr(), false, "testchan", "bot", config.Secret(botPassword)
	cfg.Channels = append(cfg.Channels, ch)
	cfg.NATS.URL = e.url
	cfg.NATS.JetStream = o.jetstream
	if o.reconnBuf != 0 {
		cfg.NATS.ReconnectBufSize = o.reconnBuf
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	svc, err := service.New(cfg, service.Options{Version: "0.0.0-test", Session: func(c *cytube.Config) {
		c.BackoffMin, c.BackoffMax, c.ConnEvery = 20*time.Millisecond, 50*time.Millisecond, -1
		if o.session != nil {
			o.session(c)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	ctx, cancel := context.WithCancel(context.Background())
	e.stop = cancel
	go func() { e.done <- svc.Run(ctx) }()
	t.Cleanup(func() { e.shutdown() })
	return e
}

// shutdown stops the connector and checks how Run ended; it may be called
// more than once.
func (e *faultEnv) shutdown() {
	e.t.Helper()
	if e.stop == nil {
		return
	}
	e.stop()
	e.stop = nil
	select {
	case err := <-e.done:
		if err != nil && !e.wantErr {
			e.t.Errorf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		e.t.Error("Run did not return after cancel")
	}
}

func (e *faultEnv) on(subject string) []*nats.Msg {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*nats.Msg
	for _, m := range e.msgs {
		if m.Subject == subject {
			out = append(out, m)
		}
	}
	return out
}

func (e *faultEnv) counted(subject string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.count[subject]
}

func (e *faultEnv) waitFor(what string, limit time.Duration, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// status is one decoded status event.
type status struct {
	State  eventsv1.ConnectorState
	Reason string
}

func (s status) String() string {
	st := strings.TrimPrefix(s.State.String(), "CONNECTOR_STATE_")
	if s.Reason != "" {
		return st + "(" + s.Reason + ")"
	}
	return st
}

func (e *faultEnv) statuses() []status {
	var out []status
	for _, m := range e.on(seed.Status()) {
		st := decodeAs(e.t, m, &eventsv1.ConnectorStatus{})
		out = append(out, status{st.GetState(), st.GetReason()})
	}
	return out
}

func (e *faultEnv) countState(want eventsv1.ConnectorState) int {
	n := 0
	for _, s := range e.statuses() {
		if s.State == want {
			n++
		}
	}
	return n
}

// ready waits for the n-th LOGGED_IN status.
func (e *faultEnv) ready(n int) {
	e.t.Helper()
	e.waitFor(fmt.Sprintf("LOGGED_IN #%d (statuses %v)", n, e.statuses()), 15*time.Second, func() bool {
		return e.countState(eventsv1.ConnectorState_CONNECTOR_STATE_LOGGED_IN) >= n
	})
}

// chatSeen reports whether a normalized message with exactly text arrived.
func (e *faultEnv) chatSeen(text string) bool {
	for _, m := range e.on("rosey.events.message") {
		if decodeAs(e.t, m, &eventsv1.Message{}).GetText() == text {
			return true
		}
	}
	return false
}
