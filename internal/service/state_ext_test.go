package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	statev1 "github.com/roseybot/cytube-connector/gen/go/rosey/state/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/connectortest"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
	"github.com/roseybot/cytube-connector/internal/service"
	"github.com/roseybot/cytube-connector/internal/state"
)

// stateEnv is one connector (seed mode, JetStream on) against a real
// nats-server and the Go CyTube server, with a watcher on the state
// bucket and a recorder on the status subject.
type stateEnv struct {
	*connectortest.Connector
	t     *testing.T
	nc    *nats.Conn
	cyt   *cytubetest.Server
	scope bus.Scope

	mu sync.Mutex
	kv map[string]jetstream.KeyValueEntry
}

func newStateEnv(t *testing.T) *stateEnv {
	t.Helper()
	scope := bus.Scope{Platform: "cytube"}
	c := connectortest.Start(t, connectortest.Options{
		Filter: scope.Status(), CyTube: cytubetest.Options{LeadIn: -1}, Password: botPassword,
		Config: func(cfg *config.Config) { cfg.NATS.JetStream = true },
	})
	e := &stateEnv{Connector: c, t: t, nc: c.Conn(), cyt: c.CyTube, scope: scope, kv: map[string]jetstream.KeyValueEntry{}}
	e.ready(1)
	e.watch()
	return e
}

// watch records the latest entry of every key of the state bucket.
func (e *stateEnv) watch() {
	js, err := jetstream.New(e.nc)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	kv, err := js.KeyValue(ctx, state.DefaultBucket)
	if err != nil {
		cancel()
		e.t.Fatalf("state bucket: %v", err)
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		cancel()
		e.t.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-ctx.Done():
				return
			case en, ok := <-w.Updates():
				if !ok {
					return
				}
				if en != nil {
					e.mu.Lock()
					e.kv[en.Key()] = en
					e.mu.Unlock()
				}
			}
		}
	}()
	e.t.Cleanup(func() {
		_ = w.Stop()
		cancel()
		<-stopped
	})
}

func (e *stateEnv) waitFor(what string, cond func() bool) {
	e.t.Helper()
	if !poll(cond) {
		e.t.Fatalf("timed out waiting for %s", what)
	}
}

