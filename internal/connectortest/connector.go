// Package connectortest runs the whole connector (service.Service) for
// tests: against an in-process nats-server (bustest), a nats-server
// process, a given NATS URL or the connector's own embedded server; and
// against the Go CyTube test server (cytubetest) or a given CyTube host.
// A Recorder keeps everything published, and helpers wait for statuses,
// send commands and query state. Everything stops in t.Cleanup, and Run
// has returned by then, so goleak finds nothing of the connector's.
//
// Only _test.go files import it.
package connectortest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
	"github.com/roseybot/cytube-connector/internal/service"
)

// Options describe one connector run. The zero value is a connector
// logged in as "bot" to a fresh test server's "testchan" through a fresh
// in-process nats-server, with a recorder on rosey.>.
type Options struct {
	// NATS: a fresh in-process server unless NATSURL, NATSProcess (the
	// nats-server binary with -js, see Connector.Proc) or Embedded (the
	// connector's own server on a random port; the recorder subscribes
	// once it is ready) says otherwise.
	NATSURL     string
	NATSProcess bool
	Embedded    bool
	// ClientOptions are added to the recorder's connection (which
	// otherwise reconnects forever, every 50 ms).
	ClientOptions []nats.Option
	// NoRecorder: no client connection and no recorder at all.
	NoRecorder bool
	// Filter is the recorder's subject ("rosey.>" when empty).
	Filter string
	// CountOnly: the recorder counts but keeps no messages.
	CountOnly bool

	// Host is a real CyTube's host:port; empty starts a cytubetest server
	// with CyTube (Channel set to the first channel; Accounts, when nil,
	// holds Username with Password at rank 3).
	Host   string
	Secure bool
	CyTube cytubetest.Options
	// Channels to join ("testchan" when empty), as Username ("bot") with
	// Password, or without an account when Anonymous.
	Channels  []string
	Username  string
	Password  string
	Anonymous bool

	// BeforeConfig runs once the CyTube server exists.
	BeforeConfig func(*Connector)
	// Config adjusts the configuration before it is validated.
	Config func(*config.Config)
	// Session adjusts each session after the defaults (backoff 20-50 ms
	// unless SessionBackoff, no connection pacing).
	Session        func(*cytube.Config)
	SessionBackoff bool
	Version        string // "0.0.0-test" when empty
	Logger         *slog.Logger
	OnReady        func(url string)

	// Timeout bounds Ready and WaitFor (10 s when zero); StopTimeout bounds
	// how long Stop waits for Run (15 s when zero).
	Timeout     time.Duration
	StopTimeout time.Duration
	// IgnoreRunError: cleanup does not report Run's error.
	IgnoreRunError bool
	// CloseOnStop: Stop also closes the recorder's connection (always so
	// with Embedded, whose server goes with Run).
	CloseOnStop bool
	// WaitReady waits for the first LOGGED_IN status before returning.
	WaitReady bool
}

// ErrNotStopped is Stop's error when Run did not return in time.
var ErrNotStopped = errors.New("Run did not return after cancel")

// Connector is one running connector and what it runs against.
type Connector struct {
	T      testing.TB
	NATS   *server.Server     // in-process server, if started here
	Proc   *bustest.Process   // nats-server process (Options.NATSProcess)
	URL    string             // NATS URL the connector and recorder use
	NC     *nats.Conn         // the recorder's connection
	CyTube *cytubetest.Server // nil with Options.Host
	Svc    *service.Service
	Config config.Config
	Scope  bus.Scope // of the first channel
	Rec    *Recorder

	opts       Options
	subscribed chan struct{}
	cancel     context.CancelFunc
	runDone    chan struct{}
	runErr     error
	stopOnce   sync.Once
	stopErr    error
	stopped    bool // Stop was called by the test
	allowErr   bool
	mu         sync.Mutex
}

// Start starts everything Options ask for and runs the connector.
func Start(t testing.TB, o Options) *Connector {
	t.Helper()
	c := New(t, o)
	c.Run()
	return c
}

