package state

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	statev1 "github.com/roseybot/cytube-connector/gen/go/rosey/state/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/mapping"
)

// fixed is a Source holding a snapshot value the test sets.
type fixed struct {
	mu   sync.Mutex
	snap cytube.Snapshot
	st   cytube.State
}

func (f *fixed) Snapshot() cytube.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}

func (f *fixed) State() cytube.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

func (f *fixed) set(fn func(*cytube.Snapshot, *cytube.State)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(&f.snap, &f.st)
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func scene() cytube.Snapshot {
	return cytube.Snapshot{
		Channel: "testchan", OwnName: "bot", OwnRank: 3,
		Users: []cytube.User{
			{Name: "bot", Rank: 3},
			{Name: "alice", Rank: 1, AFK: true},
			{Name: "bob", Rank: 2, Muted: true, Smuted: true, IP: "hidden"},
		},
		UserCount: 4, Leader: "alice",
		Playlist: []cytube.PlaylistItem{
			{UID: 7, QueueBy: "alice", Media: cytube.Media{ID: "a", Title: "Song A", Seconds: 90, Duration: "01:30", Type: "cm"}},
			{UID: 9, Temp: true, QueueBy: "bob", Media: cytube.Media{ID: "b", Title: "Song B", Seconds: 30.5, Duration: "00:30", Type: "yt"}},
		},
		CurrentUID: 7, HasCurrent: true, Locked: true, PlaylistLen: 2, RawTime: 120.5,
		NowPlaying: &cytube.NowPlaying{Media: cytube.Media{ID: "a", Title: "Song A", Seconds: 90, Duration: "01:30", Type: "cm"}, CurrentTime: 10, UpdatedAt: t0},
		Poll: &cytube.Poll{Title: "Best?", Options: []string{"A", "B"}, Counts: []*cytubev1.PollCount{{Value: &cytubev1.PollCount_Count{Count: 2}}, {Value: &cytubev1.PollCount_Obscured{Obscured: "?"}}},
			Initiator: "alice", Timestamp: t0.UnixMilli()},
		Options:     json.RawMessage(`{"allow_voteskip":true,"pagetitle":"Test","afk_timeout":600}`),
		Permissions: map[string]float64{"playlistadd": 1.5, "chat": 0},
	}
}

type fixture struct {
	t   *testing.T
	nc  *nats.Conn
	js  jetstream.JetStream
	src *fixed
	clk *clock
	svc *Service
}

func newFixture(t *testing.T, scope bus.Scope, mirror bool) *fixture {
	t.Helper()
	srv := bustest.RunServer(t)
	f := &fixture{t: t, nc: bustest.Connect(t, srv), src: &fixed{snap: scene(), st: cytube.StateReady}, clk: &clock{t: t0.Add(5 * time.Second)}}
	js, err := jetstream.New(f.nc)
	if err != nil {
		t.Fatal(err)
	}
	f.js = js
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	svc, err := Start(ctx, f.nc, Config{
		Version: "1.2.3", Mirror: mirror, Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil)), Debounce: 20 * time.Millisecond, Now: f.clk.now,
		Channels: []Channel{{Scope: scope, Name: "testchan", Source: f.src}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	t.Cleanup(func() {
		if err := svc.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return f
}

func (f *fixture) request(subject string, body []byte, hdr nats.Header) *nats.Msg {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := f.nc.RequestMsgWithContext(ctx, &nats.Msg{Subject: subject, Data: body, Header: hdr})
	if err != nil {
		f.t.Fatalf("request %s: %v", subject, err)
	}
	return m
}

func expected() map[Aspect]proto.Message {
	media := &statev1.Media{Type: "cm", Id: "a", Title: "Song A", Seconds: 90, Duration: "01:30"}
	opts, _ := structpb.NewStruct(map[string]any{"allow_voteskip": true, "pagetitle": "Test", "afk_timeout": 600})
	return map[Aspect]proto.Message{
		AspectUsers: &statev1.UsersReply{Channel: "testchan", UserCount: 4, Leader: "alice", Users: []*statev1.User{
			{Name: "bot", Rank: 3}, {Name: "alice", Rank: 1, Afk: true}, {Name: "bob", Rank: 2, Muted: true, Smuted: true},
		}},
		AspectPlaylist: &statev1.PlaylistReply{Channel: "testchan", CurrentUid: proto.Int64(7), Locked: true, Count: 2, TotalSeconds: 120.5, Items: []*statev1.PlaylistItem{
			{Uid: 7, Media: media, QueuedBy: "alice"},
			{Uid: 9, Temp: true, QueuedBy: "bob", Media: &statev1.Media{Type: "yt", Id: "b", Title: "Song B", Seconds: 30.5, Duration: "00:30"}},
		}},
		AspectNowPlaying: &statev1.NowPlayingReply{Channel: "testchan", Media: media, PositionSeconds: 15, ReportedPositionSeconds: 10,
			ReportedAt: timestamppb.New(t0), AsOf: timestamppb.New(t0.Add(5 * time.Second))},
		AspectPoll: &statev1.PollReply{Channel: "testchan", Open: true, Title: "Best?", Options: []string{"A", "B"}, Initiator: "alice",
			OpenedAt: timestamppb.New(t0),
			Counts: []*statev1.PollCount{
				{Value: &statev1.PollCount_Count{Count: 2}},
				{Value: &statev1.PollCount_Obscured{Obscured: "?"}},
			}},
		AspectOptions:     &statev1.OptionsReply{Channel: "testchan", Options: opts},
		AspectPermissions: &statev1.PermissionsReply{Channel: "testchan", Permissions: map[string]float64{"playlistadd": 1.5, "chat": 0}},
		AspectSelf:        &statev1.SelfReply{Channel: "testchan", Name: "bot", Rank: proto.Float64(3), State: statev1.ConnectionState_CONNECTION_STATE_READY},
	}
}

func TestQueriesProtobufAndJSON(t *testing.T) {
	for _, scope := range []bus.Scope{{Platform: "cytube"}, {Platform: "cytube", Channel: "testchan"}} {
		t.Run("channel="+scope.Channel, func(t *testing.T) {
			f := newFixture(t, scope, false)
			for a, want := range expected() {
				subject := scope.Raw("state." + string(a))
				// Empty protobuf request.
				m := f.request(subject, nil, nil)
				if m.Header.Get("Content-Type") != bus.ContentTypeProtobuf || m.Header.Get("Nats-Service-Error") != "" {
					t.Fatalf("%s: headers %v", subject, m.Header)
				}
				got := want.ProtoReflect().New().Interface()
				if err := proto.Unmarshal(m.Data, got); err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
					t.Errorf("%s protobuf (-want +got):\n%s", subject, d)
				}
				// JSON via Accept with an empty body, and via a JSON body.
				for _, req := range []struct {
					body string
					hdr  nats.Header
				}{
					{"", nats.Header{"Accept": {"application/json"}}},
					{`{"channel":"TestChan"}`, nil},
				} {
					m := f.request(subject, []byte(req.body), req.hdr)
					if m.Header.Get("Content-Type") != bus.ContentTypeJSON {
						t.Fatalf("%s: JSON reply headers %v", subject, m.Header)
					}
					got := want.ProtoReflect().New().Interface()
					if err := protojson.Unmarshal(m.Data, got); err != nil {
						t.Fatalf("%s: %s: %v", subject, m.Data, err)
					}
					if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
						t.Errorf("%s JSON (-want +got):\n%s", subject, d)
					}
				}
			}
		})
	}
}

func TestQueryErrors(t *testing.T) {
	scope := bus.Scope{Platform: "cytube", Channel: "testchan"}
	f := newFixture(t, scope, false)
	// Every failure: the code in the headers and the same code in a
	// StateError body.
	check := func(what string, m *nats.Msg, want commandsv1.ErrorCode, text string) {
		t.Helper()
		se := &statev1.StateError{}
		unmarshal := proto.Unmarshal
		if m.Header.Get("Content-Type") == bus.ContentTypeJSON {
			unmarshal = protojson.Unmarshal
		}
		if err := unmarshal(m.Data, se); err != nil {
			t.Errorf("%s: body is not a StateError: %v", what, err)
		}
		if m.Header.Get("Nats-Service-Error-Code") != bus.ErrorCodeName(want) || se.GetCode() != want ||
			!strings.Contains(m.Header.Get("Nats-Service-Error"), text) || !strings.Contains(se.GetReason(), text) || se.GetChannel() != "testchan" {
			t.Errorf("%s: headers %v, body %v; want %s mentioning %q", what, m.Header, se, want, text)
		}
	}
	check("wrong channel", f.request(scope.Raw("state.users"), []byte(`{"channel":"elsewhere"}`), nil), commandsv1.ErrorCode_ERROR_CODE_WRONG_CHANNEL, "elsewhere")
	check("bad JSON", f.request(scope.Raw("state.users"), []byte(`{"channel":`), nil), commandsv1.ErrorCode_ERROR_CODE_INVALID, "state request")
	f.src.set(func(_ *cytube.Snapshot, st *cytube.State) { *st = cytube.StateBackoff })
	check("reconnecting", f.request(scope.Raw("state.playlist"), nil, nil), commandsv1.ErrorCode_ERROR_CODE_DISCONNECTED, "not joined")
	m := f.request(scope.Raw("state.self"), nil, nil)
	self := &statev1.SelfReply{}
	if err := proto.Unmarshal(m.Data, self); err != nil || self.GetState() != statev1.ConnectionState_CONNECTION_STATE_RECONNECTING {
		t.Errorf("self while reconnecting = %v %v (headers %v)", self, err, m.Header)
	}
	// A session never started here (in a fleet: owned elsewhere) stays
	// silent so that the owner's reply is the one received.
	f.src.set(func(_ *cytube.Snapshot, st *cytube.State) { *st = cytube.StateIdle })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if m, err := f.nc.RequestWithContext(ctx, scope.Raw("state.self"), nil); err == nil {
		t.Errorf("idle session answered: %v %s", m.Header, m.Data)
	}
}

// kvValue reads the current value and revision of a key.
func (f *fixture) kvValue(key string) (jetstream.KeyValueEntry, bool) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	kv, err := f.js.KeyValue(ctx, DefaultBucket)
	if err != nil {
		f.t.Fatal(err)
	}
	e, err := kv.Get(ctx, key)
	if err != nil {
		return nil, false
	}
	return e, true
}

func (f *fixture) waitKV(what, key string, cond func(jetstream.KeyValueEntry) bool) jetstream.KeyValueEntry {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if e, ok := f.kvValue(key); ok && cond(e) {
			return e
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settle waits until the writer has flushed everything marked so far: it
// marks a sentinel change and waits for it.
func (f *fixture) settle(scope bus.Scope, leader string) {
	f.t.Helper()
	f.src.set(func(s *cytube.Snapshot, _ *cytube.State) { s.Leader = leader })
	f.svc.Notify(scope, "setLeader")
	f.waitKV("leader "+leader, "cytube.testchan.users", func(e jetstream.KeyValueEntry) bool {
		u := &statev1.UsersReply{}
		return proto.Unmarshal(e.Value(), u) == nil && u.GetLeader() == leader
	})
}

func TestKeyValueMirror(t *testing.T) {
	scope := bus.Scope{Platform: "cytube"}
	f := newFixture(t, scope, true)
	want := expected()
	for _, a := range Aspects() {
		e := f.waitKV(string(a), Key("cytube", "testchan", a), func(jetstream.KeyValueEntry) bool { return true })
		got := want[a].ProtoReflect().New().Interface()
		if err := proto.Unmarshal(e.Value(), got); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want[a], got, protocmp.Transform()); d != "" {
			t.Errorf("%s (-want +got):\n%s", a, d)
		}
	}
	users, _ := f.kvValue("cytube.testchan.users")

	// Events that change nothing write nothing.
	f.svc.Notify(scope, "setAFK")
	f.svc.Notify(scope, "chatMsg")
	f.settle(scope, "bob")
	if e, _ := f.kvValue("cytube.testchan.users"); e.Revision() <= users.Revision() {
		t.Fatalf("users not rewritten after the leader changed")
	}

	// Many changes in a burst are coalesced; the last state wins.
	pl, _ := f.kvValue("cytube.testchan.playlist")
	before := pl.Revision()
	for i := range 50 {
		f.src.set(func(s *cytube.Snapshot, _ *cytube.State) {
			s.Playlist = append(s.Playlist, cytube.PlaylistItem{UID: int64(100 + i), Media: cytube.Media{ID: "x", Seconds: 1}})
		})
		f.svc.Notify(scope, "queue")
	}
	e := f.waitKV("52 items", "cytube.testchan.playlist", func(e jetstream.KeyValueEntry) bool {
		r := &statev1.PlaylistReply{}
		return proto.Unmarshal(e.Value(), r) == nil && r.GetCount() == 52
	})
	f.settle(scope, "alice")
	if e2, _ := f.kvValue("cytube.testchan.playlist"); e2.Revision() != e.Revision() {
		t.Errorf("playlist written again without a change")
	}
	kv, err := f.js.KeyValue(context.Background(), DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
	writes := countPlaylistWrites(t, kv, before)
	if writes >= 50 {
		t.Errorf("%d playlist writes for 50 queued items: not coalesced", writes)
	}

	// mediaUpdate that matches the running clock is not written; a seek is.
	np, _ := f.kvValue("cytube.testchan.now_playing")
	f.clk.add(5 * time.Second)
	f.src.set(func(s *cytube.Snapshot, _ *cytube.State) {
		np := *s.NowPlaying
		np.CurrentTime, np.UpdatedAt = 20.2, t0.Add(10*time.Second)
		s.NowPlaying = &np
	})
	f.svc.Notify(scope, "mediaUpdate")
	f.settle(scope, "bob")
	if e, _ := f.kvValue("cytube.testchan.now_playing"); e.Revision() != np.Revision() {
		t.Errorf("now_playing rewritten for a mediaUpdate on schedule")
	}
	f.src.set(func(s *cytube.Snapshot, _ *cytube.State) {
		np := *s.NowPlaying
		np.CurrentTime = 70
		s.NowPlaying = &np
	})
	f.svc.Notify(scope, "mediaUpdate")
	f.waitKV("seek", "cytube.testchan.now_playing", func(e jetstream.KeyValueEntry) bool {
		r := &statev1.NowPlayingReply{}
		return proto.Unmarshal(e.Value(), r) == nil && r.GetReportedPositionSeconds() == 70
	})

	// Not ready: nothing but self is written; Resync rewrites everything.
	perms, _ := f.kvValue("cytube.testchan.permissions")
	f.src.set(func(s *cytube.Snapshot, st *cytube.State) { *st = cytube.StateBackoff; s.Permissions = nil })
	f.svc.Touch(scope, AspectSelf, AspectPermissions)
	f.waitKV("self reconnecting", "cytube.testchan.self", func(e jetstream.KeyValueEntry) bool {
		r := &statev1.SelfReply{}
		return proto.Unmarshal(e.Value(), r) == nil && r.GetState() == statev1.ConnectionState_CONNECTION_STATE_RECONNECTING
	})
	if e, _ := f.kvValue("cytube.testchan.permissions"); e.Revision() != perms.Revision() {
		t.Errorf("permissions written while not ready")
	}
	f.src.set(func(s *cytube.Snapshot, st *cytube.State) {
		*st = cytube.StateReady
		s.Permissions = map[string]float64{"chat": 1}
	})
	opts, _ := f.kvValue("cytube.testchan.options")
	f.svc.Resync(scope)
	f.waitKV("options rewritten", "cytube.testchan.options", func(e jetstream.KeyValueEntry) bool { return e.Revision() > opts.Revision() })
	e = f.waitKV("permissions", "cytube.testchan.permissions", func(e jetstream.KeyValueEntry) bool { return e.Revision() > perms.Revision() })
	p := &statev1.PermissionsReply{}
	if err := proto.Unmarshal(e.Value(), p); err != nil || p.GetPermissions()["chat"] != 1 {
		t.Errorf("permissions after resync = %v %v", p, err)
	}

	// Stop writes the pending self key: watchers see the session stopped.
	f.src.set(func(_ *cytube.Snapshot, st *cytube.State) { *st = cytube.StateStopped })
	f.svc.Touch(scope, AspectSelf)
	if err := f.svc.Stop(); err != nil {
		t.Fatal(err)
	}
	e, _ = f.kvValue("cytube.testchan.self")
	self := &statev1.SelfReply{}
	if err := proto.Unmarshal(e.Value(), self); err != nil || self.GetState() != statev1.ConnectionState_CONNECTION_STATE_STOPPED {
		t.Errorf("self after Stop = %v %v", self, err)
	}
}

// countPlaylistWrites bounds the playlist writes after revision rev: the
// bucket's stream sequence counts every write of every key since, so it is
// an upper bound (history 1 keeps no older values to count directly).
func countPlaylistWrites(t *testing.T, kv jetstream.KeyValue, rev uint64) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	info := st.(*jetstream.KeyValueBucketStatus).StreamInfo()
	return int(info.State.LastSeq - rev)
}

func TestDiscoveryAndNoStreamSubjectClash(t *testing.T) {
	scope := bus.Scope{Platform: "cytube"}
	f := newFixture(t, scope, false)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := f.nc.RequestWithContext(ctx, "$SRV.INFO."+DefaultName, nil)
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Name      string `json:"name"`
		Version   string `json:"version"`
		Endpoints []struct {
			Subject string `json:"subject"`
		} `json:"endpoints"`
	}
	if err := json.Unmarshal(m.Data, &info); err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, e := range info.Endpoints {
		subjects = append(subjects, e.Subject)
	}
	wantSubjects := []string{"rosey.platform.cytube.state.users", "rosey.platform.cytube.state.playlist", "rosey.platform.cytube.state.now_playing",
		"rosey.platform.cytube.state.poll", "rosey.platform.cytube.state.options", "rosey.platform.cytube.state.permissions", "rosey.platform.cytube.state.self"}
	if info.Name != DefaultName || info.Version != "1.2.3" || !cmp.Equal(subjects, wantSubjects) {
		t.Errorf("info = %+v", info)
	}
	// No CyTube event is published under a "state" group, so the event
	// stream's <prefix>.<group>.* subjects never capture the queries.
	for _, ev := range mapping.Events() {
		sub, _ := mapping.RawSubject(ev)
		if g, _, _ := strings.Cut(sub, "."); g == "state" {
			t.Errorf("event %s is published on %s, inside the state query subjects", ev, sub)
		}
	}
}

func TestAspectOf(t *testing.T) {
	for ev, a := range eventAspects {
		if _, ok := mapping.RawSubject(ev); !ok {
			t.Errorf("%s → %s is not a modelled CyTube event", ev, a)
		}
	}
	if _, ok := AspectOf("chatMsg"); ok {
		t.Errorf("chatMsg changes no aspect")
	}
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestChannelModeSharesOneEndpointPerAspect serves two channels from one
// wildcard subscription per aspect: each channel answers for itself, and a
// channel this process does not serve gets no answer.
func TestChannelModeSharesOneEndpointPerAspect(t *testing.T) {
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	one, two := scene(), scene()
	one.Channel, two.Channel = "one", "two"
	two.OwnName = "other"
	svc, err := Start(ctx, nc, Config{Channels: []Channel{
		{Scope: bus.Scope{Platform: "cytube", Channel: "one"}, Name: "one", Source: &fixed{snap: one, st: cytube.StateReady}},
		{Scope: bus.Scope{Platform: "cytube", Channel: "two"}, Name: "two", Source: &fixed{snap: two, st: cytube.StateReady}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	if n := len(svc.Info().Endpoints); n != len(Aspects()) {
		t.Errorf("%d endpoints for two channels, want one per aspect (%d)", n, len(Aspects()))
	}
	for name, own := range map[string]string{"one": "bot", "two": "other"} {
		rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
		m, err := nc.RequestWithContext(rctx, "rosey.platform.cytube."+name+".state.self", nil)
		rcancel()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got statev1.SelfReply
		if err := proto.Unmarshal(m.Data, &got); err != nil || got.GetChannel() != name || got.GetName() != own {
			t.Errorf("%s: self = %v (%v)", name, &got, err)
		}
	}
	rctx, rcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer rcancel()
	if _, err := nc.RequestWithContext(rctx, "rosey.platform.cytube.three.state.self", nil); err == nil {
		t.Error("a channel this process does not serve got an answer")
	}
}

// TestReplyMessage: the reply type each aspect names (and the AsyncAPI
// document publishes) is the one build makes.
func TestReplyMessage(t *testing.T) {
	for _, a := range Aspects() {
		got := build(a, "c", cytube.Snapshot{}, cytube.StateReady, time.Unix(0, 0)).ProtoReflect().Descriptor().FullName()
		if want := a.ReplyMessage(); got != want {
			t.Errorf("%s: build makes %s, ReplyMessage says %s", a, got, want)
		}
	}
}
