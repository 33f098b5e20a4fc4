package metrics_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/metrics"
)

// state is what the fake connector reports on each scrape.
type state struct {
	mu      sync.Mutex
	snap    metrics.Snapshot
	reasons []string
}

func (s *state) snapshot() metrics.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap
}

func (s *state) ready() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reasons...)
}

func (s *state) set(f func(*state)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func start(t *testing.T, st *state) (*metrics.Metrics, string) {
	t.Helper()
	m, err := metrics.New(metrics.Config{Version: "1.2.3", States: []string{"connecting", "ready", "reconnecting"}, Snapshot: st.snapshot, Ready: st.ready})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := metrics.Listen("127.0.0.1:0", m.Handler(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return m, "http://" + srv.Addr()
}

var client = &http.Client{Timeout: 5 * time.Second}

func get(t *testing.T, url string, header ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// series parses the Prometheus text format into "name{k=v,...}" → value,
// labels sorted by name.
func series(t *testing.T, text string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad line %q: %v", line, err)
		}
		out[canon(t, line[:i])] = v
	}
	return out
}

func canon(t *testing.T, s string) string {
	name, rest, ok := strings.Cut(s, "{")
	if !ok {
		return s
	}
	rest = strings.TrimSuffix(rest, "}")
	var pairs []string
	for rest != "" {
		k, r, _ := strings.Cut(rest, "=")
		q, err := strconv.QuotedPrefix(r)
		if err != nil {
			t.Fatalf("bad labels %q: %v", s, err)
		}
		v, _ := strconv.Unquote(q)
		pairs = append(pairs, k+"="+v)
		rest = strings.TrimPrefix(r[len(q):], ",")
	}
	sort.Strings(pairs)
	return name + "{" + strings.Join(pairs, ",") + "}"
}

func key(name string, labels ...string) string {
	if len(labels) == 0 {
		return name
	}
	var pairs []string
	for i := 0; i+1 < len(labels); i += 2 {
		pairs = append(pairs, labels[i]+"="+labels[i+1])
	}
	sort.Strings(pairs)
	return name + "{" + strings.Join(pairs, ",") + "}"
}

func TestScrapeShowsCountersSnapshotAndRuntime(t *testing.T) {
	st := &state{snap: metrics.Snapshot{
		NATSConnected: true,
		Channels:      []metrics.Channel{{Name: "testchan", State: "ready", Queue: map[string]int{"chat": 2, "queue": 0, "other": 1}}},
		Counters:      metrics.Counters{Unknown: 1, Invalid: 2, Unmodelled: 3, ReplaysSkipped: 4, BadFrames: 5},
	}}
	m, base := start(t, st)
	for range 3 {
		m.EventIn("testchan", "chatMsg")
	}
	m.EventIn("testchan", metrics.LabelUnknown)
	m.Published("rosey.platform.cytube.chat", "ok", time.Millisecond)
	m.Published("rosey.platform.cytube.chat", "ok", 2*time.Millisecond)
	m.Published("rosey.platform.cytube.chat", metrics.ResultRetry, time.Second)
	m.Published("rosey.platform.cytube.chat", "error", 3*time.Second)
	m.Command("testchan", "chat", "OK")
	m.Command("testchan", "chat", "TOO_LONG")
	m.Reconnect("testchan", "kicked")

	code, body, h := get(t, base+"/metrics")
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics = %d %s", code, h.Get("Content-Type"))
	}
	got := series(t, body)
	want := map[string]float64{
		key("cytube_connector_events_received_total", "channel", "testchan", "event", "chatMsg"):            3,
		key("cytube_connector_events_received_total", "channel", "testchan", "event", "unknown"):            1,
		key("cytube_connector_published_total", "subject", "rosey.platform.cytube.chat", "result", "ok"):    2,
		key("cytube_connector_published_total", "subject", "rosey.platform.cytube.chat", "result", "retry"): 1,
		key("cytube_connector_published_total", "subject", "rosey.platform.cytube.chat", "result", "error"): 1,
		key("cytube_connector_publish_duration_seconds_count"):                                              3,
		key("cytube_connector_commands_total", "channel", "testchan", "action", "chat", "code", "OK"):       1,
		key("cytube_connector_commands_total", "channel", "testchan", "action", "chat", "code", "TOO_LONG"): 1,
		key("cytube_connector_reconnects_total", "channel", "testchan", "reason", "kicked"):                 1,
		key("cytube_connector_connection_state", "channel", "testchan", "state", "ready"):                   1,
		key("cytube_connector_connection_state", "channel", "testchan", "state", "reconnecting"):            0,
		key("cytube_connector_connection_state", "channel", "testchan", "state", "connecting"):              0,
		key("cytube_connector_send_queue_depth", "channel", "testchan", "lane", "chat"):                     2,
		key("cytube_connector_send_queue_depth", "channel", "testchan", "lane", "other"):                    1,
		key("cytube_connector_send_queue_depth", "channel", "testchan", "lane", "queue"):                    0,
		key("cytube_connector_events_unknown_total"):                                                        1,
		key("cytube_connector_events_invalid_total"):                                                        2,
		key("cytube_connector_unmodelled_keys_total"):                                                       3,
		key("cytube_connector_replays_skipped_total"):                                                       4,
		key("cytube_connector_bad_frames_total"):                                                            5,
		key("cytube_connector_nats_connected"):                                                              1,
		key("cytube_connector_ready"):                                                                       1,
		key("cytube_connector_build_info", "version", "1.2.3"):                                              1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	for _, k := range []string{"go_goroutines", "process_start_time_seconds"} {
		if _, ok := got[k]; !ok {
			t.Errorf("runtime series %s missing", k)
		}
	}
	if s := got[key("cytube_connector_publish_duration_seconds_sum")]; s < 3.002 || s > 3.004 {
		t.Errorf("latency sum = %v, want 3.003 (retries not observed)", s)
	}

	st.set(func(s *state) { s.snap.NATSConnected = false; s.reasons = []string{"nats: disconnected"} })
	got = series(t, func() string { _, b, _ := get(t, base+"/metrics"); return b }())
	if got["cytube_connector_ready"] != 0 || got["cytube_connector_nats_connected"] != 0 {
		t.Errorf("ready = %v, nats = %v after disconnect", got["cytube_connector_ready"], got["cytube_connector_nats_connected"])
	}
}

func TestHealthAndReadiness(t *testing.T) {
	st := &state{}
	_, base := start(t, st)
	if code, body, _ := get(t, base+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body, _ := get(t, base+"/readyz"); code != http.StatusOK || body != "ready\n" {
		t.Errorf("/readyz = %d %q", code, body)
	}
	st.set(func(s *state) {
		s.reasons = []string{"nats: disconnected", "testchan: reconnecting (cytube: kicked: being rude)"}
	})
	code, body, _ := get(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || body != "not ready\nnats: disconnected\ntestchan: reconnecting (cytube: kicked: being rude)\n" {
		t.Errorf("/readyz = %d %q", code, body)
	}
	code, body, h := get(t, base+"/readyz", "Accept", "application/json")
	var v struct {
		Ready   bool     `json:"ready"`
		Reasons []string `json:"reasons"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || code != http.StatusServiceUnavailable || v.Ready || len(v.Reasons) != 2 || h.Get("Content-Type") != "application/json" {
		t.Errorf("/readyz json = %d %q %v", code, body, err)
	}
	st.set(func(s *state) { s.reasons = nil })
	code, body, _ = get(t, base+"/readyz", "Accept", "application/json")
	if code != http.StatusOK || strings.TrimSpace(body) != `{"ready":true,"reasons":[]}` {
		t.Errorf("/readyz json ready = %d %q", code, body)
	}
	if code, _, _ := get(t, base+"/nothing"); code != http.StatusNotFound {
		t.Errorf("/nothing = %d", code)
	}
}

func TestListenReportsPortInUse(t *testing.T) {
	m, err := metrics.New(metrics.Config{Snapshot: func() metrics.Snapshot { return metrics.Snapshot{} }})
	if err != nil {
		t.Fatal(err)
	}
	a, err := metrics.Listen("127.0.0.1:0", m.Handler(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Shutdown(context.Background()) }()
	if _, err := metrics.Listen(a.Addr(), m.Handler(nil), nil); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("second listen on %s: %v, want EADDRINUSE", a.Addr(), err)
	}
}

func TestPrivateRegistries(t *testing.T) {
	snap := func() metrics.Snapshot { return metrics.Snapshot{} }
	a, err := metrics.New(metrics.Config{Snapshot: snap})
	if err != nil {
		t.Fatal(err)
	}
	b, err := metrics.New(metrics.Config{Snapshot: snap})
	if err != nil {
		t.Fatalf("second Metrics in one process: %v", err)
	}
	a.Command("x", "chat", "OK")
	fams, err := b.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == "cytube_connector_commands_total" && len(f.GetMetric()) > 0 {
			t.Errorf("b sees a's command")
		}
	}
	if _, err := metrics.New(metrics.Config{}); err == nil {
		t.Errorf("New without Snapshot succeeded")
	}
}
