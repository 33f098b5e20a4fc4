package mapping

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
)

func TestCommandsFromJSON(t *testing.T) {
	tests := []struct {
		action, body string
		event        string
		arg          string // JSON of the argument, "" for none
		code         commandsv1.ErrorCode
	}{
		{"chat", `{"message":"  hi  "}`, "chatMsg", `{"meta":{},"msg":"hi"}`, 0},
		{"chat", `{"text":"seed"}`, "chatMsg", `{"meta":{},"msg":"seed"}`, 0},
		{"chat", `{"message":""}`, "", "", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"chat", `{"message":"` + strings.Repeat("é", 320) + `"}`, "chatMsg", "", 0},
		{"chat", `{"message":"` + strings.Repeat("😀", 161) + `"}`, "", "", commandsv1.ErrorCode_ERROR_CODE_TOO_LONG},
		{"chat", `{"bogus":1}`, "", "", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"pm", `{"username":"bob","message":"x"}`, "pm", `{"meta":{},"msg":"x","to":"bob"}`, 0},
		{"pm", `{"username":"bo b","message":"x"}`, "", "", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"pm", `{"username":"bob.>","message":"x"}`, "", "", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"media_queue", `{"media":{"type":"yt","id":"abc"}}`, "queue", `{"id":"abc","pos":"end","temp":false,"type":"yt"}`, 0},
		{"media_queue", `{"media":{"type":"cm","id":"u","title":"T","duration":5},"position":"MEDIA_POSITION_NEXT","temp":true}`, "queue", `{"duration":5,"id":"u","pos":"next","temp":true,"title":"T","type":"cm"}`, 0},
		{"media_queue", `{"media":{"type":"youtube","id":"abc"}}`, "", "", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"media_queue", `{}`, "", "", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"media_delete", `{"uid":"7"}`, "delete", `7`, 0},
		{"media_delete", `{"uid":-1}`, "", "", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"media_move", `{"uid":1,"afterUid":2}`, "moveMedia", `{"after":2,"from":1}`, 0},
		{"media_move", `{"uid":1,"prepend":true}`, "moveMedia", `{"after":"prepend","from":1}`, 0},
		{"media_move", `{"uid":1}`, "", "", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"media_jump", `{"uid":3}`, "jumpTo", `3`, 0},
		{"media_next", `{}`, "playNext", "", 0},
		{"media_set_temp", `{"uid":3,"temp":true}`, "setTemp", `{"temp":true,"uid":3}`, 0},
		{"playlist_shuffle", `{}`, "shufflePlaylist", "", 0},
		{"playlist_clear", `{}`, "clearPlaylist", "", 0},
		{"playlist_request", `{}`, "requestPlaylist", "", 0},
		{"poll_open", `{"title":"Best?","options":["a","b"]}`, "newPoll", `{"obscured":false,"opts":["a","b"],"title":"Best?"}`, 0},
		{"poll_open", `{"title":"x","options":[]}`, "", "", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"poll_open", `{"title":"","options":["a"]}`, "", "", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"poll_vote", `{"option":1}`, "vote", `{"option":1}`, 0},
		{"poll_vote", `{"option":-1}`, "", "", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"poll_close", `{}`, "closePoll", "", 0},
		{"voteskip", `{}`, "voteskip", "", 0},
		{"leader", `{"name":""}`, "assignLeader", `{"name":""}`, 0},
		{"leader", `{"name":"x y"}`, "", "", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"motd", `{"motd":"hi there"}`, "setMotd", `{"motd":"hi there"}`, 0},
		{"channel_rank", `{"username":"bob","rank":2}`, "setChannelRank", `{"name":"bob","rank":2}`, 0},
		{"channel_rank", `{"username":"bob","rank":300}`, "", "", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"kick", `{"username":"bob","reason":"be  nice\nnow"}`, "chatMsg", `{"meta":{},"msg":"/kick bob be nice now"}`, 0},
		{"kick", `{"username":"*"}`, "", "", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"ban", `{"username":"bob","ip":true}`, "chatMsg", `{"meta":{},"msg":"/ipban bob"}`, 0},
		{"mute", `{"username":"bob","shadow":true}`, "chatMsg", `{"meta":{},"msg":"/smute bob"}`, 0},
		{"unmute", `{"username":"bob"}`, "chatMsg", `{"meta":{},"msg":"/unmute bob"}`, 0},
		{"clear_chat", `{}`, "chatMsg", `{"meta":{},"msg":"/clear"}`, 0},
		{"afk", `{}`, "chatMsg", `{"meta":{},"msg":"/afk"}`, 0},
		{"teleport", `{}`, "", "", commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION},
	}
	for _, tt := range tests {
		m, _, err := DecodeCommand(tt.action, []byte(tt.body), true)
		var r Request
		if err == nil {
			r, err = BuildRequest(tt.action, m)
		}
		if tt.code != 0 {
			ce, ok := IsCommandError(err)
			if !ok || ce.Code != tt.code {
				t.Errorf("%s %s: err = %v, want code %v", tt.action, tt.body, err, tt.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %s: %v", tt.action, tt.body, err)
			continue
		}
		if r.Event != tt.event || r.Action != tt.action {
			t.Errorf("%s: event %q action %q, want %q", tt.action, r.Event, r.Action, tt.event)
		}
		if tt.arg != "" {
			got, _ := r.Payload()
			if string(got) != tt.arg {
				t.Errorf("%s %s: arg %s, want %s", tt.action, tt.body, got, tt.arg)
			}
		}
	}
}

func TestCommandsFromProtobufAndLock(t *testing.T) {
	b, _ := proto.Marshal(&commandsv1.PlaylistLockCommand{Locked: true})
	m, _, err := DecodeCommand("playlist_lock", b, false)
	if err != nil {
		t.Fatal(err)
	}
	r, err := BuildRequest("playlist_lock", m)
	if err != nil || r.Event != "togglePlaylistLock" || r.WantLocked == nil || !*r.WantLocked {
		t.Errorf("lock = %+v %v", r, err)
	}
	if _, _, err := DecodeCommand("chat", []byte{0xff, 0xff, 0xff}, false); err == nil {
		t.Error("garbage protobuf accepted")
	}
	r, err = SendMessageRequest(DefaultLimits, &commandsv1.SendMessage{Text: "hi", To: proto.String("bob")})
	if err != nil || r.Event != "pm" {
		t.Errorf("send message pm = %+v %v", r, err)
	}
	r, err = SendMessageRequest(DefaultLimits, &commandsv1.SendMessage{Text: "hi"})
	if err != nil || r.Event != "chatMsg" {
		t.Errorf("send message chat = %+v %v", r, err)
	}
	if len(Actions()) < 25 {
		t.Errorf("actions = %v", Actions())
	}
	for _, a := range Actions() {
		if m, ok := NewCommand(a); !ok || m == nil {
			t.Errorf("NewCommand(%s)", a)
		}
	}
	ce := &CommandError{Action: "chat", Field: "message", Msg: "x"}
	if ce.Error() != "chat: message: x" {
		t.Errorf("error text %q", ce.Error())
	}
}

// CyTube refuses poll timeouts outside [1, 86400] (po-7) and takes a first
// /ipban reason word "range" or "wrange" as the range flag (b-13).
func TestBuildRequestCyTubeLimits(t *testing.T) {
	for _, tc := range []struct {
		action string
		body   string
		ok     bool
	}{
		{"poll_open", `{"title":"t","options":["a"],"timeout_seconds":0.5}`, false},
		{"poll_open", `{"title":"t","options":["a"],"timeout_seconds":1}`, true},
		{"ban", `{"username":"bob","ip":true,"reason":"range of reasons"}`, false},
		{"ban", `{"username":"bob","ip":true,"reason":"wrange"}`, false},
		{"ban", `{"username":"bob","ip":false,"reason":"range is fine for a name ban"}`, true},
		{"ban", `{"username":"bob","ip":true,"reason":"spam, range"}`, true},
	} {
		m, _, err := DecodeCommand(tc.action, []byte(tc.body), true)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.action, tc.body, err)
		}
		_, err = BuildRequest(tc.action, m)
		if (err == nil) != tc.ok {
			t.Errorf("%s %s: err = %v, want ok=%v", tc.action, tc.body, err, tc.ok)
		}
	}
}

