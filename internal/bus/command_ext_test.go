package bus_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/structpb"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
)

// resultType is a CommandResult-like message {bool ok = 1; string detail = 2}
// built at run time, so the tests need no generated code.
func resultType(t *testing.T) protoreflect.MessageType {
	t.Helper()
	fdp := &descriptorpb.FileDescriptorProto{
		Name:    proto.String("bustest/result.proto"),
		Package: proto.String("bustest.v1"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Result"),
			Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("ok"), JsonName: proto.String("ok"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_BOOL.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()},
				{Name: proto.String("detail"), JsonName: proto.String("detail"), Number: proto.Int32(2), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()},
			},
		}},
	}
	fd, err := protodesc.NewFile(fdp, nil)
	if err != nil {
		t.Fatal(err)
	}
	return dynamicpb.NewMessageType(fd.Messages().Get(0))
}

func newResult(mt protoreflect.MessageType, ok bool, detail string) proto.Message {
	m := mt.New()
	fields := mt.Descriptor().Fields()
	m.Set(fields.ByName("ok"), protoreflect.ValueOfBool(ok))
	m.Set(fields.ByName("detail"), protoreflect.ValueOfString(detail))
	return m.Interface()
}

// echoHandler answers "echo" with the request text, "refuse" with an error
// plus a not-ok result, "slow" by waiting for the deadline and "panic"
// by panicking.
func echoHandler(mt protoreflect.MessageType) bus.CommandHandler {
	return bus.CommandHandlerFunc(func(ctx context.Context, req bus.CommandRequest) (proto.Message, error) {
		switch req.Action {
		case "echo", "media.queue":
			// Value takes any JSON: "hi" or {"value":"hi"}.
			in := &structpb.Value{}
			var err error
			if req.ContentType == bus.ContentTypeJSON {
				err = protojson.Unmarshal(req.Data, in)
			} else {
				err = proto.Unmarshal(req.Data, in)
			}
			if err != nil {
				return newResult(mt, false, err.Error()), &bus.RequestError{Code: commandsv1.ErrorCode_ERROR_CODE_INVALID, Err: err}
			}
			text := in.GetStringValue()
			if st := in.GetStructValue(); st != nil {
				text = st.GetFields()["value"].GetStringValue()
			}
			return newResult(mt, true, req.Action+":"+text), nil
		case "refuse":
			return newResult(mt, false, "chat is muted"), &bus.RequestError{Code: commandsv1.ErrorCode_ERROR_CODE_NOT_PERMITTED, Err: errors.New("refused: not permitted")}
		case "slow":
			<-ctx.Done()
			return newResult(mt, false, "timed out"), ctx.Err()
		case "panic":
			panic("boom")
		}
		return newResult(mt, false, "unknown action"), &bus.RequestError{Code: commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION, Err: errors.New("unknown action " + req.Action)}
	})
}

type unanswered struct {
	req   bus.CommandRequest
	reply proto.Message
	err   error
}

