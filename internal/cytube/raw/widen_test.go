package raw

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
)

// sameJSON fails t unless the proto3 JSON of m equals want (key order and
// spacing aside).
func sameJSON(t *testing.T, what string, m proto.Message, want string) {
	t.Helper()
	b, err := protojson.Marshal(m)
	if err != nil {
		t.Errorf("%s: protojson: %v", what, err)
		return
	}
	var got, exp any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("%s: bad want %s: %v", what, want, err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("%s:\n got %s\nwant %s", what, b, want)
	}
}

// TestDecodeCyTubeSourceShapes decodes payloads CyTube 3.86 sends that an
// earlier schema refused (they went to `.invalid`), with the source lines
// that produce them. want is the proto3 JSON of the decoded message.
func TestDecodeCyTubeSourceShapes(t *testing.T) {
	tests := []struct {
		name, event, arg, want string
	}{
		// chat.js:315 `1000 / antiflood.sustained`, sustained a parseFloat
		// (opts.js:303): sustained 3, 8, 0.5; chat.js:246: the minimum 100.
		{"cooldown sustained 3", "cooldown", `333.3333333333333`, `{"valueNumber":333.3333333333333}`},
		{"cooldown sustained 8", "cooldown", `125`, `{"value":"125","valueNumber":125}`},
		{"cooldown sustained 0.5", "cooldown", `2000`, `{"value":"2000","valueNumber":2000}`},
		{"cooldown minimum limiter", "cooldown", `100`, `{"value":"100","valueNumber":100}`},

		// opts.js:288-317: burst parseInt, sustained parseFloat, cooldown
		// burst/sustained, so fractions; all doubles already.
		{"antiflood fractional", "channelOpts",
			`{"chat_antiflood":true,"chat_antiflood_params":{"burst":4,"sustained":3,"cooldown":1.3333333333333333}}`,
			`{"chat_antiflood":true,"chat_antiflood_params":{"burst":4,"sustained":3,"cooldown":1.3333333333333333}}`},
		// opts.js:364-378 stores any value with !isNaN(v) && v >= 0 as it
		// is; chat.js:136/141 use v*1000.
		{"chat delays as sent by a bot", "channelOpts",
			`{"new_user_chat_delay":"30","new_user_chat_link_delay":1.5}`,
			`{"new_user_chat_delay":"30","newUserChatDelayNumber":30,"newUserChatLinkDelayNumber":1.5}`},
		{"chat delay true is 1 s", "channelOpts", `{"new_user_chat_delay":true}`,
			`{"new_user_chat_delay":"1","newUserChatDelayNumber":1}`},
		{"chat delay empty string is 0", "channelOpts", `{"new_user_chat_delay":""}`,
			`{}`},
		{"chat delay spaces, exponent, hex", "channelOpts",
			`{"new_user_chat_delay":" 1e3\n","new_user_chat_link_delay":"0x1e"}`,
			`{"new_user_chat_delay":"1000","newUserChatDelayNumber":1000,"new_user_chat_link_delay":"30","newUserChatLinkDelayNumber":30}`},
		{"chat delay one-element arrays", "channelOpts",
			`{"new_user_chat_delay":[45],"new_user_chat_link_delay":["2.5"]}`,
			`{"new_user_chat_delay":"45","newUserChatDelayNumber":45,"newUserChatLinkDelayNumber":2.5}`},
		{"chat delay empty array and null", "channelOpts",
			`{"new_user_chat_delay":[],"new_user_chat_link_delay":null}`, `{}`},
		// opts.js:193-203: any JSON number >= 0, fractions included.
		{"fractional max duration", "channelOpts", `{"playlist_max_duration_per_user":5400.5}`,
			`{"playlistMaxDurationPerUserNumber":5400.5}`},
		{"whole max duration", "channelOpts", `{"playlist_max_duration_per_user":3600}`,
			`{"playlist_max_duration_per_user":"3600","playlistMaxDurationPerUserNumber":3600}`},
		// opts.js:178-191 and 356-362: parseInt of a long digit string.
		{"maxlength and max per user beyond int64", "channelOpts",
			`{"maxlength":100000000000000000000,"playlist_max_per_user":1e+21}`,
			`{"maxlengthNumber":1e20,"playlistMaxPerUserNumber":1e21}`},
		{"maxlength at int64 precision", "channelOpts", `{"maxlength":9007199254740993}`,
			`{"maxlength":"9007199254740993","maxlengthNumber":9007199254740992}`},
		// A key that is the JSON name of a wider field is not CyTube's.
		{"wider field name is an unknown key", "channelOpts", `{"maxlengthNumber":5}`,
			`{"extra":{"maxlengthNumber":5}}`},

		// playlist.js:652-669 broadcasts the mover's payload.
		{"moveVideo append", "moveVideo", `{"from":3,"after":"append"}`, `{"from":"3","append":true}`},
		{"moveVideo prepend", "moveVideo", `{"from":3,"after":"prepend"}`, `{"from":"3","prepend":true}`},
		{"moveVideo uid", "moveVideo", `{"from":3,"after":9}`, `{"from":"3","after":"9"}`},
		// ullist.js:119 `item.uid != uid`: "9" found uid 9.
		{"moveVideo uid as string", "moveVideo", `{"from":3,"after":"9"}`, `{"from":"3","after":"9"}`},
		{"moveVideo uid as spaced string", "moveVideo", `{"from":3,"after":" 9.0 "}`, `{"from":"3","after":"9"}`},

		// accounts.js:263-265 → user.js:330-333: a bcrypt Error is `{}`.
		{"login error object", "login", `{"success":false,"error":{}}`, `{"errorValue":{}}`},
		{"login error string", "login", `{"success":false,"error":"Invalid username/password combination"}`,
			`{"error":"Invalid username/password combination","errorValue":"Invalid username/password combination"}`},
		// kickban.js:234-235 `error.message || error`.
		{"errorMsg msg object", "errorMsg", `{"msg":{"code":"ER_LOCK_DEADLOCK"}}`, `{"msgValue":{"code":"ER_LOCK_DEADLOCK"}}`},
		{"errorMsg msg string", "errorMsg", `{"msg":"You cannot ban yourself"}`,
			`{"msg":"You cannot ban yourself","msgValue":"You cannot ban yourself"}`},
		{"errorMsg without msg", "errorMsg", `{}`, `{}`},

		// acp.js:13-18.
		{"announcement", "announcement",
			`{"id":"3b241101-e2bb-4255-8caf-4136c566a962","title":"Maintenance","text":"Down at <b>10</b>","from":"admin"}`,
			`{"id":"3b241101-e2bb-4255-8caf-4136c566a962","title":"Maintenance","text":"Down at <b>10</b>","from":"admin"}`},
		// voteskip.js:118-121 with voteskip_ratio 1e20 (opts.js:126).
		{"voteskip need beyond int64", "voteskip", `{"count":1,"need":500000000000000000000}`,
			`{"count":"1","needNumber":5e20}`},
		{"voteskip need infinite", "voteskip", `{"count":1,"need":null}`, `{"count":"1"}`},
		{"voteskip", "voteskip", `{"count":1,"need":3}`, `{"count":"1","need":"3","needNumber":3}`},
		// permissions.js:151-163: "Infinity" → Infinity → null.
		{"permission set to Infinity", "setPermissions", `{"kick":null,"chat":0}`, `{"permissions":{"chat":0}}`},
		// ranks.js:160-171: the request object, with the actor's rank.
		{"setUserRank of an offline user", "setUserRank", `{"name":"Bob","rank":2,"userrank":4}`,
			`{"name":"Bob","rank":2,"userrank":4}`},
	}
	for _, tt := range tests {
		m, unmodelled, err := Decode(tt.event, json.RawMessage(tt.arg))
		if err != nil {
			t.Errorf("%s: Decode(%s, %s): %v", tt.name, tt.event, tt.arg, err)
			continue
		}
		if len(unmodelled) > 0 {
			t.Errorf("%s: unmodelled %v", tt.name, unmodelled)
		}
		sameJSON(t, tt.name, m, tt.want)
		if _, err := proto.Marshal(m); err != nil {
			t.Errorf("%s: proto.Marshal: %v", tt.name, err)
		}
	}
}

