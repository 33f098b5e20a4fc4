package socketio_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/socketio"
)

// The interop tests run the reference server, socket.io 4.8.4 from npm
// (testdata/node), and talk to it with this package.

const (
	nodePingInterval = 200 * time.Millisecond
	nodePingTimeout  = time.Second
)

var (
	npmOnce sync.Once
	npmErr  error
)

// ensureNodeModules installs testdata/node/node_modules with `npm ci` the
// first time it is needed. A missing node or npm fails the test.
func ensureNodeModules(t *testing.T, dir string) {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found on PATH: the socket.io interop test needs node and npm (Debian: apt-get install nodejs npm): %v", tool, err)
		}
	}
	npmOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io", "package.json")); err == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			npmErr = errors.New("npm ci in " + dir + ": " + err.Error() + "\n" + string(out))
		}
	})
	if npmErr != nil {
		t.Fatal(npmErr)
	}
}

// nodeServer is one running `node server.mjs`.
type nodeServer struct {
	addr     string
	cmd      *exec.Cmd
	stopOnce sync.Once
	stdin    io.Closer
}

// kill ends the node process (SIGKILL) and waits for it.
func (n *nodeServer) kill() {
	n.stopOnce.Do(func() {
		_ = n.stdin.Close()
		_ = n.cmd.Process.Kill()
		_ = n.cmd.Wait()
	})
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// startNode starts the reference server on a free port of 127.0.0.1.
func startNode(t *testing.T) *nodeServer {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "node"))
	if err != nil {
		t.Fatal(err)
	}
	ensureNodeModules(t, dir)
	cmd := exec.Command("node", "server.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"PING_INTERVAL="+strconv.FormatInt(nodePingInterval.Milliseconds(), 10),
		"PING_TIMEOUT="+strconv.FormatInt(nodePingTimeout.Milliseconds(), 10))
	cmd.Stderr = testLogWriter{t}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting node: %v", err)
	}
	n := &nodeServer{cmd: cmd, stdin: stdin}
	t.Cleanup(n.kill)

	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line, ok := <-lines:
		port, found := strings.CutPrefix(line, "PORT ")
		if !ok || !found {
			t.Fatalf("node server.mjs printed %q, want \"PORT <n>\"", line)
		}
		n.addr = "127.0.0.1:" + port
	case <-time.After(30 * time.Second):
		t.Fatal("node server.mjs did not print its port within 30s")
	}
	return n
}

func nextNamed(t *testing.T, ctx context.Context, c *socketio.Conn, name string) socketio.Event {
	t.Helper()
	ev, err := c.Next(ctx)
	if err != nil {
		t.Fatalf("Next, want %q: %v", name, err)
	}
	if ev.Name != name {
		t.Fatalf("Next = %q (%.100s), want %q", ev.Name, ev.Frame, name)
	}
	return ev
}

func emit(t *testing.T, ctx context.Context, c *socketio.Conn, name string, args ...any) {
	t.Helper()
	if err := c.Emit(ctx, name, args...); err != nil {
		t.Fatalf("Emit %q: %v", name, err)
	}
}

