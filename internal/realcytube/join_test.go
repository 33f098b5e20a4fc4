//go:build cytube

package realcytube

import (
	"strings"
	"testing"
	"time"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	statev1 "github.com/roseybot/cytube-connector/gen/go/rosey/state/v1"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/socketio"
)

// A registered user joins the registered channel and its chat line is
// confirmed by its own echo.
func TestJoinRegisteredAndChat(t *testing.T) {
	c := newConnector(t, registered, "golduser").ready()
	r := c.cmd("chat", map[string]any{"message": "hello from the integration suite"}).ok(t, "chat")
	if !strings.Contains(r.GetReason(), "chatMsg") {
		t.Fatalf("reason %q does not name the echo", r.GetReason())
	}
}

// A channel with block_anonymous_users only lets a socket join once it is
// logged in (src/channel/anonymouscheck.js): the connector logs in first.
func TestJoinBlockAnonymousUsers(t *testing.T) {
	ch := uniqueChannel(t, "blockanon")
	op := newActor(t, ch, "siteop")
	op.setOptions(t, map[string]any{"block_anonymous_users": true})
	c := newConnector(t, ch, "golduser2")
	c.waitStatus(eventsv1.ConnectorState_CONNECTOR_STATE_LOGGED_IN, 30*time.Second)
	c.cmd("chat", map[string]any{"message": "joined a blocked-anonymous channel"}).ok(t, "chat")
}

// An unregistered channel (CyTube creates one for any name) is joined, but
// the status says so and a warning is logged: a misspelled name is not
// silently a new empty channel.
func TestJoinUnregisteredChannelSaysSo(t *testing.T) {
	ch := uniqueChannel(t, "unregistered")
	c := newConnector(t, ch, "golduser")
	st := c.waitStatus(eventsv1.ConnectorState_CONNECTOR_STATE_LOGGED_IN, 30*time.Second)
	if !strings.Contains(st.GetReason(), "not registered") {
		waitUntil(t, "a status saying the channel is not registered", 5*time.Second, func() bool {
			for _, s := range c.statuses() {
				if strings.Contains(s.GetReason(), "not registered") {
					return true
				}
			}
			return false
		})
	}
}

// An anonymous (read-only) connector cannot join a channel that blocks
// anonymous users: it stops with CyTube's reason instead of waiting
// forever.
func TestJoinBlockAnonymousUsersAnonymousStops(t *testing.T) {
	ch := uniqueChannel(t, "blockanon")
	op := newActor(t, ch, "siteop")
	op.setOptions(t, map[string]any{"block_anonymous_users": true})
	c := newConnector(t, ch, "")
	st := c.waitStatus(eventsv1.ConnectorState_CONNECTOR_STATE_STOPPED, 30*time.Second)
	if !strings.Contains(st.GetReason(), "blocks anonymous users") {
		t.Fatalf("stopped with reason %q, want one about anonymous users", st.GetReason())
	}
}

// A guest (user name, no password) joins a channel that blocks anonymous
// users: the guest login lets the join through.
func TestJoinBlockAnonymousUsersGuest(t *testing.T) {
	ch := uniqueChannel(t, "blockanon")
	op := newActor(t, ch, "siteop")
	op.setOptions(t, map[string]any{"block_anonymous_users": true})
	c := newConnector(t, ch, "guestbot").ready()
	c.cmd("chat", map[string]any{"message": "a guest in a blocked-anonymous channel"}).ok(t, "chat")
}

// An anonymous (read-only) session: the status is JOINED, and state.self
// agrees: ready, no name, not a guest, and CyTube's rank for a socket that
// is not logged in.
func TestAnonymousSelfAgreesWithStatus(t *testing.T) {
	c := newConnector(t, uniqueChannel(t, "anon"), "")
	c.waitStatus(eventsv1.ConnectorState_CONNECTOR_STATE_JOINED, 30*time.Second)
	self := &statev1.SelfReply{}
	waitUntil(t, "state.self", 5*time.Second, func() bool { return c.state("self", self) })
	t.Logf("self: %v; statuses: %v", self, c.statuses())
	if self.GetState() != statev1.ConnectionState_CONNECTION_STATE_READY || self.GetName() != "" || self.GetGuest() {
		t.Errorf("state.self %v disagrees with the JOINED status of an anonymous session", self)
	}
	for _, st := range c.statuses() {
		if st.GetState() == eventsv1.ConnectorState_CONNECTOR_STATE_LOGGED_IN {
			t.Errorf("an anonymous session reported LOGGED_IN: %v", st)
		}
	}
}

