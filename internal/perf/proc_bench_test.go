package perf_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/perf"
)

// BenchmarkProcesses measures what a user runs: the connector binary
// (cmd/cytube-connector, built for the run) with NATS_URL set, a
// nats-server process, a CyTube-protocol firehose process and a
// subscriber process (perfproc), each with a runtime of its own. In the
// same run the limit is this process publishing the connector's own
// messages with nats.go: PublishMsgAsync into the same stream for the
// default JetStream mode, PublishMsg for core mode. node runs, in the
// connector's place, the bridge a bot author would write in Node
// (internal/perf/node: socket.io-client and nats.js, JSON), against the
// core limit. One op is one chat event (two NATS messages).
//
// flood: b.N frames as fast as the firehose emits them; events/s from the
// first frame built to the last message received. paced5000: b.N frames
// at 5,000/s; p50/p99 frame → subscriber.
func BenchmarkProcesses(b *testing.B) {
	dir := b.TempDir()
	connBin, helperBin := filepath.Join(dir, "cytube-connector"), filepath.Join(dir, "perfproc")
	// PERF_PROFILE_DIR=dir builds the connector with -tags profile: it
	// writes dir/<mode>/cpu.pprof and allocs.pprof (cmd/cytube-connector/
	// profile.go).
	profDir := os.Getenv("PERF_PROFILE_DIR")
	if profDir != "" {
		build(b, connBin, "./cmd/cytube-connector", "-tags", "profile")
	} else {
		build(b, connBin, "./cmd/cytube-connector")
	}
	build(b, helperBin, "./internal/perf/perfproc")
	for _, mode := range []string{"jetstream", "core", "node"} {
		b.Run(mode, func(b *testing.B) { processes(b, connBin, helperBin, mode) })
	}
}

