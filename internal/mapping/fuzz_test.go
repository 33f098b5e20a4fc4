package mapping

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"

	"google.golang.org/protobuf/proto"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
)

// FuzzDecodeCommand feeds JSON and protobuf bodies for every action to
// DecodeCommand and BuildRequest. Invariants: no panic; every refusal is
// a *CommandError; a built request's argument marshals to JSON, every
// user name in it is a CyTube name, and chat text is at most
// MaxChatLength UTF-16 units.
func FuzzDecodeCommand(f *testing.F) {
	seeds := map[string][]string{
		"chat":                {`{"message":"hello"}`, `{"text":"seed form"}`, `{"message":"hi","modflair":true}`, `{"message":"` + strings.Repeat("é", 321) + `"}`},
		"pm":                  {`{"username":"bob","message":"hi"}`, `{"username":"a.b","message":"x"}`, `{"username":"*","message":"x"}`},
		"media_queue":         {`{"media":{"type":"yt","id":"dQw4w9WgXcQ","title":"t","duration":212},"position":"MEDIA_POSITION_NEXT","temp":true}`},
		"media_delete":        {`{"uid":3}`, `{"uid":-1}`, `{"uid":"x"}`},
		"media_move":          {`{"uid":3,"afterUid":4}`, `{"uid":3,"prepend":true}`, `{"uid":3,"append":true}`},
		"media_jump":          {`{"uid":9}`},
		"media_next":          {`{}`},
		"media_set_temp":      {`{"uid":1,"temp":true}`},
		"playlist_lock":       {`{"locked":true}`},
		"playlist_shuffle":    {`{}`},
		"playlist_clear":      {`{}`},
		"playlist_request":    {`{}`},
		"poll_open":           {`{"title":"q?","options":["a","b"],"timeoutSeconds":30,"obscured":true,"retainVotes":true}`},
		"poll_vote":           {`{"option":1}`},
		"poll_close":          {`{}`},
		"voteskip":            {`{}`},
		"leader":              {`{"name":"bob"}`, `{"name":""}`},
		"motd":                {`{"motd":"<b>hi</b>"}`},
		"channel_rank":        {`{"username":"bob","rank":2}`},
		"kick":                {`{"username":"bob","reason":"spam\nand more"}`, `{"username":"bob >","reason":"x"}`},
		"ban":                 {`{"username":"bob","reason":"r","ip":true}`},
		"mute":                {`{"username":"bob","shadow":true}`},
		"unmute":              {`{"username":"bob"}`},
		"clear_chat":          {`{}`},
		"afk":                 {`{}`},
		"unban":               {`{"id":3}`, `{"username":"bob"}`},
		"playlist_clean":      {`{"username":"bob"}`, `{"title":"(a|b)+"}`},
		"options_set":         {`{"options":{"pagetitle":"x","afk_timeout":"600","chat_antiflood_params":{"burst":2}}}`},
		"permissions_set":     {`{"permissions":{"chat":1.5}}`},
		"emote_set":           {`{"name":":p?:","image":"https://e/x.png"}`},
		"emote_rename":        {`{"old":"a","name":"b"}`},
		"filter_add":          {`{"name":"f","source":"x+","flags":"gi"}`},
		"media_seek":          {`{"time":1.5,"paused":true}`},
		"media_search":        {`{"query":"x","source":"yt"}`},
		"user_playlist_queue": {`{"name":"p","position":"MEDIA_POSITION_NEXT"}`},
	}
	for _, a := range Actions() {
		for _, body := range seeds[a] {
			f.Add(a, []byte(body), true)
			if m, _, err := DecodeCommand(a, []byte(body), true); err == nil {
				if pb, err := proto.Marshal(m); err == nil {
					f.Add(a, pb, false)
				}
			}
		}
		f.Add(a, []byte("not json"), true)
		f.Add(a, []byte{0xff, 0x01, 0x02}, false)
	}
	f.Add("nope", []byte(`{}`), true)
	actions := Actions()
	name := regexp.MustCompile(`^[\w-]{1,20}$`)
	f.Fuzz(func(t *testing.T, action string, body []byte, isJSON bool) {
		if _, ok := NewCommand(action); !ok {
			_, _, err := DecodeCommand(action, body, isJSON)
			ce, ok := IsCommandError(err)
			if !ok || ce.Code != commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION {
				t.Fatalf("DecodeCommand(%q): err = %v, want ERROR_CODE_UNKNOWN_ACTION", action, err)
			}
			action = actions[len(action)%len(actions)]
		}
		m, _, err := DecodeCommand(action, body, isJSON)
		if err != nil {
			if _, ok := IsCommandError(err); !ok {
				t.Fatalf("DecodeCommand(%s, %q): %v is not a *CommandError", action, body, err)
			}
			return
		}
		r, err := BuildRequest(action, m)
		if err != nil {
			if _, ok := IsCommandError(err); !ok {
				t.Fatalf("BuildRequest(%s, %v): %v is not a *CommandError", action, m, err)
			}
			return
		}
		if r.Event == "" || r.Action != action {
			t.Fatalf("BuildRequest(%s): request %+v has no event or the wrong action", action, r)
		}
		if p, err := r.Payload(); err != nil || (len(p) > 0 && !json.Valid(p)) {
			t.Fatalf("BuildRequest(%s, %v): argument %q does not encode: %v", action, m, p, err)
		}
		checkRequest(t, name, r)
	})
}

// userNameActions are the actions whose argument's "name" is a user.
var userNameActions = map[string]bool{"leader": true, "channel_rank": true, "unban": true}

// checkRequest asserts the request invariants the connector relies on
// before anything reaches CyTube.
func checkRequest(t *testing.T, name *regexp.Regexp, r Request) {
	t.Helper()
	var arg map[string]any
	p, _ := r.Payload()
	_ = json.Unmarshal(p, &arg)
	for _, k := range []string{"to", "name"} {
		v, ok := arg[k].(string)
		if !ok || ((r.Action == "leader" || r.Action == "unban") && v == "") {
			continue
		}
		if k == "name" && !userNameActions[r.Action] {
			continue // an emote, filter or playlist name
		}
		if !name.MatchString(v) {
			t.Fatalf("%s: user name %q in %q does not match %s", r.Action, v, k, name)
		}
	}
	msg, ok := arg["msg"].(string)
	if !ok {
		return
	}
	if n := len(utf16.Encode([]rune(msg))); n > MaxChatLength {
		t.Fatalf("%s: chat text is %d UTF-16 units, more than %d", r.Action, n, MaxChatLength)
	}
	if strings.TrimSpace(msg) == "" {
		t.Fatalf("%s: blank chat text", r.Action)
	}
	for _, cmd := range []string{"/kick ", "/ban ", "/ipban ", "/mute ", "/smute ", "/unmute "} {
		if rest, ok := strings.CutPrefix(msg, cmd); ok && (r.Action == "kick" || r.Action == "ban" || r.Action == "mute" || r.Action == "unmute") {
			user, _, _ := strings.Cut(rest, " ")
			if !name.MatchString(user) {
				t.Fatalf("%s: user name %q in %q does not match %s", r.Action, user, msg, name)
			}
		}
	}
}
