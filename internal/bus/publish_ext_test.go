package bus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
)

var seed = bus.Scope{Platform: "cytube"}

func testEnvelope(data proto.Message) bus.Envelope {
	return bus.Envelope{
		ID:            "evt-1",
		CorrelationID: "corr-9",
		Source:        "/cytube/lobby",
		Type:          "rosey.cytube.raw.chat.v1",
		Time:          time.Date(2026, 3, 4, 5, 6, 7, 890123456, time.FixedZone("CET", 3600)),
		Platform:      "cytube",
		Channel:       "lobby",
		Subject:       seed.Raw("chat"),
		Data:          data,
	}
}

// receiveOne subscribes to subject, runs publish and returns the message.
func receiveOne(t *testing.T, nc *nats.Conn, subject string, publish func() error) *nats.Msg {
	t.Helper()
	sub, err := nc.SubscribeSync(subject)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := publish(); err != nil {
		t.Fatalf("publish: %v", err)
	}
	msg, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatalf("no message on %s: %v", subject, err)
	}
	return msg
}

func TestPublishHeadersProtobuf(t *testing.T) {
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	var mu sync.Mutex
	var results []string
	p, err := bus.NewPublisher(nc, bus.PublisherOptions{OnPublish: func(subject, result string, _ time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		results = append(results, subject+"="+result)
	}})
	if err != nil {
		t.Fatal(err)
	}
	data := wrapperspb.String("hello")
	const trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	e := testEnvelope(data)
	e.Trace, _ = bus.ParseTraceparent(trace)
	msg := receiveOne(t, nc, "rosey.platform.cytube.chat", func() error {
		return p.Publish(t.Context(), e)
	})
	want := nats.Header{
		"ce-specversion":   {"1.0"},
		"ce-id":            {"evt-1"},
		"ce-source":        {"/cytube/lobby"},
		"ce-type":          {"rosey.cytube.raw.chat.v1"},
		"ce-time":          {"2026-03-04T04:06:07.890123456Z"},
		"ce-dataschema":    {"google.protobuf.StringValue"},
		"ce-correlationid": {"corr-9"},
		"ce-platform":      {"cytube"},
		"ce-channel":       {"lobby"},
		"Content-Type":     {"application/protobuf"},
		"Nats-Msg-Id":      {"evt-1"},
		"traceparent":      {trace},
	}
	if diff := cmp.Diff(want, msg.Header); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	got := &wrapperspb.StringValue{}
	if err := proto.Unmarshal(msg.Data, got); err != nil {
		t.Fatalf("body is not protobuf: %v", err)
	}
	if diff := cmp.Diff(data, got, protocmp.Transform()); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"rosey.platform.cytube.chat=ok"}, results); diff != "" {
		t.Errorf("OnPublish calls (-want +got):\n%s", diff)
	}
}

