// Package otlp exports the connector's spans to an OpenTelemetry collector
// over OTLP/HTTP with JSON bodies (POST <endpoint>, normally
// http://collector:4318/v1/traces). It is off unless an endpoint is
// configured (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), and only sampled traces are
// exported: a command whose traceparent has the sampled flag gets a span
// for its handling, and so does the event that confirmed it. The
// connector never samples a trace it starts itself.
//
// Why not the OpenTelemetry SDK: the connector records two kinds of span
// with fixed attributes, and the OTLP/JSON encoding of a batch is a page
// of code; the SDK would add a dozen modules and a global tracer provider.
//
// Record never blocks: spans go to a bounded queue, and when it is full
// they are dropped and counted (Dropped), so a slow or absent collector
// cannot slow the connector.
package otlp

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roseybot/cytube-connector/internal/bus"
)

// Defaults.
const (
	DefaultService  = "cytube-connector"
	queueSize       = 4096
	batchSize       = 512
	flushEvery      = time.Second
	postTimeout     = 10 * time.Second
	shutdownTimeout = 2 * time.Second
)

// Config configures an Exporter.
type Config struct {
	// Endpoint is the full URL spans are POSTed to, e.g.
	// http://127.0.0.1:4318/v1/traces.
	Endpoint string
	// Service is the service.name resource attribute.
	Service string
	// Version is the service.version resource attribute.
	Version string
	// Headers are added to every request (e.g. an API key).
	Headers map[string]string
	// Client posts the batches; default a client with postTimeout.
	Client *http.Client
	Logger *slog.Logger
}

// Exporter batches spans and posts them.
type Exporter struct {
	cfg  Config
	q    chan bus.Span
	done chan struct{}
	once sync.Once
	stop chan struct{}

	exported, dropped, failed atomic.Uint64
}

// New validates cfg and returns an Exporter; Run sends what it records.
func New(cfg Config) (*Exporter, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("otlp: endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if cfg.Service == "" {
		cfg.Service = DefaultService
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: postTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Exporter{cfg: cfg, q: make(chan bus.Span, queueSize), done: make(chan struct{}), stop: make(chan struct{})}, nil
}

// Record queues a finished span; it drops (and counts) it when the queue
// is full or the exporter stopped.
func (e *Exporter) Record(s bus.Span) {
	select {
	case <-e.stop:
		e.dropped.Add(1)
		return
	default:
	}
	select {
	case e.q <- s:
	default:
		e.dropped.Add(1)
	}
}

// Exported, Dropped and Failed count spans posted, dropped at a full
// queue, and lost to failed posts.
func (e *Exporter) Exported() uint64 { return e.exported.Load() }

// Dropped counts spans dropped because the queue was full.
func (e *Exporter) Dropped() uint64 { return e.dropped.Load() }

// Failed counts spans in batches the collector did not accept.
func (e *Exporter) Failed() uint64 { return e.failed.Load() }

// Run posts batches until ctx ends, then posts what is queued (within
// shutdownTimeout) and returns.
func (e *Exporter) Run(ctx context.Context) {
	defer close(e.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	batch := make([]bus.Span, 0, batchSize)
	flush := func(ctx context.Context) {
		if len(batch) > 0 {
			e.post(ctx, batch)
			batch = batch[:0]
		}
	}
	for {
		select {
		case s := <-e.q:
			batch = append(batch, s)
			if len(batch) == batchSize {
				flush(ctx)
			}
		case <-t.C:
			flush(ctx)
		case <-ctx.Done():
			e.once.Do(func() { close(e.stop) })
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
			defer cancel()
			for {
				select {
				case s := <-e.q:
					batch = append(batch, s)
					if len(batch) == batchSize {
						flush(sctx)
					}
				default:
					flush(sctx)
					return
				}
			}
		}
	}
}

func (e *Exporter) post(ctx context.Context, spans []bus.Span) {
	body, err := json.Marshal(encode(e.cfg.Service, e.cfg.Version, spans))
	if err == nil {
		err = e.send(ctx, body)
	}
	if err != nil {
		e.failed.Add(uint64(len(spans)))
		e.cfg.Logger.Warn("otlp: spans not exported", "spans", len(spans), "endpoint", e.cfg.Endpoint, "err", err)
		return
	}
	e.exported.Add(uint64(len(spans)))
}

func (e *Exporter) send(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.cfg.Endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range e.cfg.Headers {
		req.Header.Set(k, v)
	}
	resp, err := e.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("collector answered %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// The OTLP/JSON encoding (opentelemetry-proto, ExportTraceServiceRequest):
// ids are lower-case hex, times decimal strings of Unix nanoseconds, enums
// numbers.
type (
	request struct {
		ResourceSpans []resourceSpans `json:"resourceSpans"`
	}
	resourceSpans struct {
		Resource   resource     `json:"resource"`
		ScopeSpans []scopeSpans `json:"scopeSpans"`
	}
	resource struct {
		Attributes []attribute `json:"attributes"`
	}
	scopeSpans struct {
		Scope scope  `json:"scope"`
		Spans []span `json:"spans"`
	}
	scope struct {
		Name    string `json:"name"`
		Version string `json:"version,omitempty"`
	}
	span struct {
		TraceID      string      `json:"traceId"`
		SpanID       string      `json:"spanId"`
		ParentSpanID string      `json:"parentSpanId,omitempty"`
		Flags        uint32      `json:"flags"`
		Name         string      `json:"name"`
		Kind         int         `json:"kind"`
		Start        string      `json:"startTimeUnixNano"`
		End          string      `json:"endTimeUnixNano"`
		Attributes   []attribute `json:"attributes,omitempty"`
		Status       *status     `json:"status,omitempty"`
	}
	attribute struct {
		Key   string `json:"key"`
		Value value  `json:"value"`
	}
	value struct {
		StringValue string `json:"stringValue"`
	}
	status struct {
		Code    int    `json:"code"`
		Message string `json:"message,omitempty"`
	}
)

// OTLP span kinds and status codes.
const (
	statusError = 2
)

func encode(service, version string, spans []bus.Span) request {
	res := resource{Attributes: []attribute{{"service.name", value{service}}}}
	if version != "" {
		res.Attributes = append(res.Attributes, attribute{"service.version", value{version}})
	}
	out := make([]span, 0, len(spans))
	for _, s := range spans {
		sp := span{
			TraceID: hex.EncodeToString(s.Trace.TraceID[:]),
			SpanID:  hex.EncodeToString(s.Trace.SpanID[:]),
			// W3C trace flags in the low byte (the sampled bit).
			Flags: uint32(s.Trace.Flags),
			Name:  s.Name, Kind: int(s.Kind),
			Start: strconv.FormatInt(s.Start.UnixNano(), 10),
			End:   strconv.FormatInt(s.End.UnixNano(), 10),
		}
		if s.Parent != [8]byte{} {
			sp.ParentSpanID = hex.EncodeToString(s.Parent[:])
		}
		for _, a := range s.Attrs {
			sp.Attributes = append(sp.Attributes, attribute{a[0], value{a[1]}})
		}
		if s.Error != "" {
			sp.Status = &status{Code: statusError, Message: s.Error}
		}
		out = append(out, sp)
	}
	return request{ResourceSpans: []resourceSpans{{Resource: res, ScopeSpans: []scopeSpans{{
		Scope: scope{Name: "github.com/roseybot/cytube-connector", Version: version}, Spans: out,
	}}}}}
}