// TestDecodeCyTubeSourceRefusals: values CyTube cannot send stay errors.
func TestDecodeCyTubeSourceRefusals(t *testing.T) {
	tests := []struct {
		event, arg, path string
	}{
		{"cooldown", `"100"`, ""},
		{"cooldown", `null`, ""},
		{"cooldown", `1e400`, ""},
		// isNaN(v) refuses these (opts.js:366), so they are never stored.
		{"channelOpts", `{"new_user_chat_delay":"abc"}`, "new_user_chat_delay"},
		{"channelOpts", `{"new_user_chat_delay":{}}`, "new_user_chat_delay"},
		{"channelOpts", `{"new_user_chat_delay":[1,2]}`, "new_user_chat_delay"},
		{"channelOpts", `{"new_user_chat_link_delay":[true]}`, "new_user_chat_link_delay"},
		{"channelOpts", `{"maxlength":"1:30"}`, "maxlength"},
		{"channelOpts", `{"afk_timeout":1.5}`, "afk_timeout"},
		// no uid is 9.5 or "x", so CyTube would not have broadcast these.
		{"moveVideo", `{"from":3,"after":"x"}`, "after"},
		{"moveVideo", `{"from":3,"after":"9.5"}`, "after"},
		{"moveVideo", `{"from":3,"after":true}`, "after"},
		{"login", `{"success":false,"error":1e400}`, "error"},
		{"errorMsg", `{"msg":[1e999]}`, "msg"},
	}
	for _, tt := range tests {
		m, _, err := Decode(tt.event, json.RawMessage(tt.arg))
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("Decode(%s, %s) = %v, %v; want a DecodeError", tt.event, tt.arg, m, err)
			continue
		}
		if de.Path != tt.path {
			t.Errorf("Decode(%s, %s) path = %q, want %q (%v)", tt.event, tt.arg, de.Path, tt.path, err)
		}
	}
}

