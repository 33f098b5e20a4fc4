package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/bus/bustest"
	"github.com/roseybot/cytube-connector/internal/cytube/cytubetest"
)

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// cmdOutcome is how one command request ended.
type cmdOutcome struct {
	text string
	res  *commandsv1.CommandResult // nil when err is set
	err  error
}

// TestSIGTERMMidTraffic runs the built binary against a real nats-server
// and the Go CyTube server, keeps chat flowing from CyTube and commands
// flowing over NATS, and sends SIGTERM in the middle. It then checks:
//
//   - the process exits 0;
//   - every command request ended with a CommandResult or with "no
//     responders" (it was never accepted); none went unanswered, and every
//     OK chat command reached CyTube;
//   - every chat CyTube delivered was published. "Delivered" is what the
//     connector provably read: the connector confirms a chat command only
//     after reading its own echo, and CyTube writes to a socket in order,
//     so every chat written before the echo of the last confirmed command
//     was read. Besides, the published chats have no gaps.
func TestSIGTERMMidTraffic(t *testing.T) {
	const bot, pw = "roseybot", "shutdown-test-pw"
	cyt, err := cytubetest.New(cytubetest.Options{Channel: "lounge", Accounts: map[string]cytubetest.Account{bot: {Password: pw, Rank: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cyt.Close() })
	ns := bustest.RunServer(t)
	nc := bustest.Connect(t, ns)

	var pubMu sync.Mutex
	var published []string // raw chat messages, in arrival order
	sub, err := nc.Subscribe("rosey.platform.cytube.chat", func(m *nats.Msg) {
		cm := &cytubev1.ChatMsg{}
		if err := proto.Unmarshal(m.Data, cm); err != nil {
			t.Errorf("published chat does not decode: %v", err)
			return
		}
		pubMu.Lock()
		published = append(published, cm.GetUsername()+": "+cm.GetMsg())
		pubMu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	proc := startReady(t, ctx, map[string]string{
		"CYTUBE_CHANNEL":  "lounge",
		"CYTUBE_HOST":     cyt.Addr(),
		"CYTUBE_SECURE":   "false",
		"CYTUBE_USERNAME": bot,
		"CYTUBE_PASSWORD": pw,
		"NATS_URL":        ns.ClientURL(),
		"LOG_FORMAT":      "json",
	})
	cmd, stderr, exited := proc.cmd, proc.stderr, proc.exited

	// Traffic: one goroutine chats as alice on CyTube, four send chat
	// commands over NATS; all run until the process has exited.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var chats atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			cyt.FakeChat("alice", fmt.Sprintf("event %d", i))
			chats.Add(1)
		}
	}()
	var outMu sync.Mutex
	var outcomes []cmdOutcome
	var oks atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				text := fmt.Sprintf("command %d-%d", w, i)
				o := cmdOutcome{text: text}
				msg := &nats.Msg{Subject: "rosey.platform.cytube.send.chat", Data: []byte(`{"message":"` + text + `"}`), Header: nats.Header{}}
				msg.Header.Set("Content-Type", "application/json")
				msg.Header.Set(bus.HeaderDeadlineMs, "4000")
				rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
				resp, err := nc.RequestMsgWithContext(rctx, msg)
				rcancel()
				if err != nil {
					o.err = err
				} else {
					o.res = &commandsv1.CommandResult{}
					if err := protojson.Unmarshal(resp.Data, o.res); err != nil {
						o.res, o.err = nil, fmt.Errorf("result %q: %w", resp.Data, err)
					}
				}
				if o.res.GetOk() {
					oks.Add(1)
				}
				outMu.Lock()
				outcomes = append(outcomes, o)
				outMu.Unlock()
				if errors.Is(o.err, nats.ErrNoResponders) {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()

	for chats.Load() < 150 || oks.Load() < 4 {
		select {
		case <-exited:
			t.Fatalf("the connector exited under traffic\n%s", stderr)
		case <-ctx.Done():
			t.Fatalf("traffic did not get going (%d chats, %d ok commands)\n%s", chats.Load(), oks.Load(), stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-ctx.Done():
		t.Fatalf("no exit after SIGTERM\n%s", stderr)
	}
	close(stop)
	wg.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0\n%s", code, stderr)
	}

	// Commands: every request answered or never accepted.
	okText := map[string]bool{}
	counts := map[string]int{}
	for _, o := range outcomes {
		switch {
		case o.res != nil && o.res.GetOk():
			okText[o.text] = true
			counts["ok"]++
		case o.res != nil:
			counts[o.res.GetCode().String()]++
		case errors.Is(o.err, nats.ErrNoResponders):
			counts["no responders"]++
		default:
			t.Errorf("command %q got no result: %v", o.text, o.err)
		}
	}
	t.Logf("commands: %v; chats emitted: %d", counts, chats.Load())
	received := map[string]bool{}
	for _, f := range cyt.Received() {
		if name, arg, ok := eventOf(f.Text); ok && name == "chatMsg" {
			var v struct {
				Msg string `json:"msg"`
			}
			_ = json.Unmarshal(arg, &v)
			received[v.Msg] = true
		}
	}
	for text := range okText {
		if !received[text] {
			t.Errorf("command %q was confirmed but never reached CyTube", text)
		}
	}

	// Events: what the connector provably read was published.
	var conn int
	for _, l := range cyt.Logins() {
		if l.Name == bot && !l.Guest {
			conn = l.Conn
		}
	}
	var written []string // chat lines written to the connector, in order
	barrier := -1
	for _, f := range cyt.Sent() {
		if f.Conn != conn {
			continue
		}
		name, arg, ok := eventOf(f.Text)
		if !ok || name != "chatMsg" {
			continue
		}
		var v struct {
			Username string `json:"username"`
			Msg      string `json:"msg"`
		}
		if json.Unmarshal(arg, &v) != nil {
			continue
		}
		if v.Username == bot && okText[v.Msg] {
			barrier = len(written)
		}
		written = append(written, v.Username+": "+v.Msg)
	}
	if barrier < 0 {
		t.Fatalf("no echo of a confirmed command among the %d chats written to the connector", len(written))
	}
	var got map[string]bool
	deadline := time.Now().Add(5 * time.Second)
	for {
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
		pubMu.Lock()
		got = map[string]bool{}
		for _, p := range published {
			got[p] = true
		}
		pubMu.Unlock()
		missing := 0
		for _, w := range written[:barrier+1] {
			if !got[w] {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%d of the %d chats the connector read before its last confirmed command were not published", missing, barrier+1)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	// No gaps: the published chats are a prefix of what was written.
	last := -1
	for i, w := range written {
		if got[w] {
			last = i
		}
	}
	for i := 0; i <= last; i++ {
		if !got[written[i]] {
			t.Errorf("chat %d (%q) is missing although a later one was published", i, written[i])
		}
	}
	t.Logf("chats written to the connector: %d, published: %d, provably read: %d", len(written), len(got), barrier+1)

	// One log line per state change, none per message: hundreds of events
	// and commands must not show up in the info log.
	if n := strings.Count(stderr.String(), "\n"); n > 60 {
		t.Errorf("%d log lines at info level for one run; something logs per message:\n%s", n, stderr)
	}
}

// eventOf splits a Socket.IO event frame `42["name",arg]`.
func eventOf(frame string) (string, json.RawMessage, bool) {
	body, ok := strings.CutPrefix(frame, "42")
	if !ok {
		return "", nil, false
	}
	var parts []json.RawMessage
	if json.Unmarshal([]byte(body), &parts) != nil || len(parts) == 0 {
		return "", nil, false
	}
	var name string
	if json.Unmarshal(parts[0], &name) != nil {
		return "", nil, false
	}
	var arg json.RawMessage
	if len(parts) > 1 {
		arg = parts[1]
	}
	return name, arg, true
}

// startNATSUnreachable starts "run" with NATS_URL on a port nobody listens
// on (and env, and a .env file with dotenv when not empty), and waits until
// it says NATS is not reachable.
func startNATSUnreachable(t *testing.T, ctx context.Context, env map[string]string, dotenv string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	env["NATS_URL"], env["CYTUBE_CHANNEL"], env["LOG_FORMAT"] = "nats://"+freeAddr(t), "x", "text"
	cmd, _, _ := newProcess(t, ctx, env, "run")
	if dotenv != "" {
		if err := os.WriteFile(filepath.Join(cmd.Dir, ".env"), []byte(dotenv), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), "nats not reachable") {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("no retry message\n%s", stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cmd, stderr
}

// TestInterruptWhileNATSUnreachable: Ctrl-C while the connector still waits
// for NATS is a clean stop (exit 0, no ERROR), not a failure.
func TestInterruptWhileNATSUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd, stderr := startNATSUnreachable(t, ctx, map[string]string{}, "")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit %d after Ctrl-C while NATS is unreachable, want 0\n%s", code, stderr)
	}
	if strings.Contains(stderr.String(), "level=ERROR") {
		t.Errorf("Ctrl-C logged an error:\n%s", stderr)
	}
}

// TestUnknownSettingWarned: a CYTUBE_/NATS_ variable the connector does
// not read, in the environment or in .env, is named in a WARN line with
// the setting it probably means.
func TestUnknownSettingWarned(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd, stderr := startNATSUnreachable(t, ctx, map[string]string{"CYTUBE_USRNAME": "bob"}, "NATS_JETSTREM=false\n")
	_ = cmd.Process.Signal(syscall.SIGINT)
	_ = cmd.Wait()
	out := stderr.String()
	for _, want := range []string{
		`level=WARN msg="setting ignored: the connector reads no such variable" name=CYTUBE_USRNAME did_you_mean=CYTUBE_USERNAME`,
		`name=NATS_JETSTREM did_you_mean=NATS_JETSTREAM`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "name=NATS_URL") || strings.Contains(out, "name=CYTUBE_CHANNEL") {
		t.Errorf("a setting the connector reads was reported:\n%s", out)
	}
}

// lockedBuffer is a bytes.Buffer that a process writes while a test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
