package schematest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/crosslang"
)

var update = flag.Bool("update", false, "rewrite the goldens in testdata/")

// sample is one golden: a file stem and the message stored under it.
type sample struct {
	name string
	msg  proto.Message
}

func mustStruct(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatalf("structpb.NewStruct: %v", err)
	}
	return s
}

// samples covers the shapes most likely to disagree between languages:
// non-ASCII and HTML text, oneofs (including a zero value), maps with
// fractional and negative values, proto3 optional fields set to their zero
// value, Struct/Value, Timestamp, enums and int64.
func samples(t *testing.T) []sample {
	media := &cytubev1.Media{
		Id:       "http://127.0.0.1:8099/lp/item-0360.json",
		Title:    "#0360 中文标题测试 اختبار التشغيل Ñandú 🚀",
		Seconds:  270,
		Duration: "04:30",
		Type:     "cm",
		Meta: mustStruct(t, map[string]any{
			"direct": map[string]any{
				"720": []any{map[string]any{
					"link":        "https://media.example.com/large/0360-720.mp4",
					"contentType": "video/mp4",
					"quality":     720,
				}},
			},
			"textTracks": []any{},
		}),
	}
	return []sample{
		{"chat_msg", &cytubev1.ChatMsg{
			Username: "golduser",
			Msg:      `héllo &lt;b&gt;wörld&lt;/b&gt; 🚀 中文 "q" <a href="https://example.com" target="_blank" rel="noopener noreferrer">https://example.com</a>`,
			Meta: &cytubev1.ChatMeta{
				Modflair:                   proto.Float64(2),
				AddClass:                   "shout",
				AddClassToNameAndTimestamp: true,
				ForceShowName:              true,
				Extra:                      mustStruct(t, map[string]any{"foo": "bar", "n": 1.5, "nil": nil}),
			},
			Time: 1795735169023,
		}},
		{"queue_prepend", &cytubev1.Queue{
			Item:  &cytubev1.PlaylistItem{Media: media, Uid: 0, Temp: true, Queueby: "goldowner"},
			After: &cytubev1.Queue_Prepend{Prepend: true},
		}},
		{"queue_after_uid", &cytubev1.Queue{
			Item:  &cytubev1.PlaylistItem{Media: media, Uid: 42, Queueby: "goldowner"},
			After: &cytubev1.Queue_AfterUid{AfterUid: 41},
		}},
		{"set_permissions", &cytubev1.SetPermissions{Permissions: map[string]float64{
			"seeplaylist": -1, "playlistadd": 1.5, "ban": 2, "chat": 0, "motdedit": 3,
		}}},
		{"new_poll_obscured", &cytubev1.NewPoll{
			Title:   "Secret &lt;b&gt;poll&lt;/b&gt;",
			Options: []string{"yes &lt;i&gt;y&lt;/i&gt;", "no", "ಠ_ಠ"},
			Counts: []*cytubev1.PollCount{
				{Value: &cytubev1.PollCount_Obscured{Obscured: "1?"}},
				{Value: &cytubev1.PollCount_Obscured{Obscured: "?"}},
				{Value: &cytubev1.PollCount_Count{Count: 0}},
			},
			Initiator: "goldowner",
			Timestamp: 1795735314116,
		}},
		{"channel_opts", &cytubev1.ChannelOpts{
			AllowVoteskip:       true,
			VoteskipRatio:       0.5,
			AfkTimeout:          600,
			Pagetitle:           "goldentest",
			ChatAntifloodParams: &cytubev1.AntifloodParams{Burst: 4, Sustained: 1, Cooldown: 4},
			EnableLinkRegex:     true,
			Password:            structpb.NewBoolValue(false),
			Extra:               mustStruct(t, map[string]any{"future_option": true}),
		}},
		{"login_failure", &cytubev1.Login{
			Success: false,
			//lint:ignore SA1019 the deprecated field is still filled and must still decode in every language
			Error: proto.String("Invalid username/password combination"),
		}},
		{"set_options_action", &cytubev1.SetOptionsAction{
			AllowVoteskip: proto.Bool(false),
			Maxlength:     proto.Int64(0),
			Pagetitle:     proto.String(""),
			ChatAntiflood: proto.Bool(true),
		}},
		{"move_media_append", &cytubev1.MoveMediaAction{
			From:  3,
			After: &cytubev1.MoveMediaAction_Append{Append: true},
		}},
		{"rosey_message", &eventsv1.Message{
			Platform:  "cytube",
			Channel:   "goldentest",
			User:      &eventsv1.User{Name: "goldmod", Rank: proto.Float64(1.5)},
			Text:      `héllo <b>wörld</b> 🚀`,
			Html:      `héllo &lt;b&gt;wörld&lt;/b&gt; 🚀`,
			Timestamp: timestamppb.New(time.UnixMilli(1795735169023).UTC()),
			IsHistory: true,
			Flags:     []eventsv1.MessageFlag{eventsv1.MessageFlag_MESSAGE_FLAG_ACTION, eventsv1.MessageFlag_MESSAGE_FLAG_SHADOW},
		}},
		{"event_metadata", &eventsv1.EventMetadata{
			Id:            "01JDX3C9Q2V7K8M4N5P6R7S8T9",
			CorrelationId: "cmd-1",
			Source:        "cytube-connector/test",
			Type:          "rosey.events.v1.Message",
			Time:          timestamppb.New(time.Date(2026, 11, 26, 23, 17, 12, 0, time.UTC)),
			Platform:      "cytube",
			Channel:       "goldentest",
			DataSchema:    "rosey.events.v1.Message",
		}},
		{"command_result", &commandsv1.CommandResult{
			Ok:            false,
			Code:          commandsv1.ErrorCode_ERROR_CODE_RATE_LIMITED,
			Reason:        "chat rate limit: message dropped",
			ServerMessage: "Get Playlist URLs is limited to 1 usage every 60 seconds.  Please try again later.",
			Action:        "chat",
			CorrelationId: "cmd-42",
			RetryAfterMs:  1000,
		}},
		{"media_queue_command", &commandsv1.MediaQueueCommand{
			Media:    &commandsv1.MediaRef{Type: "cu", Id: `<iframe src="https://example.com/e"></iframe>`, Title: proto.String("Embed ✨"), Duration: proto.Float64(0)},
			Position: commandsv1.MediaPosition_MEDIA_POSITION_NEXT,
			Temp:     true,
		}},
	}
}