// New starts everything Options ask for and builds the connector, which
// Run then starts.
func New(t testing.TB, o Options) *Connector {
	t.Helper()
	if len(o.Channels) == 0 {
		o.Channels = []string{"testchan"}
	}
	if o.Username == "" && !o.Anonymous {
		o.Username = "bot"
	}
	if o.Version == "" {
		o.Version = "0.0.0-test"
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	if o.StopTimeout == 0 {
		o.StopTimeout = 15 * time.Second
	}
	c := &Connector{T: t, opts: o, runDone: make(chan struct{})}
	if !o.NoRecorder {
		c.Rec = NewRecorder(o.Filter, !o.CountOnly)
	}

	switch {
	case o.Embedded:
	case o.NATSURL != "":
		c.URL = o.NATSURL
	case o.NATSProcess:
		c.Proc = bustest.RunProcess(t, "", "-js")
		c.URL = c.Proc.URL()
	default:
		c.NATS = bustest.RunServer(t)
		c.URL = c.NATS.ClientURL()
	}
	if c.URL != "" && !o.NoRecorder {
		nc, err := c.connect(c.URL)
		if err != nil {
			t.Fatalf("connectortest: recorder: %v", err)
		}
		c.NC = nc
		t.Cleanup(nc.Close)
	}

	host := o.Host
	if host == "" {
		co := o.CyTube
		co.Channel = o.Channels[0]
		if co.Accounts == nil && o.Username != "" {
			co.Accounts = map[string]cytubetest.Account{o.Username: {Password: o.Password, Rank: 3}}
		}
		cyt, err := cytubetest.New(co)
		if err != nil {
			t.Fatal(err)
		}
		c.CyTube = cyt
		t.Cleanup(func() { cyt.Close() })
		host = cyt.Addr()
	}
	if o.BeforeConfig != nil {
		o.BeforeConfig(c)
	}

	cfg := config.Default()
	for _, name := range o.Channels {
		ch := config.DefaultChannel()
		ch.Host, ch.Secure, ch.Channel, ch.Username, ch.Password = host, o.Secure, name, o.Username, config.Secret(o.Password)
		cfg.Channels = append(cfg.Channels, ch)
	}
	if o.Embedded {
		cfg.NATS.URL, cfg.NATS.EmbeddedPort, cfg.NATS.DataDir = "", config.RandomPort, t.TempDir()
	} else {
		cfg.NATS.URL = c.URL
	}
	if o.Config != nil {
		o.Config(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	c.Config = cfg
	c.Scope = bus.Scope{Platform: "cytube"}
	if cfg.Subjects.Mode == config.SubjectModeChannel || (cfg.Subjects.Mode == config.SubjectModeAuto && len(cfg.Channels) > 1) {
		c.Scope.Channel = strings.ToLower(cfg.Channels[0].Channel)
	}

	c.subscribed = make(chan struct{})
	subscribed := c.subscribed
	opts := service.Options{Version: o.Version, Logger: o.Logger, Session: func(sc *cytube.Config) {
		if !o.SessionBackoff {
			sc.BackoffMin, sc.BackoffMax = 20*time.Millisecond, 50*time.Millisecond
		}
		sc.ConnEvery = -1
		if o.Session != nil {
			o.Session(sc)
		}
	}}
	switch {
	case o.Embedded:
		var once sync.Once
		opts.OnReady = func(url string) {
			once.Do(func() {
				// Not the test's goroutine: report, never Fatal.
				if !o.NoRecorder {
					nc, err := c.connect(url)
					if err != nil {
						t.Errorf("connectortest: recorder: %v", err)
					}
					c.mu.Lock()
					c.NC, c.URL = nc, url
					c.mu.Unlock()
				}
				if o.OnReady != nil {
					o.OnReady(url)
				}
				close(subscribed)
			})
		}
	default:
		opts.OnReady = o.OnReady
		close(subscribed)
	}
	svc, err := service.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	c.Svc = svc
	return c
}

// Run starts the connector built by New (once), waits until the recorder
// subscribed (Embedded) and, with WaitReady, for the first LOGGED_IN.
// Cleanup stops it.
func (c *Connector) Run() {
	t, o := c.T, c.opts
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	go func() {
		c.runErr = c.Svc.Run(ctx)
		close(c.runDone)
	}()
	t.Cleanup(func() {
		c.mu.Lock()
		explicit := c.stopped
		c.mu.Unlock()
		err := c.stop()
		switch {
		case errors.Is(err, ErrNotStopped):
			t.Error(err)
		case err != nil && !explicit && !o.IgnoreRunError && !c.allowed():
			t.Errorf("Run: %v", err)
		}
	})
	select {
	case <-c.subscribed:
	case <-time.After(10 * time.Second):
		t.Fatal("NATS never became ready")
	}
	if o.WaitReady {
		c.Ready(1)
	}
}

func (c *Connector) connect(url string) (*nats.Conn, error) {
	opts := append([]nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(50 * time.Millisecond), nats.ReconnectJitter(0, 0)}, c.opts.ClientOptions...)
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", url, err)
	}
	if err := c.Rec.Subscribe(nc); err != nil {
		nc.Close()
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	return nc, nil
}

// Conn returns the recorder's connection (set late with Embedded).
func (c *Connector) Conn() *nats.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.NC
}

// AllowRunError makes cleanup accept an error from Run (a terminal fault).
func (c *Connector) AllowRunError() {
	c.mu.Lock()
	c.allowErr = true
	c.mu.Unlock()
}

func (c *Connector) allowed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.allowErr
}

