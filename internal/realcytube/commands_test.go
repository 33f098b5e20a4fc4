//go:build cytube

package realcytube

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	statev1 "github.com/roseybot/cytube-connector/gen/go/rosey/state/v1"
	"github.com/roseybot/cytube-connector/internal/socketio"
)

// pm: pm-9 success (the own copy), pm-5 to oneself and pm-8 to an absent
// user refused before sending.
func TestPMOutcomes(t *testing.T) {
	ch := uniqueChannel(t, "pm")
	c := newConnector(t, ch, "golduser").ready()
	other := newActor(t, ch, "golduser2")
	waitUntil(t, "golduser2 in the user list", 10*time.Second, func() bool { return c.hasUser("golduser2") })
	c.cmd("pm", map[string]any{"username": "golduser2", "message": "psst"}).ok(t, "pm")
	other.rec.mu.Lock()
	n := 0
	for _, ev := range other.rec.evs {
		if ev.Name == "pm" {
			n++
		}
	}
	other.rec.mu.Unlock()
	if n == 0 {
		waitUntil(t, "the pm at the recipient", 5*time.Second, func() bool {
			other.rec.mu.Lock()
			defer other.rec.mu.Unlock()
			for _, ev := range other.rec.evs {
				if ev.Name == "pm" {
					return true
				}
			}
			return false
		})
	}
	c.cmd("pm", map[string]any{"username": "GoldUser", "message": "me"}).refused(t, "pm to oneself", codeInvalid, quick)
	c.cmd("pm", map[string]any{"username": "nobodyhere", "message": "hello?"}).refused(t, "pm to an absent user", codeNotFound, quick)
}

// Chat lines CyTube drops without an answer are refused before sending:
// /say below rank 1.5 (chat-7), /a without site admin rank (chat-8), a
// line starting with an Object.prototype name (P12). A command word is
// case-sensitive: "/KICK x" is plain chat, confirmed by its echo.
func TestChatSilentLinesRefused(t *testing.T) {
	c := newConnector(t, uniqueChannel(t, "chatsilent"), "golduser").ready()
	c.cmd("chat", map[string]any{"message": "/say hello"}).refused(t, "/say at rank 1", codeNotPermitted, quick)
	c.cmd("chat", map[string]any{"message": "/a hello"}).refused(t, "/a at rank 1", codeNotPermitted, quick)
	c.cmd("chat", map[string]any{"message": "/constructor x"}).refused(t, "/constructor", codeInvalid, quick)
	c.cmd("chat", map[string]any{"message": "\x01\x02"}).refused(t, "a line of control characters (P6)", codeInvalid, quick)
	c.cmd("chat", map[string]any{"message": "/KICK nobody"}).ok(t, "/KICK is plain chat")
	c.cmd("chat", map[string]any{"message": "/me waves"}).ok(t, "/me")
	c.cmd("afk", map[string]any{}).ok(t, "afk on")
	c.cmd("afk", map[string]any{}).ok(t, "afk off")
}

// leader: ld-6 success; ld-5 (no user with exactly that name: CyTube
// compares case-sensitively and drops the current leader first) refused
// before sending. motd md-3; playlist_lock lk-2 with the state it asked
// for; clear_chat cc-2; voteskip vs-1 when the channel disables it.
func TestOwnerCommands(t *testing.T) {
	ch := uniqueChannel(t, "owner")
	c := newConnector(t, ch, "siteop").ready()
	newActor(t, ch, "golduser")
	waitUntil(t, "golduser in the user list", 10*time.Second, func() bool { return c.hasUser("golduser") })
	c.cmd("leader", map[string]any{"name": "GOLDUSER"}).refused(t, "leader with the wrong case", codeNotFound, quick)
	c.cmd("leader", map[string]any{"name": "golduser"}).ok(t, "leader")
	c.cmd("leader", map[string]any{"name": ""}).ok(t, "leader back to the server")
	// md-2: an unregistered channel's map has no motdedit, so CyTube
	// would kick even a site admin.
	c.cmd("motd", map[string]any{"motd": "x"}).refused(t, "motd in an unregistered channel", codeNotPermitted, quick)
	c.cmd("playlist_lock", map[string]any{"locked": false}).ok(t, "unlock")
	c.cmd("playlist_lock", map[string]any{"locked": true}).ok(t, "lock")
	c.cmd("clear_chat", map[string]any{}).ok(t, "clear chat")
	c.cmd("media_queue", map[string]any{"media": customItem(1)}).ok(t, "queue")
	c.cmd("playlist_shuffle", map[string]any{}).ok(t, "shuffle")
}

