package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
)

// TestTraceContext: a command's traceparent comes back on its result, and
// the chat line that confirmed it (raw and normalized) carries a child of
// the same trace; an event no command caused starts a trace of its own.
func TestTraceContext(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.ready(seed, 1)
	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	p, _ := bus.ParseTraceparent(parent)
	msg := &nats.Msg{Subject: "rosey.platform.cytube.send.chat", Data: []byte(`{"message":"traced"}`),
		Header: nats.Header{"Content-Type": {"application/json"}, "traceparent": {parent}}}
	resp, err := e.nc.RequestMsg(msg, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	res, ok := bus.ParseTraceparent(resp.Header.Get("traceparent"))
	if !ok || res.TraceID != p.TraceID || res.SpanID == p.SpanID {
		t.Fatalf("result traceparent %q, want a span of trace %x", resp.Header.Get("traceparent"), p.TraceID)
	}

	// The echo, raw and normalized: one span, a child of the command's.
	var traced []bus.TraceContext
	e.Until("the echo, raw and normalized", func() bool {
		traced = traced[:0]
		for _, subj := range []string{"rosey.platform.cytube.chat", "rosey.events.message"} {
			for _, m := range e.On(subj) {
				if !strings.Contains(string(m.Data), "traced") {
					continue
				}
				tc, ok := bus.ParseTraceparent(m.Header.Get("traceparent"))
				if !ok {
					t.Fatalf("%s without a valid traceparent: %q", subj, m.Header.Get("traceparent"))
				}
				traced = append(traced, tc)
			}
		}
		return len(traced) == 2
	})
	if traced[0] != traced[1] || traced[0].TraceID != p.TraceID || traced[0].SpanID == res.SpanID || traced[0].SpanID == p.SpanID {
		t.Errorf("echo traces %v, want one child span of trace %x", traced, p.TraceID)
	}

	// Other events: a trace each, valid.
	for _, m := range e.On("rosey.platform.cytube.status") {
		var st eventsv1.ConnectorStatus
		if proto.Unmarshal(m.Data, &st) != nil {
			continue
		}
		if tc, ok := bus.ParseTraceparent(m.Header.Get("traceparent")); !ok || tc.TraceID == p.TraceID {
			t.Errorf("status %v: traceparent %q, want a trace of its own", st.GetState(), m.Header.Get("traceparent"))
		}
	}
}
