package mapping

import (
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf16"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
)

// sortedEvents is the event table in a stable order, so a fuzzed event
// name that is not in it can be mapped onto one that is.
func sortedEvents() []string {
	out := make([]string, 0, len(eventTypes))
	for k := range eventTypes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// FuzzDecode feeds event names from the table and payloads from the
// captured goldens (plus hand-written oddities) to Decode. Invariants: no
// panic; an unknown name gives ErrUnknownEvent; a decoded message
// marshals to protobuf and to protojson.
func FuzzDecode(f *testing.F) {
	for _, l := range serverEvents(f) {
		f.Add(l.Event, []byte(arg0(l)))
	}
	for _, s := range []struct{ ev, arg string }{
		{"chatMsg", `{"username":1,"msg":["x"],"time":"now","meta":{"addClass":7}}`},
		{"userlist", `[{"name":null,"rank":"3","meta":{"afk":"yes"}},7]`},
		{"playlist", `[{"media":{"duration":1e400},"uid":1.5}]`},
		{"mediaUpdate", `{"currentTime":"NaN","paused":0}`},
		{"setUserMeta", `{"name":"x","meta":{"muted":null,"extra":[1,{"a":"\ud800"}]}}`},
		{"pm", `null`},
		{"usercount", `"12"`},
		{"updatePoll", `{"counts":["?",2,true]}`},
		{"queue", `{"item":{"media":{"meta":{"k":{"deep":[[[]]]}}}},"after":"prepend"}`},
		{"noSuchEvent", `{}`},
	} {
		f.Add(s.ev, []byte(s.arg))
	}
	names := sortedEvents()
	f.Fuzz(func(t *testing.T, event string, payload []byte) {
		if _, ok := eventTypes[event]; !ok {
			if _, _, err := Decode(event, payload); !errors.Is(err, ErrUnknownEvent) {
				t.Fatalf("Decode(%q) of an unknown event: err = %v, want ErrUnknownEvent", event, err)
			}
			event = names[len(event)%len(names)]
		}
		m, _, err := Decode(event, payload)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode(%s, %q): error %v is not a *DecodeError", event, payload, err)
			}
			return
		}
		if m == nil {
			t.Fatalf("Decode(%s, %q): nil message and nil error", event, payload)
		}
		if _, err := proto.Marshal(m); err != nil {
			t.Fatalf("Decode(%s, %q): proto.Marshal: %v", event, payload, err)
		}
		if _, err := protojson.Marshal(m); err != nil {
			t.Fatalf("Decode(%s, %q): protojson.Marshal: %v", event, payload, err)
		}
	})
}

// FuzzDecodeCommand feeds JSON and protobuf bodies for every action to
// DecodeCommand and BuildRequest. Invariants: no panic; every refusal is
// a *CommandError; a built request's argument marshals to JSON, every
// user name in it is a CyTube name, and chat text is at most
// MaxChatLength UTF-16 units.
func FuzzDecodeCommand(f *testing.F) {
	seeds := map[string][]string{
		"chat":             {`{"message":"hello"}`, `{"text":"seed form"}`, `{"message":"` + strings.Repeat("é", 321) + `"}`},
		"pm":               {`{"username":"bob","message":"hi"}`, `{"username":"a.b","message":"x"}`, `{"username":"*","message":"x"}`},
		"media_queue":      {`{"media":{"type":"yt","id":"dQw4w9WgXcQ","title":"t","duration":212},"position":"MEDIA_POSITION_NEXT","temp":true}`},
		"media_delete":     {`{"uid":3}`, `{"uid":-1}`, `{"uid":"x"}`},
		"media_move":       {`{"uid":3,"afterUid":4}`, `{"uid":3,"prepend":true}`, `{"uid":3,"append":true}`},
		"media_jump":       {`{"uid":9}`},
		"media_next":       {`{}`},
		"media_set_temp":   {`{"uid":1,"temp":true}`},
		"playlist_lock":    {`{"locked":true}`},
		"playlist_shuffle": {`{}`},
		"playlist_clear":   {`{}`},
		"playlist_request": {`{}`},
		"poll_open":        {`{"title":"q?","options":["a","b"],"timeoutSeconds":30,"obscured":true,"retainVotes":true}`},
		"poll_vote":        {`{"option":1}`},
		"poll_close":       {`{}`},
		"voteskip":         {`{}`},
		"leader":           {`{"name":"bob"}`, `{"name":""}`},
		"motd":             {`{"motd":"<b>hi</b>"}`},
		"channel_rank":     {`{"username":"bob","rank":2}`},
		"kick":             {`{"username":"bob","reason":"spam\nand more"}`, `{"username":"bob >","reason":"x"}`},
		"ban":              {`{"username":"bob","reason":"r","ip":true}`},
		"mute":             {`{"username":"bob","shadow":true}`},
		"unmute":           {`{"username":"bob"}`},
		"clear_chat":       {`{}`},
		"afk":              {`{}`},
	}
	for _, a := range Actions() {
		for _, body := range seeds[a] {
			f.Add(a, []byte(body), true)
			if m, err := DecodeCommand(a, []byte(body), true); err == nil {
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
			_, err := DecodeCommand(action, body, isJSON)
			ce, ok := IsCommandError(err)
			if !ok || ce.Code != commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION {
				t.Fatalf("DecodeCommand(%q): err = %v, want ERROR_CODE_UNKNOWN_ACTION", action, err)
			}
			action = actions[len(action)%len(actions)]
		}
		m, err := DecodeCommand(action, body, isJSON)
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
		if _, err := json.Marshal(r.Arg); err != nil {
			t.Fatalf("BuildRequest(%s, %v): argument does not marshal: %v", action, m, err)
		}
		checkRequest(t, name, r)
	})
}

// checkRequest asserts the request invariants the connector relies on
// before anything reaches CyTube.
func checkRequest(t *testing.T, name *regexp.Regexp, r Request) {
	t.Helper()
	arg, _ := r.Arg.(map[string]any)
	for _, k := range []string{"to", "name"} {
		v, ok := arg[k].(string)
		if !ok || (r.Action == "leader" && v == "") {
			continue
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