// voteskip vs-1: the channel disables voteskip; refused before sending.
func TestVoteskipDisabled(t *testing.T) {
	ch := uniqueChannel(t, "novoteskip")
	op := newActor(t, ch, "siteop")
	op.setOptions(t, map[string]any{"allow_voteskip": false})
	c := newConnector(t, ch, "golduser").ready()
	waitUntil(t, "allow_voteskip off at the connector", 10*time.Second, func() bool {
		v, ok := c.option("allow_voteskip")
		return ok && v == false
	})
	c.cmd("voteskip", map[string]any{}).refused(t, "voteskip disabled", codeNotPermitted, quick)
}

// motd md-3 in the registered channel, as its owner.
func TestMotdRegistered(t *testing.T) {
	c := newConnector(t, registered, "goldowner").ready()
	c.cmd("motd", map[string]any{"motd": "<b>hello</b> from the suite"}).ok(t, "motd")
	c.cmd("motd", map[string]any{"motd": ""}).ok(t, "motd cleared")
}

// media_queue: q-11 (a YouTube lookup without an API key) refused with
// CyTube's words; q-16 (a duplicate) refused; and 6 items at once as rank 1
// (queue limiter: burst 3, then 1/s) all land, with no "too quickly".
func TestQueueOutcomesAndPacing(t *testing.T) {
	ch := uniqueChannel(t, "queue")
	c := newConnector(t, ch, "siteop").ready()
	r := c.cmd("media_queue", map[string]any{"media": map[string]any{"type": "yt", "id": "dQw4w9WgXcQ"}}).refused(t, "yt without a key", codeRefused, 5*time.Second)
	if !strings.Contains(r.GetServerMessage(), "API key") {
		t.Errorf("server message %q", r.GetServerMessage())
	}
	c.cmd("media_queue", map[string]any{"media": customItem(1)}).ok(t, "queue")
	c.cmd("media_queue", map[string]any{"media": customItem(1)}).refused(t, "queue a duplicate", codeRefused, quick)

	// A rank-1 user in an open playlist: the queue limiter of rank < 2.
	u := newConnector(t, ch, "golduser").ready()
	var wg sync.WaitGroup
	res := make([]result, 6)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = u.cmdWithin("media_queue", map[string]any{"media": customItem(100 + i)}, 20*time.Second)
		}()
		time.Sleep(2 * time.Millisecond)
	}
	wg.Wait()
	for i, r := range res {
		if !r.GetOk() {
			t.Errorf("queue %d as rank 1: %s %q (server %q)", i, r.GetCode(), r.GetReason(), r.GetServerMessage())
		}
	}
}

// voteskip below the viewvoteskip rank: CyTube sends this account no
// voteskip count (vs-6), so the result says sent but unconfirmed; at or
// above it, the count confirms it.
func TestVoteskipConfirmedOrUnconfirmed(t *testing.T) {
	c := newConnector(t, uniqueChannel(t, "voteskip"), "golduser").ready()
	c.cmd("media_queue", map[string]any{"media": customItem(7)}).ok(t, "queue")
	c.waitPlaylist("a current item", func(p *statev1.PlaylistReply) bool { return p.CurrentUid != nil })
	perms := &statev1.PermissionsReply{}
	if !c.state("permissions", perms) {
		t.Fatal("no permissions state")
	}
	view, ok := perms.GetPermissions()["viewvoteskip"]
	r := c.cmd("voteskip", map[string]any{}).ok(t, "voteskip")
	if below := ok && view > 1; r.GetUnconfirmed() != below {
		t.Errorf("viewvoteskip %g, own rank 1: unconfirmed = %v, want %v (%q)", view, r.GetUnconfirmed(), below, r.GetReason())
	}
}

// P4: a guest under new_user_chat_delay is refused with CyTube's
// spamFiltered reason; pm-2: an anonymous session cannot send PMs.
func TestNewUserChatDelayAndAnonymousPM(t *testing.T) {
	ch := uniqueChannel(t, "newuser")
	op := newActor(t, ch, "siteop")
	op.setOptions(t, map[string]any{"new_user_chat_delay": 600})
	g := newConnector(t, ch, uniqueName("Nu")).ready()
	r := g.cmd("chat", map[string]any{"message": "first words"}).refused(t, "a new guest chats", codeSpamFiltered, quick)
	if r.GetServerMessage() != "NEW_USER_CHAT" {
		t.Errorf("server message %q", r.GetServerMessage())
	}
	a := newConnector(t, ch, "")
	a.waitStatus(eventsv1.ConnectorState_CONNECTOR_STATE_JOINED, 30*time.Second)
	a.cmd("pm", map[string]any{"username": "siteop", "message": "hi"}).refused(t, "an anonymous pm", codeNotPermitted, quick)
}