// A join that does not finish in time reports why and is retried (here
// the limit is far below what the join needs).
func TestJoinTimeoutSaysWhy(t *testing.T) {
	c := newConnector(t, uniqueChannel(t, "slowjoin"), "golduser", func(_ *config.Channel, sc *cytube.Config) {
		if sc != nil {
			sc.JoinTimeout = time.Millisecond
		}
	})
	st := c.waitStatus(eventsv1.ConnectorState_CONNECTOR_STATE_RECONNECTING, 30*time.Second)
	if !strings.Contains(st.GetReason(), "within 1ms") {
		t.Fatalf("reconnecting with reason %q, want one saying what the join waited for", st.GetReason())
	}
}

// jn-9: a connector whose name is banned in a registered channel joins,
// logs in, is kicked with CyTube's reason and stops (a ban does not lift
// by retrying). jn-8: a socket that logs in before joining is refused
// before the join with the same words. jn-2: a second joinChannel is
// ignored without a word.
func TestJoinBannedNameStops(t *testing.T) {
	owner := newConnector(t, registered, "goldowner").ready()
	name := uniqueName("Jb")
	owner.cmd("ban", map[string]any{"username": name, "reason": "join test"}).ok(t, "ban a name")

	c := newConnector(t, registered, name)
	st := c.waitStatus(eventsv1.ConnectorState_CONNECTOR_STATE_STOPPED, 30*time.Second)
	if !strings.Contains(st.GetReason(), "You are banned from this channel.") {
		t.Errorf("jn-9: stopped with reason %q, want CyTube's", st.GetReason())
	}

	pre := dialRaw(t, registered)
	pre.emit("login", map[string]any{"name": name})
	pre.wait("the guest login", 10*time.Second, func(ev socketio.Event) bool { return ev.Name == "login" })
	kick := pre.answer("joinChannel", map[string]any{"name": registered}, 10*time.Second, func(ev socketio.Event) bool { return ev.Name == "kick" })
	if !strings.Contains(string(kick.Frame), "You are banned from this channel.") {
		t.Errorf("jn-8: kick %s, want CyTube's reason", kick.Frame)
	}

	raw := newRawClient(t, uniqueChannel(t, "rejoin"), "golduser")
	// The first join's burst goes on after its userlist (rank, playlist,
	// setUserRank, listPlaylists come as CyTube's database answers): wait
	// for a quiet half second, so that only an answer to the second join
	// can arrive after the mark.
	for deadline := time.Now().Add(10 * time.Second); ; {
		q := raw.mark()
		time.Sleep(500 * time.Millisecond)
		if len(raw.since(q)) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first join's burst did not end within 10 s")
		}
	}
	m := raw.mark()
	raw.emit("joinChannel", map[string]any{"name": registered})
	time.Sleep(time.Second)
	if got := raw.since(m); len(got) != 0 {
		t.Errorf("jn-2: CyTube answered a second joinChannel: %s", names(got))
	}
}

// channelPassword configures the connector's channel password.
func channelPassword(pw string) connOption {
	return func(cc *config.Channel, _ *cytube.Config) {
		if cc != nil {
			cc.ChannelPassword = config.Secret(pw)
		}
	}
}

