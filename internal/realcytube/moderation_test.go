//go:build cytube

package realcytube

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"google.golang.org/protobuf/proto"

	statev1 "github.com/roseybot/cytube-connector/gen/go/rosey/state/v1"
	"github.com/roseybot/cytube-connector/internal/socketio"
)

// quick is how soon a refusal must come: CyTube answers refusals at once,
// and a predicted ignore is refused before anything is sent.
const quick = 2 * time.Second

// uniqueName returns a user name no test used before (bans persist in the
// kit's database); mixed case on purpose, CyTube lower-cases it.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s%x", prefix, time.Now().UnixNano()&0xffffffffff)
}

const (
	codeOK            = commandsv1.ErrorCode_ERROR_CODE_UNSPECIFIED
	codeInvalid       = commandsv1.ErrorCode_ERROR_CODE_INVALID
	codeNotFound      = commandsv1.ErrorCode_ERROR_CODE_NOT_FOUND
	codeNotPermitted  = commandsv1.ErrorCode_ERROR_CODE_NOT_PERMITTED
	codeRefused       = commandsv1.ErrorCode_ERROR_CODE_REFUSED_BY_SERVER
	codeMuted         = commandsv1.ErrorCode_ERROR_CODE_MUTED
	codeRateLimited   = commandsv1.ErrorCode_ERROR_CODE_RATE_LIMITED
	codeSpamFiltered  = commandsv1.ErrorCode_ERROR_CODE_SPAM_FILTERED
	codeDisconnected  = commandsv1.ErrorCode_ERROR_CODE_DISCONNECTED
	codeTimeout       = commandsv1.ErrorCode_ERROR_CODE_TIMEOUT
	codeUnknownAction = commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION
)

var _ = []any{codeOK, codeSpamFiltered, codeDisconnected, codeTimeout, codeUnknownAction, codeRateLimited}

// ban b-10: an offline mixed-case name is confirmed by CyTube's
// lower-cased "namebanned" line; b-6: banning it again is refused with
// CyTube's words, at once.
func TestBanOfflineMixedCaseThenAlreadyBanned(t *testing.T) {
	c := newConnector(t, registered, "goldowner").ready()
	name := uniqueName("BanT")
	r := c.cmd("ban", map[string]any{"username": name, "reason": "integration"}).ok(t, "ban offline")
	if r.took > quick {
		t.Errorf("ban confirmed after %s", r.took)
	}
	r = c.cmd("ban", map[string]any{"username": name}).refused(t, "ban again", codeRefused, quick)
	if want := strings.ToLower(name) + " is already banned"; r.GetServerMessage() != want {
		t.Errorf("server message %q, want %q", r.GetServerMessage(), want)
	}
}

// ban b-5: a name of equal or higher rank is refused by CyTube.
func TestBanHigherRankRefused(t *testing.T) {
	c := newConnector(t, registered, "goldmod").ready() // rank 2
	r := c.cmd("ban", map[string]any{"username": "goldowner"}).refused(t, "ban the owner", codeRefused, quick)
	if !strings.Contains(r.GetServerMessage(), "You don't have permission to ban goldowner") {
		t.Errorf("server message %q", r.GetServerMessage())
	}
}

// ban b-3: below the ban permission the connector refuses before sending.
func TestBanWithoutPermissionRefusedLocally(t *testing.T) {
	c := newConnector(t, registered, "golduser").ready() // rank 1
	c.cmd("ban", map[string]any{"username": uniqueName("BanT")}).refused(t, "ban as rank 1", codeNotPermitted, quick)
}

// kick k-3: CyTube ignores a kick of an absent user; refused at once.
// k-5: a present user is kicked, confirmed by its userLeave.
func TestKickAbsentAndPresent(t *testing.T) {
	c := newConnector(t, registered, "goldowner").ready()
	c.cmd("kick", map[string]any{"username": "nobodyhere"}).refused(t, "kick absent", codeNotFound, quick)
	guest := uniqueName("Kick")
	newActor(t, registered, guest)
	waitUntil(t, "the guest in the connector's user list", 10*time.Second, func() bool { return c.hasUser(guest) })
	c.cmd("kick", map[string]any{"username": guest, "reason": "integration"}).ok(t, "kick present")
}