// media_queue q-9: raw video files need playlistaddrawfile, which an
// unregistered channel's map lacks: the connector refuses before sending,
// with the words CyTube answers a bare client with.
func TestQueueRawFileRefused(t *testing.T) {
	ch := uniqueChannel(t, "rawfile")
	c := newConnector(t, ch, "golduser").ready()
	const words = "You don't have permission to add raw video files"
	r := c.cmd("media_queue", map[string]any{"media": map[string]any{"type": "fi", "id": "https://example.com/video.mp4"}}).refused(t, "a raw file", codeNotPermitted, quick)
	if !strings.Contains(r.GetReason(), words) {
		t.Errorf("reason %q, want CyTube's %q", r.GetReason(), words)
	}
	raw := newRawClient(t, ch, "golduser2")
	ev := raw.answer("queue", map[string]any{"id": "https://example.com/video.mp4", "type": "fi", "pos": "end"}, 5*time.Second, func(ev socketio.Event) bool { return ev.Name == "queueFail" })
	if got := answerText(ev); got != words {
		t.Errorf("CyTube said %q, want %q", got, words)
	}
}

// P5 and pm-3: under new_user_chat_link_delay a new guest's line or PM
// with a link is refused with CyTube's reason; a line without one passes.
func TestNewUserLinkDelay(t *testing.T) {
	ch := uniqueChannel(t, "newlink")
	op := newActor(t, ch, "siteop")
	op.setOptions(t, map[string]any{"new_user_chat_delay": 0, "new_user_chat_link_delay": 600})
	g := newConnector(t, ch, uniqueName("Nl")).ready()
	waitUntil(t, "the option at the connector", 10*time.Second, func() bool {
		v, ok := g.option("new_user_chat_link_delay")
		return ok && v == float64(600)
	})
	g.cmd("chat", map[string]any{"message": "no link here"}).ok(t, "a line without a link")
	r := g.cmd("chat", map[string]any{"message": "see https://example.com/x"}).refused(t, "P5 a line with a link", codeSpamFiltered, quick)
	if r.GetServerMessage() != "NEW_USER_CHAT_LINK" {
		t.Errorf("P5 server message %q", r.GetServerMessage())
	}
	r = g.cmd("pm", map[string]any{"username": "siteop", "message": "see https://example.com/y"}).refused(t, "pm-3 a PM with a link", codeSpamFiltered, quick)
	if r.GetServerMessage() != "NEW_USER_CHAT_LINK" {
		t.Errorf("pm-3 server message %q", r.GetServerMessage())
	}
}

// chat-5 /sp and chat-6 /say, /shout, /rcv (rank >= 1.5) are confirmed by
// their echo; P10 and vs-4: a chat line or a voteskip of an AFK user ends
// the AFK state, and the connector's user list says so.
func TestChatCommandsAndAFKSideEffects(t *testing.T) {
	ch := uniqueChannel(t, "chatcmd")
	op := newConnector(t, ch, "siteop").ready()
	for _, line := range []string{"/sp a spoiler", "/say said", "/shout shouted", "/rcv announced"} {
		op.cmd("chat", map[string]any{"message": line}).ok(t, line)
	}
	op.cmd("media_queue", map[string]any{"media": customItem(1)}).ok(t, "queue something to skip")
	c := newConnector(t, ch, "golduser").ready()
	c.cmd("chat", map[string]any{"message": "/say not me"}).refused(t, "chat-7 /say below rank 1.5", codeNotPermitted, quick)
	afk := func(want bool, what string) {
		t.Helper()
		waitUntil(t, what, 10*time.Second, func() bool {
			u, ok := c.user("golduser")
			return ok && u.GetAfk() == want
		})
	}
	c.cmd("afk", map[string]any{}).ok(t, "afk on")
	afk(true, "golduser AFK")
	c.cmd("chat", map[string]any{"message": "back again"}).ok(t, "P10 chat while AFK")
	afk(false, "golduser no longer AFK after chatting")
	c.cmd("afk", map[string]any{}).ok(t, "afk on again")
	afk(true, "golduser AFK again")
	c.cmd("voteskip", map[string]any{}).ok(t, "vs-4 voteskip while AFK")
	afk(false, "golduser no longer AFK after voteskip")
}