// TestDecodePartitionChange checks the PartitionChange message against the
// payload of server.js:461-466 (a partition map entry). The event is not in
// the event table yet (see docs/cytube-events.md), so it is decoded with
// the table entry it will get.
func TestDecodePartitionChange(t *testing.T) {
	et := eventType{"PartitionChange", shapeObject}
	m, unmodelled, err := decodeAs("partitionChange", et, json.RawMessage(
		`{"servers":[{"url":"https://sync2.example:8443","secure":true},{"url":"http://sync2.example:1337","secure":false,"ipv6":true}],"alt":[]}`))
	if err != nil || len(unmodelled) > 0 {
		t.Fatalf("decode: %v, unmodelled %v", err, unmodelled)
	}
	sameJSON(t, "partitionChange", m, `{"servers":[{"url":"https://sync2.example:8443","secure":true},{"url":"http://sync2.example:1337","extra":{"ipv6":true}}],"extra":{"alt":[]}}`)
	if _, _, err := decodeAs("partitionChange", et, json.RawMessage(`{"servers":"x"}`)); err == nil {
		t.Error("servers as a string decoded")
	}
	if _, ok := eventTypes["partitionChange"]; ok {
		t.Log("partitionChange is in the event table: drop the note in docs/cytube-events.md")
	}
}