// mute mu-5 and unmute um-5; unmute um-4 (not muted) is refused with
// CyTube's words; um-6: unmuting a muted user who left is confirmed by
// the [server] line alone.
func TestMuteUnmuteOutcomes(t *testing.T) {
	c := newConnector(t, registered, "goldowner").ready()
	notMuted := uniqueName("Nm")
	r := c.cmd("unmute", map[string]any{"username": notMuted}).refused(t, "unmute not muted", codeRefused, quick)
	if want := strings.ToLower(notMuted) + " is not muted."; r.GetServerMessage() != want {
		t.Errorf("server message %q, want %q", r.GetServerMessage(), want)
	}
	guest := uniqueName("Mu")
	a := newActorCancel(t, registered, guest)
	waitUntil(t, "the guest in the user list", 10*time.Second, func() bool { return c.hasUser(guest) })
	c.cmd("mute", map[string]any{"username": guest}).ok(t, "mute")
	c.cmd("unmute", map[string]any{"username": guest}).ok(t, "unmute online")
	c.cmd("mute", map[string]any{"username": guest, "shadow": true}).ok(t, "smute")
	a.stop()
	waitUntil(t, "the guest gone", 10*time.Second, func() bool { return !c.hasUser(guest) })
	c.cmd("unmute", map[string]any{"username": guest}).ok(t, "unmute offline")
	c.cmd("mute", map[string]any{"username": guest}).refused(t, "mute absent", codeNotFound, quick)
}

// P14: a chat line sent while shadow-muted (as a moderator, who sees the
// shadow copy) is reported as muted, not delivered; the next line after
// the unmute is confirmed normally, by its own echo.
func TestShadowMutedChatReported(t *testing.T) {
	c := newConnector(t, registered, "goldmod").ready()
	owner := newActor(t, registered, "goldowner")
	owner.chat(t, "/smute goldmod")
	waitUntil(t, "goldmod shadow-muted in the connector's state", 10*time.Second, func() bool { return c.userSmuted("goldmod") })
	c.cmd("chat", map[string]any{"message": "said while shadow-muted"}).refused(t, "shadow-muted chat", codeMuted, quick)
	c.cmd("chat", map[string]any{"message": "second line while shadow-muted"}).refused(t, "shadow-muted chat 2", codeMuted, quick)
	owner.chat(t, "/unmute goldmod")
	waitUntil(t, "goldmod unmuted", 10*time.Second, func() bool { return !c.userSmuted("goldmod") })
	c.cmd("chat", map[string]any{"message": "after the unmute"}).ok(t, "chat after unmute")
}

// P15: a muted user's line is refused with CyTube's noflood text.
func TestMutedChatRefused(t *testing.T) {
	c := newConnector(t, registered, "golduser").ready()
	owner := newActor(t, registered, "goldowner")
	owner.chat(t, "/mute golduser")
	t.Cleanup(func() { owner.chat(t, "/unmute golduser") })
	waitUntil(t, "golduser muted", 10*time.Second, func() bool { return c.userMuted("golduser") })
	r := c.cmd("chat", map[string]any{"message": "muted line"}).refused(t, "muted chat", codeMuted, quick)
	if r.GetServerMessage() != "You have been muted on this channel." {
		t.Errorf("server message %q", r.GetServerMessage())
	}
}

// rk-2: below rank 3 CyTube ignores setChannelRank; refused at once.
// rk-6: in an unregistered channel CyTube refuses every rank change.
func TestChannelRankOutcomes(t *testing.T) {
	c := newConnector(t, registered, "goldmod").ready()
	c.cmd("channel_rank", map[string]any{"username": "golduser", "rank": 1}).refused(t, "rank as rank 2", codeNotPermitted, quick)

	ch := uniqueChannel(t, "rank")
	op := newConnector(t, ch, "siteop").ready()
	newActor(t, ch, "golduser2")
	r := op.cmd("channel_rank", map[string]any{"username": "golduser2", "rank": 2}).refused(t, "rank in an unregistered channel", codeRefused, quick)
	if !strings.Contains(r.GetServerMessage(), "unregistered channel") {
		t.Errorf("server message %q", r.GetServerMessage())
	}
}

// unregistered channels lack the kick/mute/ban permissions (jn-19): the
// connector refuses instead of waiting for an answer that never comes.
func TestUnregisteredChannelModerationRefused(t *testing.T) {
	ch := uniqueChannel(t, "unregmod")
	c := newConnector(t, ch, "golduser").ready()
	newActor(t, ch, "golduser2")
	waitUntil(t, "golduser2 in the user list", 10*time.Second, func() bool { return c.hasUser("golduser2") })
	c.cmd("kick", map[string]any{"username": "golduser2"}).refused(t, "kick in unregistered", codeNotPermitted, quick)
	c.cmd("mute", map[string]any{"username": "golduser2"}).refused(t, "mute in unregistered", codeNotPermitted, quick)
	c.cmd("motd", map[string]any{"motd": "hi"}).refused(t, "motd in unregistered (CyTube would kick)", codeNotPermitted, quick)
}