func TestInteropNode(t *testing.T) {
	node := startNode(t)
	url := socketio.URL(node.addr, false)

	t.Run("handshake pings events", func(t *testing.T) {
		ctx := testContext(t)
		c := dial(t, ctx, url, socketio.Options{Header: http.Header{"User-Agent": {"cytube-connector-test"}}})
		open := c.Open()
		if open.SID == "" || open.PingInterval != nodePingInterval || open.PingTimeout != nodePingTimeout ||
			open.MaxPayload != 1000000 || len(open.Upgrades) != 0 {
			t.Errorf("Open() = %+v", open)
		}
		if c.SocketID() == "" || c.SocketID() == open.SID {
			t.Errorf("SocketID() = %q, engine sid %q", c.SocketID(), open.SID)
		}
		ev := nextNamed(t, ctx, c, "rank")
		if len(ev.Args) != 1 || string(ev.Args[0]) != "-1" {
			t.Errorf("rank args = %s", ev.Args)
		}

		// Survive at least 5 ping intervals; the server counts the pongs.
		time.Sleep(6*nodePingInterval + nodePingInterval/2)
		emit(t, ctx, c, "stats")
		var stats struct {
			Pongs       int    `json:"pongs"`
			ClientPings int    `json:"clientPings"`
			UserAgent   string `json:"userAgent"`
		}
		if err := json.Unmarshal(nextNamed(t, ctx, c, "stats").Args[0], &stats); err != nil {
			t.Fatal(err)
		}
		if stats.Pongs < 5 || stats.ClientPings != 0 || stats.UserAgent != "cytube-connector-test" {
			t.Errorf("server stats = %+v, want >= 5 pongs, no client pings, our User-Agent", stats)
		}

		cases := []struct {
			args []any
			want []string
		}{
			{nil, []string{}},
			{[]any{nil}, []string{"null"}},
			{[]any{map[string]string{"msg": "日本語 🎉 <b>&</b>"}}, []string{`{"msg":"日本語 🎉 <b>&</b>"}`}},
			{[]any{json.RawMessage(`{"a":[1,2,3]}`), "two", 3.5}, []string{`{"a":[1,2,3]}`, `"two"`, `3.5`}},
		}
		for _, tc := range cases {
			emit(t, ctx, c, "echo", tc.args...)
			ev := nextNamed(t, ctx, c, "echo")
			got := make([]string, len(ev.Args))
			for i, a := range ev.Args {
				got[i] = string(a)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("echo %v = %q, want %q", tc.args, got, tc.want)
			}
		}

		// The server may send frames larger than the maxPayload it accepts.
		emit(t, ctx, c, "big", 2_000_000)
		if ev := nextNamed(t, ctx, c, "big"); len(ev.Args) != 1 || len(ev.Args[0]) != 2_000_002 {
			t.Errorf("big frame: %d args", len(ev.Args))
		}
		if err := c.Emit(ctx, "echo", strings.Repeat("x", 1_000_000)); !errors.Is(err, socketio.ErrTooLarge) {
			t.Errorf("Emit over maxPayload = %v, want ErrTooLarge", err)
		}
		emit(t, ctx, c, "echo", "after")
		nextNamed(t, ctx, c, "echo")
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		wantCloseError(t, c.Err(), socketio.ReasonClosedByClient, 0)
		if c.BadFrames() != 0 {
			t.Errorf("BadFrames() = %d", c.BadFrames())
		}
	})

	t.Run("kick keeps the socket open", func(t *testing.T) {
		ctx := testContext(t)
		c := dial(t, ctx, url, socketio.Options{})
		nextNamed(t, ctx, c, "rank")
		emit(t, ctx, c, "kickme", "being rude")
		ev := nextNamed(t, ctx, c, "kick")
		if string(ev.Args[0]) != `{"reason":"being rude"}` {
			t.Errorf("kick args = %s", ev.Args[0])
		}
		_, err := c.Next(ctx)
		wantCloseError(t, err, socketio.ReasonServerDisconnect, 0)
	})

	t.Run("server disconnect", func(t *testing.T) {
		ctx := testContext(t)
		c := dial(t, ctx, url, socketio.Options{})
		nextNamed(t, ctx, c, "rank")
		emit(t, ctx, c, "disconnectme")
		_, err := c.Next(ctx)
		wantCloseError(t, err, socketio.ReasonServerDisconnect, 0)
	})

	t.Run("middleware refuses", func(t *testing.T) {
		ctx := testContext(t)
		c, err := socketio.Dial(ctx, url, socketio.Options{Header: http.Header{"X-Test-Reject": {"1"}}})
		if err == nil {
			_ = c.Close()
			t.Fatal("Dial succeeded, want *ConnectError")
		}
		var ce *socketio.ConnectError
		if !errors.As(err, &ce) || ce.Message != "Rate limit exceeded" {
			t.Fatalf("Dial = %v, want *ConnectError Rate limit exceeded", err)
		}
	})

	t.Run("abrupt close then a fresh dial", func(t *testing.T) {
		ctx := testContext(t)
		c := dial(t, ctx, url, socketio.Options{})
		nextNamed(t, ctx, c, "rank")
		emit(t, ctx, c, "destroy")
		_, err := c.Next(ctx)
		wantCloseError(t, err, socketio.ReasonTransport, -1)
		c2 := dial(t, ctx, url, socketio.Options{})
		if c2.SocketID() == c.SocketID() {
			t.Errorf("fresh connection reused sid %q", c2.SocketID())
		}
		nextNamed(t, ctx, c2, "rank")
		emit(t, ctx, c2, "echo", "again")
		nextNamed(t, ctx, c2, "echo")
	})
}

// TestInteropNodeKilled: the server process dies; the connection ends with
// ReasonTransport, and dialling the dead address fails.
func TestInteropNodeKilled(t *testing.T) {
	node := startNode(t)
	ctx := testContext(t)
	url := socketio.URL(node.addr, false)
	c := dial(t, ctx, url, socketio.Options{})
	nextNamed(t, ctx, c, "rank")
	node.kill()
	_, err := c.Next(ctx)
	wantCloseError(t, err, socketio.ReasonTransport, -1)
	if c2, err := socketio.Dial(ctx, url, socketio.Options{HandshakeTimeout: 2 * time.Second}); err == nil {
		_ = c2.Close()
		t.Fatal("Dial to a dead server succeeded")
	}
}
