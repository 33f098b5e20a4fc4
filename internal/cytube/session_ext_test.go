package cytube_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
	"github.com/roseybot/cytube-connector/internal/socketio"
)

// harness runs one Session against a cytubetest server and records what
// the session reports.
type harness struct {
	t    *testing.T
	srv  *cytubetest.Server
	sess *cytube.Session
	done chan error

	mu     sync.Mutex
	events []cytube.Event
	states []cytube.StateChange
	wake   chan struct{}
}

func newServer(t *testing.T, opts cytubetest.Options) *cytubetest.Server {
	t.Helper()
	if opts.Channel == "" {
		opts.Channel = "testchan"
	}
	if opts.Accounts == nil {
		opts.Accounts = map[string]cytubetest.Account{"bot": {Password: "s3cret-pw", Rank: 3}, "alice": {Password: "a", Rank: 1}}
	}
	srv, err := cytubetest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func start(t *testing.T, srv *cytubetest.Server, cfg cytube.Config) *harness {
	t.Helper()
	return startWith(t, srv, cfg, nil)
}

// startWith is start with setup called on the session before Run.
func startWith(t *testing.T, srv *cytubetest.Server, cfg cytube.Config, setup func(*cytube.Session)) *harness {
	t.Helper()
	h := &harness{t: t, srv: srv, done: make(chan error, 1), wake: make(chan struct{}, 1)}
	if cfg.Channel == "" {
		cfg.Channel = "testchan"
	}
	if cfg.Host == "" && cfg.SocketURL == "" {
		cfg.Host = srv.Addr()
	}
	if cfg.BackoffMin == 0 {
		cfg.BackoffMin = 20 * time.Millisecond
		cfg.BackoffMax = 50 * time.Millisecond
	}
	if cfg.ConnEvery == 0 {
		cfg.ConnEvery = -1
	}
	cfg.OnEvent = func(ev cytube.Event) {
		h.mu.Lock()
		h.events = append(h.events, ev)
		h.mu.Unlock()
		h.poke()
	}
	cfg.OnState = func(sc cytube.StateChange) {
		h.mu.Lock()
		h.states = append(h.states, sc)
		h.mu.Unlock()
		h.poke()
	}
	s, err := cytube.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.sess = s
	if setup != nil {
		setup(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { h.done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return h
}

func (h *harness) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// waitFor polls cond until it holds or 10 s pass.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case <-h.wake:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s; states: %v", what, h.stateNames())
		}
	}
}

func (h *harness) stateNames() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, s := range h.states {
		n := s.To.String()
		if s.Reason != "" {
			n += "(" + s.Reason + ")"
		}
		out = append(out, n)
	}
	return out
}

func (h *harness) readyCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, s := range h.states {
		if s.To == cytube.StateReady {
			n++
		}
	}
	return n
}

func (h *harness) eventsNamed(name string) []cytube.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []cytube.Event
	for _, e := range h.events {
		if e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

func (h *harness) waitReady(n int) {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("ready #%d", n), func() bool { return h.readyCount() >= n })
}

func received(srv *cytubetest.Server, prefix string) int {
	n := 0
	for _, f := range srv.Received() {
		if strings.HasPrefix(f.Text, prefix) {
			n++
		}
	}
	return n
}