// hasUser reports whether the connector's session sees name in the channel.
func (c *connector) hasUser(name string) bool {
	_, ok := c.user(name)
	return ok
}

func (c *connector) userSmuted(name string) bool {
	u, ok := c.user(name)
	return ok && u.GetSmuted()
}

func (c *connector) userMuted(name string) bool {
	u, ok := c.user(name)
	return ok && u.GetMuted()
}

// user asks the connector's state service (rosey.platform.cytube.<channel>.state.users).
func (c *connector) user(name string) (*statev1.User, bool) {
	rep := &statev1.UsersReply{}
	if !c.state("users", rep) {
		return nil, false
	}
	for _, u := range rep.GetUsers() {
		if strings.EqualFold(u.GetName(), name) {
			return u, true
		}
	}
	return nil, false
}

// state asks one aspect of the connector's state service; false when it
// does not answer (yet).
func (c *connector) state(aspect string, into proto.Message) bool {
	c.t.Helper()
	subject := "rosey.platform.cytube." + c.scope.Channel + ".state." + aspect
	resp, err := c.nc.Request(subject, nil, 2*time.Second)
	if err != nil || resp.Header.Get("Nats-Service-Error") != "" {
		return false
	}
	if err := proto.Unmarshal(resp.Data, into); err != nil {
		c.t.Fatalf("state %s: %v", aspect, err)
	}
	return true
}

// channel_rank rk-8: an online user's rank changed and back, confirmed by
// setUserRank with that rank; rk-4 and rk-5 refused before sending.
// kick k-4 and mute mu-4: a user of higher rank, refused with CyTube's
// words; ban b-4 (oneself) and unmute um-3 (oneself).
func TestModerationRankRules(t *testing.T) {
	c := newConnector(t, registered, "goldmod").ready() // rank 2
	owner := newConnector(t, registered, "goldowner").ready()
	newActor(t, registered, "golduser2")
	waitUntil(t, "golduser2 present", 10*time.Second, func() bool { return owner.hasUser("golduser2") && c.hasUser("goldowner") })
	owner.cmd("channel_rank", map[string]any{"username": "golduser2", "rank": 2}).ok(t, "rank 2")
	owner.cmd("channel_rank", map[string]any{"username": "golduser2", "rank": 1}).ok(t, "rank 1 again")
	owner.cmd("channel_rank", map[string]any{"username": "golduser2", "rank": 0}).refused(t, "rank below 1", codeNotPermitted, quick)
	owner.cmd("channel_rank", map[string]any{"username": "goldowner", "rank": 2}).refused(t, "own rank", codeInvalid, quick)

	r := c.cmd("kick", map[string]any{"username": "goldowner"}).refused(t, "kick the owner", codeRefused, quick)
	if r.GetServerMessage() != "You do not have permission to kick goldowner" {
		t.Errorf("kick: server message %q", r.GetServerMessage())
	}
	r = c.cmd("mute", map[string]any{"username": "goldowner"}).refused(t, "mute the owner", codeRefused, quick)
	if !strings.HasPrefix(r.GetServerMessage(), "/mute failed - goldowner has equal or higher rank") {
		t.Errorf("mute: server message %q", r.GetServerMessage())
	}
	r = c.cmd("ban", map[string]any{"username": "goldmod"}).refused(t, "ban oneself", codeRefused, quick)
	if r.GetServerMessage() != "You cannot ban yourself" {
		t.Errorf("ban: server message %q", r.GetServerMessage())
	}
	c.cmd("unmute", map[string]any{"username": "goldmod"}).refused(t, "unmute oneself", codeInvalid, quick)
}