// One policy for fields the connector does not know: ignored (forward
// compatible), and named when the command is refused, so a misspelt field
// shows.
func TestUnknownFieldsIgnoredAndNamed(t *testing.T) {
	m, ignored, err := DecodeCommand("kick", []byte(`{"name":"bob","reason":"spam","futureField":1}`), true)
	if err != nil {
		t.Fatalf("DecodeCommand: %v", err)
	}
	if strings.Join(ignored, ",") != "futureField,name" {
		t.Errorf("ignored = %v, want futureField,name", ignored)
	}
	_, err = BuildRequest("kick", m)
	err = WithIgnored(err, ignored)
	ce, ok := IsCommandError(err)
	if !ok || ce.Code != commandsv1.ErrorCode_ERROR_CODE_INVALID || !strings.Contains(err.Error(), "ignored: futureField, name") {
		t.Errorf("refusal = %v, want INVALID naming the ignored fields", err)
	}
	// The proto names are known fields too, and a good command passes.
	if _, ignored, err := DecodeCommand("kick", []byte(`{"username":"bob"}`), true); err != nil || len(ignored) != 0 {
		t.Errorf("known field: ignored %v, err %v", ignored, err)
	}
	// Protobuf: an unknown field number is ignored and named.
	b, _ := proto.Marshal(&commandsv1.KickCommand{Username: "bob"})
	b = protowire.AppendTag(b, 99, protowire.VarintType)
	b = protowire.AppendVarint(b, 7)
	if _, ignored, err := DecodeCommand("kick", b, false); err != nil || strings.Join(ignored, ",") != "#99" {
		t.Errorf("protobuf unknown field: ignored %v, err %v", ignored, err)
	}
}

// The server's limits are settings: a line within CyTube's default is too
// long for a server configured shorter, and a poll may have as many
// options as the server allows.
func TestServerLimits(t *testing.T) {
	short := Limits{ChatLength: 10, PollOptions: 2}
	if _, err := BuildRequestWith(short, "chat", &commandsv1.ChatCommand{Message: "eleven char"}); err == nil {
		t.Fatal("an 11-character line passed a 10-character limit")
	} else if ce, _ := IsCommandError(err); ce.Code != commandsv1.ErrorCode_ERROR_CODE_TOO_LONG {
		t.Fatalf("err = %v", err)
	}
	if _, err := BuildRequestWith(short, "poll_open", &commandsv1.PollOpenCommand{Title: "t", Options: []string{"a", "b", "c"}}); err == nil {
		t.Fatal("three options passed a limit of two")
	}
	if _, err := BuildRequest("chat", &commandsv1.ChatCommand{Message: "eleven char"}); err != nil {
		t.Fatalf("default limits: %v", err)
	}
}
