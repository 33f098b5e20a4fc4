//go:build cytube

package realcytube

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/socketio"
)

// answerText is the text of a refusal event: errorMsg/channelRankFail msg.
func answerText(ev socketio.Event) string {
	if len(ev.Args) == 0 {
		return ""
	}
	var v struct {
		Msg string `json:"msg"`
	}
	if json.Unmarshal(ev.Args[0], &v) == nil && v.Msg != "" {
		return v.Msg
	}
	var s string
	_ = json.Unmarshal(ev.Args[0], &s)
	return s
}

// CyTube's own checks of a payload, shown with a bare client (the
// connector's mapping never sends these): a failed type check answers
// "Unexpected error for message <event>: …" (P1, pm-1, q-1, mv-1, tmp-1,
// po-1, pv-1, ld-1, md-1, rk-1); some handlers drop a bad argument
// silently (del-2, j-1, q-2, q-3); and the value checks whose words the
// connector's own refusals reproduce (pm-6, rk-3, b-2, po-4 to po-7).
// The same commands through the connector are refused INVALID at once.
func TestServerValidation(t *testing.T) {
	ch := uniqueChannel(t, "valid")
	raw := newRawClient(t, ch, "siteop")
	newActor(t, ch, "golduser")
	long := strings.Repeat("x", 256)
	for _, tt := range []struct {
		row, event string
		arg        any
		reply      string // answer event
		want       string // its text starts with this
	}{
		{"P1", "chatMsg", map[string]any{"msg": 5}, "errorMsg", "Unexpected error for message chatMsg: "},
		{"pm-1", "pm", map[string]any{"msg": "x"}, "errorMsg", "Unexpected error for message pm: "},
		{"q-1", "queue", map[string]any{"id": 5, "type": "cu", "pos": "end"}, "errorMsg", "Unexpected error for message queue: "},
		{"mv-1", "moveMedia", map[string]any{"from": "x", "after": 1}, "errorMsg", "Unexpected error for message moveMedia: "},
		{"tmp-1", "setTemp", map[string]any{"uid": "x", "temp": true}, "errorMsg", "Unexpected error for message setTemp: "},
		{"po-1", "newPoll", map[string]any{"title": 5, "opts": []string{}, "obscured": false}, "errorMsg", "Unexpected error for message newPoll: "},
		{"pv-1", "vote", map[string]any{"option": "x"}, "errorMsg", "Unexpected error for message vote: "},
		{"ld-1", "assignLeader", map[string]any{"name": 5}, "errorMsg", "Unexpected error for message assignLeader: "},
		{"md-1", "setMotd", map[string]any{"motd": 5}, "errorMsg", "Unexpected error for message setMotd: "},
		{"rk-1", "setChannelRank", map[string]any{"name": "x", "rank": "y"}, "errorMsg", "Unexpected error for message setChannelRank: "},
		{"pm-6", "pm", map[string]any{"to": "Bad Name!", "msg": "x"}, "errorMsg", "PM failed: bad name! isn't a valid username."},
		{"rk-3", "setChannelRank", map[string]any{"name": "Bad Name!", "rank": 2}, "channelRankFail", "Invalid target name Bad Name!"},
		{"b-2", "chatMsg", map[string]any{"msg": "/ban bad!name", "meta": map[string]any{}}, "errorMsg", "Invalid username"},
		{"po-4", "newPoll", map[string]any{"title": long, "opts": []string{"a"}, "obscured": false}, "errorMsg", "Poll title must be no more than 255 characters long."},
		{"po-5", "newPoll", map[string]any{"title": "t", "opts": make([]string, 51), "obscured": false}, "errorMsg", "Polls are limited to a maximum of 50 options."},
		{"po-6", "newPoll", map[string]any{"title": "t", "opts": []string{""}, "obscured": false}, "errorMsg", "Poll options must be 1-255 characters long."},
		{"po-7", "newPoll", map[string]any{"title": "t", "opts": []string{"a"}, "obscured": false, "timeout": 0.5}, "errorMsg", "Poll timeout must be between 1 and 86400 seconds"},
	} {
		ev := raw.answer(tt.event, tt.arg, 5*time.Second, func(ev socketio.Event) bool { return ev.Name == tt.reply })
		if got := answerText(ev); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: %s answered %q, want %q…", tt.row, tt.reply, got, tt.want)
		}
	}
	// po-5 was sent with 51 empty options: the count is checked first.

	m := raw.mark()
	raw.emit("delete", "x")                                                                                   // del-2
	raw.emit("jumpTo", true)                                                                                  // j-1
	raw.emit("queue", map[string]any{"id": true, "type": "cu", "pos": "end"})                                 // q-2
	raw.emit("queue", map[string]any{"id": customItem(1)["id"], "type": "cu", "pos": "middle", "title": "x"}) // q-3
	time.Sleep(1500 * time.Millisecond)
	if got := raw.since(m); len(got) != 0 {
		t.Errorf("CyTube answered arguments it drops silently: %s", names(got))
	}

	// The same value checks through the connector: INVALID before sending.
	c := newConnector(t, ch, "siteop").ready()
	waitUntil(t, "golduser in the user list", 10*time.Second, func() bool { return c.hasUser("golduser") })
	for _, tt := range []struct {
		row, action string
		body        map[string]any
	}{
		{"pm-6", "pm", map[string]any{"username": "Bad Name!", "message": "x"}},
		{"rk-3", "channel_rank", map[string]any{"username": "Bad Name!", "rank": 2}},
		{"b-2", "ban", map[string]any{"username": "bad!name"}},
		{"po-4", "poll_open", map[string]any{"title": long, "options": []string{"a"}}},
		{"po-5", "poll_open", map[string]any{"title": "t", "options": make([]string, 51)}},
		{"po-6", "poll_open", map[string]any{"title": "t", "options": []string{""}}},
		{"po-7", "poll_open", map[string]any{"title": "t", "options": []string{"a"}, "timeoutSeconds": 90000}},
	} {
		c.cmd(tt.action, tt.body).refused(t, tt.row+" "+tt.action, codeInvalid, quick)
	}
}