// channel_rank rk-11: an offline name's rank is stored (confirmed by
// setUserRank with that rank) and removed again; rk-7: an online user of
// higher rank is refused with CyTube's words.
func TestChannelRankOfflineAndHigher(t *testing.T) {
	c := newConnector(t, registered, "goldowner").ready()
	name := uniqueName("Rk")
	c.cmd("channel_rank", map[string]any{"username": name, "rank": 2}).ok(t, "rank of an offline name")
	c.cmd("channel_rank", map[string]any{"username": name, "rank": 1}).ok(t, "back to rank 1")
	// rk-12: siteop is offline here; its stored rank (global 255) is above
	// the owner's, which only CyTube's database knows.
	r := c.cmd("channel_rank", map[string]any{"username": "siteop", "rank": 2}).refused(t, "rk-12 rank of an offline higher user", codeRefused, quick)
	if want := "Updating user rank failed: You can't promote or demote someone with equal or higher rank than you."; r.GetServerMessage() != want {
		t.Errorf("rk-12 server message %q, want %q", r.GetServerMessage(), want)
	}
	// rk-9: a guest's rank changes in memory; CyTube's warning after the
	// setUserRank must not refuse the next rank command.
	guest := uniqueName("Gr")
	newActor(t, registered, guest)
	waitUntil(t, "the guest present", 10*time.Second, func() bool { return c.hasUser(guest) })
	c.cmd("channel_rank", map[string]any{"username": guest, "rank": 2}).ok(t, "rk-9 promote a guest")
	c.cmd("channel_rank", map[string]any{"username": guest, "rank": 1}).ok(t, "rk-9 and the next rank command")
	newActor(t, registered, "siteop")
	waitUntil(t, "siteop present", 10*time.Second, func() bool { return c.hasUser("siteop") })
	r = c.cmd("channel_rank", map[string]any{"username": "siteop", "rank": 2}).refused(t, "rank of a higher user", codeRefused, quick)
	if !strings.Contains(r.GetServerMessage(), "equal or higher rank than yourself") {
		t.Errorf("server message %q", r.GetServerMessage())
	}
}

// ban with ip: b-11 the name and its IP are banned, confirmed by the
// "[server] <own> banned <cloaked ip> (<name>)" line, and the user leaves;
// b-8 an /ipban of the same name again is refused with CyTube's
// "… is already banned" at once. The bans are lifted afterwards (unban by
// id, as CyTube's ban list does), so the kit's database keeps no IP bans.
// The same account in the channel twice: CyTube kicks the older socket
// with "Duplicate login", and the connector stops.
func TestIPBanAlreadyBanned(t *testing.T) {
	c := newConnector(t, registered, "goldowner").ready()
	name := uniqueName("Ip")
	victim := newActorCancel(t, registered, name)
	waitUntil(t, "the victim present", 10*time.Second, func() bool { return c.hasUser(name) })
	lower := strings.ToLower(name)
	t.Cleanup(func() { unbanAll(t, lower) })

	c.cmd("ban", map[string]any{"username": name, "ip": true, "reason": "ip test"}).ok(t, "b-11 ip ban")
	waitUntil(t, "the victim gone", 10*time.Second, func() bool { return !c.hasUser(name) })
	victim.stop()
	r := c.cmd("ban", map[string]any{"username": name, "ip": true}).refused(t, "b-8 ip ban again", codeRefused, quick)
	if !strings.HasSuffix(r.GetServerMessage(), " is already banned") {
		t.Errorf("b-8 server message %q", r.GetServerMessage())
	}
	newRawClient(t, registered, "goldowner")
	st := c.waitStatus(eventsv1.ConnectorState_CONNECTOR_STATE_STOPPED, 10*time.Second)
	if !strings.Contains(st.GetReason(), "Duplicate login") {
		t.Errorf("stopped with %q, want CyTube's Duplicate login", st.GetReason())
	}
}

// Moderation lines without a target (the connector's mapping never sends
// them; a bare client shows CyTube's words): k-2, b-1 (/ban and /ipban),
// mu-2 (/mute and /smute), um-2. Through the connector an empty name is
// INVALID before sending.
func TestModerationWithoutTarget(t *testing.T) {
	raw := newRawClient(t, registered, "goldowner")
	for _, tt := range []struct{ row, line, want string }{
		{"k-2", "/kick", "No kick target specified.  If you're trying to kick anonymous users, use /kickanons"},
		{"b-1", "/ban", "No ban target specified."},
		{"b-1", "/ipban", "No ban target specified."},
		{"mu-2", "/mute", "/mute requires a target name"},
		{"mu-2", "/smute", "/smute requires a target name"},
		{"um-2", "/unmute", "/unmute requires a target name"},
	} {
		ev := raw.answer("chatMsg", map[string]any{"msg": tt.line, "meta": map[string]any{}}, 5*time.Second, func(ev socketio.Event) bool { return ev.Name == "errorMsg" })
		if got := errorMsgText(ev); got != tt.want {
			t.Errorf("%s %s: CyTube said %q, want %q", tt.row, tt.line, got, tt.want)
		}
	}
	c := newConnector(t, registered, "goldowner").ready()
	for _, action := range []string{"kick", "ban", "mute", "unmute"} {
		c.cmd(action, map[string]any{"username": ""}).refused(t, action+" without a name", codeInvalid, quick)
	}
}