func startService(t *testing.T, cfg bus.CommandServiceConfig) (*nats.Conn, *bus.CommandService, chan unanswered) {
	t.Helper()
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	ch := make(chan unanswered, 10)
	cfg.OnUnanswered = func(_ context.Context, req bus.CommandRequest, reply proto.Message, err error) {
		ch <- unanswered{req, reply, err}
	}
	svc, err := bus.NewCommandService(t.Context(), nc, cfg)
	if err != nil {
		t.Fatalf("NewCommandService: %v", err)
	}
	t.Cleanup(func() {
		if err := svc.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return nc, svc, ch
}

func request(t *testing.T, nc *nats.Conn, subject string, hdr nats.Header, body []byte) *nats.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	resp, err := nc.RequestMsgWithContext(ctx, &nats.Msg{Subject: subject, Header: hdr, Data: body})
	if err != nil {
		t.Fatalf("request %s: %v", subject, err)
	}
	return resp
}

func decodeResult(t *testing.T, mt protoreflect.MessageType, resp *nats.Msg) (ok bool, detail string) {
	t.Helper()
	m := mt.New().Interface()
	var err error
	switch ct := resp.Header.Get("Content-Type"); ct {
	case "application/json":
		err = protojson.Unmarshal(resp.Data, m)
	case "application/protobuf":
		err = proto.Unmarshal(resp.Data, m)
	default:
		t.Fatalf("reply Content-Type %q", ct)
	}
	if err != nil {
		t.Fatalf("decode reply %q: %v", resp.Data, err)
	}
	f := mt.Descriptor().Fields()
	return m.ProtoReflect().Get(f.ByName("ok")).Bool(), m.ProtoReflect().Get(f.ByName("detail")).String()
}

func TestCommandServiceDiscoverable(t *testing.T) {
	mt := resultType(t)
	nc, _, _ := startService(t, bus.CommandServiceConfig{
		Version: "1.2.3",
		Scopes:  []bus.Scope{seed, {Platform: "cytube", Channel: "lobby"}},
		Handler: echoHandler(mt),
	})
	resp := request(t, nc, "$SRV.PING.cytube-connector", nil, nil)
	var ping micro.Ping
	if err := json.Unmarshal(resp.Data, &ping); err != nil || ping.Name != "cytube-connector" || ping.Version != "1.2.3" {
		t.Errorf("$SRV.PING = %s (%v), want name cytube-connector version 1.2.3", resp.Data, err)
	}
	resp = request(t, nc, "$SRV.INFO.cytube-connector", nil, nil)
	var info micro.Info
	if err := json.Unmarshal(resp.Data, &info); err != nil {
		t.Fatalf("$SRV.INFO %s: %v", resp.Data, err)
	}
	var subjects []string
	for _, e := range info.Endpoints {
		subjects = append(subjects, e.Subject+" q="+e.QueueGroup)
	}
	want := "rosey.platform.cytube.send.> q=cytube-connector,rosey.platform.cytube.lobby.send.> q=cytube-connector"
	if got := strings.Join(subjects, ","); got != want {
		t.Errorf("endpoints = %s, want %s", got, want)
	}
}

func TestCommandRoundTrip(t *testing.T) {
	mt := resultType(t)
	nc, svc, _ := startService(t, bus.CommandServiceConfig{Scopes: []bus.Scope{seed, {Platform: "cytube", Channel: "lobby"}}, Handler: echoHandler(mt)})

	pb, err := proto.Marshal(structpb.NewStringValue("hi"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, subject string
		hdr           nats.Header
		body          []byte
		wantCT        string
		wantDetail    string
	}{
		{"protobuf", "rosey.platform.cytube.send.echo", nats.Header{"Content-Type": {"application/protobuf"}}, pb, "application/protobuf", "echo:hi"},
		{"protobuf sniffed", "rosey.platform.cytube.send.echo", nil, pb, "application/protobuf", "echo:hi"},
		{"json", "rosey.platform.cytube.send.echo", nats.Header{"Content-Type": {"application/json"}}, []byte(`"hi"`), "application/json", "echo:hi"},
		{"json sniffed", "rosey.platform.cytube.send.echo", nil, []byte(` {"value":"hi","future":1}`), "application/json", "echo:hi"},
		{"channel scope, multi-token action", "rosey.platform.cytube.lobby.send.media.queue", nil, pb, "application/protobuf", "media.queue:hi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := request(t, nc, tt.subject, tt.hdr, tt.body)
			if e := resp.Header.Get(micro.ErrorHeader); e != "" {
				t.Fatalf("unexpected error header %q", e)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.wantCT {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantCT)
			}
			ok, detail := decodeResult(t, mt, resp)
			if !ok || detail != tt.wantDetail {
				t.Errorf("reply = ok:%v detail:%q, want ok:true detail:%q", ok, detail, tt.wantDetail)
			}
		})
	}
	// A request counts once its result is known, before its reply goes
	// out: no polling.
	n := 0
	for _, e := range svc.Stats().Endpoints {
		n += e.NumRequests
	}
	if n != len(tests) {
		t.Errorf("$SRV.STATS counts %d requests, want %d", n, len(tests))
	}
}

// $SRV.STATS is true: a command counts when its result is known, with the
// time from its arrival to its answer, and a failure counts as an error
// with its text (micro itself counted every command as a success of ~0 ms,
// because the handler returns as soon as the command has its place).
func TestCommandStatsAreTrue(t *testing.T) {
	mt := resultType(t)
	release, holding := make(chan struct{}), make(chan struct{})
	h := echoHandler(mt)
	nc, svc, _ := startService(t, bus.CommandServiceConfig{Scopes: []bus.Scope{seed}, Timeout: 5 * time.Second,
		Handler: bus.CommandHandlerFunc(func(ctx context.Context, req bus.CommandRequest) (proto.Message, error) {
			if req.Action == "held" {
				req.Accepted() // its place is taken; the answer comes later
				close(holding)
				<-release
				return newResult(mt, true, "held"), nil
			}
			return h.HandleCommand(ctx, req)
		})})
	hdr := nats.Header{"Content-Type": {"application/json"}}
	held := make(chan *nats.Msg, 1)
	go func() {
		m, _ := nc.RequestMsg(&nats.Msg{Subject: seed.Command("held"), Header: hdr, Data: []byte(`"x"`)}, 10*time.Second)
		held <- m
	}()
	// The held command has arrived (so the 100 ms below count in its
	// processing time); the next command is taken while it waits.
	select {
	case <-holding:
	case <-time.After(10 * time.Second):
		t.Fatal("the held command never reached the handler")
	}
	request(t, nc, seed.Command("refuse"), hdr, []byte(`"x"`))
	stats := func() *micro.EndpointStats { return svc.Stats().Endpoints[0] }
	if st := stats(); st.NumRequests != 1 || st.NumErrors != 1 || st.LastError != "refused: not permitted" {
		t.Errorf("after the refusal: %+v, want 1 request, 1 error (the held one is not done)", st)
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	<-held
	st := stats()
	if st.NumRequests != 2 || st.NumErrors != 1 {
		t.Errorf("after both: %d requests, %d errors, want 2 and 1", st.NumRequests, st.NumErrors)
	}
	if st.ProcessingTime < 100*time.Millisecond {
		t.Errorf("processing time %s, want at least the 100 ms the held command waited", st.ProcessingTime)
	}
	// The same figures over the protocol, as `nats micro stats` reads them.
	var remote micro.Stats
	if err := json.Unmarshal(request(t, nc, "$SRV.STATS.cytube-connector", nil, nil).Data, &remote); err != nil || len(remote.Endpoints) != 1 || remote.Endpoints[0].NumRequests != 2 {
		t.Errorf("$SRV.STATS = %+v (%v)", remote, err)
	}
}

func TestCommandErrors(t *testing.T) {
	mt := resultType(t)
	// Failure gives the service's own refusals a body too.
	failure := func(_ commandsv1.ErrorCode, reason string) proto.Message { return newResult(mt, false, reason) }
	nc, _, _ := startService(t, bus.CommandServiceConfig{Scopes: []bus.Scope{seed}, Handler: echoHandler(mt), MaxPayload: 1024, Timeout: 5 * time.Second, Failure: failure})
	json := nats.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name       string
		action     string
		hdr        nats.Header
		body       []byte
		wantCode   string
		wantDesc   string
		wantDetail string // the body's detail
	}{
		{"handler error with result body", "refuse", json, []byte(`"x"`), "NOT_PERMITTED", "refused: not permitted", "chat is muted"},
		{"unknown action", "nope", json, []byte(`"x"`), "UNKNOWN_ACTION", "unknown action nope", "unknown action"},
		{"deadline from header", "slow", nats.Header{"Content-Type": {"application/json"}, bus.HeaderDeadlineMs: {"50"}}, []byte(`"x"`), "TIMEOUT", "context deadline exceeded", "timed out"},
		{"bad deadline header", "echo", nats.Header{bus.HeaderDeadlineMs: {"soon"}}, []byte(`"x"`), "INVALID", `invalid Rosey-Deadline-Ms header: "soon" is not a positive integer`, `invalid Rosey-Deadline-Ms header: "soon" is not a positive integer`},
		{"oversize", "echo", json, []byte(`"` + strings.Repeat("a", 2000) + `"`), "TOO_LONG", "command payload too large: 2002 bytes, limit 1024", "command payload too large: 2002 bytes, limit 1024"},
		{"panic", "panic", json, []byte(`"x"`), "INTERNAL", "command handler panicked: boom", "command handler panicked: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := request(t, nc, seed.Command(tt.action), tt.hdr, tt.body)
			if got := resp.Header.Get(micro.ErrorCodeHeader); got != tt.wantCode {
				t.Errorf("%s = %q, want %q", micro.ErrorCodeHeader, got, tt.wantCode)
			}
			if got := resp.Header.Get(micro.ErrorHeader); got != tt.wantDesc {
				t.Errorf("%s = %q, want %q", micro.ErrorHeader, got, tt.wantDesc)
			}
			ok, detail := decodeResult(t, mt, resp)
			if ok || detail != tt.wantDetail {
				t.Errorf("reply = ok:%v detail:%q, want ok:false detail:%q", ok, detail, tt.wantDetail)
			}
		})
	}
}

