package contract

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
	"github.com/roseybot/cytube-connector/internal/service"
)

const (
	botPassword = "golden-bot-pw"
	envChannel  = "goldentest"
)

// seed is the single-channel scope the connector uses in these tests.
var seed = bus.Scope{Platform: "cytube"}

// env is one connector run against a real nats-server and the Go CyTube
// test server, with a subscriber recording everything published.
type env struct {
	t    *testing.T
	nats *server.Server
	nc   *nats.Conn
	cyt  *cytubetest.Server

	mu   sync.Mutex
	msgs []*nats.Msg
}

// newEnv starts NATS, the CyTube test server (accounts bot rank 3,
// userbot rank 1, modbot rank 3) and a connector logged in as user.
// Everything stops in t.Cleanup.
func newEnv(t *testing.T, user string) *env {
	t.Helper()
	e := &env{t: t}
	e.nats = bustest.RunServer(t)
	e.nc = bustest.Connect(t, e.nats)
	cyt, err := cytubetest.New(cytubetest.Options{
		Channel: envChannel,
		Accounts: map[string]cytubetest.Account{
			"bot":     {Password: botPassword, Rank: 3},
			"userbot": {Password: botPassword, Rank: 1},
			"modbot":  {Password: botPassword, Rank: 3},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.cyt = cyt
	t.Cleanup(func() { cyt.Close() })

	sub, err := e.nc.Subscribe("rosey.>", func(m *nats.Msg) {
		e.mu.Lock()
		e.msgs = append(e.msgs, m)
		e.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })

	cfg := config.Default()
	ch := config.DefaultChannel()
	ch.Host, ch.Secure, ch.Channel, ch.Username, ch.Password = cyt.Addr(), false, envChannel, user, config.Secret(botPassword)
	cfg.Channels = append(cfg.Channels, ch)
	cfg.NATS.URL = e.nats.ClientURL()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	// Pacing well above what the tests send, so every command goes out at
	// once and refusals come from the server, not from our own pacing.
	fast := &cytube.PaceLimits{ChatBurst: 100, ChatPerSecond: 1000, QueueBurst: 100, QueuePerSecond: 1000,
		ModQueueBurst: 100, ModQueuePerSecond: 1000, PlaylistEvery: time.Millisecond}
	svc, err := service.New(cfg, service.Options{Version: "0.0.0-contract", Session: func(c *cytube.Config) {
		c.BackoffMin, c.BackoffMax, c.ConnEvery = 20*time.Millisecond, 50*time.Millisecond, -1
		c.Pace = fast
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	e.ready()
	return e
}

func (e *env) count(subject string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, m := range e.msgs {
		if m.Subject == subject {
			n++
		}
	}
	return n
}

func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ready waits for the connector's logged-in status.
func (e *env) ready() {
	e.t.Helper()
	e.waitFor("logged-in status", func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, m := range e.msgs {
			if m.Subject != seed.Status() {
				continue
			}
			st := &eventsv1.ConnectorStatus{}
			if proto.Unmarshal(m.Data, st) == nil && st.GetState() == eventsv1.ConnectorState_CONNECTOR_STATE_LOGGED_IN {
				return true
			}
		}
		return false
	})
}

// request sends one command body and returns the CommandResult. isJSON
// picks the Content-Type; the reply comes in the same encoding.
func (e *env) request(action string, body []byte, isJSON bool, deadline time.Duration, correlation string) *commandsv1.CommandResult {
	e.t.Helper()
	msg := &nats.Msg{Subject: seed.Command(action), Data: body, Header: nats.Header{}}
	ct := bus.ContentTypeProtobuf
	if isJSON {
		ct = bus.ContentTypeJSON
	}
	msg.Header.Set(bus.HeaderContentType, ct)
	msg.Header.Set(bus.HeaderDeadlineMs, fmt.Sprint(deadline.Milliseconds()))
	if correlation != "" {
		msg.Header.Set(bus.HeaderCorrelationID, correlation)
	}
	ctx, cancel := context.WithTimeout(e.t.Context(), deadline+5*time.Second)
	defer cancel()
	resp, err := e.nc.RequestMsgWithContext(ctx, msg)
	if err != nil {
		e.t.Fatalf("request %s: %v", msg.Subject, err)
	}
	res := &commandsv1.CommandResult{}
	if strings.HasPrefix(resp.Header.Get(bus.HeaderContentType), bus.ContentTypeJSON) || isJSON {
		err = protojson.Unmarshal(resp.Data, res)
	} else {
		err = proto.Unmarshal(resp.Data, res)
	}
	if err != nil {
		e.t.Fatalf("result of %s (%q): %v", action, resp.Data, err)
	}
	return res
}
