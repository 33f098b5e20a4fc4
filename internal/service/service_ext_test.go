package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/connectortest"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
	"github.com/roseybot/cytube-connector/internal/service"
)

const botPassword = "hunter2-bot-pw"

// env is one connector run against a real nats-server and the Go CyTube
// server, with a subscriber recording everything published (">", less
// "$..." and "_INBOX..."): a connectortest.Connector.
type env struct {
	*connectortest.Connector
	t    *testing.T
	nats *server.Server
	nc   *nats.Conn
	cyt  *cytubetest.Server
	svc  *service.Service
}

type envOpts struct {
	cytube    cytubetest.Options
	channels  []string
	jetstream bool
	json      bool
	username  string
	session   func(*cytube.Config)
}

func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	if o.cytube.Accounts == nil {
		o.cytube.Accounts = map[string]cytubetest.Account{"bot": {Password: botPassword, Rank: 3}, "userbot": {Password: botPassword, Rank: 1}, "modbot": {Password: botPassword, Rank: 3}}
	}
	return wrapEnv(t, connectortest.Start(t, connectortest.Options{
		Filter: ">", CyTube: o.cytube, Channels: o.channels, Username: o.username, Password: botPassword,
		Session: o.session,
		Config: func(cfg *config.Config) {
			cfg.NATS.JetStream = o.jetstream
			if o.json {
				cfg.Subjects.Encoding = config.EncodingJSON
			}
		},
	}))
}

func wrapEnv(t *testing.T, c *connectortest.Connector) *env {
	return &env{Connector: c, t: t, nats: c.NATS, nc: c.Conn(), cyt: c.CyTube, svc: c.Svc}
}

// addUser adds a fake user to the test server and waits until the
// connector published its join: the connector refuses PMs, kicks and
// mutes of users it does not see.
func (e *env) addUser(t *testing.T, name string) {
	t.Helper()
	n := len(e.on("rosey.platform.cytube.user.join"))
	e.cyt.AddFakeUser(name, 1)
	e.Rec.Until(t, "the connector to see "+name+" join", 5*time.Second, func() bool {
		return len(e.on("rosey.platform.cytube.user.join")) > n
	})
}

func (e *env) on(subject string) []*nats.Msg { return e.On(subject) }

// waitFor waits until cond, which may read the CyTube server's state.
func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	e.WaitFor(what, 10*time.Second, cond)
}

func (e *env) waitSubject(subject string, n int) []*nats.Msg {
	e.t.Helper()
	return e.WaitSubject(subject, n)
}

// ready waits for the n-th logged-in status.
func (e *env) ready(scope bus.Scope, n int) {
	e.t.Helper()
	e.ReadyIn(scope, n)
}

func decodeAs[T proto.Message](t *testing.T, m *nats.Msg, v T) T {
	t.Helper()
	return connectortest.DecodeAs(t, m, v)
}

var seed = bus.Scope{Platform: "cytube"}