func TestJoinLoginStateAndChat(t *testing.T) {
	srv := newServer(t, cytubetest.Options{})
	srv.AddFakeUser("carol", 1)
	h := start(t, srv, cytube.Config{Username: "bot", Password: "s3cret-pw"})
	h.waitReady(1)

	snap := h.sess.Snapshot()
	if snap.OwnName != "bot" || snap.OwnRank != 3 {
		t.Errorf("own = %q rank %v, want bot rank 3", snap.OwnName, snap.OwnRank)
	}
	names := map[string]bool{}
	for _, u := range snap.Users {
		names[u.Name] = true
	}
	if !names["bot"] || !names["carol"] || len(snap.Permissions) == 0 {
		t.Errorf("snapshot users %v perms %d", snap.Users, len(snap.Permissions))
	}
	if got := received(srv, `42["joinChannel"`); got != 1 {
		t.Errorf("joinChannel sent %d times, want 1", got)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conf, err := h.sess.Send(ctx, cytube.Request{Event: "chatMsg", Arg: map[string]any{"msg": "hello <b>world</b>", "meta": map[string]any{}}})
	if err != nil || conf.Event != "chatMsg" {
		t.Fatalf("Send chat = %+v, %v", conf, err)
	}
	h.waitFor("own echo", func() bool {
		for _, e := range h.eventsNamed("chatMsg") {
			if e.Self && !e.History && e.Key != "" {
				return true
			}
		}
		return false
	})

	srv.FakeChat("carol", "hi bot")
	h.waitFor("carol's chat", func() bool {
		for _, e := range h.eventsNamed("chatMsg") {
			if !e.Self && strings.Contains(string(e.Arg), "hi bot") {
				return true
			}
		}
		return false
	})

	conf, err = h.sess.Send(ctx, cytube.Request{Event: "pm", Arg: map[string]any{"to": "carol", "msg": "psst"}})
	if err != nil || conf.Event != "pm" {
		t.Fatalf("Send pm = %+v, %v", conf, err)
	}
}

func TestHistoryIsFlaggedAndNotReplayedAsNew(t *testing.T) {
	hist := []cytubetest.ChatMsg{{Username: "carol", Msg: "old one", Time: 1700000000000}, {Username: "dave", Msg: "old two", Time: 1700000001000}}
	srv := newServer(t, cytubetest.Options{History: hist})
	h := start(t, srv, cytube.Config{Username: "bot", Password: "s3cret-pw"})
	h.waitReady(1)
	first := h.eventsNamed("chatMsg")
	if len(first) != 2 || !first[0].History || first[0].Replayed || first[1].Key == first[0].Key {
		t.Fatalf("first join history = %+v", first)
	}
	srv.DropAll()
	h.waitReady(2)
	h.waitFor("replayed history", func() bool { return len(h.eventsNamed("chatMsg")) >= 4 })
	for _, e := range h.eventsNamed("chatMsg")[2:4] {
		if !e.History || !e.Replayed || e.Conn != 2 {
			t.Errorf("after reconnect: %+v, want history, replayed, conn 2", e)
		}
	}
	if a, b := h.eventsNamed("chatMsg")[0].Key, h.eventsNamed("chatMsg")[2].Key; a != b {
		t.Errorf("keys differ across replays: %s vs %s", a, b)
	}
	srv.FakeChat("carol", "new one")
	h.waitFor("live chat", func() bool {
		evs := h.eventsNamed("chatMsg")
		last := evs[len(evs)-1]
		return strings.Contains(string(last.Arg), "new one") && !last.History && !last.Replayed
	})
}

// TestPublishedHistoryIsReplayed: history at or before the position
// SetPublished names (what an earlier process published) is Replayed on
// the first join already; lines after it, and a line of the same
// millisecond that was not published, are new.
func TestPublishedHistoryIsReplayed(t *testing.T) {
	hist := []cytubetest.ChatMsg{
		{Username: "carol", Msg: "published long ago", Time: 1700000000000},
		{Username: "dave", Msg: "published last", Time: 1700000001000},
		{Username: "erin", Msg: "same millisecond, not published", Time: 1700000001000},
		{Username: "carol", Msg: "while we were away", Time: 1700000002000},
	}
	srv := newServer(t, cytubetest.Options{History: hist})
	// The keys of the lines published at the position's time come from a
	// first session that saw the same history.
	probe := start(t, srv, cytube.Config{Username: "bot", Password: "s3cret-pw"})
	probe.waitReady(1)
	var lastKey string
	for _, e := range probe.eventsNamed("chatMsg") {
		if strings.Contains(string(e.Arg), "published last") {
			lastKey = e.Key
		}
	}
	if lastKey == "" {
		t.Fatal("no key for the published line")
	}
	h := startWith(t, srv, cytube.Config{Username: "guest2"}, func(s *cytube.Session) {
		s.SetPublished(cytube.ChatPosition{Time: 1700000001000, Keys: []string{lastKey}})
	})
	h.waitReady(1)
	want := map[string]bool{"published long ago": true, "published last": true, "same millisecond, not published": false, "while we were away": false}
	got := h.eventsNamed("chatMsg")
	if len(got) != len(hist) {
		t.Fatalf("history = %d lines, want %d", len(got), len(hist))
	}
	for _, e := range got {
		for text, replayed := range want {
			if strings.Contains(string(e.Arg), text) && (e.Replayed != replayed || !e.History) {
				t.Errorf("%q: history %v replayed %v, want history, replayed %v", text, e.History, e.Replayed, replayed)
			}
		}
	}
}

func TestRestartRejoinsAndResyncs(t *testing.T) {
	srv := newServer(t, cytubetest.Options{})
	h := start(t, srv, cytube.Config{Username: "bot", Password: "s3cret-pw"})
	h.waitReady(1)
	srv.Queue("carol", cytubetest.Media{ID: "https://example.com/a.json", Title: "A", Type: "cm", Seconds: 60}, false)
	h.waitFor("queued item", func() bool { return len(h.sess.Snapshot().Playlist) == 1 })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Restart(ctx, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	h.waitReady(2)
	if got := received(srv, `42["login"`); got != 2 {
		t.Errorf("login sent %d times, want 2", got)
	}
	snap := h.sess.Snapshot()
	if len(snap.Playlist) != 1 || snap.OwnRank != 3 {
		t.Errorf("after restart playlist %v rank %v", snap.Playlist, snap.OwnRank)
	}
	if m := srv.MaxConcurrentLogins("bot"); m != 1 {
		t.Errorf("bot logged in %d times at once", m)
	}
	srv.FakeChat("bot2", "after restart")
	srv.AddFakeUser("erin", 0)
	h.waitFor("events after restart", func() bool {
		for _, e := range h.eventsNamed("addUser") {
			if e.Conn == 2 && strings.Contains(string(e.Arg), "erin") {
				return true
			}
		}
		return false
	})
}

func TestDuplicateLoginStopsWithoutLoop(t *testing.T) {
	srv := newServer(t, cytubetest.Options{})
	h := start(t, srv, cytube.Config{Username: "bot", Password: "s3cret-pw"})
	h.waitReady(1)
	if !srv.Kick("bot", "Duplicate login") {
		t.Fatal("kick found nobody")
	}
	var err error
	select {
	case err = <-h.done:
		h.done <- err
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop after Duplicate login")
	}
	var ke *cytube.KickedError
	if !errors.As(err, &ke) || ke.Reason != "Duplicate login" || !ke.Terminal() {
		t.Fatalf("Run = %v, want a terminal KickedError", err)
	}
	if h.sess.State() != cytube.StateStopped {
		t.Errorf("state = %v", h.sess.State())
	}
	time.Sleep(100 * time.Millisecond)
	if n := received(srv, `42["joinChannel"`); n != 1 {
		t.Errorf("joined %d times; a duplicate login must not reconnect", n)
	}
	if _, err := h.sess.Send(context.Background(), cytube.Request{Event: "chatMsg", Arg: map[string]any{"msg": "x"}}); !errors.Is(err, cytube.ErrStopped) {
		t.Errorf("Send after stop = %v, want ErrStopped", err)
	}
}

func TestModeratorKickReconnects(t *testing.T) {
	srv := newServer(t, cytubetest.Options{})
	h := start(t, srv, cytube.Config{Username: "bot", Password: "s3cret-pw"})
	h.waitReady(1)
	srv.Kick("bot", "being rude")
	h.waitReady(2)
	if names := h.stateNames(); !strings.Contains(strings.Join(names, " "), "being rude") {
		t.Errorf("states %v do not mention the kick reason", names)
	}
}

func TestWatchdogReconnects(t *testing.T) {
	srv := newServer(t, cytubetest.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 5 * time.Second})
	h := start(t, srv, cytube.Config{Username: "bot", Password: "s3cret-pw", Watchdog: 300 * time.Millisecond})
	h.waitReady(1)
	time.Sleep(400 * time.Millisecond) // pings keep it alive past the watchdog
	if h.readyCount() != 1 {
		t.Fatalf("reconnected while pings flowed: %v", h.stateNames())
	}
	srv.SetPings(false)
	h.waitReady(2)
	srv.SetPings(true)
}

func TestLoginFailuresAreTerminalAndTyped(t *testing.T) {
	srv := newServer(t, cytubetest.Options{})
	h := start(t, srv, cytube.Config{Username: "bot", Password: "wrong"})
	var err error
	select {
	case err = <-h.done:
		h.done <- err
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop on a bad password")
	}
	var le *cytube.LoginError
	if !errors.As(err, &le) || le.Kind != cytube.LoginBadPassword {
		t.Fatalf("Run = %v, want LoginBadPassword", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error %q leaks the password", err)
	}
}

func TestGuestLoginAndLocalPermissionRefusal(t *testing.T) {
	srv := newServer(t, cytubetest.Options{})
	h := start(t, srv, cytube.Config{Username: "GuestBot"})
	h.waitReady(1)
	if s := h.sess.Snapshot(); !s.Guest || s.OwnRank != 0 {
		t.Errorf("guest snapshot = %+v", s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, r := range []cytube.Request{
		{Event: "assignLeader", Arg: map[string]any{"name": "GuestBot"}},
		{Event: "setMotd", Arg: map[string]any{"motd": "x"}},
		{Event: "chatMsg", Arg: map[string]any{"msg": "/kick alice"}},
	} {
		_, err := h.sess.Send(ctx, r)
		var re *cytube.RefusedError
		if !errors.As(err, &re) || re.Kind != cytube.RefusedNotPermitted {
			t.Errorf("Send(%s) = %v, want not permitted", r.Event, err)
		}
	}
	for _, ev := range []string{`42["assignLeader"`, `42["setMotd"`, `42["chatMsg"`} {
		if n := received(srv, ev); n != 0 {
			t.Errorf("%s reached the server %d times", ev, n)
		}
	}
}

func TestChatFloodIsPacedAndRetried(t *testing.T) {
	srv := newServer(t, cytubetest.Options{})
	// Pace faster than CyTube allows so the server drops some with cooldown:
	// the session must resend those, so every one is confirmed.
	fast := &cytube.PaceLimits{ChatBurst: 40, ChatPerSecond: 200, QueueBurst: 3, QueuePerSecond: 1, ModQueueBurst: 10, ModQueuePerSecond: 2, PlaylistEvery: time.Minute}
	h := start(t, srv, cytube.Config{Username: "bot", Password: "s3cret-pw", Pace: fast})
	h.waitReady(1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.sess.Send(ctx, cytube.Request{Event: "chatMsg", Arg: map[string]any{"msg": fmt.Sprintf("flood %d", i)}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("send: %v", err)
		}
	}
	if n := len(h.eventsNamed("cooldown")); n == 0 {
		t.Log("server sent no cooldown; pacing alone kept up")
	}
	echoes := 0
	for _, e := range h.eventsNamed("chatMsg") {
		if e.Self {
			echoes++
		}
	}
	if echoes != 30 {
		t.Errorf("%d echoes, want 30", echoes)
	}
}

func TestDefaultPaceAvoidsCooldown(t *testing.T) {
	srv := newServer(t, cytubetest.Options{})
	h := start(t, srv, cytube.Config{Username: "bot", Password: "s3cret-pw"})
	h.waitReady(1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 25 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := h.sess.Send(ctx, cytube.Request{Event: "chatMsg", Arg: map[string]any{"msg": fmt.Sprintf("m%d", i)}}); err != nil {
				t.Errorf("send %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if n := len(h.eventsNamed("cooldown")); n != 0 {
		t.Errorf("default pacing let CyTube drop %d messages", n)
	}
}

func TestSendWhileDisconnected(t *testing.T) {
	srv := newServer(t, cytubetest.Options{})
	h := start(t, srv, cytube.Config{Username: "bot", Password: "s3cret-pw"})
	h.waitReady(1)
	srv.Close()
	h.waitFor("not ready", func() bool { return h.sess.State() != cytube.StateReady })
	_, err := h.sess.Send(context.Background(), cytube.Request{Event: "chatMsg", Arg: map[string]any{"msg": "x"}, FailFast: true})
	if !errors.Is(err, cytube.ErrNotReady) {
		t.Errorf("fail-fast send = %v, want ErrNotReady", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = h.sess.Send(ctx, cytube.Request{Event: "chatMsg", Arg: map[string]any{"msg": "late"}})
	if !errors.Is(err, cytube.ErrNotReady) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting send = %v, want ErrNotReady + deadline", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("send outlived its deadline: %v", time.Since(start))
	}
}

func TestConnectRateLimitIsRespected(t *testing.T) {
	srv := newServer(t, cytubetest.Options{ConnBurst: 1, ConnEvery: 500 * time.Millisecond})
	// The local gate is off, so the server refuses with 44; the session must
	// back off for the limiter's period and get in.
	h := start(t, srv, cytube.Config{Username: "bot", Password: "s3cret-pw", ConnEvery: -1})
	h.waitReady(1)
	srv.DropAll()
	h.waitReady(2)
	if s := strings.Join(h.stateNames(), " "); !strings.Contains(s, "Rate limit exceeded") {
		t.Logf("no 44 seen (reconnect was slow enough): %s", s)
	}
}

func TestInvalidChannelRefusedBeforeDialing(t *testing.T) {
	for _, ch := range []string{"bad name", "", "x.y", strings.Repeat("a", 31)} {
		if _, err := cytube.New(cytube.Config{Host: "127.0.0.1:1", Channel: ch}); err == nil {
			t.Errorf("New accepted channel %q", ch)
		}
	}
	if _, err := cytube.New(cytube.Config{Host: "h", Channel: "ok", Password: "x"}); err == nil {
		t.Error("password without user accepted")
	}
}

func TestDiscoveryNotFoundIsTerminal(t *testing.T) {
	srv := newServer(t, cytubetest.Options{})
	h := start(t, srv, cytube.Config{Channel: "ok-but-unknown"})
	h.waitReady(1) // unregistered channels exist on demand, as on CyTube
	_ = h
}

func TestAnonymousSessionIsReadOnly(t *testing.T) {
	srv := newServer(t, cytubetest.Options{})
	h := start(t, srv, cytube.Config{})
	h.waitReady(1)
	if n := received(srv, `42["login"`); n != 0 {
		t.Errorf("anonymous session sent login %d times", n)
	}
	_, err := h.sess.Send(context.Background(), cytube.Request{Event: "chatMsg", Arg: map[string]any{"msg": "x"}})
	var re *cytube.RefusedError
	if !errors.As(err, &re) || re.Kind != cytube.RefusedNotPermitted {
		t.Errorf("anonymous chat = %v, want not permitted", err)
	}
}

func TestChannelPassword(t *testing.T) {
	srv := newServer(t, cytubetest.Options{ChannelPassword: "letmein"})
	h := start(t, srv, cytube.Config{Username: "alice", Password: "a", ChannelPassword: "letmein"})
	h.waitReady(1)

	srv2 := newServer(t, cytubetest.Options{ChannelPassword: "letmein"})
	h2 := start(t, srv2, cytube.Config{Username: "alice", Password: "a", ChannelPassword: "wrong"})
	select {
	case err := <-h2.done:
		h2.done <- err
		var pe *cytube.ChannelPasswordError
		if !errors.As(err, &pe) || !pe.Wrong {
			t.Fatalf("Run = %v, want a wrong channel password", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Run did not stop on a wrong channel password; states %v", h2.stateNames())
	}
	if strings.Contains(fmt.Sprint(h2.stateNames()), "wrong") {
		t.Error("state reasons leak the channel password")
	}
}

func TestGuestLoginDelayIsWaitedOut(t *testing.T) {
	srv := newServer(t, cytubetest.Options{GuestLoginDelay: time.Second})
	first := start(t, srv, cytube.Config{Username: "GuestA"})
	first.waitReady(1)
	second := start(t, srv, cytube.Config{Username: "GuestB"})
	second.waitReady(1)
	if n := received(srv, `42["login",{"name":"GuestB"}]`); n < 2 {
		t.Errorf("GuestB logged in after %d attempt(s); the server's delay should have refused the first", n)
	}
}

func TestGuestNameInUseStopsAfterRetries(t *testing.T) {
	srv := newServer(t, cytubetest.Options{})
	srv.AddFakeUser("taken", 0)
	h := start(t, srv, cytube.Config{Username: "taken", MaxNameInUseRetries: 1})
	select {
	case err := <-h.done:
		h.done <- err
		var le *cytube.LoginError
		if !errors.As(err, &le) || le.Kind != cytube.LoginNameInUse {
			t.Fatalf("Run = %v, want name in use", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("Run did not stop; states %v", h.stateNames())
	}
}

// A connection that drops while commands flow: a command whose frame
// never left is sent again on the next connection (within its deadline),
// never failed as "may or may not have taken effect"; only commands that
// did leave can end with ErrConnectionLost.
func TestDroppedConnectionResendsWhatNeverLeft(t *testing.T) {
	srv := newServer(t, cytubetest.Options{})
	h := start(t, srv, cytube.Config{Username: "bot", Password: "s3cret-pw"})
	h.waitReady(1)
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, err := h.sess.Send(ctx, cytube.Request{Event: "chatMsg", Arg: map[string]any{"msg": fmt.Sprintf("line %d", i), "meta": map[string]any{}}})
			errs <- err
		}()
		if i%20 == 10 {
			srv.DropAll()
		}
		time.Sleep(5 * time.Millisecond)
	}
	wg.Wait()
	close(errs)
	ok, lost := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, socketio.ErrNotSent):
			t.Errorf("a command that never left failed: %v", err)
		case errors.Is(err, cytube.ErrConnectionLost):
			lost++
		default:
			t.Errorf("unexpected result: %v", err)
		}
	}
	t.Logf("%d confirmed, %d lost in flight", ok, lost)
	if ok == 0 {
		t.Errorf("nothing confirmed")
	}
}
