package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
)

var (
	songA = cytubetest.Media{ID: "https://example.com/a.json", Title: "Song A", Type: "cm", Seconds: 90}
	songB = cytubetest.Media{ID: "https://example.com/b.json", Title: "Song B", Type: "cm", Seconds: 60}
)

// mark returns the number of messages recorded so far.
func (e *faultEnv) mark() int {
	return e.Rec.Mark()
}

// resynced reports whether the userlist and playlist the connector
// published after mark show exactly the users and titles given.
func (e *faultEnv) resynced(mark int, users, titles []string) bool {
	msgs := e.Rec.Since(mark)
	var ul *cytubev1.Userlist
	var pl *cytubev1.Playlist
	for _, m := range msgs {
		switch m.Subject {
		case "rosey.platform.cytube.user.list":
			ul = decodeAs(e.t, m, &cytubev1.Userlist{})
		case "rosey.platform.cytube.playlist.update":
			pl = decodeAs(e.t, m, &cytubev1.Playlist{})
		}
	}
	if ul == nil || pl == nil {
		return false
	}
	var gotUsers, gotTitles []string
	for _, u := range ul.GetItems() {
		gotUsers = append(gotUsers, strings.ToLower(u.GetName()))
	}
	for _, it := range pl.GetItems() {
		gotTitles = append(gotTitles, it.GetMedia().GetTitle())
	}
	return sameSet(gotUsers, users) && sameSet(gotTitles, titles)
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestFaultCyTubeRecovers injects each CyTube-side fault once into a
// running connector and checks that it comes back: a RECONNECTING status
// naming the cause, a new login, the user list and playlist published
// again as the server has them, and live events after the recovery on NATS.
func TestFaultCyTubeRecovers(t *testing.T) {
	fastPings := cytubetest.Options{PingInterval: 100 * time.Millisecond, PingTimeout: 2 * time.Second}
	watchdog := func(c *cytube.Config) { c.Watchdog = 400 * time.Millisecond }
	cases := []struct {
		name    string
		cyt     cytubetest.Options
		session func(*cytube.Config)
		// inject causes the fault; it returns the users and titles the
		// server has afterwards.
		inject func(t *testing.T, e *faultEnv) (users, titles []string)
		reason string
	}{
		{name: "abrupt close 1006", reason: "1006", inject: func(t *testing.T, e *faultEnv) ([]string, []string) {
			e.cyt.DropAll()
			return []string{"alice", "bot"}, []string{"Song A"}
		}},
		{name: "server restart", reason: "transport closed", inject: func(t *testing.T, e *faultEnv) ([]string, []string) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- e.cyt.Restart(ctx, 400*time.Millisecond) }()
			e.waitFor("connector to lose the server", 5*time.Second, func() bool { return e.cyt.Connections() == 0 })
			// The channel changes while the connector cannot see it.
			e.cyt.RemoveFakeUser("alice")
			e.cyt.AddFakeUser("bob", 1)
			e.cyt.Queue("bob", songB, false)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			return []string{"bob", "bot"}, []string{"Song A", "Song B"}
		}},
		{name: "kick with socket kept open", reason: "being rude", inject: func(t *testing.T, e *faultEnv) ([]string, []string) {
			if !e.cyt.Kick("bot", "being rude") {
				t.Fatal("bot not found to kick")
			}
			return []string{"alice", "bot"}, []string{"Song A"}
		}},
		{name: "missed pings", cyt: fastPings, session: watchdog, reason: "ping timeout", inject: func(t *testing.T, e *faultEnv) ([]string, []string) {
			e.cyt.SetPings(false)
			e.until("watchdog", 5*time.Second, func() bool {
				return e.countState(eventsv1.ConnectorState_CONNECTOR_STATE_RECONNECTING) > 0
			})
			e.cyt.SetPings(true)
			return []string{"alice", "bot"}, []string{"Song A"}
		}},
		{name: "44 rate limit on reconnect", cyt: cytubetest.Options{ConnBurst: 1, ConnEvery: 700 * time.Millisecond}, reason: "Rate limit exceeded",
			inject: func(t *testing.T, e *faultEnv) ([]string, []string) {
				e.cyt.DropAll()
				return []string{"alice", "bot"}, []string{"Song A"}
			}},
		{name: "stall mid-frame", cyt: fastPings, session: watchdog, reason: "ping timeout", inject: func(t *testing.T, e *faultEnv) ([]string, []string) {
			if n := e.cyt.StallMidFrame(); n != 1 {
				t.Fatalf("stalled %d sockets, want 1", n)
			}
			return []string{"alice", "bot"}, []string{"Song A"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			e := newFaultEnv(t, faultOpts{cytube: tc.cyt, session: tc.session})
			e.ready(1)
			e.cyt.AddFakeUser("alice", 1)
			e.cyt.Queue("alice", songA, false)
			e.until("queue published", 5*time.Second, func() bool { return len(e.on("rosey.platform.cytube.media.queue")) > 0 })
			m := e.mark()
			users, titles := tc.inject(t, e)
			e.ready(2)
			e.until("state resynced", 5*time.Second, func() bool { return e.resynced(m, users, titles) })

			var reasons []string
			for _, s := range e.statuses() {
				if s.State == eventsv1.ConnectorState_CONNECTOR_STATE_RECONNECTING {
					reasons = append(reasons, s.Reason)
				}
			}
			if len(reasons) == 0 || !strings.Contains(strings.Join(reasons, " | "), tc.reason) {
				t.Errorf("RECONNECTING reasons %q, want one containing %q", reasons, tc.reason)
			}
			if tc.reason == "Rate limit exceeded" {
				n := 0
				for _, f := range e.cyt.Sent() {
					if f.Text == `44{"message":"Rate limit exceeded"}` {
						n++
					}
				}
				if n == 0 {
					t.Errorf("the server never refused a connection")
				}
				t.Logf("%d connections refused with 44 before the limiter let the connector in", n)
			}

			// Live events after the recovery reach NATS.
			e.cyt.FakeChat(users[0], "after "+tc.name)
			e.until("chat after recovery", 5*time.Second, func() bool { return e.chatSeen("after " + tc.name) })
			t.Logf("recovered in %v total", time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestFaultDuplicateLoginStops: another login of the same account makes
// CyTube kick the connector with "Duplicate login". Reconnecting would
// kick the other session in turn, so the connector stops: STOPPED with the
// reason on the status subject, and no further joinChannel.
func TestFaultDuplicateLoginStops(t *testing.T) {
	e := newFaultEnv(t, faultOpts{})
	e.wantErr = true
	e.ready(1)

	other, err := cytube.New(cytube.Config{Host: e.cyt.Addr(), Channel: "testchan", Username: "bot", Password: botPassword, ConnEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- other.Run(ctx) }()
	defer func() { cancel(); <-done }()

	e.until("STOPPED", 10*time.Second, func() bool {
		return e.countState(eventsv1.ConnectorState_CONNECTOR_STATE_STOPPED) > 0
	})
	if err, returned := e.Wait(5 * time.Second); !returned {
		t.Errorf("Run did not return after its only channel stopped")
	} else if err == nil {
		t.Errorf("Run returned nil after its only channel stopped")
	}
	// Long enough for several reconnect attempts at the test's backoff.
	time.Sleep(500 * time.Millisecond)
	sts := e.statuses()
	last := sts[len(sts)-1]
	if last.State != eventsv1.ConnectorState_CONNECTOR_STATE_STOPPED || !strings.Contains(last.Reason, "Duplicate login") {
		t.Errorf("last status %v, want STOPPED with the kick reason (all: %v)", last, sts)
	}
	if n := e.countState(eventsv1.ConnectorState_CONNECTOR_STATE_RECONNECTING); n != 0 {
		t.Errorf("%d RECONNECTING statuses after a duplicate login: %v", n, sts)
	}
	joins := 0
	for _, f := range e.cyt.Received() {
		if strings.HasPrefix(f.Text, `42["joinChannel"`) {
			joins++
		}
	}
	if joins != 2 { // the connector's and the other session's
		t.Errorf("%d joinChannel frames, want 2 (connector once, other session once)", joins)
	}
	if other.State() != cytube.StateReady {
		t.Errorf("the other session is %v, want ready", other.State())
	}
}
