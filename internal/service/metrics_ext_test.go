package service_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/connectortest"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
	"github.com/roseybot/cytube-connector/internal/service"
	"github.com/roseybot/cytube-connector/internal/socketio"
)

// menv is one connector with metrics on 127.0.0.1:0, run against a real
// nats-server and the Go CyTube server.
type menv struct {
	*connectortest.Connector
	t    *testing.T
	nats *server.Server
	nc   *nats.Conn
	cyt  *cytubetest.Server
	svc  *service.Service
	base string // http://host:port of the metrics server
}

const metricsBotPassword = "metrics-bot-pw"

// newMetricsEnv runs against natsURL, or against a fresh nats-server with
// a recorder (and then reports Run's error) when it is empty.
func newMetricsEnv(t *testing.T, natsURL string) *menv {
	t.Helper()
	c := connectortest.Start(t, connectortest.Options{
		NATSURL: natsURL, NoRecorder: natsURL != "", IgnoreRunError: natsURL != "",
		Password: metricsBotPassword, StopTimeout: 20 * time.Second,
		Config: func(cfg *config.Config) {
			cfg.NATS.JetStream = false
			cfg.Metrics.Addr = "127.0.0.1:0"
		},
	})
	e := &menv{Connector: c, t: t, nats: c.NATS, nc: c.Conn(), cyt: c.CyTube, svc: c.Svc}
	e.waitFor("metrics listening", func() bool { return e.svc.MetricsAddr() != "" })
	e.base = "http://" + e.svc.MetricsAddr()
	return e
}

// waitFor waits until cond, which reads HTTP or the CyTube server.
func (e *menv) waitFor(what string, cond func() bool) {
	e.t.Helper()
	connectortest.Eventually(e.t, what, 15*time.Second, cond)
}

var httpClient = &http.Client{Timeout: 5 * time.Second}

