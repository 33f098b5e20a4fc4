package service_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
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
	names := []string{"one", "two", "three"}
	f := newFleetEnv(t, names, "SVC_LEASES", func(c *config.Config) { c.NATS.JetStream = false })
	nc, cyt, owners := f.nc, f.cyt, f.owners
	a := f.start(t, "a")
	f.start(t, "b")

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
	waitFleet := func(what string, cond func() bool) { t.Helper(); f.wait(t, what, cond) }
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

// fleetEnv is a NATS server, a CyTube test server and the configuration
// of connectors that share names in fleet mode.
type fleetEnv struct {
	nc     *nats.Conn
	cyt    *cytubetest.Server
	names  []string
	bucket string
	cfg    config.Config
}

func newFleetEnv(t *testing.T, names []string, bucket string, adjust func(*config.Config)) *fleetEnv {
	t.Helper()
	natsSrv := bustest.RunServer(t)
	cyt, err := cytubetest.New(cytubetest.Options{Accounts: map[string]cytubetest.Account{"bot": {Password: botPassword, Rank: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cyt.Close() })
	cfg := config.Default()
	for _, name := range names {
		ch := config.DefaultChannel()
		ch.Host, ch.Secure, ch.Channel, ch.Username, ch.Password = cyt.Addr(), false, name, "bot", config.Secret(botPassword)
		cfg.Channels = append(cfg.Channels, ch)
	}
	cfg.NATS.URL = natsSrv.ClientURL()
	cfg.Fleet.Enabled, cfg.Fleet.Bucket, cfg.Fleet.LeaseTTL = true, bucket, 30*time.Second
	adjust(&cfg)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return &fleetEnv{nc: bustest.Connect(t, natsSrv), cyt: cyt, names: names, bucket: bucket, cfg: cfg}
}

// start runs one connector of the fleet as instance id.
func (f *fleetEnv) start(t *testing.T, id string) *fleetInstance {
	t.Helper()
	c := f.cfg
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

// owners reads the lease holders of the channels.
func (f *fleetEnv) owners() map[string]string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	out := map[string]string{}
	js, _ := jetstream.New(f.nc)
	kv, err := js.KeyValue(ctx, f.bucket)
	if err != nil {
		return out
	}
	for _, n := range f.names {
		if e, err := kv.Get(ctx, fleet.Key(n)); err == nil {
			if l, err := fleet.ParseLease(e.Value()); err == nil {
				out[n] = l.Owner
			}
		}
	}
	return out
}

// wait polls cond for up to 20 s.
func (f *fleetEnv) wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s (owners %v)", what, f.owners())
		}
		time.Sleep(50 * time.Millisecond)
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

// TestFleetHandOverGapAndNoDuplicates: with JetStream and a 100 ms
// duplicate window, process a stops and b takes its channels over while
// chat goes on. Every line CyTube delivered is stored once per channel,
// although b's joins replay the history a already stored, and each
// channel a served gets one LEASE_HANDOVER gap; b's own channels none.
func TestFleetHandOverGapAndNoDuplicates(t *testing.T) {
	names := []string{"one", "two", "three", "four"}
	f := newFleetEnv(t, names, "HANDOVER_LEASES", func(c *config.Config) {
		c.NATS.JetStream = true
		c.NATS.DuplicateWindow = 100 * time.Millisecond
	})
	nc, cyt, owners, wait := f.nc, f.cyt, f.owners, func(what string, cond func() bool) { t.Helper(); f.wait(t, what, cond) }
	js, _ := jetstream.New(nc)
	start := func(id string) *fleetInstance { return f.start(t, id) }
	var mu sync.Mutex
	seen := map[string]bool{}
	sub, err := nc.Subscribe("rosey.platform.cytube.*.chat", func(m *nats.Msg) {
		cm := &cytubev1.ChatMsg{}
		if proto.Unmarshal(m.Data, cm) == nil {
			mu.Lock()
			seen[cm.GetMsg()] = true
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	published := func(text string) bool {
		mu.Lock()
		defer mu.Unlock()
		return seen[text]
	}
	seq := 0
	chat := func() (last []string) {
		for _, n := range names {
			seq++
			text := fmt.Sprintf("h-%s-%03d", n, seq)
			cyt.FakeChatIn(n, "alice", text)
			last = append(last, text)
		}
		return last
	}
	// chatUntilPublished chats a round every 200 ms until one round is
	// published on every channel.
	chatUntilPublished := func(what string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			round := chat()
			time.Sleep(200 * time.Millisecond)
			all := true
			for _, text := range round {
				all = all && published(text)
			}
			if all {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out: %s (owners %v)", what, owners())
			}
		}
	}
	a := start("a")
	wait("a holds every lease", func() bool {
		o := owners()
		for _, n := range names {
			if o[n] != "a" {
				return false
			}
		}
		return true
	})
	chatUntilPublished("a serves every channel")
	start("b")
	for range 5 {
		chat()
	}
	time.Sleep(1500 * time.Millisecond) // stored, and the checkpoints follow
	a.stop(t)
	for range 3 {
		chat() // while the channels change hands
	}
	wait("b holds every lease", func() bool {
		o := owners()
		for _, n := range names {
			if o[n] != "b" {
				return false
			}
		}
		return true
	})
	chatUntilPublished("b serves every channel")
	time.Sleep(1500 * time.Millisecond) // every last line stored

	info, err := js.Stream(context.Background(), "ROSEY_CYTUBE")
	if err != nil {
		t.Fatal(err)
	}
	st, _ := info.Info(context.Background())
	stored, gaps := map[string]int{}, map[string][]eventsv1.GapReason{}
	for s := st.State.FirstSeq; s <= st.State.LastSeq; s++ {
		m, err := info.GetMsg(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(m.Subject, ".chat") && strings.HasPrefix(m.Subject, "rosey.platform.cytube."):
			cm := &cytubev1.ChatMsg{}
			if proto.Unmarshal(m.Data, cm) == nil && strings.HasPrefix(cm.GetMsg(), "h-") {
				stored[cm.GetMsg()]++
			}
		case strings.HasPrefix(m.Subject, "rosey.events.cytube.") && strings.HasSuffix(m.Subject, ".gap"):
			g := &eventsv1.Gap{}
			if err := proto.Unmarshal(m.Data, g); err != nil {
				t.Fatal(err)
			}
			gaps[g.GetChannel()] = append(gaps[g.GetChannel()], g.GetReason())
		}
	}
	dups, delivered := 0, deliveredChats(cyt, "h-")
	for text := range delivered {
		if c := stored[text]; c != 1 {
			t.Errorf("%s delivered, stored %d times, want 1", text, c)
		}
	}
	for text, c := range stored {
		if c > 1 {
			dups += c - 1
			t.Errorf("%s stored %d times", text, c)
		}
	}
	for _, n := range names {
		if got := fmt.Sprint(gaps[n]); got != "[GAP_REASON_LEASE_HANDOVER]" {
			t.Errorf("channel %s gaps %s, want one LEASE_HANDOVER", n, got)
		}
	}
	t.Logf("hand-over of %d channels: %d lines chatted, %d delivered, %d stored, %d duplicated, gaps %v", len(names), seq, len(delivered), len(stored), dups, gaps)
}