// TestWidenedFieldsMatchSchema keeps the widened table and the schema in
// step: every deprecated cytube.v1 field has a wider field the decoder
// fills, of the right type and outside any oneof, and only deprecated
// fields are widened.
func TestWidenedFieldsMatchSchema(t *testing.T) {
	fd := (&cytubev1.Cooldown{}).ProtoReflect().Descriptor().ParentFile()
	seen := map[protoreflect.FullName]bool{}
	msgs := fd.Messages()
	for i := range msgs.Len() {
		fields := msgs.Get(i).Fields()
		for j := range fields.Len() {
			f := fields.Get(j)
			if !f.Options().(*descriptorpb.FieldOptions).GetDeprecated() {
				continue
			}
			seen[f.FullName()] = true
			w, ok := widened[f.FullName()]
			if !ok {
				t.Errorf("%s is deprecated but not widened", f.FullName())
				continue
			}
			to := fields.ByName(w.to)
			switch {
			case to == nil:
				t.Errorf("%s: no field %s", f.FullName(), w.to)
			case to.ContainingOneof() != nil || to.IsList() || to.IsMap():
				t.Errorf("%s: %s must be a plain field", f.FullName(), w.to)
			case f.Kind() == protoreflect.Int64Kind && to.Kind() != protoreflect.DoubleKind:
				t.Errorf("%s: int64 widens to a double, %s is %s", f.FullName(), w.to, to.Kind())
			case f.Kind() == protoreflect.StringKind && (to.Message() == nil || to.Message().FullName() != "google.protobuf.Value"):
				t.Errorf("%s: string widens to google.protobuf.Value, %s is %s", f.FullName(), w.to, to.Kind())
			case !strings.HasPrefix(string(w.to), string(f.Name())+"_"):
				t.Errorf("%s: wider field %s is not named %s_number/_value", f.FullName(), w.to, f.Name())
			}
		}
	}
	for name := range widened {
		if !seen[name] {
			t.Errorf("%s is widened but not deprecated (or does not exist)", name)
		}
	}
}

// TestJSNumber compares jsNumber with what JavaScript's Number() gives.
func TestJSNumber(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		in   string // JSON
		want float64
	}{
		{`null`, 0}, {`true`, 1}, {`false`, 0}, {`12.5`, 12.5},
		{`""`, 0}, {`"   "`, 0}, {`"30"`, 30}, {`" 30\n"`, 30}, {`"\u00a030\u2028"`, 30},
		{`"+7"`, 7}, {`"-7"`, -7}, {`"1e3"`, 1000}, {`".5"`, 0.5}, {`"5."`, 5}, {`"-.5e-1"`, -0.05},
		{`"0x1F"`, 31}, {`"0o17"`, 15}, {`"0b101"`, 5}, {`"0x"`, nan}, {`"-0x10"`, nan},
		{`"Infinity"`, math.Inf(1)}, {`"-Infinity"`, math.Inf(-1)}, {`"infinity"`, nan}, {`"inf"`, nan},
		{`"1e400"`, math.Inf(1)}, {`"NaN"`, nan}, {`"1_000"`, nan}, {`"1e"`, nan}, {`"."`, nan},
		{`"0x1p3"`, nan}, {`"12px"`, nan}, {`"1 2"`, nan},
		{`[]`, 0}, {`[null]`, 0}, {`[7]`, 7}, {`["7"]`, 7}, {`[[7]]`, 7}, {`[[]]`, 0}, {`[true]`, nan},
		{`[1,2]`, nan}, {`[{}]`, nan}, {`{}`, nan},
	}
	for _, tt := range tests {
		dec := json.NewDecoder(strings.NewReader(tt.in))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		got, ok := jsNumber(v)
		if math.IsNaN(tt.want) {
			if ok {
				t.Errorf("jsNumber(%s) = %v, want NaN", tt.in, got)
			}
			continue
		}
		if !ok || got != tt.want {
			t.Errorf("jsNumber(%s) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
}
