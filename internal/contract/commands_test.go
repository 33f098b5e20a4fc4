package contract

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	cmd "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
	"github.com/roseybot/cytube-connector/internal/mapping"
)

// commandCase is one send action with the body both forms carry and what
// the channel needs first so that CyTube lets it through.
type commandCase struct {
	action string
	body   proto.Message
	before func(e *env)
}

// framesOf is how many frames an action sends when not one: unban asks
// for the ban list first.
var framesOf = map[string]int{"unban": 2}

// commandCases lists every send action in an order where each one is
// permitted (a poll is open before the vote, users are present before a
// kick...). TestCommandGoldens checks it covers mapping.Actions().
func commandCases() []commandCase {
	// present adds users and waits until the connector saw them join: it
	// refuses PMs, kicks and mutes of users it does not see.
	present := func(names ...string) func(e *env) {
		return func(e *env) {
			for _, n := range names {
				if slices.Contains(e.cyt.Users(), n) {
					continue
				}
				before := e.count(seed.Raw("user.join"))
				e.cyt.AddFakeUser(n, 1)
				e.until(n+" at the connector", func() bool { return e.count(seed.Raw("user.join")) > before })
			}
		}
	}
	return []commandCase{
		{"chat", &cmd.ChatCommand{Message: `hello <b>CyTube</b> & "friends" 🚀 中文`}, nil},
		{"pm", &cmd.PmCommand{Username: "alice", Message: "psst <i>secret</i>"}, present("alice")},
		{"afk", &cmd.AfkCommand{}, nil},
		{"media_queue", &cmd.MediaQueueCommand{
			Media:    &cmd.MediaRef{Type: "cm", Id: "https://media.example.com/golden.json", Title: proto.String("Golden ✨"), Duration: proto.Float64(90.5)},
			Position: cmd.MediaPosition_MEDIA_POSITION_NEXT, Temp: true,
		}, nil},
		{"media_set_temp", &cmd.MediaSetTempCommand{Uid: 2, Temp: true}, nil},
		{"media_move", &cmd.MediaMoveCommand{Uid: 3, After: &cmd.MediaMoveCommand_AfterUid{AfterUid: 1}}, nil},
		{"media_jump", &cmd.MediaJumpCommand{Uid: 2}, nil},
		{"media_next", &cmd.MediaNextCommand{}, nil},
		// The JSON form deletes uid 3; before the protobuf form the
		// connector (only) is told it is back, since the connector refuses
		// an unknown uid without sending anything (del-3).
		{"media_delete", &cmd.MediaDeleteCommand{Uid: 3}, func(e *env) { fakeItem(e, 3) }},
		{"playlist_lock", &cmd.PlaylistLockCommand{Locked: true}, func(e *env) {
			// CyTube only toggles: make the connector believe the playlist
			// is unlocked so that it sends the toggle.
			e.cyt.Emit("setPlaylistLocked", false)
			e.settle()
		}},
		{"playlist_request", &cmd.RequestPlaylistCommand{}, nil},
		{"playlist_shuffle", &cmd.PlaylistShuffleCommand{}, nil},
		{"poll_open", &cmd.PollOpenCommand{Title: "Golden <poll>", Options: []string{"yes", "no", "ಠ_ಠ"}, TimeoutSeconds: proto.Float64(30), RetainVotes: true}, nil},
		// CyTube ignores the same vote twice (pv-5), and the connector
		// refuses it: a fresh poll before each form.
		{"poll_vote", &cmd.PollVoteCommand{Option: 1}, func(e *env) {
			openPoll(e, "to vote in")
		}},
		// The JSON form closes the poll; the connector refuses a close
		// without a poll (pc-2), so one is opened before each form.
		{"poll_close", &cmd.PollCloseCommand{}, func(e *env) {
			openPoll(e, "to close")
		}},
		// One voteskip per media (vs-3): the media changes before each form.
		{"voteskip", &cmd.VoteskipCommand{}, func(e *env) {
			e.cyt.ChangeMedia()
			e.settle()
		}},
		{"leader", &cmd.LeaderCommand{Name: "alice"}, present("alice")},
		{"motd", &cmd.MotdCommand{Motd: "<b>Welcome</b> to goldentest & have fun"}, nil},
		{"channel_rank", &cmd.ChannelRankCommand{Username: "alice", Rank: 2}, present("alice")},
		{"mute", &cmd.MuteCommand{Username: "alice", Shadow: true}, present("alice")},
		{"unmute", &cmd.UnmuteCommand{Username: "alice"}, present("alice")},
		{"kick", &cmd.KickCommand{Username: "alice", Reason: "  too   loud  "}, present("alice")},
		{"ban", &cmd.BanCommand{Username: "bob", Reason: "spam", Ip: true}, present("bob")},
		{"clear_chat", &cmd.ClearChatCommand{}, nil},
		{"kick_anons", &cmd.KickAnonsCommand{}, nil},
		// The JSON form cleans alice's items: one more before each form.
		{"playlist_clean", &cmd.PlaylistCleanCommand{Target: &cmd.PlaylistCleanCommand_Username{Username: "alice"}}, func(e *env) {
			e.seq++
			e.cyt.Queue("alice", cytubetest.Media{ID: fmt.Sprintf("https://media.example.com/clean-%d.json", e.seq), Title: "Clean me", Type: "cm", Seconds: 60}, false)
			e.settle()
		}},
		{"ban_list", &cmd.BanListCommand{}, nil},
		{"unban", &cmd.UnbanCommand{Username: "carol"}, func(e *env) { e.cyt.Ban("carol"); e.settle() }},
		{"options_set", &cmd.OptionsSetCommand{Options: &cytubev1.SetOptionsAction{AllowVoteskip: proto.Bool(true), VoteskipRatio: proto.Float64(0.6), AfkTimeout: proto.Int64(600)}}, nil},
		{"permissions_set", &cmd.PermissionsSetCommand{Permissions: map[string]float64{"chat": 0, "pollvote": 1.5}}, nil},
		// Unchanged CSS or JS is not sent: the connector is told it is
		// empty again before each form.
		{"css_set", &cmd.CssSetCommand{Css: "body { color: #c0ffee; }"}, resetCSSJS},
		{"js_set", &cmd.JsSetCommand{Js: "console.log(\"golden\");"}, resetCSSJS},
		{"emote_set", &cmd.EmoteSetCommand{Name: ":golden:", Image: "https://example.com/golden.png"}, nil},
		{"emote_rename", &cmd.EmoteRenameCommand{Old: ":old:", Name: ":new:"}, func(e *env) {
			e.cyt.SetEmotes(map[string]string{":old:": "https://example.com/old.png"})
			e.settle()
		}},
		{"emote_remove", &cmd.EmoteRemoveCommand{Name: ":gone:"}, func(e *env) {
			e.cyt.SetEmotes(map[string]string{":gone:": "https://example.com/gone.png"})
			e.settle()
		}},
		{"filter_add", &cmd.FilterCommand{Name: "golden", Source: "fo+", Replace: "bar", Active: true}, nil},
		{"filter_update", &cmd.FilterCommand{Name: "golden", Source: "fo+", Flags: "gi", Replace: "baz", Active: true, Filterlinks: true}, nil},
		{"filter_list", &cmd.FilterListCommand{}, nil},
		// Once the list is known a missing filter is refused (fr-2): the
		// connector is told it is back before each form.
		{"filter_remove", &cmd.FilterRemoveCommand{Name: "golden"}, func(e *env) {
			e.cyt.Emit("updateChatFilter", map[string]any{"name": "golden", "source": "fo+", "flags": "g", "replace": "bar", "active": true, "filterlinks": false})
			e.settle()
		}},
		{"rank_list", &cmd.RankListCommand{}, nil},
		{"channel_log", &cmd.ChannelLogCommand{}, nil},
		// The connector leads, and plays a manifest (not live).
		{"media_seek", &cmd.MediaSeekCommand{Time: 42.5, Paused: true}, func(e *env) {
			e.cyt.Emit("changeMedia", map[string]any{"id": "https://media.example.com/seek.json", "title": "Seek", "seconds": 120, "duration": "02:00", "type": "cm", "meta": map[string]any{}, "currentTime": 0, "paused": false})
			e.cyt.Emit("setLeader", "bot")
			e.settle()
		}},
		{"media_search", &cmd.MediaSearchCommand{Query: "golden"}, nil},
		{"user_playlists", &cmd.UserPlaylistsCommand{}, nil},
		{"user_playlist_save", &cmd.UserPlaylistSaveCommand{Name: "golden"}, nil},
		{"user_playlist_queue", &cmd.UserPlaylistQueueCommand{Name: "golden", Position: cmd.MediaPosition_MEDIA_POSITION_NEXT, Temp: true}, knownPlaylist},
		{"user_playlist_delete", &cmd.UserPlaylistDeleteCommand{Name: "golden"}, knownPlaylist},
		{"playlist_clear", &cmd.PlaylistClearCommand{}, nil},
	}
}