// Password channels: jn-10 the configured password lets the connector in;
// without one it stops and says the channel needs one; jn-12 a wrong
// password stops it with a reason that says so; jn-11 a login of rank >= 2
// lifts the password, so a site admin's connector without the password
// joins; jn-13 a socket that logs in with rank >= 2 before joining gets
// cancelNeedPassword and the burst.
func TestChannelPasswordRows(t *testing.T) {
	ch := uniqueChannel(t, "pwrows")
	op := newActor(t, ch, "siteop")
	op.setOptions(t, map[string]any{"password": "sesame"})
	right := newConnector(t, ch, "golduser", channelPassword("sesame")).ready()
	right.cmd("chat", map[string]any{"message": "inside a password channel"}).ok(t, "jn-10 chat")
	// Without a password: a registered account of rank 1 logs in, and
	// CyTube's next rank event (the channel rank it decides on) says it
	// stays held; a guest never gets a channel rank. Both stop at once
	// instead of waiting out the login timeout.
	for _, user := range []string{"golduser2", uniqueName("Pg")} {
		start := time.Now()
		none := newConnector(t, ch, user)
		if st := none.waitStatus(eventsv1.ConnectorState_CONNECTOR_STATE_STOPPED, 30*time.Second); !strings.Contains(st.GetReason(), "requires a password") {
			t.Errorf("jn-10 %s without a password: stopped with %q", user, st.GetReason())
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("jn-10 %s without a password: stopped after %s, want at once", user, took)
		}
	}
	wrong := newConnector(t, ch, "golduser2", channelPassword("not-sesame"))
	st := wrong.waitStatus(eventsv1.ConnectorState_CONNECTOR_STATE_STOPPED, 30*time.Second)
	if !strings.Contains(st.GetReason(), "password was refused") {
		t.Errorf("jn-12: stopped with %q, want a reason saying the password is wrong", st.GetReason())
	}
	if strings.Contains(st.GetReason(), "not-sesame") {
		t.Errorf("the status shows the password: %q", st.GetReason())
	}
	admin := newConnector(t, ch, "siteop").ready()
	admin.cmd("chat", map[string]any{"message": "in without the password"}).ok(t, "jn-11 chat")

	raw := dialRaw(t, ch)
	raw.emit("login", map[string]any{"name": "siteop", "pw": passwords["siteop"]})
	raw.wait("login", 10*time.Second, func(ev socketio.Event) bool { return ev.Name == "login" })
	raw.emit("joinChannel", map[string]any{"name": ch})
	raw.wait("jn-13 userlist", 10*time.Second, func(ev socketio.Event) bool { return ev.Name == "userlist" })
	raw.mu.Lock()
	defer raw.mu.Unlock()
	for _, ev := range raw.evs {
		if ev.Name == "needPassword" {
			t.Errorf("jn-13: a rank-255 login before the join was asked for the password: %s", ev.Frame)
		}
	}
}

// jn-1: a joinChannel that is not an object is dropped, and the socket
// can never join afterwards (the handler is socket.once); jn-3: an
// invalid channel name is answered with CyTube's errorMsg and a kick.
// The connector's configuration refuses such names before connecting.
func TestJoinMalformed(t *testing.T) {
	ch := uniqueChannel(t, "malformed")
	once := dialRaw(t, ch)
	once.wait("the rank CyTube sends on connect", 5*time.Second, func(ev socketio.Event) bool { return ev.Name == "rank" })
	m := once.mark()
	once.emit("joinChannel", "not an object")
	once.emit("joinChannel", map[string]any{"name": ch})
	time.Sleep(1500 * time.Millisecond)
	if got := once.since(m); len(got) != 0 {
		t.Errorf("jn-1: CyTube answered: %s", names(got))
	}

	bad := dialRaw(t, ch)
	kick := bad.answer("joinChannel", map[string]any{"name": "bad name!"}, 5*time.Second, func(ev socketio.Event) bool { return ev.Name == "kick" })
	if !strings.Contains(string(kick.Frame), "Invalid channel name") {
		t.Errorf("jn-3: kick %s", kick.Frame)
	}
	if msg := errorMsgText(bad.wait("jn-3 errorMsg", time.Second, func(ev socketio.Event) bool { return ev.Name == "errorMsg" })); !strings.HasPrefix(msg, "Invalid channel name.  Channel names may consist of 1-30 characters") {
		t.Errorf("jn-3: errorMsg %q", msg)
	}

	cfg := config.Default()
	chc := config.DefaultChannel()
	chc.Host, chc.Channel = kitHost(t), "bad name!"
	cfg.Channels = append(cfg.Channels, chc)
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "bad name!") {
		t.Errorf("jn-3: the configuration accepts the channel name %q (err %v)", chc.Channel, err)
	}
}