func TestPublishJSONEncodingAndOptionalHeaders(t *testing.T) {
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	p, err := bus.NewPublisher(nc, bus.PublisherOptions{Encoding: bus.JSON})
	if err != nil {
		t.Fatal(err)
	}
	data, err := structpb.NewStruct(map[string]any{"msg": "hi", "n": 2.0})
	if err != nil {
		t.Fatal(err)
	}
	e := bus.Envelope{Source: "/cytube", Type: "rosey.events.message.v1", Subject: seed.Normalized("message"), Data: data, MsgID: "dedupe-key"}
	msg := receiveOne(t, nc, "rosey.events.message", func() error { return p.Publish(t.Context(), e) })

	if got := msg.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	if got := msg.Header.Get("ce-dataschema"); got != "google.protobuf.Struct" {
		t.Errorf("ce-dataschema = %q, want google.protobuf.Struct", got)
	}
	if got := msg.Header.Get("Nats-Msg-Id"); got != "dedupe-key" {
		t.Errorf("Nats-Msg-Id = %q, want the MsgID override", got)
	}
	if id := msg.Header.Get("ce-id"); id == "" || id == "dedupe-key" {
		t.Errorf("ce-id = %q, want a generated id", id)
	}
	if _, err := time.Parse(time.RFC3339Nano, msg.Header.Get("ce-time")); err != nil {
		t.Errorf("ce-time %q: %v", msg.Header.Get("ce-time"), err)
	}
	if tp := msg.Header.Get("traceparent"); func() bool { _, ok := bus.ParseTraceparent(tp); return !ok }() {
		t.Errorf("traceparent %q: want a new trace when the envelope has none", tp)
	}
	for _, h := range []string{"ce-correlationid", "ce-platform", "ce-channel"} {
		if v, ok := msg.Header[h]; ok {
			t.Errorf("empty attribute %s sent as %q, want it left out", h, v)
		}
	}
	got := &structpb.Struct{}
	if err := protojson.Unmarshal(msg.Data, got); err != nil {
		t.Fatalf("body %s is not protojson: %v", msg.Data, err)
	}
	if diff := cmp.Diff(data, got, protocmp.Transform()); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

func TestPublishRawJSON(t *testing.T) {
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	p, err := bus.NewPublisher(nc, bus.PublisherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	raw := []byte(`["newPoll",{"title":"x"}]`)
	e := testEnvelope(nil)
	e.Subject = seed.Raw("newPoll")
	e.RawJSON = raw
	msg := receiveOne(t, nc, "rosey.platform.cytube.newPoll", func() error { return p.PublishJSON(t.Context(), e) })
	if string(msg.Data) != string(raw) {
		t.Errorf("body = %s, want %s", msg.Data, raw)
	}
	if got := msg.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	if v, ok := msg.Header["ce-dataschema"]; ok {
		t.Errorf("ce-dataschema = %q, want none for raw JSON", v)
	}
	e.RawJSON = []byte(`{"broken"`)
	if err := p.PublishJSON(t.Context(), e); !errors.Is(err, bus.ErrInvalidEnvelope) {
		t.Errorf("PublishJSON(invalid JSON) = %v, want ErrInvalidEnvelope", err)
	}
}

func TestPublishRejectsBadEnvelopes(t *testing.T) {
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	p, err := bus.NewPublisher(nc, bus.PublisherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mutate := map[string]func(*bus.Envelope){
		"nil data":        func(e *bus.Envelope) { e.Data = nil },
		"no source":       func(e *bus.Envelope) { e.Source = "" },
		"no type":         func(e *bus.Envelope) { e.Type = "" },
		"empty subject":   func(e *bus.Envelope) { e.Subject = "" },
		"wildcard":        func(e *bus.Envelope) { e.Subject = "rosey.platform.cytube.*" },
		"empty token":     func(e *bus.Envelope) { e.Subject = "rosey..chat" },
		"space":           func(e *bus.Envelope) { e.Subject = "rosey.platform.cy tube" },
		"header newline":  func(e *bus.Envelope) { e.CorrelationID = "a\r\nNats-Msg-Id: x" },
		"channel newline": func(e *bus.Envelope) { e.Channel = "lobby\n" },
	}
	for name, m := range mutate {
		e := testEnvelope(wrapperspb.String("x"))
		m(&e)
		if err := p.Publish(t.Context(), e); !errors.Is(err, bus.ErrInvalidEnvelope) {
			t.Errorf("%s: Publish = %v, want ErrInvalidEnvelope", name, err)
		}
	}
	nc.Close()
	err = p.Publish(t.Context(), testEnvelope(wrapperspb.String("x")))
	var pe *bus.PublishError
	if !errors.As(err, &pe) || !errors.Is(err, nats.ErrConnectionClosed) {
		t.Errorf("Publish on closed conn = %v, want *PublishError wrapping nats.ErrConnectionClosed", err)
	}
}

func TestJetStreamPublishDeduplicates(t *testing.T) {
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := bus.EnsureStream(ctx, js, bus.StreamConfig{Subjects: []string{"rosey.platform.cytube.chat", "rosey.events.>"}, Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatalf("EnsureStream: %v", err)
	}
	// Second call updates in place.
	if _, err := bus.EnsureStream(ctx, js, bus.StreamConfig{Subjects: []string{"rosey.platform.cytube.chat", "rosey.events.>"}, Storage: jetstream.MemoryStorage, MaxAge: time.Hour}); err != nil {
		t.Fatalf("EnsureStream update: %v", err)
	}

	var mu sync.Mutex
	results := map[string]int{}
	p, err := bus.NewPublisher(nc, bus.PublisherOptions{JetStream: true, Retries: 1, PublishTimeout: 500 * time.Millisecond,
		OnPublish: func(_, result string, _ time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			results[result]++
		}})
	if err != nil {
		t.Fatal(err)
	}
	e := testEnvelope(wrapperspb.String("once"))
	for range 3 {
		if err := p.Publish(ctx, e); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Errorf("stream holds %d messages after 3 publishes of one id, want 1", info.State.Msgs)
	}
	if info.Config.Name != bus.DefaultStreamName || info.Config.Duplicates != bus.DefaultDuplicateWindow || info.Config.MaxAge != time.Hour {
		t.Errorf("stream config name=%s duplicates=%v maxage=%v, want %s, %v, 1h", info.Config.Name, info.Config.Duplicates, info.Config.MaxAge, bus.DefaultStreamName, bus.DefaultDuplicateWindow)
	}
	mu.Lock()
	if results[bus.ResultOK] != 1 || results[bus.ResultDuplicate] != 2 {
		t.Errorf("OnPublish results = %v, want ok:1 duplicate:2", results)
	}
	mu.Unlock()

	// A subject no stream captures: retried, then a typed error.
	e.Subject = seed.Raw("unstored")
	err = p.Publish(ctx, e)
	var pe *bus.PublishError
	if !errors.As(err, &pe) || pe.Attempts != 2 || !errors.Is(err, jetstream.ErrNoStreamResponse) {
		t.Errorf("Publish to uncaptured subject = %v, want *PublishError after 2 attempts wrapping ErrNoStreamResponse", err)
	}
}

func TestEnsureStreamRefusesCommandSubjects(t *testing.T) {
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, subj := range []string{"rosey.platform.cytube.>", "rosey.>", "rosey.platform.cytube.lobby.>"} {
		_, err := bus.EnsureStream(t.Context(), js, bus.StreamConfig{Subjects: []string{subj}})
		if !errors.Is(err, bus.ErrStreamCapturesCommands) {
			t.Errorf("EnsureStream(%q) = %v, want ErrStreamCapturesCommands", subj, err)
		}
	}
	if _, err := bus.EnsureStream(t.Context(), js, bus.StreamConfig{}); !errors.Is(err, bus.ErrInvalidConfig) {
		t.Errorf("EnsureStream(no subjects) = %v, want ErrInvalidConfig", err)
	}
}

// TestJetStreamPublishRetriesAcrossRestart publishes while the server
// process is down: the first attempts time out, the retry after the
// restart succeeds, and the repeated Nats-Msg-Id keeps one copy.
func TestJetStreamPublishRetriesAcrossRestart(t *testing.T) {
	proc := bustest.RunProcess(t, "", "-js")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	nc, err := bus.Connect(ctx, bus.ClientConfig{URL: proc.URL(), ReconnectWait: 50 * time.Millisecond, ReconnectJitter: time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := bus.EnsureStream(ctx, js, bus.StreamConfig{Subjects: []string{"rosey.events.>"}})
	if err != nil {
		t.Fatalf("EnsureStream: %v", err)
	}
	retried := make(chan struct{}, 100)
	p, err := bus.NewPublisher(nc, bus.PublisherOptions{JetStream: true, Retries: 20, PublishTimeout: 300 * time.Millisecond,
		OnPublish: func(_, result string, _ time.Duration) {
			if result == bus.ResultRetry {
				retried <- struct{}{}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	e := bus.Envelope{ID: "survivor", Source: "/test", Type: "t", Subject: seed.Normalized("message"), Data: wrapperspb.String("x")}
	if err := p.Publish(ctx, e); err != nil {
		t.Fatalf("Publish before crash: %v", err)
	}
	proc.Kill()
	e2 := e
	e2.ID = "during-outage"
	done := make(chan error, 1)
	go func() { done <- p.Publish(ctx, e2) }()
	select {
	case <-retried:
	case <-ctx.Done():
		t.Fatal("no retry reported while the server was down")
	}
	proc.Restart()
	if err := <-done; err != nil {
		t.Fatalf("Publish across restart: %v", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Errorf("stream holds %d messages, want 2", info.State.Msgs)
	}
}

// PublishAsync puts many JetStream publishes in flight; waited for in
// order they are stored once each, in the order published; a publish of
// the same id is a duplicate; an invalid envelope fails at once; with core
// NATS the result is known without waiting.
func TestPublishAsyncPipelined(t *testing.T) {
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := bus.EnsureStream(ctx, js, bus.StreamConfig{Subjects: []string{"rosey.platform.cytube.chat"}, Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	results := map[string]int{}
	p, err := bus.NewPublisher(nc, bus.PublisherOptions{JetStream: true, OnPublish: func(_, result string, _ time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		results[result]++
	}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	var pending []*bus.Pending
	for i := range n {
		e := testEnvelope(wrapperspb.String(fmt.Sprintf("m-%04d", i)))
		e.ID = fmt.Sprintf("id-%04d", i)
		pending = append(pending, p.PublishAsync(ctx, e))
	}
	again := testEnvelope(wrapperspb.String("m-0000"))
	again.ID = "id-0000"
	pending = append(pending, p.PublishAsync(ctx, again))
	for i, pd := range pending {
		if err := pd.Wait(ctx); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	mu.Lock()
	if results[bus.ResultOK] != n || results[bus.ResultDuplicate] != 1 {
		t.Errorf("results %v, want ok:%d duplicate:1", results, n)
	}
	mu.Unlock()
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != n {
		t.Fatalf("stream holds %d, want %d", info.State.Msgs, n)
	}
	for seq := uint64(1); seq <= n; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := m.Header.Get(bus.HeaderID), fmt.Sprintf("id-%04d", seq-1); got != want {
			t.Fatalf("stream message %d is %s, want %s", seq, got, want)
		}
	}

	bad := testEnvelope(wrapperspb.String("x"))
	bad.Subject = ""
	if err := p.PublishAsync(ctx, bad).Wait(ctx); !errors.Is(err, bus.ErrInvalidEnvelope) {
		t.Errorf("invalid envelope: %v, want ErrInvalidEnvelope", err)
	}
	core, err := bus.NewPublisher(nc, bus.PublisherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pd := core.PublishAsync(ctx, testEnvelope(wrapperspb.String("core"))); pd.Failed() || pd.Wait(ctx) != nil {
		t.Error("core PublishAsync failed")
	}
}

// TestPublishJSONKeepsZeroValues: in the JSON encoding a proto3 zero is
// written, so a JSON consumer can tell uid 0 (the first playlist item)
// from a uid that is not there, and a failed result says "ok":false.
func TestPublishJSONKeepsZeroValues(t *testing.T) {
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	p, err := bus.NewPublisher(nc, bus.PublisherOptions{Encoding: bus.JSON})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		m    proto.Message
		want []string
	}{
		{&cytubev1.DeleteAction{Uid: 0}, []string{`"uid":"0"`}},
		{&commandsv1.CommandResult{Ok: false, Code: commandsv1.ErrorCode_ERROR_CODE_TIMEOUT}, []string{`"ok":false`, `"reason":""`}},
	} {
		e := testEnvelope(tc.m)
		msg := receiveOne(t, nc, e.Subject, func() error { return p.Publish(t.Context(), e) })
		var compact bytes.Buffer
		if err := json.Compact(&compact, msg.Data); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(compact.String(), w) {
				t.Errorf("%s as JSON is %s, want it to contain %s", proto.MessageName(tc.m), compact.String(), w)
			}
		}
	}
}