// resetCSSJS tells the connector alone that the channel has no custom
// CSS or JS.
func resetCSSJS(e *env) {
	e.cyt.Emit("channelCSSJS", map[string]string{"css": "", "cssHash": "", "js": "", "jsHash": ""})
	e.settle()
}

// knownPlaylist tells the connector alone that the account has a saved
// playlist "golden" of one item.
func knownPlaylist(e *env) {
	e.cyt.Emit("listPlaylists", []map[string]any{{"name": "golden", "count": 1, "duration": 60}})
	e.settle()
}

// commandGolden is testdata/golden/commands/<action>.json.
type commandGolden struct {
	Action  string          `json:"action"`
	Subject string          `json:"subject"`
	Type    string          `json:"type"`
	Binpb   string          `json:"binpb"`
	Message json.RawMessage `json:"message"`
	// Frames is the exact frame sent to CyTube for each body form.
	Frames map[string]string `json:"frames"`
}

// refusalGolden is testdata/golden/refusals/<kind>.json.
type refusalGolden struct {
	Kind    string          `json:"kind"`
	How     string          `json:"how"`
	Subject string          `json:"subject"`
	Body    json.RawMessage `json:"body"`
	// ServerFrame is the refusal the server sent; CapturedIn names the
	// captures where real CyTube sent the same frame (as JSON values).
	ServerFrame string          `json:"server_frame"`
	CapturedIn  []string        `json:"captured_in"`
	Type        string          `json:"type"`
	Binpb       string          `json:"binpb"`
	Message     json.RawMessage `json:"message"`
}

