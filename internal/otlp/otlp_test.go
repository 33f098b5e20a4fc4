package otlp_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	tracev1 "go.opentelemetry.io/proto/otlp/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/otlp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// collector is an HTTP server that decodes OTLP/JSON bodies with the
// official opentelemetry-proto types (TracesData has the same encoding as
// ExportTraceServiceRequest), rejecting any field they do not define.
type collector struct {
	*httptest.Server
	mu      sync.Mutex
	spans   []*tracev1.Span
	service string
	errs    []error
	status  int
	headers http.Header
}

func newCollector(t *testing.T) *collector {
	c := &collector{status: http.StatusOK}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.headers = r.Header.Clone()
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/json" {
			c.errs = append(c.errs, fmt.Errorf("POST %s with Content-Type %q", r.URL.Path, r.Header.Get("Content-Type")))
		}
		var td tracev1.TracesData
		if err := protojson.Unmarshal(body, &td); err != nil {
			c.errs = append(c.errs, err)
		}
		for _, rs := range td.GetResourceSpans() {
			for _, a := range rs.GetResource().GetAttributes() {
				if a.GetKey() == "service.name" {
					c.service = a.GetValue().GetStringValue()
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				c.spans = append(c.spans, ss.GetSpans()...)
			}
		}
		w.WriteHeader(c.status)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *collector) got() ([]*tracev1.Span, []error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*tracev1.Span(nil), c.spans...), append([]error(nil), c.errs...)
}

// TestExportDecodesAsOTLP: what the exporter posts is OTLP/JSON as the
// official protos read it, with the ids, parent, kind, times, attributes
// and error status of the spans recorded, and the configured headers.
func TestExportDecodesAsOTLP(t *testing.T) {
	c := newCollector(t)
	exp, err := otlp.New(otlp.Config{Endpoint: c.URL + "/v1/traces", Service: "svc-test", Version: "1.2.3", Headers: map[string]string{"Api-Key": "k"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); exp.Run(ctx) }()
	parent := bus.NewTrace()
	parent.Flags = 1
	child := parent.Child()
	start := time.Unix(1700000000, 123456789)
	exp.Record(bus.Span{Name: "chat process", Kind: bus.SpanKindServer, Trace: child, Parent: parent.SpanID,
		Start: start, End: start.Add(time.Millisecond), Attrs: [][2]string{{"rosey.action", "chat"}}, Error: "MUTED: muted"})
	exp.Record(bus.Span{Name: "publish x", Kind: bus.SpanKindProducer, Trace: child.Child(), Parent: child.SpanID, Start: start, End: start})
	cancel() // Run sends what is queued before it returns
	<-done
	spans, errs := c.got()
	if len(errs) > 0 {
		t.Fatalf("collector: %v", errs)
	}
	if len(spans) != 2 || c.service != "svc-test" || c.headers.Get("Api-Key") != "k" {
		t.Fatalf("spans %v, service %q, headers %v", spans, c.service, c.headers)
	}
	s := spans[0]
	// OTLP/JSON writes ids in hex, where protobuf's JSON mapping (which
	// protojson reads) has base64: hex digits are base64 too, so the
	// decoded bytes re-encode to the hex text that was sent.
	id := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	if id(s.GetTraceId()) != hex.EncodeToString(parent.TraceID[:]) ||
		id(s.GetParentSpanId()) != hex.EncodeToString(parent.SpanID[:]) ||
		id(s.GetSpanId()) != hex.EncodeToString(child.SpanID[:]) ||
		s.GetKind() != tracev1.Span_SPAN_KIND_SERVER || s.GetStartTimeUnixNano() != uint64(start.UnixNano()) ||
		s.GetEndTimeUnixNano() != uint64(start.Add(time.Millisecond).UnixNano()) ||
		s.GetStatus().GetCode() != tracev1.Status_STATUS_CODE_ERROR || s.GetStatus().GetMessage() != "MUTED: muted" ||
		s.GetAttributes()[0].GetKey() != "rosey.action" || s.GetFlags()&1 != 1 {
		t.Errorf("span = %v", s)
	}
	if spans[1].GetKind() != tracev1.Span_SPAN_KIND_PRODUCER || spans[1].GetStatus() != nil {
		t.Errorf("producer span = %v", spans[1])
	}
	if exp.Exported() != 2 || exp.Dropped() != 0 || exp.Failed() != 0 {
		t.Errorf("exported %d dropped %d failed %d", exp.Exported(), exp.Dropped(), exp.Failed())
	}
}

// TestExportFailuresAreCounted: a collector that refuses, or an exporter
// that has stopped, loses spans only by counting them.
func TestExportFailuresAreCounted(t *testing.T) {
	c := newCollector(t)
	c.status = http.StatusServiceUnavailable
	exp, err := otlp.New(otlp.Config{Endpoint: c.URL + "/v1/traces"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); exp.Run(ctx) }()
	tr := bus.NewTrace()
	exp.Record(bus.Span{Name: "a", Trace: tr, Start: time.Now(), End: time.Now()})
	cancel()
	<-done
	exp.Record(bus.Span{Name: "after stop", Trace: tr})
	if exp.Failed() != 1 || exp.Dropped() != 1 || exp.Exported() != 0 {
		t.Errorf("failed %d dropped %d exported %d", exp.Failed(), exp.Dropped(), exp.Exported())
	}
	for _, bad := range []string{"", "127.0.0.1:4318", "ftp://x/v1/traces"} {
		if _, err := otlp.New(otlp.Config{Endpoint: bad}); err == nil {
			t.Errorf("endpoint %q accepted", bad)
		}
	}
}
