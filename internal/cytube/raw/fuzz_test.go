package raw

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

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
		{"cooldown", `333.3333333333333`},
		{"channelOpts", `{"new_user_chat_delay":[" 0x1e "],"new_user_chat_link_delay":"Infinity","maxlength":1e21,"maxlengthNumber":1}`},
		{"moveVideo", `{"from":1,"after":"append"}`},
		{"moveVideo", `{"from":1,"after":" 7e0 "}`},
		{"login", `{"success":false,"error":{"code":"x"}}`},
		{"errorMsg", `{"msg":{"a":[1]},"msgValue":2}`},
		{"setPermissions", `{"kick":null,"ban":2}`},
		{"voteskip", `{"count":1,"need":5e20}`},
		{"noSuchEvent", `{}`},
	} {
		f.Add(s.ev, []byte(s.arg))
	}
	names := Events()
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