// sentSince returns the `42[...]` frames the server received from index n.
func sentSince(e *env, n int) []string {
	var out []string
	for _, f := range e.cyt.Received()[n:] {
		if strings.HasPrefix(f.Text, "42[") {
			out = append(out, f.Text)
		}
	}
	return out
}

// TestCommandGoldens sends every action over NATS in both body forms
// through a running connector and records the exact frame CyTube gets.
// Then it provokes a queueFail, and a kick while a command waits, and
// records their results.
func TestCommandGoldens(t *testing.T) {
	cases := commandCases()
	var names []string
	for _, c := range cases {
		names = append(names, c.action)
	}
	sort.Strings(names)
	if diff := cmp.Diff(mapping.Actions(), names); diff != "" {
		t.Fatalf("commandCases does not cover mapping.Actions() (-actions +cases):\n%s", diff)
	}
	if *update {
		if err := os.RemoveAll(filepath.Join(goldenDir, "commands")); err != nil {
			t.Fatal(err)
		}
	}

	e := newEnv(t, "bot")
	e.cyt.AddFakeUser("alice", 1)
	e.cyt.AddFakeUser("bob", 1)
	for i := range 3 {
		e.cyt.Queue("alice", cytubetest.Media{ID: fmt.Sprintf("https://media.example.com/%d.json", i), Title: fmt.Sprintf("Item %d", i), Type: "cm", Seconds: 60}, false)
	}
	e.until("queued items", func() bool { return e.count(seed.Raw("media.queue")) >= 3 })

	for _, c := range cases {
		jsonBody, err := protojson.Marshal(c.body)
		if err != nil {
			t.Fatal(err)
		}
		binBody, err := proto.Marshal(c.body)
		if err != nil {
			t.Fatal(err)
		}
		g := commandGolden{
			Action: c.action, Subject: seed.Command(c.action),
			Type: string(proto.MessageName(c.body)), Binpb: c.action + ".binpb",
			Message: protoJSON(t, c.body), Frames: map[string]string{},
		}
		for _, form := range []string{"json", "protobuf"} {
			if c.before != nil {
				c.before(e)
			}
			n := len(e.cyt.Received())
			body := binBody
			if form == "json" {
				body = jsonBody
			}
			res := e.request(c.action, body, form == "json", time.Second, "")
			want := max(framesOf[c.action], 1)
			var frames []string
			e.waitFor(fmt.Sprintf("%s (%s) frame; the result was ok=%v %v %q", c.action, form, res.GetOk(), res.GetCode(), res.GetReason()),
				func() bool { frames = sentSince(e, n); return len(frames) >= want })
			if len(frames) != want {
				t.Errorf("%s (%s): want %d frames to CyTube, got %q", c.action, form, want, frames)
			}
			g.Frames[form] = strings.Join(frames, "\n")
			t.Logf("%s (%s): %s → ok=%v %v", c.action, form, frames[0], res.GetOk(), res.GetCode())
		}
		if g.Frames["json"] != g.Frames["protobuf"] {
			t.Errorf("%s: the JSON and protobuf bodies give different frames:\n json:     %s\n protobuf: %s", c.action, g.Frames["json"], g.Frames["protobuf"])
		}
		checkJSONGolden(t, filepath.Join(goldenDir, "commands", c.action+".json"), encodeJSON(t, g))
		checkBinGolden(t, filepath.Join(goldenDir, "commands", c.action+".binpb"), c.body)
	}

	refusal(t, e, "queueFail", "queue a YouTube video on a server without a YouTube API key", "media_queue",
		&cmd.MediaQueueCommand{Media: &cmd.MediaRef{Type: "yt", Id: "dQw4w9WgXcQ"}}, 2*time.Second, nil)

	// kick: CyTube kicks the bot while a command waits for an answer that
	// never comes (the server has no item 424242; only the connector was
	// told of one, so the delete goes out and CyTube stays silent).
	fakeItem(e, 424242)
	refusal(t, e, "kick", "a moderator kicks the connector while media_delete of a uid CyTube does not have waits", "media_delete",
		&cmd.MediaDeleteCommand{Uid: 424242}, 5*time.Second, func(n int) {
			e.waitFor("media_delete frame", func() bool { return len(sentSince(e, n)) > 0 })
			e.cyt.Kick("bot", "being rude")
		})
}