// poll reports whether cond became true within 10 s.
func poll(cond func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

func (e *stateEnv) ready(n int) {
	e.t.Helper()
	e.Rec.Until(e.t, fmt.Sprintf("login #%d", n), 10*time.Second, func() bool {
		return e.CountState(e.scope, eventsv1.ConnectorState_CONNECTOR_STATE_LOGGED_IN) >= n
	})
}

// query asks one state aspect over NATS (protobuf); ok is false for an
// error reply (the channel not joined yet).
func (e *stateEnv) query(a state.Aspect, into proto.Message) bool {
	e.t.Helper()
	return e.Query(a, into)
}

// command sends a JSON command and fails the test unless it succeeded.
func (e *stateEnv) command(action, body string) {
	e.t.Helper()
	if res := e.JSON(action, body); !res.GetOk() {
		e.t.Fatalf("command %s %s = %v", action, body, res)
	}
}

func (e *stateEnv) entry(a state.Aspect) (jetstream.KeyValueEntry, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	en, ok := e.kv[state.Key("cytube", "testchan", a)]
	return en, ok
}

// replies queries every aspect; positions are left out of now_playing
// (they move with the clock) and users are sorted by name (a reconnect
// moves the bot to the end of CyTube's list).
func (e *stateEnv) replies() map[state.Aspect]proto.Message {
	e.t.Helper()
	out := map[state.Aspect]proto.Message{}
	for a, m := range emptyReplies() {
		if !e.query(a, m) {
			return nil
		}
		out[a] = comparable(m)
	}
	return out
}

func emptyReplies() map[state.Aspect]proto.Message {
	return map[state.Aspect]proto.Message{
		state.AspectUsers: &statev1.UsersReply{}, state.AspectPlaylist: &statev1.PlaylistReply{},
		state.AspectNowPlaying: &statev1.NowPlayingReply{}, state.AspectPoll: &statev1.PollReply{},
		state.AspectOptions: &statev1.OptionsReply{}, state.AspectPermissions: &statev1.PermissionsReply{},
		state.AspectSelf: &statev1.SelfReply{},
	}
}

func comparable(m proto.Message) proto.Message {
	m = proto.Clone(m)
	switch r := m.(type) {
	case *statev1.NowPlayingReply:
		r.PositionSeconds, r.ReportedPositionSeconds, r.ReportedAt, r.AsOf = 0, 0, nil, nil
	case *statev1.UsersReply:
		slices.SortFunc(r.Users, func(a, b *statev1.User) int { return strings.Compare(a.GetName(), b.GetName()) })
	}
	return m
}

// kvMatchesQueries waits until every key holds what the query answers,
// written after minRev (0: any revision).
func (e *stateEnv) kvMatchesQueries(minRev map[state.Aspect]uint64) {
	e.t.Helper()
	var diff string
	deadline := time.Now().Add(10 * time.Second)
	for {
		diff = ""
		want := e.replies()
		for a, m := range emptyReplies() {
			en, ok := e.entry(a)
			switch {
			case !ok:
				diff += fmt.Sprintf("%s: no key; ", a)
			case en.Revision() <= minRev[a]:
				diff += fmt.Sprintf("%s: revision %d not after %d; ", a, en.Revision(), minRev[a])
			case proto.Unmarshal(en.Value(), m) != nil:
				diff += fmt.Sprintf("%s: undecodable value; ", a)
			case want == nil || !proto.Equal(comparable(m), want[a]):
				diff += fmt.Sprintf("%s: kv %v, query %v; ", a, comparable(m), want[a])
			}
		}
		if diff == "" {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("key-value mirror differs from the queries: %s", diff)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *stateEnv) revisions() map[state.Aspect]uint64 {
	out := map[state.Aspect]uint64{}
	for _, a := range state.Aspects() {
		if en, ok := e.entry(a); ok {
			out[a] = en.Revision()
		}
	}
	return out
}

func TestStateQueriesKVAndResync(t *testing.T) {
	e := newStateEnv(t)

	// Scene: users join, leave, change rank and mute state.
	e.cyt.AddFakeUser("alice", 1)
	e.cyt.AddFakeUser("bob", 1)
	e.cyt.AddFakeUser("carol", 0)
	e.cyt.RemoveFakeUser("carol")
	e.command("channel_rank", `{"username":"bob","rank":2}`)
	e.command("mute", `{"username":"alice"}`)
	// Media: three items queued (the first starts), one moved, one deleted,
	// then the next one plays.
	for _, m := range []cytubetest.Media{
		{ID: "https://example.com/a.json", Title: "Song A", Seconds: 90},
		{ID: "https://example.com/b.json", Title: "Song B", Seconds: 30},
		{ID: "https://example.com/c.json", Title: "Song C", Seconds: 60},
	} {
		e.cyt.Queue("alice", m, false)
	}
	var pl statev1.PlaylistReply
	e.waitFor("three items", func() bool { return e.query(state.AspectPlaylist, &pl) && len(pl.GetItems()) == 3 })
	uid := map[string]int64{}
	for _, it := range pl.GetItems() {
		uid[it.GetMedia().GetTitle()] = it.GetUid()
	}
	e.command("media_move", fmt.Sprintf(`{"uid":%d,"afterUid":%d}`, uid["Song C"], uid["Song A"]))
	e.command("media_delete", fmt.Sprintf(`{"uid":%d}`, uid["Song B"]))
	e.cyt.ChangeMedia()
	// A poll opens and gets a vote; options change.
	e.cyt.OpenPoll("Best?", []string{"A", "B"})
	e.waitFor("poll", func() bool { var p statev1.PollReply; return e.query(state.AspectPoll, &p) && p.GetOpen() })
	e.command("poll_vote", `{"option":1}`)
	if err := e.cyt.SetChannelOptions(json.RawMessage(`{"pagetitle":"State test"}`)); err != nil {
		t.Fatal(err)
	}

	want := map[state.Aspect]proto.Message{
		state.AspectUsers: &statev1.UsersReply{Channel: "testchan", UserCount: 1, Users: []*statev1.User{
			{Name: "alice", Rank: 1, Muted: true}, {Name: "bob", Rank: 2}, {Name: "bot", Rank: 3},
		}},
		state.AspectPlaylist: &statev1.PlaylistReply{Channel: "testchan", CurrentUid: proto.Int64(uid["Song C"]), Locked: true, Count: 2, TotalSeconds: 150, Items: []*statev1.PlaylistItem{
			{Uid: uid["Song A"], QueuedBy: "alice", Media: &statev1.Media{Type: "cm", Id: "https://example.com/a.json", Title: "Song A", Seconds: 90, Duration: "01:30"}},
			{Uid: uid["Song C"], QueuedBy: "alice", Media: &statev1.Media{Type: "cm", Id: "https://example.com/c.json", Title: "Song C", Seconds: 60, Duration: "01:00"}},
		}},
		state.AspectNowPlaying: &statev1.NowPlayingReply{Channel: "testchan",
			Media: &statev1.Media{Type: "cm", Id: "https://example.com/c.json", Title: "Song C", Seconds: 60, Duration: "01:00"}},
		state.AspectPoll: &statev1.PollReply{Channel: "testchan", Open: true, Title: "Best?", Options: []string{"A", "B"}, Initiator: "cytubetest",
			Counts: []*statev1.PollCount{{Value: &statev1.PollCount_Count{Count: 0}}, {Value: &statev1.PollCount_Count{Count: 1}}}},
		state.AspectSelf: &statev1.SelfReply{Channel: "testchan", Name: "bot", Rank: proto.Float64(3), State: statev1.ConnectionState_CONNECTION_STATE_READY},
	}
	check := func(when string) map[state.Aspect]proto.Message {
		t.Helper()
		var got map[state.Aspect]proto.Message
		var diff string
		poll(func() bool {
			got, diff = e.replies(), ""
			if got == nil {
				diff = "not ready"
				return false
			}
			for a, w := range want {
				g := proto.Clone(got[a])
				if p, ok := g.(*statev1.PollReply); ok {
					p.OpenedAt = nil
				}
				if !proto.Equal(g, w) {
					diff += fmt.Sprintf("\n%s: got %v\n want %v", a, g, w)
				}
			}
			o := got[state.AspectOptions].(*statev1.OptionsReply).GetOptions().GetFields()["pagetitle"].GetStringValue()
			if o != "State test" {
				diff += "\noptions pagetitle = " + o
			}
			if len(got[state.AspectPermissions].(*statev1.PermissionsReply).GetPermissions()) == 0 {
				diff += "\nno permissions"
			}
			return diff == ""
		})
		if diff != "" {
			t.Fatalf("state after %s: %s", when, diff)
		}
		return got
	}
	check("the scene")
	var np statev1.NowPlayingReply
	e.query(state.AspectNowPlaying, &np)
	if np.GetReportedAt() == nil || np.GetPaused() || np.GetPositionSeconds() < np.GetReportedPositionSeconds() {
		t.Errorf("now playing position = %v", &np)
	}
	e.kvMatchesQueries(nil)

	// A dropped connection: the state is rebuilt from the join burst and
	// every key is rewritten (resync).
	revs := e.revisions()
	e.cyt.DropAll()
	e.ready(2)
	check("a dropped connection")
	e.kvMatchesQueries(revs)

	// A CyTube restart.
	revs = e.revisions()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.cyt.Restart(ctx, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	e.ready(3)
	check("a restart")
	e.kvMatchesQueries(revs)

	// Discovery: $SRV.PING finds the state service next to the command
	// service; $SRV.INFO lists its endpoints (what `nats micro ls/info` use).
	inbox := nats.NewInbox()
	pings, err := e.nc.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pings.Unsubscribe() }()
	if err := e.nc.PublishRequest("$SRV.PING", inbox, nil); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for !names[state.DefaultName] || !names["cytube-connector"] {
		m, err := pings.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("$SRV.PING: %v (got %v)", err, names)
		}
		var p struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(m.Data, &p) == nil {
			names[p.Name] = true
		}
	}
	m, err := e.nc.Request("$SRV.INFO."+state.DefaultName, nil, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	type srvInfo struct {
		Metadata  map[string]string `json:"metadata"`
		Endpoints []struct {
			Subject  string            `json:"subject"`
			Metadata map[string]string `json:"metadata"`
		} `json:"endpoints"`
	}
	var info srvInfo
	if err := json.Unmarshal(m.Data, &info); err != nil || len(info.Endpoints) != len(state.Aspects()) {
		t.Fatalf("$SRV.INFO = %s (%v)", m.Data, err)
	}
	if got := info.Metadata["asyncapi"]; got != bus.AsyncAPIDocument {
		t.Errorf("state service metadata asyncapi = %q", got)
	}
	for i, a := range state.Aspects() {
		ep := info.Endpoints[i]
		if got := ep.Subject; got != "rosey.platform.cytube.state."+string(a) {
			t.Errorf("endpoint %d subject = %s", i, got)
		}
		if ep.Metadata["result_type"] != string(a.ReplyMessage()) || ep.Metadata["request_type"] != "rosey.state.v1.StateRequest" ||
			ep.Metadata["error_type"] != "rosey.state.v1.StateError" {
			t.Errorf("endpoint %s metadata = %v", ep.Subject, ep.Metadata)
		}
	}

	// The command service's endpoints name their request and result types.
	m, err = e.nc.Request("$SRV.INFO.cytube-connector", nil, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var cinfo srvInfo
	if err := json.Unmarshal(m.Data, &cinfo); err != nil || len(cinfo.Endpoints) == 0 {
		t.Fatalf("$SRV.INFO.cytube-connector = %s (%v)", m.Data, err)
	}
	if got := cinfo.Metadata["asyncapi"]; got != bus.AsyncAPIDocument {
		t.Errorf("command service metadata asyncapi = %q", got)
	}
	for _, ep := range cinfo.Endpoints {
		md := ep.Metadata
		if md["result_type"] != "rosey.commands.v1.CommandResult" {
			t.Errorf("endpoint %s result_type = %q", ep.Subject, md["result_type"])
		}
		switch {
		case md["scope_prefix"] != "":
			for _, want := range []string{"chat=rosey.commands.v1.ChatCommand", "playlist_request=rosey.commands.v1.RequestPlaylistCommand"} {
				if !strings.Contains(md["request_types"], want) {
					t.Errorf("endpoint %s request_types lacks %s: %q", ep.Subject, want, md["request_types"])
				}
			}
		case md["action"] != "":
			if md["request_type"] != "rosey.commands.v1.SendMessage" {
				t.Errorf("endpoint %s request_type = %q", ep.Subject, md["request_type"])
			}
		default:
			t.Errorf("endpoint %s has neither scope_prefix nor action: %v", ep.Subject, md)
		}
	}
}

// TestStateSubjectsOutsideStream checks that the JetStream stream of
// events never captures a state query (it would answer it with its own
// ack), in both subject layouts.
func TestStateSubjectsOutsideStream(t *testing.T) {
	for _, sc := range []bus.Scope{{Platform: "cytube"}, {Platform: "cytube", Channel: "testchan"}} {
		filters := service.StreamSubjects(sc)
		for _, a := range state.Aspects() {
			subject := sc.Raw("state." + string(a))
			for _, f := range filters {
				if subjectMatches(f, subject) {
					t.Errorf("stream filter %s captures the state query %s", f, subject)
				}
			}
		}
		if !slices.ContainsFunc(filters, func(f string) bool { return subjectMatches(f, sc.Raw("chat")) }) {
			t.Errorf("filters %v do not capture %s: the check above proves nothing", filters, sc.Raw("chat"))
		}
	}
}

// subjectMatches implements NATS subject matching for '*' and '>'.
func subjectMatches(filter, subject string) bool {
	f, s := strings.Split(filter, "."), strings.Split(subject, ".")
	for i, tok := range f {
		switch {
		case tok == ">":
			return len(s) > i
		case i >= len(s):
			return false
		case tok != "*" && tok != s[i]:
			return false
		}
	}
	return len(f) == len(s)
}