// canonical parses proto3 JSON text into plain JSON values (numbers as
// float64), so that printers that differ only in formatting compare equal.
func canonical(t *testing.T, lang string, raw json.RawMessage) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: invalid JSON %q: %v", lang, raw, err)
	}
	return v
}

func TestCrossLanguageDecode(t *testing.T) {
	testdata := filepath.Join("testdata")
	ss := samples(t)

	// 1. Go: encode each sample, then write or verify the goldens. Each row
	// of testdata/manifest.json is a crosslang.Entry.
	manifest := make([]crosslang.Entry, 0, len(ss))
	goJSON := make(map[string]any, len(ss))
	for _, s := range ss {
		bin, err := proto.MarshalOptions{Deterministic: true}.Marshal(s.msg)
		if err != nil {
			t.Fatalf("%s: marshal: %v", s.name, err)
		}
		js, err := protojson.Marshal(s.msg)
		if err != nil {
			t.Fatalf("%s: protojson: %v", s.name, err)
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, js, "", "  "); err != nil {
			t.Fatalf("%s: indent: %v", s.name, err)
		}
		pretty.WriteByte('\n')
		manifest = append(manifest, crosslang.Entry{Name: s.name, Type: string(s.msg.ProtoReflect().Descriptor().FullName())})
		goJSON[s.name] = canonical(t, "go", js)
		checkGolden(t, filepath.Join(testdata, s.name+".binpb"), bin)
		checkGolden(t, filepath.Join(testdata, s.name+".json"), pretty.Bytes())
	}
	mj, err := json.MarshalIndent(manifest, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join(testdata, "manifest.json"), append(mj, '\n'))

	// 2. Go decodes its own goldens back (what every consumer relies on).
	for _, e := range manifest {
		mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(e.Type))
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		bin, err := os.ReadFile(filepath.Join(testdata, e.Name+".binpb"))
		if err != nil {
			t.Fatal(err)
		}
		m := mt.New().Interface()
		if err := proto.Unmarshal(bin, m); err != nil {
			t.Fatalf("%s: unmarshal golden: %v", e.Name, err)
		}
		js, err := protojson.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(goJSON[e.Name], canonical(t, "go", js)); diff != "" {
			t.Errorf("%s: Go round trip differs (-encoded +decoded):\n%s", e.Name, diff)
		}
	}

	// 3. TypeScript and Python decode the same bytes to the same values.
	crosslang.Check(t, testdata, manifest, goJSON)
}

// checkGolden compares data with the golden file at path, or rewrites the
// file when -update is set.
func checkGolden(t *testing.T, path string, data []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatalf("write golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run `go test ./internal/schematest -update` to create it): %v", err)
	}
	if !bytes.Equal(want, data) {
		t.Errorf("%s is stale: Go now encodes this sample differently; review and run `go test ./internal/schematest -update`", path)
	}
}