// fakeItem tells the connector alone (not the test server's playlist) that
// an item with uid was queued.
func fakeItem(e *env, uid int) {
	e.cyt.Emit("queue", map[string]any{"item": map[string]any{"uid": uid, "temp": false, "queueby": "alice",
		"media": map[string]any{"id": fmt.Sprintf("https://media.example.com/fake-%d.json", uid), "title": "fake", "seconds": 60, "duration": "01:00", "type": "cm"}}, "after": "prepend"})
	e.settle()
}

// openPoll opens a poll at the test server (closing any open one) and
// waits until the connector has applied it.
func openPoll(e *env, title string) {
	e.cyt.OpenPoll(title, []string{"a", "b"})
	e.settle()
}

// TestRefusalGoldens provokes, for real, each refusal CyTube sends to a
// rank-1 account's chat and PM commands, and records the
// CommandResult the NATS caller gets.
func TestRefusalGoldens(t *testing.T) {
	e := newEnv(t, "userbot")
	opts := func(js string) {
		if err := e.cyt.SetChannelOptions(json.RawMessage(js)); err != nil {
			t.Fatal(err)
		}
		e.settle()
	}

	opts(`{"new_user_chat_delay":600}`)
	refusal(t, e, "spamFiltered", "channel option new_user_chat_delay: a new rank-1 account chats", "chat",
		&cmd.ChatCommand{Message: "first words"}, 2*time.Second, nil)
	opts(`{"new_user_chat_delay":0}`)

	opts(`{"chat_antiflood":true,"chat_antiflood_params":{"burst":1,"sustained":1,"cooldown":4}}`)
	// The connector paces itself by the antiflood options it knows; tell
	// only the connector that antiflood is off, so that the server's
	// limiter, not ours, stops the second message.
	e.cyt.Emit("channelOpts", json.RawMessage(`{"chat_antiflood":false}`))
	e.settle()
	if res := e.request("chat", []byte(`{"message":"uses the one token"}`), true, 2*time.Second, ""); !res.GetOk() {
		t.Fatalf("first chat under antiflood: %v", res)
	}
	refusal(t, e, "cooldown", "channel antiflood burst 1, 1/s: a second chat at once (the 500 ms deadline is shorter than the cooldown, so it is not retried)", "chat",
		&cmd.ChatCommand{Message: "one too many"}, 500*time.Millisecond, nil)
	opts(`{"chat_antiflood":false}`)

	// The connector refuses a PM to a user it does not see (pm-8) without
	// sending; tell it alone that nobodyhere joined, so CyTube answers.
	e.cyt.Emit("addUser", map[string]any{"name": "nobodyhere", "rank": 1, "profile": map[string]any{"image": "", "text": ""}, "meta": map[string]any{"afk": false, "muted": false}})
	e.settle()
	refusal(t, e, "errorMsg", "PM to a user who is not in the channel (the connector was told of a join CyTube never had)", "pm",
		&cmd.PmCommand{Username: "nobodyhere", Message: "hello?"}, 2*time.Second, nil)

	mod := newEnvModerator(t, e)
	mod("/mute userbot")
	refusal(t, e, "noflood", "a moderator mutes the connector's account, which then chats", "chat",
		&cmd.ChatCommand{Message: "am I muted"}, 2*time.Second, nil)
}