// get returns the status and body of GET base+path.
func (e *menv) get(path string) (int, string) {
	e.t.Helper()
	resp, err := httpClient.Get(e.base + path)
	if err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// readyz waits until /readyz answers code and returns the body.
func (e *menv) readyz(code int) string {
	e.t.Helper()
	var body string
	e.waitFor(fmt.Sprintf("/readyz %d", code), func() bool {
		var c int
		c, body = e.get("/readyz")
		return c == code
	})
	return body
}

// scrape parses /metrics into "name{k=v,...}" → value (labels sorted).
func (e *menv) scrape() map[string]float64 {
	e.t.Helper()
	code, body := e.get("/metrics")
	if code != http.StatusOK {
		e.t.Fatalf("/metrics = %d: %s", code, body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			e.t.Fatalf("bad metrics line %q", line)
		}
		name, rest, ok := strings.Cut(line[:i], "{")
		if !ok {
			out[name] = v
			continue
		}
		rest = strings.TrimSuffix(rest, "}")
		var pairs []string
		for rest != "" {
			k, r, _ := strings.Cut(rest, "=")
			q, err := strconv.QuotedPrefix(r)
			if err != nil {
				e.t.Fatalf("bad labels in %q", line)
			}
			val, _ := strconv.Unquote(q)
			pairs = append(pairs, k+"="+val)
			rest = strings.TrimPrefix(r[len(q):], ",")
		}
		sort.Strings(pairs)
		out[name+"{"+strings.Join(pairs, ",")+"}"] = v
	}
	return out
}

// series names one series: series("x_total", "a", "1") is x_total{a=1}.
func series(name string, labels ...string) string {
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

// waitMetric waits until the series has the value.
func (e *menv) waitMetric(s string, v float64) {
	e.t.Helper()
	var last float64
	e.waitFor(fmt.Sprintf("%s = %v (last %v)", s, v, last), func() bool {
		last = e.scrape()[s]
		return last == v
	})
}

// command sends a JSON command and returns the result.
func (e *menv) command(action, body string) *commandsv1.CommandResult {
	e.t.Helper()
	return e.JSON(action, body)
}

const (
	mEvents     = "cytube_connector_events_received_total"
	mPublished  = "cytube_connector_published_total"
	mCommands   = "cytube_connector_commands_total"
	mReconnects = "cytube_connector_reconnects_total"
)

func TestMetricsCountAScriptedScene(t *testing.T) {
	e := newMetricsEnv(t, "")
	e.readyz(http.StatusOK)

	// Two reconnects of different classes, before any chat exists (so no
	// history is replayed afterwards).
	if !e.cyt.Kick("bot", "being rude") {
		t.Fatal("bot not in the channel")
	}
	e.waitMetric(series(mReconnects, "channel", "testchan", "reason", "kicked"), 1)
	e.readyz(http.StatusOK)
	e.cyt.DropAll()
	e.waitMetric(series(mReconnects, "channel", "testchan", "reason", "transport"), 1)
	e.readyz(http.StatusOK)

	const chats = 5
	for i := range chats {
		e.cyt.FakeChat("alice", fmt.Sprintf("line %d", i))
	}
	if res := e.command("chat", `{"message":"hello from NATS"}`); !res.GetOk() {
		t.Fatalf("chat = %v", res)
	}
	if res := e.command("chat", `{"message":"`+strings.Repeat("x", 321)+`"}`); res.GetCode() != commandsv1.ErrorCode_ERROR_CODE_TOO_LONG {
		t.Fatalf("too long = %v", res)
	}
	if res := e.command("teleport", `{}`); res.GetCode() != commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION {
		t.Fatalf("teleport = %v", res)
	}
	e.cyt.Emit("brandNewEvent", map[string]any{"x": 1})
	e.cyt.EmitRaw(`42["chatMsg",{not json`)

	e.waitMetric(series(mPublished, "subject", "rosey.platform.cytube.invalid", "result", "ok"), 1)
	e.waitMetric(series(mPublished, "subject", "rosey.events.message", "result", "ok"), chats+1)
	got := e.scrape()
	want := map[string]float64{
		series(mEvents, "channel", "testchan", "event", "chatMsg"):                                  chats + 1, // the bot's own echo too
		series(mEvents, "channel", "testchan", "event", "unknown"):                                  1,
		series(mPublished, "subject", "rosey.platform.cytube.chat", "result", "ok"):                 chats + 1,
		series(mPublished, "subject", "rosey.events.message", "result", "ok"):                       chats + 1,
		series(mPublished, "subject", "rosey.platform.cytube.unknown", "result", "ok"):              1,
		series(mPublished, "subject", "rosey.platform.cytube.invalid", "result", "ok"):              1,
		series(mCommands, "channel", "testchan", "action", "chat", "code", "OK"):                    1,
		series(mCommands, "channel", "testchan", "action", "chat", "code", "TOO_LONG"):              1,
		series(mCommands, "channel", "testchan", "action", "unknown", "code", "UNKNOWN_ACTION"):     1,
		series(mReconnects, "channel", "testchan", "reason", "kicked"):                              1,
		series(mReconnects, "channel", "testchan", "reason", "transport"):                           1,
		series("cytube_connector_connection_state", "channel", "testchan", "state", "ready"):        1,
		series("cytube_connector_connection_state", "channel", "testchan", "state", "reconnecting"): 0,
		series("cytube_connector_send_queue_depth", "channel", "testchan", "lane", "chat"):          0,
		series("cytube_connector_send_queue_depth", "channel", "testchan", "lane", "queue"):         0,
		series("cytube_connector_send_queue_depth", "channel", "testchan", "lane", "other"):         0,
		"cytube_connector_events_unknown_total":                                                     1,
		"cytube_connector_events_invalid_total":                                                     0,
		"cytube_connector_bad_frames_total":                                                         1,
		"cytube_connector_replays_skipped_total":                                                    0,
		"cytube_connector_ready":                                                                    1,
		"cytube_connector_nats_connected":                                                           1,
		series("cytube_connector_build_info", "version", "0.0.0-test"):                              1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	// Every final publish result is in the histogram, and the counters
	// agree with the service's own Stats.
	var final, ok float64
	for k, v := range got {
		if !strings.HasPrefix(k, mPublished+"{") {
			continue
		}
		if strings.Contains(k, "channel=") || strings.Contains(k, "testchan") {
			t.Errorf("published subject label carries the channel: %s", k)
		}
		if !strings.Contains(k, "result=retry") {
			final += v
		}
		if strings.Contains(k, "result=ok") || strings.Contains(k, "result=duplicate") {
			ok += v
		}
	}
	if h := got["cytube_connector_publish_duration_seconds_count"]; h != final {
		t.Errorf("latency histogram count %v, final publish results %v", h, final)
	}
	if st := float64(e.svc.Stats().Published.Load()); st != ok {
		t.Errorf("published ok %v, Stats.Published %v", ok, st)
	}
}

func TestReadyzFollowsCyTubeAndNATS(t *testing.T) {
	e := newMetricsEnv(t, "")
	if code, body := e.get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d %q", code, body)
	}
	e.readyz(http.StatusOK)

	// CyTube goes away for a while, then comes back on the same port.
	restarted := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		restarted <- e.cyt.Restart(ctx, 1500*time.Millisecond)
	}()
	body := e.readyz(http.StatusServiceUnavailable)
	if !strings.HasPrefix(body, "not ready\ntestchan: ") || strings.Contains(body, "nats") {
		t.Errorf("/readyz while CyTube is down = %q", body)
	}
	if code, _ := e.get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz while CyTube is down = %d", code)
	}
	if err := <-restarted; err != nil {
		t.Fatal(err)
	}
	e.readyz(http.StatusOK)
	if r := e.scrape()[series(mReconnects, "channel", "testchan", "reason", "transport")]; r < 1 {
		t.Errorf("reconnects{transport} = %v after a restart", r)
	}

	// NATS goes away, then comes back on the same port.
	_, port, err := net.SplitHostPort(strings.TrimPrefix(e.nats.ClientURL(), "nats://"))
	if err != nil {
		t.Fatal(err)
	}
	e.nats.Shutdown()
	e.nats.WaitForShutdown()
	body = e.readyz(http.StatusServiceUnavailable)
	if !strings.Contains(body, "\nnats: ") {
		t.Errorf("/readyz while NATS is down = %q", body)
	}
	if v := e.scrape()["cytube_connector_nats_connected"]; v != 0 {
		t.Errorf("nats_connected = %v while down", v)
	}
	p, _ := strconv.Atoi(port)
	e.nats = bustest.RunServer(t, func(o *server.Options) { o.Port = p })
	e.readyz(http.StatusOK)
}

func TestReadyzWhileNATSIsUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "nats://" + ln.Addr().String()
	ln.Close()
	e := newMetricsEnv(t, dead)
	if code, _ := e.get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d", code)
	}
	body := e.readyz(http.StatusServiceUnavailable)
	if body != "not ready\nnats: not connected yet\ntestchan: idle\n" {
		t.Errorf("/readyz = %q", body)
	}
}

func TestMetricsOffByDefault(t *testing.T) {
	cfg := config.Default()
	ch := config.DefaultChannel()
	ch.Channel = "testchan"
	cfg.Channels = append(cfg.Channels, ch)
	svc, err := service.New(cfg, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a := svc.MetricsAddr(); a != "" {
		t.Errorf("MetricsAddr = %q with metrics off", a)
	}
}

func TestMetricsPortInUseFailsRun(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := config.Default()
	ch := config.DefaultChannel()
	ch.Channel = "testchan"
	cfg.Channels = append(cfg.Channels, ch)
	cfg.Metrics.Addr = ln.Addr().String()
	svc, err := service.New(cfg, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := svc.Run(ctx); err == nil || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Errorf("Run with the metrics port taken = %v", err)
	}
}

func TestReconnectReasonClasses(t *testing.T) {
	for _, tt := range []struct {
		sc   cytube.StateChange
		want string
	}{
		{cytube.StateChange{Reason: "connection rate limit"}, service.ReasonRateLimited},
		{cytube.StateChange{Reason: "connection closed"}, service.ReasonClosed},
		{cytube.StateChange{Err: &cytube.KickedError{Reason: "being rude"}}, service.ReasonKicked},
		{cytube.StateChange{Err: &cytube.KickedError{Reason: "Rate limit exceeded"}}, service.ReasonRateLimited},
		{cytube.StateChange{Err: fmt.Errorf("wrapped: %w", &cytube.LoginError{Kind: cytube.LoginNameInUse})}, service.ReasonLogin},
		{cytube.StateChange{Err: &cytube.ChannelPasswordError{}}, service.ReasonLogin},
		{cytube.StateChange{Err: &cytube.DiscoveryError{Status: 503}}, service.ReasonDiscovery},
		{cytube.StateChange{Err: &cytube.DiscoveryError{Err: &net.OpError{Op: "dial", Err: io.EOF}}}, service.ReasonTransport},
		{cytube.StateChange{Err: &net.OpError{Op: "dial", Net: "tcp", Err: io.EOF}}, service.ReasonTransport},
		{cytube.StateChange{Err: &socketio.CloseError{Reason: socketio.ReasonPingTimeout}}, service.ReasonPingTimeout},
		{cytube.StateChange{Err: fmt.Errorf("x: %w", &socketio.CloseError{Reason: socketio.ReasonServerDisconnect})}, service.ReasonServerDisconnect},
		{cytube.StateChange{Err: &socketio.CloseError{Reason: socketio.ReasonTransport, Code: 1006}}, service.ReasonTransport},
		{cytube.StateChange{Err: &socketio.ConnectError{Message: "Rate limit exceeded"}}, service.ReasonRateLimited},
		{cytube.StateChange{Err: &socketio.ConnectError{Message: "no"}}, service.ReasonRefused},
		{cytube.StateChange{Err: fmt.Errorf("odd")}, service.ReasonOther},
	} {
		if got := service.ReconnectReason(tt.sc); got != tt.want {
			t.Errorf("ReconnectReason(%v / %v) = %s, want %s", tt.sc.Reason, tt.sc.Err, got, tt.want)
		}
	}
}