func processes(b *testing.B, connBin, helperBin, mode string) {
	useJS := mode == "jetstream"
	var args []string
	if useJS {
		args = append(args, "-js")
	}
	srv := bustest.RunProcess(b, "", args...)
	hose := startHelper(b, helperBin, "firehose", "-channel", "perfchan", "-user", "bot", "-password", botPassword)
	addr := strings.TrimPrefix(hose.line(b), "addr ")
	sub := startHelper(b, helperBin, "subscribe", "-nats", srv.URL())
	if l := sub.line(b); l != "ready" {
		b.Fatalf("subscriber: %q", l)
	}

	// This process: the connector's status, samples of its messages, and
	// the limit's publisher.
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	var mu sync.Mutex
	samples := map[string]*nats.Msg{}
	ready := make(chan struct{})
	var once sync.Once
	if _, err := nc.Subscribe(statusSubj, func(m *nats.Msg) {
		var st eventsv1.ConnectorStatus
		if m.Header.Get("Content-Type") == "application/json" {
			// The Node bridge's.
			_ = protojson.Unmarshal(m.Data, &st)
		} else {
			_ = proto.Unmarshal(m.Data, &st)
		}
		if st.GetState() == eventsv1.ConnectorState_CONNECTOR_STATE_LOGGED_IN {
			once.Do(func() { close(ready) })
		}
	}); err != nil {
		b.Fatal(err)
	}
	// One sample of each message, and then this process receives no more
	// of them: a fifth process reading every message would take CPU from
	// the four measured.
	for _, subj := range []string{rawSubject, normSubject} {
		sub, err := nc.Subscribe(subj, func(m *nats.Msg) {
			mu.Lock()
			samples[m.Subject] = &nats.Msg{Subject: m.Subject, Header: m.Header, Data: append([]byte(nil), m.Data...)}
			mu.Unlock()
		})
		if err == nil {
			err = sub.AutoUnsubscribe(1)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		b.Fatal(err)
	}

	// The connector serves its metrics: the Go runtime's allocation count
	// and the process's CPU time give its cost per event, its own alone.
	metricsAddr := ""
	if mode != "node" {
		metricsAddr = freeAddr(b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	conn := exec.CommandContext(ctx, connBin, "run")
	if mode == "node" {
		conn = exec.CommandContext(ctx, nodeBridge(b), "bridge.mjs")
		conn.Dir = filepath.Join(repoRoot(), "internal", "perf", "node")
	}
	conn.Env = append(os.Environ(), "CYTUBE_HOST="+addr, "CYTUBE_SECURE=false", "CYTUBE_CHANNEL=perfchan",
		"CYTUBE_USERNAME=bot", "CYTUBE_PASSWORD="+botPassword, "NATS_URL="+srv.URL(),
		"NATS_JETSTREAM="+strconv.FormatBool(useJS), "LOG_LEVEL=warn", "METRICS_ADDR="+metricsAddr)
	if d := os.Getenv("PERF_PROFILE_DIR"); d != "" && mode != "node" {
		d = filepath.Join(d, mode)
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
		conn.Env = append(conn.Env, "CONNECTOR_PROFILE_DIR="+d)
	}
	conn.Stderr = os.Stderr
	conn.Cancel = func() error { return conn.Process.Signal(os.Interrupt) }
	conn.WaitDelay = 20 * time.Second
	if err := conn.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cancel()
		_ = conn.Wait()
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		b.Fatal("connector not logged in within 30s")
	}

	b.Run("flood", func(b *testing.B) {
		n := b.N
		sub.send(b, fmt.Sprintf("expect %d", n))
		sub.line(b) // counting
		before := scrape(b, metricsAddr)
		cpuBefore := procCPU(b, conn.Process.Pid)
		b.ResetTimer()
		hose.send(b, fmt.Sprintf("flood %d", n))
		start, end := sentAt(b, hose.line(b))
		res := sub.result(b)
		b.StopTimer()
		after := scrape(b, metricsAddr)
		cpuAfter := procCPU(b, conn.Process.Pid)
		connRate := float64(n) / time.Unix(0, res.LastNS).Sub(start).Seconds()

		mu.Lock()
		msgs := []*nats.Msg{samples[rawSubject], samples[normSubject]}
		mu.Unlock()
		if msgs[0] == nil || msgs[1] == nil {
			b.Fatal("no sample of the connector's messages")
		}
		sub.send(b, fmt.Sprintf("expect %d", n))
		sub.line(b)
		rawStart := time.Now()
		publishLimit(b, nc, msgs, n, useJS)
		raw := sub.result(b)
		rawRate := float64(n) / time.Unix(0, raw.LastNS).Sub(rawStart).Seconds()
		b.ReportMetric(connRate, "events/s")
		// How fast the firehose wrote the frames: the connector cannot go
		// faster than this.
		b.ReportMetric(float64(n)/end.Sub(start).Seconds(), "firehose_events/s")
		b.ReportMetric(rawRate, "limit_events/s")
		b.ReportMetric(connRate/rawRate, "ratio")
		b.ReportMetric(float64(res.P99US), "p99_us")
		if metricsAddr != "" {
			b.ReportMetric((after.mallocs-before.mallocs)/float64(n), "conn_allocs/event")
		}
		// CPU time from /proc, the same for the Node bridge.
		b.ReportMetric((cpuAfter-cpuBefore).Seconds()*1e6/float64(n), "conn_cpu_us/event")
	})

	b.Run("paced5000", func(b *testing.B) {
		n := b.N
		sub.send(b, fmt.Sprintf("expect %d", n))
		sub.line(b)
		b.ResetTimer()
		hose.send(b, fmt.Sprintf("paced %d 5000", n))
		hose.line(b)
		res := sub.result(b)
		b.StopTimer()
		b.ReportMetric(float64(res.P50US), "p50_us")
		b.ReportMetric(float64(res.P99US), "p99_us")
		b.ReportMetric(float64(res.MaxUS), "max_us")

		// The limit at the same rate: nats.go alone publishing the
		// connector's two messages, the normalized one stamped as the
		// firehose stamps its frames, into the same subscriber.
		mu.Lock()
		msgs := []*nats.Msg{samples[rawSubject], samples[normSubject]}
		mu.Unlock()
		sub.send(b, fmt.Sprintf("expect %d", n))
		sub.line(b)
		pacedLimit(b, nc, msgs, n, 5000, useJS)
		lim := sub.result(b)
		b.ReportMetric(float64(lim.P50US), "limit_p50_us")
		b.ReportMetric(float64(lim.P99US), "limit_p99_us")
	})
}

// pacedLimit publishes the connector's raw and normalized messages n
// times at rate events per second with nats.go (PublishMsgAsync into the
// stream with JetStream, PublishMsg otherwise), the normalized message's
// text stamped with the time as perf.ChatFrame stamps a frame.
func pacedLimit(b *testing.B, nc *nats.Conn, msgs []*nats.Msg, n, rate int, useJS bool) {
	b.Helper()
	if msgs[0] == nil || msgs[1] == nil {
		b.Fatal("no sample of the connector's messages")
	}
	json := msgs[1].Header.Get("Content-Type") == "application/json"
	var norm eventsv1.Message
	var err error
	if json {
		err = protojson.Unmarshal(msgs[1].Data, &norm)
	} else {
		err = proto.Unmarshal(msgs[1].Data, &norm)
	}
	if err != nil {
		b.Fatalf("sample of the normalized message: %v", err)
	}
	var js jetstream.JetStream
	if useJS {
		if js, err = jetstream.New(nc); err != nil {
			b.Fatal(err)
		}
	}
	run, seq := nuid.Next(), 0
	perf.Paced(n, rate, func() {
		seq++
		norm.Text = fmt.Sprintf("perf %d %d", seq, time.Now().UnixNano())
		var data []byte
		if json {
			data, err = protojson.Marshal(&norm)
		} else {
			data, err = proto.Marshal(&norm)
		}
		if err != nil {
			b.Fatal(err)
		}
		for k, m := range msgs {
			out := &nats.Msg{Subject: m.Subject, Data: m.Data, Header: maps.Clone(m.Header)}
			if k == 1 {
				out.Data = data
			}
			if js != nil {
				out.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("%s-%d-%d", run, seq, k))
				_, err = js.PublishMsgAsync(out)
			} else {
				err = nc.PublishMsg(out)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	if js != nil {
		select {
		case <-js.PublishAsyncComplete():
		case <-time.After(time.Minute):
			b.Fatal("JetStream limit: acknowledgements missing after a minute")
		}
	}
	if err := nc.Flush(); err != nil {
		b.Fatal(err)
	}
}

// procCPU returns the user and system CPU time pid has used, from
// /proc/pid/stat (Linux), in clock ticks of 10 ms.
func procCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatalf("cpu time of the connector: %v", err)
	}
	// The command name (field 2) may hold spaces; the fields after it
	// are counted from its closing parenthesis.
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(f) < 13 {
		b.Fatalf("cpu time of the connector: short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("cpu time of the connector: %v %v", err1, err2)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// nodeBridge installs the Node bridge's locked dependencies when they are
// missing and returns node.
func nodeBridge(b *testing.B) string {
	b.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		b.Skipf("node is needed for the Node bridge: %v", err)
	}
	dir := filepath.Join(repoRoot(), "internal", "perf", "node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io-client")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if o, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("npm ci in %s: %v\n%s", dir, err, o)
		}
	}
	return node
}

func build(b *testing.B, out, pkg string, flags ...string) {
	b.Helper()
	cmd := exec.Command("go", append(append([]string{"build", "-o", out}, flags...), pkg)...)
	cmd.Dir = repoRoot()
	if o, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build %s: %v\n%s", pkg, err, o)
	}
}

// helper is a perfproc process, talked to over its stdin and stdout.
type helper struct {
	in    io.WriteCloser
	lines chan string
}

func startHelper(b *testing.B, bin string, args ...string) *helper {
	b.Helper()
	cmd := exec.Command(bin, args...)
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	h := &helper{in: in, lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		close(h.lines)
	}()
	b.Cleanup(func() {
		_ = in.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return h
}

func (h *helper) send(b *testing.B, line string) {
	b.Helper()
	if _, err := fmt.Fprintln(h.in, line); err != nil {
		b.Fatal(err)
	}
}

func (h *helper) line(b *testing.B) string {
	b.Helper()
	select {
	case l, ok := <-h.lines:
		if !ok {
			b.Fatal("helper exited")
		}
		return l
	case <-time.After(3 * time.Minute):
		b.Fatal("helper did not answer")
	}
	return ""
}

type subResult struct {
	LastNS int64 `json:"last_ns"`
	P50US  int64 `json:"p50_us"`
	P99US  int64 `json:"p99_us"`
	MaxUS  int64 `json:"max_us"`
}

func (h *helper) result(b *testing.B) subResult {
	b.Helper()
	var r subResult
	if l := h.line(b); json.Unmarshal([]byte(l), &r) != nil {
		b.Fatalf("subscriber: %q", l)
	}
	return r
}

// freeAddr is a loopback address nothing listens on, for the connector's
// metrics.
func freeAddr(b *testing.B) string {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// procStats are the connector process's totals, from its /metrics.
type procStats struct{ mallocs float64 }

// scrape reads go_memstats_mallocs_total from the connector's /metrics;
// zero without an address (the Node bridge).
func scrape(b *testing.B, addr string) procStats {
	b.Helper()
	var st procStats
	if addr == "" {
		return st
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		b.Fatalf("connector metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		if name != "go_memstats_mallocs_total" {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			b.Fatalf("connector metrics: %s: %v", sc.Text(), err)
		}
		st.mallocs = v
	}
	if err := sc.Err(); err != nil {
		b.Fatalf("connector metrics: %v", err)
	}
	if st.mallocs == 0 {
		b.Fatal("connector metrics: no go_memstats_mallocs_total")
	}
	return st
}

// sentAt reads the firehose's "sent START END".
func sentAt(b *testing.B, line string) (start, end time.Time) {
	b.Helper()
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "sent" {
		b.Fatalf("firehose: %q", line)
	}
	s, err1 := strconv.ParseInt(f[1], 10, 64)
	e, err2 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("firehose: %q", line)
	}
	return time.Unix(0, s), time.Unix(0, e)
}