// refusal sends body, runs during (if set) with the index of the first
// server frame logged after the send, and records the result and the
// refusal frame of kind the server sent.
func refusal(t *testing.T, e *env, kind, how, action string, body proto.Message, deadline time.Duration, during func(n int)) {
	t.Helper()
	jsonBody, err := protojson.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	sent := len(e.cyt.Sent())
	received := len(e.cyt.Received())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if during != nil {
			during(received)
		}
	}()
	res := e.request(action, jsonBody, true, deadline, "golden-"+kind)
	<-done
	if res.GetOk() {
		t.Fatalf("%s: the command was not refused: %v", kind, res)
	}
	var frame string
	for _, f := range e.cyt.Sent()[sent:] {
		if strings.HasPrefix(f.Text, `42["`+kind+`"`) {
			frame = f.Text
			break
		}
	}
	if frame == "" {
		t.Fatalf("%s: the server sent no %s frame; result %v", kind, kind, res)
	}
	g := refusalGolden{
		Kind: kind, How: how, Subject: seed.Command(action), Body: jsonBody,
		ServerFrame: frame, CapturedIn: capturedAs(t, frame),
		Type: string(proto.MessageName(res)), Binpb: kind + ".binpb", Message: protoJSON(t, res),
	}
	if len(g.CapturedIn) == 0 {
		t.Errorf("%s: the test server's refusal %s matches no frame real CyTube sent in the captures", kind, frame)
	}
	checkJSONGolden(t, filepath.Join(goldenDir, "refusals", kind+".json"), encodeJSON(t, g))
	checkBinGolden(t, filepath.Join(goldenDir, "refusals", kind+".binpb"), res)
}

// capturedAs lists the captures holding frame, compared as JSON values
// (the Go server may order object keys differently).
func capturedAs(t *testing.T, frame string) []string {
	t.Helper()
	var want any
	if err := json.Unmarshal([]byte(strings.TrimPrefix(frame, "42")), &want); err != nil {
		t.Fatalf("frame %s: %v", frame, err)
	}
	var out []string
	for _, fr := range loadCaptures(t) {
		var got any
		if json.Unmarshal([]byte(strings.TrimPrefix(fr.Frame, "42")), &got) == nil && cmp.Equal(got, want) {
			for _, c := range fr.Captures {
				if !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}
