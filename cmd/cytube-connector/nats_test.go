package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/mapping"
)

// monitorWhilePublishing runs the monitor and publishes env every 100 ms
// until the monitor exits (it subscribes at some point after it starts).
func monitorWhilePublishing(t *testing.T, pub *bus.Publisher, env bus.Envelope, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd, stdout, stderr := newProcess(t, ctx, nil, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if _, ok := err.(interface{ ExitCode() int }); err != nil && !ok {
				t.Fatalf("monitor: %v", err)
			}
			return result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
		case <-tick.C:
			pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
			err := pub.Publish(pctx, env)
			pcancel()
			if err != nil {
				t.Errorf("publish: %v", err)
			}
		}
	}
}

func TestMonitor(t *testing.T) {
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	pub, err := bus.NewPublisher(nc, bus.PublisherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	env := bus.Envelope{
		Source: "cytube://example/lounge", Type: "rosey.events.message", Subject: "rosey.events.message",
		CorrelationID: "corr1234567890", Platform: "cytube", Channel: "lounge",
		Data: &eventsv1.Message{Platform: "cytube", Channel: "lounge", User: &eventsv1.User{Name: "alice"}, Text: "hello monitor & <friends>"},
	}

	r := monitorWhilePublishing(t, pub, env, "monitor", "-nats-url", srv.ClientURL(), "-count", "1", "-timeout", "20s")
	if r.code != 0 {
		t.Fatalf("monitor: %v", r)
	}
	line := strings.TrimSpace(r.stdout)
	for _, want := range []string{"rosey.events.message", "corr1234 ", `"text":"hello monitor & <friends>"`, `"user":{"name":"alice"}`} {
		if !strings.Contains(line, want) {
			t.Errorf("monitor line lacks %q: %q", want, line)
		}
	}
	if strings.Count(line, "\n") != 0 {
		t.Errorf("want exactly one line: %q", line)
	}

	r = monitorWhilePublishing(t, pub, env, "monitor", "-nats-url", srv.ClientURL(), "-count", "1", "-timeout", "20s", "-json", "-subject", "rosey.events.*")
	if r.code != 0 {
		t.Fatalf("monitor -json: %v", r)
	}
	var obj struct {
		Subject string            `json:"subject"`
		Headers map[string]string `json:"headers"`
		Data    struct {
			Text string `json:"text"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &obj); err != nil {
		t.Fatalf("monitor -json output %q: %v", r.stdout, err)
	}
	if obj.Subject != "rosey.events.message" || obj.Data.Text != "hello monitor & <friends>" ||
		obj.Headers[bus.HeaderDataSchema] != "rosey.events.v1.Message" {
		t.Errorf("monitor -json: %+v", obj)
	}

	// Nothing on the subject: -count with -timeout is an error.
	r = run(t, 20*time.Second, nil, "monitor", "-nats-url", srv.ClientURL(), "-subject", "nothing.here", "-count", "1", "-timeout", "300ms")
	if r.code != 1 || !strings.Contains(r.stderr, "saw 0 of 1 messages") {
		t.Errorf("monitor timeout: %v", r)
	}
}

func TestSend(t *testing.T) {
	srv := bustest.RunServer(t)
	nc := bustest.Connect(t, srv)
	type seen struct {
		action, deadline string
		msg              proto.Message
	}
	got := make(chan seen, 10)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	svc, err := bus.NewCommandService(ctx, nc, bus.CommandServiceConfig{
		Scopes: []bus.Scope{{Platform: "cytube"}},
		Handler: bus.CommandHandlerFunc(func(_ context.Context, req bus.CommandRequest) (proto.Message, error) {
			var m proto.Message
			switch req.Action {
			case "chat":
				m = &commandsv1.ChatCommand{}
			case "pm":
				m = &commandsv1.PmCommand{}
			default:
				return &commandsv1.CommandResult{Code: commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION}, errors.New("unknown action")
			}
			if _, err := mapping.DecodeBody(req.Data, req.ContentType == bus.ContentTypeJSON, m); err != nil {
				return nil, err
			}
			got <- seen{req.Action, req.Header.Get(bus.HeaderDeadlineMs), m}
			if c, ok := m.(*commandsv1.ChatCommand); ok && c.GetMessage() == "please fail" {
				return &commandsv1.CommandResult{Code: commandsv1.ErrorCode_ERROR_CODE_MUTED, Reason: "you are muted", Action: req.Action},
					&bus.RequestError{Code: commandsv1.ErrorCode_ERROR_CODE_MUTED, Err: errors.New("you are muted")}
			}
			return &commandsv1.CommandResult{Ok: true, Reason: "confirmed by chatMsg", Action: req.Action}, nil
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop() })
	url := srv.ClientURL()

	r := run(t, 20*time.Second, nil, "send", "-nats-url", url, "chat", "hello", "there")
	if r.code != 0 || !strings.Contains(r.stdout, `"ok":true`) {
		t.Fatalf("send chat: %v", r)
	}
	s := <-got
	if s.action != "chat" || s.msg.(*commandsv1.ChatCommand).GetMessage() != "hello there" || s.deadline != "15000" {
		t.Errorf("handler saw %+v", s)
	}

	r = run(t, 20*time.Second, nil, "send", "-nats-url", url, "-timeout", "3s", "pm", "-to", "bob", "hi bob")
	if r.code != 0 {
		t.Fatalf("send pm: %v", r)
	}
	s = <-got
	if pm := s.msg.(*commandsv1.PmCommand); pm.GetUsername() != "bob" || pm.GetMessage() != "hi bob" || s.deadline != "3000" {
		t.Errorf("handler saw %+v", s)
	}

	r = run(t, 20*time.Second, nil, "send", "-nats-url", url, "chat", `{"message": "please fail"}`)
	if r.code != 1 || !strings.Contains(r.stderr, "MUTED: you are muted") || !strings.Contains(r.stdout, `"code":"ERROR_CODE_MUTED"`) {
		t.Errorf("failing command: %v", r)
	}
	<-got

	r = run(t, 20*time.Second, nil, "send", "-nats-url", url, "shout", "hi")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown action "shout"`) || !strings.Contains(r.stderr, "chat") {
		t.Errorf("unknown action: %v", r)
	}
	r = run(t, 20*time.Second, nil, "send", "-nats-url", url, "chat", `{"msg": "typo"}`)
	if r.code != 2 {
		t.Errorf("bad body: %v", r)
	}
	r = run(t, 20*time.Second, nil, "send", "-nats-url", url, "pm", "hi")
	if r.code != 2 || !strings.Contains(r.stderr, "-to") {
		t.Errorf("pm without -to: %v", r)
	}

	// A server where nobody serves commands.
	empty := bustest.RunServer(t)
	r = run(t, 20*time.Second, nil, "send", "-nats-url", empty.ClientURL(), "chat", "anyone?")
	if r.code != 3 || !strings.Contains(r.stderr, "is the connector running? no service answers on rosey.platform.cytube.send.chat") {
		t.Errorf("no responders: %v", r)
	}
	r = run(t, 20*time.Second, nil, "send", "-nats-url", empty.ClientURL(), "-channel", "lounge", "chat", "anyone?")
	if r.code != 3 || !strings.Contains(r.stderr, "rosey.platform.cytube.lounge.send.chat") {
		t.Errorf("no responders with -channel: %v", r)
	}
}