func TestSeedSubjectsHeadersAndCorrelation(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.ready(seed, 1)

	e.cyt.AddFakeUser("alice", 1)
	e.cyt.FakeChat("alice", `<b>hi</b> & see https://example.com/x?a=1&b=2`)
	e.cyt.Queue("alice", cytubetest.Media{ID: "https://example.com/a.json", Title: "Song A", Type: "cm", Seconds: 90}, false)
	e.cyt.RemoveFakeUser("alice")

	raw := e.waitSubject("rosey.platform.cytube.chat", 1)
	norm := e.waitSubject("rosey.events.message", 1)
	h := raw[len(raw)-1].Header
	for _, k := range []string{"ce-specversion", "ce-id", "ce-source", "ce-type", "ce-time", "ce-dataschema", "ce-correlationid", "Content-Type", "Nats-Msg-Id"} {
		if h.Get(k) == "" {
			t.Errorf("raw chat lacks header %s: %v", k, h)
		}
	}
	if h.Get("ce-dataschema") != "cytube.v1.ChatMsg" || h.Get("Content-Type") != "application/protobuf" || h.Get("Nats-Msg-Id") != h.Get("ce-id") || h.Get("ce-specversion") != "1.0" {
		t.Errorf("raw chat headers = %v", h)
	}
	nh := norm[len(norm)-1].Header
	if nh.Get("ce-correlationid") != h.Get("ce-correlationid") || nh.Get("ce-id") == h.Get("ce-id") {
		t.Errorf("normalized correlation %q / id %q vs raw %q / %q", nh.Get("ce-correlationid"), nh.Get("ce-id"), h.Get("ce-correlationid"), h.Get("ce-id"))
	}
	if nh.Get("ce-dataschema") != "rosey.events.v1.Message" {
		t.Errorf("normalized schema = %q", nh.Get("ce-dataschema"))
	}
	msg := decodeAs(t, norm[len(norm)-1], &eventsv1.Message{})
	if msg.GetText() != "<b>hi</b> & see https://example.com/x?a=1&b=2" || !strings.Contains(msg.GetHtml(), "&lt;b&gt;") || msg.GetUser().GetName() != "alice" || msg.GetChannel() != "testchan" {
		t.Errorf("normalized message = %v", msg)
	}
	cm := decodeAs(t, raw[len(raw)-1], &cytubev1.ChatMsg{})
	if cm.GetUsername() != "alice" || cm.GetTime() == 0 {
		t.Errorf("raw chat = %v", cm)
	}

	for _, sub := range []string{"rosey.platform.cytube.user.join", "rosey.events.user.join", "rosey.platform.cytube.user.leave", "rosey.events.user.leave", "rosey.platform.cytube.media.queue", "rosey.platform.cytube.media.change", "rosey.platform.cytube.playlist.update"} {
		e.waitSubject(sub, 1)
	}
	// Media stays raw: nothing normalized for it.
	if n := len(e.on("rosey.events.media.change")); n != 0 {
		t.Errorf("media was normalized")
	}
}

func TestJSONEncodingReadsLikeCyTube(t *testing.T) {
	e := newEnv(t, envOpts{json: true})
	e.ready(seed, 1)
	e.cyt.FakeChat("bot2", "plain")
	m := e.waitSubject("rosey.platform.cytube.chat", 1)[0]
	if m.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("content type %q", m.Header.Get("Content-Type"))
	}
	var v map[string]any
	if err := json.Unmarshal(m.Data, &v); err != nil || v["username"] != "bot2" || v["msg"] != "plain" {
		t.Errorf("raw JSON = %s", m.Data)
	}
}

func TestHistoryNotRepublishedAfterReconnect(t *testing.T) {
	var hist []cytubetest.ChatMsg
	for i := range 15 {
		hist = append(hist, cytubetest.ChatMsg{Username: "carol", Msg: fmt.Sprintf("old %d", i), Time: 1700000000000 + int64(i)*1000})
	}
	e := newEnv(t, envOpts{cytube: cytubetest.Options{History: hist}})
	e.ready(seed, 1)
	first := e.waitSubject("rosey.events.message", 15)
	for _, m := range first {
		if !decodeAs(t, m, &eventsv1.Message{}).GetIsHistory() {
			t.Errorf("history message not flagged")
		}
	}
	e.cyt.DropAll()
	e.ready(seed, 2)
	e.cyt.FakeChat("carol", "live after reconnect")
	e.until("live message", func() bool {
		for _, m := range e.on("rosey.events.message") {
			if decodeAs(t, m, &eventsv1.Message{}).GetText() == "live after reconnect" {
				return true
			}
		}
		return false
	})
	if n := len(e.on("rosey.events.message")); n != 16 {
		t.Errorf("%d normalized messages, want 15 history + 1 live (history republished?)", n)
	}
	if n := len(e.on("rosey.platform.cytube.chat")); n != 16 {
		t.Errorf("%d raw chat messages, want 16", n)
	}
}

// request sends a JSON command and decodes the CommandResult.
func (e *env) request(subject, body string, deadline time.Duration) (*commandsv1.CommandResult, *nats.Msg) {
	e.t.Helper()
	r := e.Send(connectortest.Request{Subject: subject, Body: []byte(body), Deadline: deadline})
	return r.CommandResult, r.Msg
}

