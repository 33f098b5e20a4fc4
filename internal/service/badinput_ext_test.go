package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/connectortest"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
)

// logBuffer collects every log record of a run (slog JSON lines).
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// records returns the decoded records whose msg is msg.
func (b *logBuffer) records(msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(b.String(), "\n") {
		var r map[string]any
		if json.Unmarshal([]byte(line), &r) == nil && r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

// xopts extends envOpts for the bad-input and security tests.
type xopts struct {
	envOpts
	// embedded runs the connector's own NATS server (cfg.NATS.URL = "").
	embedded bool
	// nats is the server to use instead of a fresh unauthenticated one;
	// clientOpts authenticate the recording subscriber to it.
	nats       *server.Server
	natsURL    string
	clientOpts []nats.Option
	// cfg adjusts the configuration before it is validated.
	cfg func(*config.Config)
	// logs receives every log record at debug level.
	logs *logBuffer
	// stop, when set, receives a func that stops the run and returns
	// Run's error (the test then checks it; cleanup does not).
	stop *func() error
	// beforeCfg runs once the CyTube server exists, before cfg.
	beforeCfg func(e *env)
}

// newXEnv is newEnv with a debug logger, NATS auth, an embedded server
// and configuration hooks.
func newXEnv(t *testing.T, o xopts) *env {
	t.Helper()
	if o.cytube.Accounts == nil {
		o.cytube.Accounts = map[string]cytubetest.Account{"bot": {Password: botPassword, Rank: 3}}
	}
	co := connectortest.Options{
		Filter: ">", Embedded: o.embedded, ClientOptions: o.clientOpts, CloseOnStop: true,
		CyTube: o.cytube, Username: o.username, Password: botPassword, Session: o.session,
		Config: func(cfg *config.Config) {
			cfg.NATS.JetStream = o.jetstream
			if o.cfg != nil {
				o.cfg(cfg)
			}
		},
	}
	switch {
	case o.nats != nil:
		co.NATSURL = o.nats.ClientURL()
	case o.natsURL != "":
		co.NATSURL = o.natsURL
	}
	if o.beforeCfg != nil {
		co.BeforeConfig = func(c *connectortest.Connector) { o.beforeCfg(wrapEnv(t, c)) }
	}
	if o.logs != nil {
		co.Logger = slog.New(slog.NewJSONHandler(o.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	c := connectortest.Start(t, co)
	if o.stop != nil {
		// The test checks Run's error; cleanup does not.
		*o.stop = c.Stop
	}
	e := wrapEnv(t, c)
	if o.nats != nil {
		e.nats = o.nats
	}
	return e
}

// loggedIn waits until the connector's account is logged in to CyTube
// (status events may predate an embedded server's subscriber).
func (e *env) loggedIn(n int) {
	e.t.Helper()
	e.waitFor("CyTube login", func() bool {
		c := 0
		for _, l := range e.cyt.Logins() {
			if !l.Guest {
				c++
			}
		}
		return c >= n
	})
	time.Sleep(50 * time.Millisecond) // the join burst is read before what the test emits
}

// chatArrives proves the connector still relays: a fresh chat sent by the
// server after the bad input reaches NATS.
func (e *env) chatArrives(text string) {
	e.t.Helper()
	e.cyt.FakeChat("alice", text)
	e.Until("chat "+text, func() bool {
		for _, m := range e.on("rosey.events.message") {
			if bytes.Contains(m.Data, []byte(text)) {
				return true
			}
		}
		return false
	})
}

// badEvents are the main CyTube events, with their raw message and
// whether the payload is an array of that message's items.
var badEvents = []struct {
	event, message string
	items          bool
}{
	{"chatMsg", "ChatMsg", false}, {"pm", "Pm", false}, {"addUser", "AddUser", false},
	{"userLeave", "UserLeave", false}, {"userlist", "Userlist", true}, {"setUserRank", "SetUserRank", false},
	{"setUserMeta", "SetUserMeta", false}, {"changeMedia", "ChangeMedia", false}, {"mediaUpdate", "MediaUpdate", false},
	{"queue", "Queue", false}, {"delete", "Delete", false}, {"playlist", "Playlist", true},
}

type wrongCase struct {
	event   string
	path    string // the JSON path Decode must name
	payload any
}

// wrongValue is a JSON value of a type the field cannot take, or false
// for fields that take any JSON (google.protobuf.Value, extra).
func wrongValue(fd protoreflect.FieldDescriptor) (any, bool) {
	switch {
	case fd.Name() == "extra":
		return nil, false
	case fd.IsList(), fd.IsMap():
		return "not a collection", true
	case fd.Message() != nil:
		switch fd.Message().FullName() {
		case "google.protobuf.Value":
			return nil, false
		case "google.protobuf.Struct":
			return "not an object", true
		}
		return []any{"not", "an", "object"}, true
	case fd.Kind() == protoreflect.StringKind:
		return 12345, true
	case fd.Kind() == protoreflect.BoolKind:
		return "yes", true
	}
	return "seven", true
}

// wrongTypeCases puts a value of the wrong type in every field of md,
// recursing into nested messages (depth-limited), building the payload
// from the inside out with wrap.
func wrongTypeCases(event string, md protoreflect.MessageDescriptor, path string, depth int, wrap func(any) any) []wrongCase {
	var out []wrongCase
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		key := fd.JSONName()
		p := key
		if path != "" {
			p = path + "." + key
		}
		if v, ok := wrongValue(fd); ok {
			out = append(out, wrongCase{event: event, path: p, payload: wrap(map[string]any{key: v})})
		}
		if fd.Message() != nil && !fd.IsMap() && depth < 3 && !strings.HasPrefix(string(fd.Message().FullName()), "google.protobuf.") {
			inner := func(v any) any { return wrap(map[string]any{key: v}) }
			if fd.IsList() {
				p += "[0]"
				inner = func(v any) any { return wrap(map[string]any{key: []any{v}}) }
			}
			out = append(out, wrongTypeCases(event, fd.Message(), p, depth+1, inner)...)
		}
	}
	return out
}

func allWrongTypeCases(t *testing.T) []wrongCase {
	var out []wrongCase
	for _, be := range badEvents {
		mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName("cytube.v1." + be.message))
		if err != nil {
			t.Fatal(err)
		}
		md := mt.Descriptor()
		if be.items {
			items := md.Fields().ByName("items")
			out = append(out, wrongTypeCases(be.event, items.Message(), "[0]", 0, func(v any) any { return []any{v} })...)
			continue
		}
		out = append(out, wrongTypeCases(be.event, md, "", 0, func(v any) any { return v })...)
	}
	return out
}

// TestBadInputWrongJSONTypes sends, through the real socket, every main
// event with a wrong-typed value in each field (generated from the schema)
// and checks each one is counted, published on .invalid with its JSON and
// the offending path, logged once per event, and that relaying goes on.
func TestBadInputWrongJSONTypes(t *testing.T) {
	logs := new(logBuffer)
	e := newXEnv(t, xopts{logs: logs})
	e.ready(seed, 1)
	cases := allWrongTypeCases(t)
	if len(cases) < 80 {
		t.Fatalf("only %d generated cases", len(cases))
	}
	for _, c := range cases {
		e.cyt.Emit(c.event, c.payload)
	}
	inv := e.waitSubject("rosey.platform.cytube.invalid", len(cases))
	if got := e.svc.Stats().Invalid.Load(); got != uint64(len(cases)) {
		t.Errorf("Stats.Invalid = %d, want %d", got, len(cases))
	}
	var bodies []map[string]any
	for _, m := range inv {
		var b map[string]any
		if err := json.Unmarshal(m.Data, &b); err != nil || m.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("invalid body %s: %v", m.Data, err)
		}
		bodies = append(bodies, b)
	}
	for i, c := range cases {
		b := bodies[i]
		errText, _ := b["error"].(string)
		want := fmt.Sprintf("raw: %s: %s:", c.event, strings.TrimPrefix(c.path, "."))
		if b["event"] != c.event || !strings.HasPrefix(errText, want) {
			t.Errorf("case %s %s: published %v, want error starting %q", c.event, c.path, b, want)
		}
		args, _ := json.Marshal([]any{c.payload})
		if got, _ := json.Marshal(b["args"]); !bytes.Equal(got, args) {
			t.Errorf("case %s %s: args %s, want verbatim %s", c.event, c.path, got, args)
		}
	}
	warned := map[string]int{}
	for _, r := range logs.records("CyTube event does not fit its schema; publishing its JSON") {
		if r["level"] == "WARN" {
			warned[r["event"].(string)]++
		}
	}
	for _, be := range badEvents {
		if warned[be.event] != 1 {
			t.Errorf("event %s warned %d times, want once", be.event, warned[be.event])
		}
	}
	e.chatArrives("still relaying after wrong types")
}

// TestBadInputFrames covers frames that do not parse, invalid UTF-8, null
// and missing arguments, missing fields and unknown events.
func TestBadInputFrames(t *testing.T) {
	logs := new(logBuffer)
	e := newXEnv(t, xopts{logs: logs})
	e.ready(seed, 1)
	st := e.svc.Stats()

	// Frames that do not parse: published on .invalid as text or base64.
	for _, f := range []string{`42["chatMsg",{not json`, `4x`, `42{"a":1}`, "42[\"chatMsg\",{\"username\":\"a\",\"msg\":\"\xff\xfe\"}]", "\xc3\x28"} {
		e.cyt.EmitRaw(f)
	}
	inv := e.waitSubject("rosey.platform.cytube.invalid", 5)
	if st.BadFrames.Load() != 5 {
		t.Errorf("BadFrames = %d, want 5", st.BadFrames.Load())
	}
	var b64 int
	for _, m := range inv {
		var b map[string]any
		if err := json.Unmarshal(m.Data, &b); err != nil || b["error"] == "" || m.Header.Get("ce-type") != "cytube.bad_frame" {
			t.Errorf("bad frame notice %s %v: %v", m.Data, m.Header, err)
		}
		if b["frame_base64"] != nil {
			b64++
		}
	}
	if b64 != 2 {
		t.Errorf("%d notices carry base64 frames, want 2 (the invalid UTF-8 ones)", b64)
	}
	if n := len(logs.records("CyTube sent a frame that does not parse; publishing it on the invalid subject")); n != 5 {
		t.Errorf("bad frames logged %d times by the service, want 5 (one warning, then debug)", n)
	}

	// null and missing arguments of events that need one.
	e.cyt.EmitRaw(`42["chatMsg",null]`)
	e.cyt.EmitRaw(`42["pm"]`)
	e.cyt.EmitRaw(`42["userlist",null]`)
	e.waitSubject("rosey.platform.cytube.invalid", 8)
	if st.Invalid.Load() != 3 {
		t.Errorf("Invalid = %d, want 3", st.Invalid.Load())
	}

	// Missing fields: proto3 has no required fields, so the event is
	// published with zero values (CyTube itself never omits them).
	e.cyt.Emit("addUser", map[string]any{})
	e.waitSubject("rosey.platform.cytube.user.join", 1)

	// Unknown events: .unknown, counted, logged once.
	e.cyt.Emit("fancyNewThing", map[string]any{"a": 1})
	e.cyt.Emit("fancyNewThing", nil)
	e.cyt.EmitRaw(`42["anotherNewThing"]`)
	u := e.waitSubject("rosey.platform.cytube.unknown", 3)
	if st.Unknown.Load() != 3 || !bytes.Contains(u[0].Data, []byte(`"args":[{"a":1}]`)) {
		t.Errorf("Unknown = %d, first %s", st.Unknown.Load(), u[0].Data)
	}
	e.chatArrives("still relaying after bad frames")
}

// hugePlaylist is a playlist event of n items, about 260 bytes each.
func hugePlaylist(n int) []any {
	items := make([]any, n)
	for i := range items {
		items[i] = map[string]any{
			"media": map[string]any{"id": fmt.Sprintf("https://example.com/media/%06d.json", i), "title": fmt.Sprintf("Track %06d %s", i, strings.Repeat("long title ", 12)),
				"seconds": 200, "duration": "03:20", "type": "cm", "meta": map[string]any{}},
			"uid": i + 1, "temp": i%2 == 0, "queueby": "alice",
		}
	}
	return items
}

func hugeUserlist(n int) []any {
	users := make([]any, n)
	for i := range users {
		users[i] = map[string]any{"name": fmt.Sprintf("user%05d", i), "rank": 1, "profile": map[string]any{"image": "", "text": ""},
			"meta": map[string]any{"afk": false, "muted": false, "smuted": false, "aliases": []any{}}}
	}
	return users
}

// TestBadInputOversize: a 3 MB chat frame and a 5000-item playlist pass
// the socket (CyTube's own frames exceed 1 MiB) but not a NATS server with
// the default 1 MiB max_payload: each is counted and replaced by a notice
// on .invalid. A 5000-item user list fits and is published whole. A frame
// above the socket's 16 MiB read limit closes the connection; the
// connector reports RECONNECTING, logs in again and relays.
func TestBadInputOversize(t *testing.T) {
	logs := new(logBuffer)
	e := newXEnv(t, xopts{logs: logs})
	e.ready(seed, 1)
	st := e.svc.Stats()

	e.cyt.Emit("userlist", hugeUserlist(5000))
	e.until("5000-user list", func() bool {
		for _, m := range e.on("rosey.platform.cytube.user.list") {
			if len(decodeAs(t, m, &cytubev1.Userlist{}).GetItems()) == 5000 {
				return true
			}
		}
		return false
	})

	e.cyt.Emit("chatMsg", map[string]any{"username": "alice", "msg": strings.Repeat("x", 3<<20), "meta": map[string]any{}, "time": 1700000000000})
	e.cyt.Emit("playlist", hugePlaylist(5000))
	notices := e.waitSubject("rosey.platform.cytube.invalid", 3) // raw chat, normalized message, playlist
	if st.Oversize.Load() != 3 {
		t.Errorf("Oversize = %d, want 3", st.Oversize.Load())
	}
	seen := map[string]bool{}
	for _, m := range notices {
		var b map[string]any
		if err := json.Unmarshal(m.Data, &b); err != nil || m.Header.Get("ce-type") != "cytube.oversize" || b["bytes"].(float64) < 1<<20 {
			t.Errorf("oversize notice %s %v: %v", m.Data, m.Header, err)
			continue
		}
		seen[b["subject"].(string)] = true
	}
	for _, sub := range []string{"rosey.platform.cytube.chat", "rosey.events.message", "rosey.platform.cytube.playlist.update"} {
		if !seen[sub] {
			t.Errorf("no oversize notice for %s (got %v)", sub, seen)
		}
	}
	if len(logs.records("publish failed")) == 0 {
		t.Errorf("oversize publish not logged")
	}
	e.chatArrives("still relaying after oversize events")

	// Above the socket read limit: the connection closes and comes back.
	e.cyt.EmitRaw(`42["chatMsg",{"msg":"` + strings.Repeat("y", 17<<20) + `"}]`)
	var reason string
	e.until("reconnecting status", func() bool {
		for _, m := range e.on(seed.Status()) {
			s := decodeAs(t, m, &eventsv1.ConnectorStatus{})
			if s.GetState() == eventsv1.ConnectorState_CONNECTOR_STATE_RECONNECTING {
				reason = s.GetReason()
				return true
			}
		}
		return false
	})
	if reason == "" {
		t.Errorf("RECONNECTING status has no reason")
	}
	t.Logf("read limit reported as: %s", reason)
	e.ready(seed, 2)
	e.chatArrives("still relaying after a frame above the read limit")
}

// TestHugeEventsWithEmbeddedNATS: the embedded server's 8 MiB max_payload
// carries a 5000-item playlist whole.
func TestHugeEventsWithEmbeddedNATS(t *testing.T) {
	e := newXEnv(t, xopts{embedded: true})
	e.loggedIn(1)
	e.cyt.Emit("playlist", hugePlaylist(5000))
	var size int
	e.until("5000-item playlist", func() bool {
		for _, m := range e.on("rosey.platform.cytube.playlist.update") {
			if m.Header.Get("ce-dataschema") == "cytube.v1.Playlist" && len(decodeAs(t, m, &cytubev1.Playlist{}).GetItems()) == 5000 {
				size = len(m.Data)
				return true
			}
		}
		return false
	})
	if size < 1<<20 {
		t.Errorf("playlist message is %d bytes; the test wants more than 1 MiB", size)
	}
	if e.svc.Stats().Oversize.Load() != 0 {
		t.Errorf("Oversize = %d", e.svc.Stats().Oversize.Load())
	}
	e.chatArrives("after a huge playlist")
}

// sentEvents returns the Socket.IO events the connector sent to CyTube.
func sentEvents(cyt *cytubetest.Server) []string {
	var out []string
	for _, f := range cyt.Received() {
		if strings.HasPrefix(f.Text, "42") {
			out = append(out, f.Text)
		}
	}
	return out
}

// rawRequest sends body to subject with a content type and returns the
// reply, or the request error.
func (e *env) rawRequest(subject string, body []byte, contentType string) (*nats.Msg, error) {
	return e.RequestMsg(connectortest.Request{Subject: subject, Body: body, ContentType: contentType, Deadline: 2 * time.Second, Wait: 5 * time.Second})
}

// TestBadCommandsFromNATS: every malformed or hostile command gets a typed
// error (CommandResult code and Nats-Service-Error-Code header) and
// nothing reaches CyTube.
func TestBadCommandsFromNATS(t *testing.T) {
	e := newXEnv(t, xopts{})
	e.ready(seed, 1)
	e.addUser(t, "alice")
	before := len(sentEvents(e.cyt))

	const send = "rosey.platform.cytube.send."
	neutral := bus.SendMessageSubject("cytube", "testchan")
	type tc struct {
		name, subject, body, contentType string
		code                             commandsv1.ErrorCode
	}
	big := `{"message":"` + strings.Repeat("x", 70<<10) + `"}`
	cases := []tc{
		{"undecodable protobuf", send + "chat", "\xff\xff\xff\xff\x0f", "application/protobuf", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"protobuf wrong wire type", send + "pm", "\x0d\x01\x02\x03\x04", "application/protobuf", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"invalid JSON", send + "chat", `{"message":`, "application/json", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"JSON array", send + "chat", `["hi"]`, "application/json", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"unknown action", send + "teleport", `{}`, "application/json", commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION},
		{"action with a dot", send + "chat.extra", `{"message":"x"}`, "application/json", commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION},
		{"wrong type chat", send + "chat", `{"message":5}`, "application/json", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"wrong type delete", send + "media_delete", `{"uid":"x"}`, "application/json", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"wrong type kick", send + "kick", `{"username":["alice"]}`, "application/json", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"wrong type poll", send + "poll_open", `{"title":"q","options":"a,b"}`, "application/json", commandsv1.ErrorCode_ERROR_CODE_INVALID},
		{"oversize", send + "chat", big, "application/json", commandsv1.ErrorCode_ERROR_CODE_TOO_LONG},
		{"neutral other channel", neutral, `{"channel":"other","text":"x"}`, "application/json", commandsv1.ErrorCode_ERROR_CODE_WRONG_CHANNEL},
		{"neutral other platform", neutral, `{"platform":"discord","text":"x"}`, "application/json", commandsv1.ErrorCode_ERROR_CODE_WRONG_CHANNEL},
		{"neutral invalid JSON", neutral, `{"text":`, "application/json", commandsv1.ErrorCode_ERROR_CODE_INVALID},
	}
	for _, bad := range []string{"ali.ce", "ali*", "alice>", "ali ce", ">", "*", "", "alice\n", "a.b.c.d", strings.Repeat("a", 21)} {
		for _, action := range []string{"pm", "kick", "ban", "mute", "unmute", "channel_rank"} {
			body, _ := json.Marshal(map[string]any{"username": bad, "message": "x", "reason": "r", "rank": 2})
			cases = append(cases, tc{"injected name " + action + " " + bad, send + action, string(body), "application/json", commandsv1.ErrorCode_ERROR_CODE_INVALID})
		}
		to, _ := json.Marshal(map[string]any{"to": bad, "text": "x"})
		cases = append(cases, tc{"neutral pm to " + bad, neutral, string(to), "application/json", commandsv1.ErrorCode_ERROR_CODE_INVALID})
		if bad != "" {
			chn, _ := json.Marshal(map[string]any{"channel": "testchan" + bad, "text": "x"})
			cases = append(cases, tc{"neutral channel " + bad, neutral, string(chn), "application/json", commandsv1.ErrorCode_ERROR_CODE_WRONG_CHANNEL})
		}
	}
	for _, c := range cases {
		resp, err := e.rawRequest(c.subject, []byte(c.body), c.contentType)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		res := &commandsv1.CommandResult{}
		if c.contentType == "application/json" {
			err = protojson.Unmarshal(resp.Data, res)
		} else {
			err = proto.Unmarshal(resp.Data, res)
		}
		want := strings.TrimPrefix(c.code.String(), "ERROR_CODE_")
		if err != nil || res.GetCode() != c.code || res.GetOk() || resp.Header.Get("Nats-Service-Error-Code") != want || res.GetReason() == "" {
			t.Errorf("%s: result %v (%v), header %q, want %s", c.name, res, err, resp.Header.Get("Nats-Service-Error-Code"), want)
		}
	}

	// Wildcards in the subject itself are delivered literally: the action
	// "*" or ">" is unknown. A space makes the subject invalid in the client.
	for _, sub := range []string{send + "*", send + ">"} {
		resp, err := e.rawRequest(sub, []byte(`{"message":"x"}`), "application/json")
		if err != nil || resp.Header.Get("Nats-Service-Error-Code") != "UNKNOWN_ACTION" {
			t.Errorf("request to %q: %v %v", sub, resp, err)
		}
	}
	if _, err := e.rawRequest(send+"chat x", []byte(`{"message":"x"}`), "application/json"); err == nil {
		t.Errorf("request to a subject with a space was answered")
	}
	// A channel this process does not serve (channel-mode subject): no
	// service answers. Alone on the server a client gets no-responders at
	// once; here the recording subscriber (">") hears it, so it times out.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := e.nc.RequestWithContext(ctx, bus.Scope{Platform: "cytube", Channel: "otherchan"}.Command("chat"), []byte(`{"message":"x"}`)); err == nil {
		t.Errorf("unserved channel answered")
	}

	// Without a reply subject: an ErrorEvent on the error subject.
	for _, body := range []string{`{"username":"a.b","message":"x"}`, `not json`} {
		if err := e.nc.PublishMsg(&nats.Msg{Subject: send + "pm", Data: []byte(body), Header: nats.Header{"Content-Type": {"application/json"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.nc.PublishMsg(&nats.Msg{Subject: send + "teleport", Data: []byte(`{}`), Header: nats.Header{"Content-Type": {"application/json"}}}); err != nil {
		t.Fatal(err)
	}
	errs := e.waitSubject("rosey.platform.cytube.error", 3)
	codes := map[commandsv1.ErrorCode]int{}
	for _, m := range errs {
		codes[decodeAs(t, m, &eventsv1.ErrorEvent{}).GetCode()]++
	}
	if codes[commandsv1.ErrorCode_ERROR_CODE_INVALID] != 2 || codes[commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION] != 1 {
		t.Errorf("error events %v", codes)
	}

	time.Sleep(200 * time.Millisecond)
	if after := sentEvents(e.cyt); len(after) != before {
		t.Errorf("bad commands reached CyTube: %q", after[before:])
	}
	if failed := e.svc.Stats().CommandsFailed.Load(); failed < uint64(len(cases)) {
		t.Errorf("CommandsFailed = %d, want at least %d", failed, len(cases))
	}
	// And a good command still goes through.
	if res, _ := e.request(send+"chat", `{"message":"good after bad"}`, 5*time.Second); !res.GetOk() {
		t.Errorf("good chat after bad commands = %v", res)
	}
}