// ban with ip, b-7: the name's IP was also used by an account of higher
// rank (CyTube's rankForIP takes the highest rank seen on it), so CyTube
// refuses the IP ban with its words; the name was banned first, so
// nothing else happens and the refusal is the whole answer. b-13: a
// reason whose first word is "range" would widen the ban; refused before
// sending.
func TestIPBanOfSharedAddressRefused(t *testing.T) {
	c := newConnector(t, registered, "goldowner").ready()
	hdr := clientHeader()
	newActorFrom(t, registered, "siteop", hdr)
	name := uniqueName("Sh")
	newActorFrom(t, registered, name, hdr)
	waitUntil(t, "both on one address present", 10*time.Second, func() bool { return c.hasUser(name) && c.hasUser("siteop") })
	c.cmd("ban", map[string]any{"username": name, "ip": true, "reason": "range of reasons"}).refused(t, "b-13 a reason starting with range", codeInvalid, quick)
	c.cmd("ban", map[string]any{"username": name}).ok(t, "name ban first")
	r := c.cmd("ban", map[string]any{"username": name, "ip": true}).refused(t, "b-7 ip ban of a shared address", codeRefused, quick)
	if !strings.HasPrefix(r.GetServerMessage(), "You don't have permission to ban IP ") {
		t.Errorf("b-7 server message %q", r.GetServerMessage())
	}
}

// unbanAll lifts every ban of name in the registered channel, as its
// owner from a bare socket (CyTube kicks any other socket of goldowner
// with "Duplicate login", so only call it when they are done), and
// returns how many there were.
func unbanAll(t *testing.T, name string) int {
	t.Helper()
	admin := newRawClient(t, registered, "goldowner")
	ev := admin.answer("requestBanlist", nil, 5*time.Second, func(ev socketio.Event) bool { return ev.Name == "banlist" })
	var bans []struct {
		ID   int64  `json:"id"`
		IP   string `json:"ip"`
		Name string `json:"name"`
	}
	_ = json.Unmarshal(ev.Args[0], &bans)
	t.Logf("ban list: %d bans; of %s: %s", len(bans), name, func() string {
		var out []string
		for _, b := range bans {
			if b.Name == name {
				out = append(out, fmt.Sprint(b.ID, " ", b.IP))
			}
		}
		return strings.Join(out, ", ")
	}())
	n := 0
	for _, b := range bans {
		if b.Name == name {
			admin.emit("unban", map[string]any{"id": b.ID, "name": b.Name})
			n++
		}
	}
	return n
}

// b-12: an /ipban where one IP ban fails (an address shared with a
// higher-ranked account) and another works: CyTube sends the working
// bans' lines and one errorMsg, in no fixed order. The first decides the
// result at once; the rest stay with it, so a second /ipban is refused
// with its own "already banned", not confirmed by the first one's lines.
func TestIPBanPartial(t *testing.T) {
	c := newConnector(t, registered, "goldowner").ready()
	name := uniqueName("Pa")
	lower := strings.ToLower(name)
	t.Cleanup(func() { unbanAll(t, lower) })
	shared := clientHeader()
	newActorFrom(t, registered, "siteop", shared)
	first := newActorFrom(t, registered, name, shared)
	waitUntil(t, "the name on the shared address", 10*time.Second, func() bool { return c.hasUser(name) })
	first.stop()
	waitUntil(t, "the name gone", 10*time.Second, func() bool { return !c.hasUser(name) })
	newActor(t, registered, name) // the same name from its own address
	waitUntil(t, "the name on its own address", 10*time.Second, func() bool { return c.hasUser(name) })

	r := c.cmd("ban", map[string]any{"username": name, "ip": true})
	if r.took > quick || (!r.GetOk() && r.GetCode() != codeRefused) {
		t.Fatalf("b-12: %v %s %q after %s, want ok or REFUSED_BY_SERVER at once", r.GetOk(), r.GetCode(), r.GetServerMessage(), r.took)
	}
	r = c.cmd("ban", map[string]any{"username": name, "ip": true}).refused(t, "the same ipban again", codeRefused, quick)
	if !strings.Contains(r.GetServerMessage(), "already banned") && !strings.HasPrefix(r.GetServerMessage(), "You don't have permission to ban IP ") {
		t.Errorf("second ipban: server message %q", r.GetServerMessage())
	}
}
