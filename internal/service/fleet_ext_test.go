package service_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protojson"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
	"github.com/roseybot/cytube-connector/internal/fleet"
	"github.com/roseybot/cytube-connector/internal/service"
)

// TestFleetModeRunsEachChannelOnceAndHandsOver runs two connectors in
// fleet mode on three channels: every channel is served (commands
// answered) by exactly one of them, and when one shuts down the other
// takes its channels over without a duplicate login.
func TestFleetModeRunsEachChannelOnceAndHandsOver(t *testing.T) {
	natsSrv := bustest.RunServer(t)
	nc := bustest.Connect(t, natsSrv)
	cyt, err := cytubetest.New(cytubetest.Options{Accounts: map[string]cytubetest.Account{"bot": {Password: botPassword, Rank: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cyt.Close() })
	names := []string{"one", "two", "three"}

	cfg := config.Default()
	for _, name := range names {
		ch := config.DefaultChannel()
		ch.Host, ch.Secure, ch.Channel, ch.Username, ch.Password = cyt.Addr(), false, name, "bot", config.Secret(botPassword)
		cfg.Channels = append(cfg.Channels, ch)
	}
	cfg.NATS.URL = natsSrv.ClientURL()
	cfg.NATS.JetStream = false
	cfg.Fleet.Enabled, cfg.Fleet.Bucket, cfg.Fleet.LeaseTTL = true, "SVC_LEASES", 30*time.Second
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	start := func(id string) *fleetInstance {
		c := cfg
		c.Fleet.InstanceID = id
		svc, err := service.New(c, service.Options{Session: func(c *cytube.Config) {
			c.BackoffMin, c.BackoffMax, c.ConnEvery = 20*time.Millisecond, 50*time.Millisecond, -1
		}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		in := &fleetInstance{cancel: cancel, done: make(chan error, 1)}
		go func() { in.done <- svc.Run(ctx) }()
		t.Cleanup(func() { in.stop(t) })
		return in
	}
	a := start("a")
	start("b")

	js, _ := jetstream.New(nc)
	owners := func() map[string]string {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		out := map[string]string{}
		kv, err := js.KeyValue(ctx, "SVC_LEASES")
		if err != nil {
			return out
		}
		for _, n := range names {
			if e, err := kv.Get(ctx, fleet.Key(n)); err == nil {
				if l, err := fleet.ParseLease(e.Value()); err == nil {
					out[n] = l.Owner
				}
			}
		}
		return out
	}
	// chatOK sends a chat command to every channel and reports whether
	// each was confirmed.
	chatOK := func() bool {
		for _, n := range names {
			sc := bus.Scope{Platform: "cytube", Channel: n}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			msg := &nats.Msg{Subject: sc.Command("chat"), Data: []byte(`{"message":"hi ` + n + `"}`), Header: nats.Header{"Content-Type": {"application/json"}}}
			resp, err := nc.RequestMsgWithContext(ctx, msg)
			cancel()
			if err != nil {
				return false
			}
			res := &commandsv1.CommandResult{}
			if protojson.Unmarshal(resp.Data, res) != nil || !res.GetOk() {
				return false
			}
		}
		return true
	}
	waitFleet := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out: %s (owners %v)", what, owners())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFleet("every channel leased and answering", func() bool { return len(owners()) == 3 && chatOK() })
	// Only the owner answers a state query: the other process keeps its
	// copy of the channel idle and silent.
	for _, n := range names {
		if got := stateAnswers(t, nc, bus.Scope{Platform: "cytube", Channel: n}.Raw("state.self")); got != 1 {
			t.Errorf("channel %s: %d processes answered the state query, want 1", n, got)
		}
	}

	a.stop(t)
	// The TTL is 30 s: a takeover within seconds comes from a's release.
	waitFleet("b serves every channel", func() bool {
		o := owners()
		return o["one"] == "b" && o["two"] == "b" && o["three"] == "b" && chatOK()
	})
	for _, f := range cyt.Sent() {
		if strings.Contains(f.Text, "Duplicate login") {
			t.Errorf("duplicate login kicked: %s", f.Text)
		}
	}
}

// fleetInstance is one connector of the fleet test.
type fleetInstance struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// stop cancels the connector and checks that Run returns nil in time.
func (in *fleetInstance) stop(t *testing.T) {
	in.once.Do(func() {
		in.cancel()
		select {
		case err := <-in.done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
}

// stateAnswers sends one request and counts the replies within 500 ms.
func stateAnswers(t *testing.T, nc *nats.Conn, subject string) int {
	t.Helper()
	inbox := nats.NewInbox()
	replies := make(chan *nats.Msg, 8)
	sub, err := nc.ChanSubscribe(inbox, replies)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.PublishRequest(subject, inbox, nil); err != nil {
		t.Fatal(err)
	}
	n := 0
	deadline := time.After(500 * time.Millisecond)
	for {
		select {
		case <-replies:
			n++
		case <-deadline:
			return n
		}
	}
}