// chat-9, the chat-only commands: /rank NAME N is confirmed by the
// setUserRank it causes and a /rank with bad syntax is refused before
// sending (CyTube answers it with noflood, which reads like a mute);
// /kickanons is confirmed by its [server] line; /poll and /hpoll by the
// own newPoll, and a bad /poll is refused with CyTube's "Error creating
// poll" at once.
func TestChatCommandLines(t *testing.T) {
	c := newConnector(t, registered, "goldowner").ready()
	newActor(t, registered, "golduser2")
	waitUntil(t, "golduser2 present", 10*time.Second, func() bool { return c.hasUser("golduser2") })
	for _, line := range []string{"/rank", "/rank golduser2", "/rank golduser2 x"} {
		c.cmd("chat", map[string]any{"message": line}).refused(t, "chat-9 "+line, codeInvalid, quick)
	}
	c.cmd("chat", map[string]any{"message": "/rank golduser2 2"}).ok(t, "/rank to 2")
	c.cmd("chat", map[string]any{"message": "/rank golduser2 1"}).ok(t, "/rank back to 1")
	c.cmd("chat", map[string]any{"message": "still talking"}).ok(t, "the next line is not refused")
	c.cmd("chat", map[string]any{"message": "/kickanons"}).ok(t, "/kickanons")

	p := newConnector(t, uniqueChannel(t, "chatpoll"), "siteop").ready()
	p.cmd("chat", map[string]any{"message": "/poll lunch?,pizza,soup"}).ok(t, "/poll")
	p.cmd("chat", map[string]any{"message": "/hpoll hidden?,yes,no"}).ok(t, "/hpoll")
	r := p.cmd("chat", map[string]any{"message": "/poll " + strings.Repeat("t", 256) + ",a"}).refused(t, "a bad /poll", codeRefused, quick)
	if !strings.HasPrefix(r.GetServerMessage(), "Error creating poll: ") {
		t.Errorf("bad /poll: server message %q", r.GetServerMessage())
	}
}

// vs-6: with rank >= viewvoteskip a vote below the threshold is confirmed
// by the voteskip count CyTube sends.
func TestVoteskipCount(t *testing.T) {
	ch := uniqueChannel(t, "vscount")
	c := newConnector(t, ch, "siteop").ready()
	newActor(t, ch, "golduser")
	newActor(t, ch, "golduser2")
	waitUntil(t, "three users", 10*time.Second, func() bool { return c.hasUser("golduser") && c.hasUser("golduser2") })
	c.cmd("media_queue", map[string]any{"media": customItem(1)}).ok(t, "queue")
	c.waitPlaylist("a current item", func(p *statev1.PlaylistReply) bool { return p.CurrentUid != nil })
	r := c.cmd("voteskip", map[string]any{}).ok(t, "vs-6 voteskip")
	if r.GetUnconfirmed() {
		t.Errorf("vs-6: unconfirmed at rank 255")
	}
}

// jn-21 and the PM limiter: a command sent while the connector is still
// joining waits for the join (CyTube drops channel commands before it)
// and is then confirmed; 30 PMs at once are paced under CyTube's chat
// limiter (MIN_ANTIFLOOD for PMs, any rank): every one confirmed, no
// cooldown (pm-7).
func TestCommandsBeforeJoinAndPMBurst(t *testing.T) {
	ch := uniqueChannel(t, "early")
	newActor(t, ch, "golduser2")
	c := newConnector(t, ch, "golduser")
	// The command service is up before the session starts connecting.
	c.waitStatus(eventsv1.ConnectorState_CONNECTOR_STATE_CONNECTING, 10*time.Second)
	c.cmdWithin("chat", map[string]any{"message": "sent while joining"}, 20*time.Second).ok(t, "jn-21 chat before the join")
	waitUntil(t, "golduser2 present", 10*time.Second, func() bool { return c.hasUser("golduser2") })
	res := make([]result, 30)
	var wg sync.WaitGroup
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = c.cmdWithin("pm", map[string]any{"username": "golduser2", "message": fmt.Sprintf("pm %d", i)}, 30*time.Second)
		}()
	}
	wg.Wait()
	for i, r := range res {
		r.ok(t, fmt.Sprint("pm ", i))
	}
	if n := c.count(c.rawSubject("cooldown")); n != 0 {
		t.Errorf("pm-7: %d cooldowns", n)
	}
}
