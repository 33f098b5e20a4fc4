package service_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/connectortest"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
	"github.com/roseybot/cytube-connector/internal/service"
)

// faultEnv is one connector run for fault tests: NATS is either in-process
// or a real nats-server OS process (which can be killed and restarted),
// and the subscriber reconnects on its own so it survives restarts.
type faultEnv struct {
	*connectortest.Connector
	t    *testing.T
	url  string
	proc *bustest.Process
	nats *server.Server
	nc   *nats.Conn
	cyt  *cytubetest.Server
	svc  *service.Service
	// wantErr: Run is expected to return an error (terminal CyTube fault).
	wantErr bool
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
	if o.cytube.Accounts == nil {
		o.cytube.Accounts = map[string]cytubetest.Account{"bot": {Password: botPassword, Rank: 3}}
	}
	c := connectortest.Start(t, connectortest.Options{
		NATSProcess: o.process, CountOnly: o.noRecord,
		CyTube: o.cytube, Password: botPassword, Session: o.session,
		Config: func(cfg *config.Config) {
			cfg.NATS.JetStream = o.jetstream
			if o.reconnBuf != 0 {
				cfg.NATS.ReconnectBufSize = o.reconnBuf
			}
		},
		Timeout: 15 * time.Second, StopTimeout: 20 * time.Second,
	})
	e := &faultEnv{Connector: c, t: t, url: c.URL, proc: c.Proc, nats: c.NATS, nc: c.Conn(), cyt: c.CyTube, svc: c.Svc}
	t.Cleanup(e.shutdown) // before the harness's own cleanup
	return e
}

// shutdown stops the connector and checks how Run ended; it may be called
// more than once.
func (e *faultEnv) shutdown() {
	e.t.Helper()
	err := e.Stop()
	switch {
	case errors.Is(err, connectortest.ErrNotStopped):
		e.t.Error(err)
	case err != nil && !e.wantErr:
		e.t.Errorf("Run: %v", err)
	}
}

func (e *faultEnv) on(subject string) []*nats.Msg { return e.On(subject) }

func (e *faultEnv) counted(subject string) int { return e.Count(subject) }

// waitFor waits until cond, which may read the CyTube server's state.
func (e *faultEnv) waitFor(what string, limit time.Duration, cond func() bool) {
	e.t.Helper()
	e.WaitFor(what, limit, cond)
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
	for _, st := range e.Statuses(seed) {
		out = append(out, status{st.GetState(), st.GetReason()})
	}
	return out
}

func (e *faultEnv) countState(want eventsv1.ConnectorState) int { return e.CountState(seed, want) }

// ready waits for the n-th LOGGED_IN status.
func (e *faultEnv) ready(n int) {
	e.t.Helper()
	e.until(fmt.Sprintf("LOGGED_IN #%d (statuses %v)", n, e.statuses()), 15*time.Second, func() bool {
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

// until waits until cond, which reads only what NATS delivered,
// re-evaluating it on every arrival.
func (e *faultEnv) until(what string, limit time.Duration, cond func() bool) {
	e.t.Helper()
	e.Rec.Until(e.t, what, limit, cond)
}