// Chat lines CyTube transforms or drops: P3 a line over 320 UTF-16 units
// is cut (the connector refuses it, TOO_LONG, instead of letting CyTube cut
// it silently); P7 a socket that is not logged in is ignored (the
// connector refuses before sending); P8 drink lines: /d and /dN text are
// echoed rewritten and confirmed by that echo, /d0 alone only changes the
// counter (ok, unconfirmed), a count outside [-10000, 10000] is dropped
// without a word (refused at once, INVALID).
func TestChatTransforms(t *testing.T) {
	ch := uniqueChannel(t, "transform")
	raw := newRawClient(t, ch, "siteop")
	c := newConnector(t, ch, "golduser").ready()

	c.cmd("chat", map[string]any{"message": strings.Repeat("y", 321)}).refused(t, "P3 321 characters", commandsv1.ErrorCode_ERROR_CODE_TOO_LONG, quick)
	ev := raw.answer("chatMsg", map[string]any{"msg": strings.Repeat("z", 400), "meta": map[string]any{}}, 5*time.Second, func(ev socketio.Event) bool { return ev.Name == "chatMsg" })
	var line struct {
		Msg string `json:"msg"`
	}
	_ = json.Unmarshal(ev.Args[0], &line)
	if len(line.Msg) != 320 {
		t.Errorf("P3: CyTube echoed %d characters of 400, want 320", len(line.Msg))
	}

	anon := newConnector(t, ch, "")
	anon.waitStatus(eventsv1.ConnectorState_CONNECTOR_STATE_JOINED, 30*time.Second)
	anon.cmd("chat", map[string]any{"message": "hello"}).refused(t, "P7 anonymous chat", codeNotPermitted, quick)
	bare := newRawClient(t, ch, "")
	m := bare.mark()
	bare.emit("chatMsg", map[string]any{"msg": "anonymous words", "meta": map[string]any{}})
	time.Sleep(time.Second)
	if got := bare.since(m); len(got) != 0 {
		t.Errorf("P7: CyTube answered an anonymous chat line: %s", names(got))
	}

	for _, line := range []string{"/d", "/d3 cheers", "/dance"} {
		r := c.cmd("chat", map[string]any{"message": line}).ok(t, "P8 "+line)
		if r.GetUnconfirmed() {
			t.Errorf("P8 %s: unconfirmed, want confirmed by the rewritten echo", line)
		}
	}
	// The counter: 1 (/d) + 3 + 1 (/dance). Seen by the bare client before
	// its silence check, so that no broadcast of these lands in it.
	drinks := func(n string) func() bool {
		return func() bool {
			for _, ev := range raw.since(0) {
				if ev.Name == "drinkCount" && string(ev.Args[0]) == n {
					return true
				}
			}
			return false
		}
	}
	waitUntil(t, "drinkCount 5", 5*time.Second, drinks("5"))
	c.cmd("chat", map[string]any{"message": "/d20000 too many"}).refused(t, "P8 /d20000", codeInvalid, quick)
	m = raw.mark()
	raw.emit("chatMsg", map[string]any{"msg": "/d20000 too many", "meta": map[string]any{}})
	time.Sleep(time.Second)
	if got := raw.since(m); len(got) != 0 {
		t.Errorf("P8: CyTube answered a /d line out of range: %s", names(got))
	}
	if r := c.cmd("chat", map[string]any{"message": "/d0"}).ok(t, "P8 /d0"); !r.GetUnconfirmed() {
		t.Errorf("P8 /d0: confirmed, but CyTube sends no chat line for it")
	}
}