// Stop cancels Run and returns its error, or ErrNotStopped; later calls
// return the same. With Embedded or CloseOnStop it also closes the
// recorder's connection. Cleanup then reports only
// ErrNotStopped: the caller checks the error.
func (c *Connector) Stop() error {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	return c.stop()
}

func (c *Connector) stop() error {
	c.stopOnce.Do(func() {
		if c.cancel == nil { // never run
			return
		}
		c.cancel()
		select {
		case <-c.runDone:
			c.stopErr = c.runErr
		case <-time.After(c.opts.StopTimeout):
			c.stopErr = ErrNotStopped
		}
		if c.opts.Embedded || c.opts.CloseOnStop {
			if nc := c.Conn(); nc != nil {
				nc.Close()
			}
		}
	})
	return c.stopErr
}

// Wait waits up to d for Run to return on its own and returns its error;
// returned is false on timeout. Run is not cancelled.
func (c *Connector) Wait(d time.Duration) (err error, returned bool) {
	select {
	case <-c.runDone:
		return c.runErr, true
	case <-time.After(d):
		return nil, false
	}
}

// On returns the recorded messages on subject.
func (c *Connector) On(subject string) []*nats.Msg { return c.Rec.On(subject) }

// Count is how many messages arrived on subject.
func (c *Connector) Count(subject string) int { return c.Rec.Count(subject) }

// Until waits up to Options.Timeout until cond (on recorded messages only)
// holds, re-evaluating it on every arrival.
func (c *Connector) Until(what string, cond func() bool) {
	c.T.Helper()
	c.Rec.Until(c.T, what, c.opts.Timeout, cond)
}

// WaitFor waits up to d until cond holds; cond may read state outside
// NATS, so it is re-evaluated on every arrival and every 10 ms.
func (c *Connector) WaitFor(what string, d time.Duration, cond func() bool) {
	c.T.Helper()
	if c.Rec == nil {
		Eventually(c.T, what, d, cond)
		return
	}
	c.Rec.Eventually(c.T, what, d, 10*time.Millisecond, cond)
}

// WaitSubject waits for n messages on subject and returns them all.
func (c *Connector) WaitSubject(subject string, n int) []*nats.Msg {
	c.T.Helper()
	return c.Rec.WaitSubject(c.T, subject, n, c.opts.Timeout)
}

// Statuses returns every status of scope recorded so far.
func (c *Connector) Statuses(scope bus.Scope) []*eventsv1.ConnectorStatus {
	c.T.Helper()
	return c.Rec.Statuses(c.T, scope.Status())
}

// CountState is how many statuses of scope have state.
func (c *Connector) CountState(scope bus.Scope, state eventsv1.ConnectorState) int {
	c.T.Helper()
	return c.Rec.CountState(c.T, scope.Status(), state)
}

// WaitState waits up to d for the n-th status of scope with state.
func (c *Connector) WaitState(scope bus.Scope, state eventsv1.ConnectorState, n int, d time.Duration) {
	c.T.Helper()
	c.Rec.Until(c.T, fmt.Sprintf("%s #%d on %s", strings.TrimPrefix(state.String(), "CONNECTOR_STATE_"), n, scope.Status()), d,
		func() bool { return c.CountState(scope, state) >= n })
}

// Ready waits for the n-th LOGGED_IN status of the first channel.
func (c *Connector) Ready(n int) {
	c.T.Helper()
	c.ReadyIn(c.Scope, n)
}

// ReadyIn waits for the n-th LOGGED_IN status of scope.
func (c *Connector) ReadyIn(scope bus.Scope, n int) {
	c.T.Helper()
	c.WaitState(scope, eventsv1.ConnectorState_CONNECTOR_STATE_LOGGED_IN, n, c.opts.Timeout)
}

// Eventually polls cond every 10 ms for up to d, for conditions no
// recorder sees change.
func Eventually(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// FastPace is pacing well above what tests send, so every command goes
// out at once and refusals come from the server, not from own pacing.
func FastPace() *cytube.PaceLimits {
	return &cytube.PaceLimits{ChatBurst: 100, ChatPerSecond: 1000, QueueBurst: 100, QueuePerSecond: 1000,
		ModQueueBurst: 100, ModQueuePerSecond: 1000, PlaylistEvery: time.Millisecond}
}