func TestCommandWithoutReplySubject(t *testing.T) {
	mt := resultType(t)
	var mu sync.Mutex
	var seen []string
	handler := echoHandler(mt)
	nc, _, ch := startService(t, bus.CommandServiceConfig{Scopes: []bus.Scope{seed}, MaxPayload: 16,
		Handler: bus.CommandHandlerFunc(func(ctx context.Context, req bus.CommandRequest) (proto.Message, error) {
			mu.Lock()
			seen = append(seen, req.Action)
			mu.Unlock()
			return handler.HandleCommand(ctx, req)
		})})
	publish := func(action, body string) {
		t.Helper()
		if err := nc.PublishMsg(&nats.Msg{Subject: seed.Command(action), Header: nats.Header{"Content-Type": {"application/json"}}, Data: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	publish("echo", `"fine"`)                      // ok: no callback
	publish("refuse", `"x"`)                       // error: callback with reply and err
	publish("echo", `"far too long for 16 bytes"`) // oversize: callback with ErrRequestTooLarge

	got := func() unanswered {
		select {
		case u := <-ch:
			return u
		case <-time.After(10 * time.Second):
			t.Fatal("OnUnanswered not called")
		}
		return unanswered{}
	}
	u := got()
	if u.req.Action != "refuse" || u.err == nil || u.reply == nil {
		t.Errorf("first unanswered = action %q err %v reply %v, want refuse with error and reply", u.req.Action, u.err, u.reply)
	}
	u = got()
	if !errors.Is(u.err, bus.ErrRequestTooLarge) || bus.CodeOf(u.err) != commandsv1.ErrorCode_ERROR_CODE_TOO_LONG {
		t.Errorf("second unanswered err = %v, want ErrRequestTooLarge coded TOO_LONG", u.err)
	}
	select {
	case u := <-ch:
		t.Errorf("unexpected OnUnanswered for %q: %v", u.req.Action, u.err)
	case <-time.After(100 * time.Millisecond):
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, ",") != "echo,refuse" {
		t.Errorf("handler saw %v, want echo,refuse (oversize rejected before the handler)", seen)
	}
}

func TestCommandServiceConfigErrors(t *testing.T) {
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	h := echoHandler(resultType(t))
	for name, cfg := range map[string]bus.CommandServiceConfig{
		"no handler":     {Scopes: []bus.Scope{seed}},
		"no scopes":      {Handler: h},
		"bad scope":      {Handler: h, Scopes: []bus.Scope{{Platform: "cy.tube"}}},
		"duplicate":      {Handler: h, Scopes: []bus.Scope{seed, seed}},
		"bad version":    {Handler: h, Scopes: []bus.Scope{seed}, Version: "one"},
		"reserved scope": {Handler: h, Scopes: []bus.Scope{{Platform: "cytube", Channel: "send"}}},
	} {
		if svc, err := bus.NewCommandService(t.Context(), nc, cfg); !errors.Is(err, bus.ErrInvalidConfig) {
			if svc != nil {
				_ = svc.Stop()
			}
			t.Errorf("%s: NewCommandService = %v, want ErrInvalidConfig", name, err)
		}
	}
}

// TestCommandsKeepOrderButDoNotWaitForEachOther sends commands that are
// accepted at once and answered late: they must be accepted in arrival
// order, and a slow answer must not hold up the next command.
func TestCommandsKeepOrderButDoNotWaitForEachOther(t *testing.T) {
	var mu sync.Mutex
	var order []string
	release := make(chan struct{})
	handler := bus.CommandHandlerFunc(func(ctx context.Context, req bus.CommandRequest) (proto.Message, error) {
		mu.Lock()
		order = append(order, string(req.Data))
		mu.Unlock()
		req.Accepted()
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return &structpb.Value{Kind: &structpb.Value_StringValue{StringValue: "done " + string(req.Data)}}, nil
	})
	nc, _, _ := startService(t, bus.CommandServiceConfig{Scopes: []bus.Scope{{Platform: "cytube"}}, Handler: handler})
	const n = 20
	var replies sync.WaitGroup
	for i := range n {
		body := []byte(fmt.Sprintf("%02d", i))
		replies.Add(1)
		go func() {
			defer replies.Done()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			if _, err := nc.RequestMsgWithContext(ctx, &nats.Msg{Subject: "rosey.platform.cytube.send.chat", Data: body}); err != nil {
				t.Errorf("request %s: %v", body, err)
			}
		}()
		// Publish in a fixed order: wait until this one is accepted.
		deadline := time.Now().Add(5 * time.Second)
		for {
			mu.Lock()
			got := len(order)
			mu.Unlock()
			if got == i+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("command %d not accepted while %d earlier ones wait for their answer", i, i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	close(release)
	replies.Wait()
	for i, got := range order {
		if want := fmt.Sprintf("%02d", i); got != want {
			t.Fatalf("accepted order %v", order)
		}
	}
}

// TestCommandTraceparent: a result carries the command's trace (a child
// span of its traceparent), the handler sees the same span, and a command
// without one gets a new trace.
func TestCommandTraceparent(t *testing.T) {
	mt := resultType(t)
	seen := make(chan bus.TraceContext, 2)
	inner := echoHandler(mt)
	nc, _, _ := startService(t, bus.CommandServiceConfig{Scopes: []bus.Scope{seed}, Handler: bus.CommandHandlerFunc(func(ctx context.Context, req bus.CommandRequest) (proto.Message, error) {
		seen <- req.Trace
		return inner.HandleCommand(ctx, req)
	})})
	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	resp := request(t, nc, "rosey.platform.cytube.send.echo", nats.Header{"Content-Type": {"application/json"}, "traceparent": {parent}}, []byte(`"hi"`))
	got, ok := bus.ParseTraceparent(resp.Header.Get("traceparent"))
	p, _ := bus.ParseTraceparent(parent)
	if !ok || got.TraceID != p.TraceID || got.SpanID == p.SpanID || got.Flags != 1 {
		t.Errorf("reply traceparent %q, want the trace of %s with a span of its own", resp.Header.Get("traceparent"), parent)
	}
	if h := <-seen; h != got {
		t.Errorf("handler saw %v, reply carries %v", h, got)
	}
	resp = request(t, nc, "rosey.platform.cytube.send.echo", nats.Header{"Content-Type": {"application/json"}}, []byte(`"hi"`))
	if _, ok := bus.ParseTraceparent(resp.Header.Get("traceparent")); !ok {
		t.Errorf("reply to a command without traceparent has %q, want a new trace", resp.Header.Get("traceparent"))
	}
	<-seen
}