func TestCommandsConfirmedAndRefused(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.ready(seed, 1)

	res, _ := e.request("rosey.platform.cytube.send.chat", `{"message":"hello from NATS"}`, 5*time.Second)
	if !res.GetOk() || res.GetAction() != "chat" {
		t.Fatalf("chat result = %v", res)
	}
	echo := e.waitSubject("rosey.events.message", 1)
	if m := decodeAs(t, echo[len(echo)-1], &eventsv1.Message{}); !m.GetIsSelf() || m.GetText() != "hello from NATS" {
		t.Errorf("echo = %v", m)
	}
	res, _ = e.request("rosey.platform.cytube.send.chat", `{"text":"seed alias"}`, 5*time.Second)
	if !res.GetOk() {
		t.Errorf("seed {text} = %v", res)
	}

	res, resp := e.request("rosey.platform.cytube.send.chat", `{"message":"`+strings.Repeat("x", 321)+`"}`, 5*time.Second)
	if res.GetCode() != commandsv1.ErrorCode_ERROR_CODE_TOO_LONG || resp.Header.Get("Nats-Service-Error-Code") != "TOO_LONG" {
		t.Errorf("too long = %v headers %v", res, resp.Header)
	}
	for body, code := range map[string]commandsv1.ErrorCode{
		`{"message":"   "}`: commandsv1.ErrorCode_ERROR_CODE_INVALID,
		`{"message":`:       commandsv1.ErrorCode_ERROR_CODE_INVALID,
		`{"message":5}`:     commandsv1.ErrorCode_ERROR_CODE_INVALID,
		`{"nonsense":"x"}`:  commandsv1.ErrorCode_ERROR_CODE_INVALID,
	} {
		if res, _ := e.request("rosey.platform.cytube.send.chat", body, 2*time.Second); res.GetCode() != code {
			t.Errorf("chat %s = %v, want %v", body, res, code)
		}
	}
	if res, _ := e.request("rosey.platform.cytube.send.teleport", `{}`, 2*time.Second); res.GetCode() != commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION {
		t.Errorf("unknown action = %v", res)
	}
	if res, _ := e.request("rosey.platform.cytube.send.pm", `{"username":"bad name.*","message":"x"}`, 2*time.Second); res.GetCode() != commandsv1.ErrorCode_ERROR_CODE_INVALID {
		t.Errorf("injected name = %v", res)
	}
	e.addUser(t, "alice")
	if res, _ := e.request("rosey.platform.cytube.send.pm", `{"username":"alice","message":"psst"}`, 5*time.Second); !res.GetOk() {
		t.Errorf("pm = %v", res)
	}
	if res, _ := e.request("rosey.platform.cytube.send.media_queue", `{"media":{"type":"cm","id":"https://example.com/b.json","title":"B","duration":60}}`, 5*time.Second); !res.GetOk() {
		t.Errorf("media_queue = %v", res)
	}
	if res, _ := e.request("rosey.platform.cytube.send.media_queue", `{"media":{"type":"yt","id":"dQw4w9WgXcQ"}}`, 5*time.Second); res.GetCode() != commandsv1.ErrorCode_ERROR_CODE_REFUSED_BY_SERVER || res.GetServerMessage() == "" {
		t.Errorf("yt offline = %v", res)
	}
	// Platform-neutral route.
	if res, _ := e.request(bus.SendMessageSubject("cytube", "testchan"), `{"platform":"cytube","channel":"testchan","text":"neutral"}`, 5*time.Second); !res.GetOk() {
		t.Errorf("send message = %v", res)
	}
	if res, _ := e.request(bus.SendMessageSubject("cytube", "testchan"), `{"platform":"cytube","channel":"other","text":"x"}`, 2*time.Second); res.GetCode() != commandsv1.ErrorCode_ERROR_CODE_WRONG_CHANNEL {
		t.Errorf("wrong channel = %v", res)
	}
	// CyTube stays silent for a uid that does not exist (del-3 of
	// docs/command-outcomes.md): the connector refuses it at once.
	if res, _ := e.request("rosey.platform.cytube.send.media_delete", `{"uid":424242}`, 5*time.Second); res.GetCode() != commandsv1.ErrorCode_ERROR_CODE_NOT_FOUND || !strings.Contains(res.GetReason(), "uid 424242") {
		t.Errorf("silent delete = %v", res)
	}
	// Protobuf body.
	body, _ := proto.Marshal(&commandsv1.ChatCommand{Message: "binary body"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := e.nc.RequestMsgWithContext(ctx, &nats.Msg{Subject: "rosey.platform.cytube.send.chat", Data: body, Header: nats.Header{"Content-Type": {"application/protobuf"}}})
	if err != nil {
		t.Fatal(err)
	}
	pres := &commandsv1.CommandResult{}
	if err := proto.Unmarshal(resp.Data, pres); err != nil || !pres.GetOk() {
		t.Errorf("protobuf chat = %v %v", pres, err)
	}
}

func TestCommandWithoutReplyPublishesErrorEvent(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.ready(seed, 1)
	if err := e.nc.PublishMsg(&nats.Msg{Subject: "rosey.platform.cytube.send.chat", Data: []byte(`{"message":""}`), Header: nats.Header{"Content-Type": {"application/json"}}}); err != nil {
		t.Fatal(err)
	}
	m := e.waitSubject("rosey.platform.cytube.error", 1)[0]
	ev := decodeAs(t, m, &eventsv1.ErrorEvent{})
	if ev.GetCode() != commandsv1.ErrorCode_ERROR_CODE_INVALID || ev.GetAction() != "chat" {
		t.Errorf("error event = %v", ev)
	}
}

func TestRateLimitedAndMuted(t *testing.T) {
	fast := &cytube.PaceLimits{ChatBurst: 100, ChatPerSecond: 1000, QueueBurst: 3, QueuePerSecond: 1, ModQueueBurst: 10, ModQueuePerSecond: 2, PlaylistEvery: time.Minute}
	e := newEnv(t, envOpts{username: "userbot", session: func(c *cytube.Config) { c.Pace = fast }})
	e.ready(seed, 1)
	opts := len(e.on(seed.Raw("channel.options")))
	if err := e.cyt.SetChannelOptions(json.RawMessage(`{"chat_antiflood":true,"chat_antiflood_params":{"burst":2,"sustained":0.2,"cooldown":4}}`)); err != nil {
		t.Fatal(err)
	}
	// The connector paces by the options it has seen.
	e.waitSubject(seed.Raw("channel.options"), opts+1)
	var codes []commandsv1.ErrorCode
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, _ := e.request("rosey.platform.cytube.send.chat", fmt.Sprintf(`{"message":"burst %d"}`, i), 700*time.Millisecond)
			mu.Lock()
			codes = append(codes, res.GetCode())
			mu.Unlock()
		}()
	}
	wg.Wait()
	limited := 0
	for _, c := range codes {
		if c == commandsv1.ErrorCode_ERROR_CODE_RATE_LIMITED {
			limited++
		}
	}
	if limited == 0 {
		t.Errorf("no RATE_LIMITED among %v", codes)
	}

	// A moderator mutes the bot: its chat then gets noflood.
	mod, err := cytube.New(cytube.Config{Host: e.cyt.Addr(), Channel: "testchan", Username: "modbot", Password: botPassword, ConnEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mod.Run(ctx) }()
	defer func() { cancel(); <-done }()
	connectortest.Eventually(t, "moderator ready", 10*time.Second, func() bool { return mod.State() == cytube.StateReady })
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if _, err := mod.Send(sctx, cytube.Request{Event: "chatMsg", Arg: map[string]any{"msg": "/mute userbot"}}); err != nil {
		t.Fatalf("mute: %v", err)
	}
	time.Sleep(6 * time.Second / 5)
	res, _ := e.request("rosey.platform.cytube.send.chat", `{"message":"am I muted"}`, 8*time.Second)
	if res.GetCode() != commandsv1.ErrorCode_ERROR_CODE_MUTED {
		t.Errorf("muted chat = %v", res)
	}
}

func TestDisconnectedCommandFailsWithinDeadline(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.ready(seed, 1)
	e.cyt.Close()
	e.until("reconnecting status", func() bool {
		for _, m := range e.on(seed.Status()) {
			if decodeAs(t, m, &eventsv1.ConnectorStatus{}).GetState() == eventsv1.ConnectorState_CONNECTOR_STATE_RECONNECTING {
				return true
			}
		}
		return false
	})
	start := time.Now()
	res, _ := e.request("rosey.platform.cytube.send.chat", `{"message":"nobody home"}`, 300*time.Millisecond)
	if res.GetCode() != commandsv1.ErrorCode_ERROR_CODE_DISCONNECTED {
		t.Errorf("result = %v", res)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestChannelScopedSubjectsForSeveralChannels(t *testing.T) {
	e := newEnv(t, envOpts{channels: []string{"testchan", "second"}})
	a, b := bus.Scope{Platform: "cytube", Channel: "testchan"}, bus.Scope{Platform: "cytube", Channel: "second"}
	e.ready(a, 1)
	e.ready(b, 1)
	e.cyt.FakeChat("alice", "in testchan")
	e.waitSubject(a.Raw("chat"), 1)
	e.waitSubject(a.Normalized("message"), 1)
	if got := a.Normalized("message"); got != "rosey.events.cytube.testchan.message" {
		t.Errorf("normalized subject = %s", got)
	}
	res, _ := e.request(b.Command("chat"), `{"message":"only in second"}`, 5*time.Second)
	if !res.GetOk() {
		t.Fatalf("chat to second = %v", res)
	}
	e.waitSubject(b.Raw("chat"), 1)
	for _, m := range e.on(a.Raw("chat")) {
		if strings.Contains(string(m.Data), "only in second") {
			t.Errorf("command reached the other channel")
		}
	}
}

func TestJetStreamModeStoresEvents(t *testing.T) {
	e := newEnv(t, envOpts{jetstream: true})
	e.ready(seed, 1)
	e.cyt.FakeChat("alice", "stored")
	e.waitSubject("rosey.events.message", 1)
	js, err := e.nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	info, err := js.StreamInfo("ROSEY_CYTUBE")
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs == 0 {
		t.Errorf("stream is empty")
	}
	// Commands still get the service's answer, not a stream ack.
	if res, _ := e.request("rosey.platform.cytube.send.chat", `{"message":"via js mode"}`, 5*time.Second); !res.GetOk() {
		t.Errorf("chat in JetStream mode = %v", res)
	}
}

func TestUnknownAndInvalidEventsAreStillPublished(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.ready(seed, 1)
	e.cyt.Emit("brandNewEvent", map[string]any{"x": 1})
	e.cyt.Emit("chatMsg", map[string]any{"username": 5, "msg": "typed wrong"})
	e.cyt.EmitRaw(`42["chatMsg",{not json`)
	u := e.waitSubject("rosey.platform.cytube.unknown", 1)[0]
	if !strings.Contains(string(u.Data), "brandNewEvent") || u.Header.Get("Content-Type") != "application/json" {
		t.Errorf("unknown = %s %v", u.Data, u.Header)
	}
	inv := e.waitSubject("rosey.platform.cytube.invalid", 2)
	joined := ""
	for _, m := range inv {
		joined += string(m.Data)
	}
	if !strings.Contains(joined, "typed wrong") || !strings.Contains(joined, "{not json") {
		t.Errorf("invalid = %s", joined)
	}
	if e.svc.Stats().Unknown.Load() != 1 || e.svc.Stats().Invalid.Load() != 1 || e.svc.Stats().BadFrames.Load() != 1 {
		t.Errorf("stats unknown=%d invalid=%d bad=%d", e.svc.Stats().Unknown.Load(), e.svc.Stats().Invalid.Load(), e.svc.Stats().BadFrames.Load())
	}
	// And relaying goes on.
	e.cyt.FakeChat("alice", "still relaying")
	e.until("chat after bad input", func() bool {
		for _, m := range e.on("rosey.events.message") {
			if strings.Contains(string(m.Data), "still relaying") {
				return true
			}
		}
		return false
	})
}

// TestEmbeddedNATSServesOtherProcesses runs the connector with no NATS URL:
// it starts its own server, and another client can subscribe to it.
func TestEmbeddedNATSServesOtherProcesses(t *testing.T) {
	urls := make(chan string, 1)
	c := connectortest.Start(t, connectortest.Options{
		Embedded: true, NoRecorder: true, Anonymous: true, Version: "0.0.0", SessionBackoff: true,
		OnReady: func(u string) { urls <- u },
	})
	cyt := c.CyTube
	var url string
	select {
	case url = <-urls:
	case <-time.After(10 * time.Second):
		t.Fatal("embedded NATS did not come up")
	}
	if !strings.HasPrefix(url, "nats://127.0.0.1:") {
		t.Errorf("embedded URL %q is not on loopback", url)
	}
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	got := make(chan *nats.Msg, 10)
	sub, err := nc.ChanSubscribe("rosey.events.message", got)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for {
		cyt.FakeChat("alice", "through the embedded server")
		select {
		case m := <-got:
			if !strings.Contains(string(m.Data), "through the embedded server") {
				t.Errorf("got %q", m.Data)
			}
			return
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatal("no message through the embedded server")
		}
	}
}

// until waits until cond, which reads only what NATS delivered,
// re-evaluating it on every arrival.
func (e *env) until(what string, cond func() bool) {
	e.t.Helper()
	e.Until(what, cond)
}
