package service_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/config"
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

// TestSpansOfSampledCommandsAreExported runs the connector with an OTLP
// endpoint (an HTTP server decoding what it gets): a chat command whose
// traceparent is sampled gives two spans, its handling (a child of the
// request's span, with the result's span id) and its echo (a child of
// that, with the echo's span id); an unsampled command gives none.
func TestSpansOfSampledCommandsAreExported(t *testing.T) {
	var mu sync.Mutex
	var spans []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ResourceSpans []struct {
				ScopeSpans []struct {
					Spans []map[string]any `json:"spans"`
				} `json:"scopeSpans"`
			} `json:"resourceSpans"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("collector: %v", err)
		}
		mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				spans = append(spans, ss.Spans...)
			}
		}
		mu.Unlock()
	}))
	defer srv.Close()
	e := newXEnv(t, xopts{cfg: func(c *config.Config) { c.Tracing.OTLPEndpoint = srv.URL + "/v1/traces" }})
	e.ready(seed, 1)
	send := func(text, traceparent string) bus.TraceContext {
		t.Helper()
		msg := &nats.Msg{Subject: "rosey.platform.cytube.send.chat", Data: []byte(`{"message":"` + text + `"}`),
			Header: nats.Header{"Content-Type": {"application/json"}, "traceparent": {traceparent}}}
		resp, err := e.nc.RequestMsg(msg, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		res, _ := bus.ParseTraceparent(resp.Header.Get("traceparent"))
		return res
	}
	send("not sampled", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")
	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	res := send("sampled", parent)
	var echo bus.TraceContext
	e.Until("the sampled echo", func() bool {
		for _, m := range e.On("rosey.platform.cytube.chat") {
			if strings.Contains(string(m.Data), "sampled") && !strings.Contains(string(m.Data), "not sampled") {
				echo, _ = bus.ParseTraceparent(m.Header.Get("traceparent"))
				return true
			}
		}
		return false
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(spans)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1200 * time.Millisecond) // a later batch would hold the unsampled ones
	mu.Lock()
	defer mu.Unlock()
	if len(spans) != 2 {
		t.Fatalf("%d spans exported, want 2: %v", len(spans), spans)
	}
	hexOf := func(b []byte) string { return hex.EncodeToString(b) }
	want := []struct{ name, kind, span, parent string }{
		{"chat process", "2", hexOf(res.SpanID[:]), "00f067aa0ba902b7"},
		{"publish rosey.platform.cytube.chat", "4", hexOf(echo.SpanID[:]), hexOf(res.SpanID[:])},
	}
	// The echo's span ends first: the command's ends with its answer.
	byName := map[any]map[string]any{spans[0]["name"]: spans[0], spans[1]["name"]: spans[1]}
	for i, w := range want {
		s := byName[w.name]
		if s["name"] != w.name || fmt.Sprint(s["kind"]) != w.kind || s["spanId"] != w.span || s["parentSpanId"] != w.parent ||
			s["traceId"] != "4bf92f3577b34da6a3ce929d0e0e4736" {
			t.Errorf("span %d = %v, want %+v", i, s, w)
		}
	}
}
