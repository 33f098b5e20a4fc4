package socketio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/roseybot/cytube-connector/internal/socketio"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, ctx context.Context, url string, opts socketio.Options) *socketio.Conn {
	t.Helper()
	c, err := socketio.Dial(ctx, url, opts)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// serveScript plays the server side of a capture: it sends the "in"
// frames and checks the "out" frames. Client pings and ack-id emits (which
// this client never makes) are skipped; a captured pong `3` waits until
// every ping was answered.
func serveScript(sc *serverConn, steps []goldenLine) bool {
	for _, s := range steps {
		fr := *s.Frame
		switch {
		case s.Dir == "in":
			if strings.HasPrefix(fr, "0{") {
				time.Sleep(30 * time.Millisecond)
			}
			if !sc.send(fr) {
				return false
			}
		case fr == "3":
			if !sc.waitPongs() {
				return false
			}
		case fr == "2" || isAckEmit(fr):
		default:
			if !sc.expect(fr) {
				return false
			}
		}
	}
	return true
}

func isAckEmit(frame string) bool {
	return len(frame) > 2 && strings.HasPrefix(frame, "42") && frame[2] >= '0' && frame[2] <= '9'
}

// clientScript plays the client side of the same capture after Dial: it
// checks every received event against the capture and emits the captured
// events.
func clientScript(t *testing.T, ctx context.Context, c *socketio.Conn, steps []goldenLine) {
	t.Helper()
	for _, s := range steps {
		fr := *s.Frame
		switch {
		case s.Dir == "in" && strings.HasPrefix(fr, "42"):
			ev, err := c.Next(ctx)
			if err != nil {
				t.Fatalf("Next, want %.80q: %v", fr, err)
			}
			if string(ev.Frame) != fr {
				t.Fatalf("Next frame = %.80q, want %.80q", ev.Frame, fr)
			}
			if s.Event != "" && (ev.Name != s.Event || len(ev.Args) != len(s.Args)) {
				t.Fatalf("Next = %q with %d args, capture says %q with %d", ev.Name, len(ev.Args), s.Event, len(s.Args))
			}
			if ev.AckID != -1 || ev.IsAck {
				t.Fatalf("Next = %+v, want no ack", ev)
			}
		case s.Dir == "out" && strings.HasPrefix(fr, "42["):
			var all []json.RawMessage
			if err := json.Unmarshal([]byte(fr[2:]), &all); err != nil {
				t.Fatal(err)
			}
			var name string
			if err := json.Unmarshal(all[0], &name); err != nil {
				t.Fatal(err)
			}
			args := make([]any, 0, len(all)-1)
			for _, a := range all[1:] {
				args = append(args, a)
			}
			if err := c.Emit(ctx, name, args...); err != nil {
				t.Fatalf("Emit %q: %v", name, err)
			}
		}
	}
}

// until returns the steps up to the first one matching dir and frame,
// included or not.
func until(t *testing.T, steps []goldenLine, dir, frame string, include bool) []goldenLine {
	t.Helper()
	for i, s := range steps {
		if s.Dir == dir && *s.Frame == frame {
			if include {
				return steps[:i+1]
			}
			return steps[:i]
		}
	}
	t.Fatalf("no %s frame %q in script", dir, frame)
	return nil
}

func wantCloseError(t *testing.T, err error, reason socketio.CloseReason, code int) *socketio.CloseError {
	t.Helper()
	var ce *socketio.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v (%T), want *CloseError", err, err)
	}
	if ce.Reason != reason || (code >= 0 && ce.Code != code) {
		t.Fatalf("CloseError = %v (reason %v, code %d), want reason %v, code %d", ce, ce.Reason, ce.Code, reason, code)
	}
	return ce
}

func waitDone(t *testing.T, c *socketio.Conn) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(stepTimeout):
		t.Fatal("connection did not end")
	}
}

// TestReplayHandshake replays the hand-made websocket session of
// handshake-wire.jsonl: open, 40 after it, join, login, events both ways,
// a server ping answered with a pong, then Close sends 41 and a close frame.
func TestReplayHandshake(t *testing.T) {
	ctx := testContext(t)
	steps := until(t, replayScript(t, "handshake-wire.jsonl", "raw"), "out", "2", false)
	scriptDone := make(chan struct{})
	url := startFake(t, func(sc *serverConn) {
		if got := sc.req.Header.Get("X-Forwarded-For"); got != "127.0.0.9" {
			sc.t.Errorf("fake server: X-Forwarded-For = %q", got)
		}
		ok := serveScript(sc, steps)
		close(scriptDone)
		if ok && sc.expect("41") {
			sc.expectCloseFrame()
		}
		if sc.pings != 1 || sc.pongs.Load() != 1 {
			sc.t.Errorf("fake server: %d pings, %d pongs, want 1 and 1", sc.pings, sc.pongs.Load())
		}
	})
	c := dial(t, ctx, url, socketio.Options{Header: http.Header{"X-Forwarded-For": {"127.0.0.9"}}})
	open := c.Open()
	if open.SID != "FAKEsid0001xxxxxxxxx" || open.PingInterval != 25*time.Second ||
		open.PingTimeout != 120*time.Second || open.MaxPayload != 1048576 || len(open.Upgrades) != 0 {
		t.Errorf("Open() = %+v", open)
	}
	if c.SocketID() != "FAKEsid0002xxxxxxxxx" {
		t.Errorf("SocketID() = %q", c.SocketID())
	}
	clientScript(t, ctx, c, steps)
	// The script ends with a server ping; let the server see the pong.
	select {
	case <-scriptDone:
	case <-time.After(stepTimeout):
		t.Fatal("server script did not finish")
	}
	if err := c.Err(); err != nil {
		t.Errorf("Err() before Close = %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	wantCloseError(t, c.Err(), socketio.ReasonClosedByClient, 0)
	_, err := c.Next(ctx)
	wantCloseError(t, err, socketio.ReasonClosedByClient, 0)
	err = c.Emit(ctx, "chatMsg", map[string]string{"msg": "late"})
	if !errors.Is(err, socketio.ErrClosed) {
		t.Errorf("Emit after Close = %v, want ErrClosed", err)
	}
	wantCloseError(t, err, socketio.ReasonClosedByClient, 0)
	if c.BadFrames() != 0 {
		t.Errorf("BadFrames() = %d", c.BadFrames())
	}
}

// TestReplayKick replays kick-wire.jsonl: the server sends kick, then 41,
// and keeps the websocket open. The client delivers the kick, ends with
// ReasonServerDisconnect and closes the websocket itself.
func TestReplayKick(t *testing.T) {
	ctx := testContext(t)
	steps := until(t, replayScript(t, "kick-wire.jsonl", "raw"), "in", "41", true)
	serverSawClose := make(chan struct{})
	url := startFake(t, func(sc *serverConn) {
		if serveScript(sc, steps) {
			sc.expectCloseFrame()
		}
		close(serverSawClose)
	})
	c := dial(t, ctx, url, socketio.Options{})
	clientScript(t, ctx, c, steps)
	_, err := c.Next(ctx)
	wantCloseError(t, err, socketio.ReasonServerDisconnect, 0)
	waitDone(t, c)
	select {
	case <-serverSawClose:
	case <-time.After(stepTimeout):
		t.Fatal("server did not see the client close the kicked websocket")
	}
	if err := c.Emit(ctx, "joinChannel", map[string]string{"name": "x"}); !errors.Is(err, socketio.ErrClosed) {
		t.Errorf("Emit after kick = %v, want ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wantCloseError(t, c.Err(), socketio.ReasonServerDisconnect, 0)
}

// TestReplayNoPongWatchdog replays nopong-wire.jsonl, then the server goes
// silent: with a short Watchdog the client ends with ReasonPingTimeout
// after delivering every event, and closes the websocket.
func TestReplayNoPongWatchdog(t *testing.T) {
	ctx := testContext(t)
	steps := replayScript(t, "nopong-wire.jsonl", "nopong")
	url := startFake(t, func(sc *serverConn) {
		if serveScript(sc, steps) {
			sc.expectCloseFrame()
		}
		if sc.pings != 1 || sc.pongs.Load() != 1 {
			sc.t.Errorf("fake server: %d pings, %d pongs, want 1 and 1", sc.pings, sc.pongs.Load())
		}
	})
	c := dial(t, ctx, url, socketio.Options{Watchdog: 400 * time.Millisecond})
	clientScript(t, ctx, c, steps)
	_, err := c.Next(ctx)
	wantCloseError(t, err, socketio.ReasonPingTimeout, 0)
}

// TestWatchdogFromOpenPacket: with Watchdog 0 the limit is
// pingInterval+pingTimeout; regular pings keep the connection alive well
// past it, silence ends it.
func TestWatchdogFromOpenPacket(t *testing.T) {
	ctx := testContext(t)
	const pings = 8
	url := startFake(t, func(sc *serverConn) {
		if !sc.handshake(`0{"sid":"s","upgrades":[],"pingInterval":100,"pingTimeout":400,"maxPayload":1000}`) {
			return
		}
		for range pings {
			time.Sleep(100 * time.Millisecond)
			if !sc.send("2") {
				return
			}
		}
		if sc.waitPongs() {
			sc.expectCloseFrame()
		}
	})
	c := dial(t, ctx, url, socketio.Options{})
	start := time.Now()
	select {
	case <-c.Done():
		t.Fatalf("connection ended after %s while pinged: %v", time.Since(start), c.Err())
	case <-time.After(pings * 100 * time.Millisecond):
	}
	waitDone(t, c)
	wantCloseError(t, c.Err(), socketio.ReasonPingTimeout, 0)
}

// TestConnectError: `44{"message":"Rate limit exceeded"}` with the socket
// left open by the server gives *ConnectError, and Dial closes the socket.
func TestConnectError(t *testing.T) {
	ctx := testContext(t)
	url := startFake(t, func(sc *serverConn) {
		if sc.send(testOpen) && sc.expect("40") && sc.send(`44{"message":"Rate limit exceeded"}`) {
			sc.expectCloseFrame()
		}
	})
	c, err := socketio.Dial(ctx, url, socketio.Options{})
	if err == nil {
		_ = c.Close()
		t.Fatal("Dial succeeded, want *ConnectError")
	}
	var ce *socketio.ConnectError
	if !errors.As(err, &ce) || ce.Message != "Rate limit exceeded" || ce.Data != nil {
		t.Fatalf("Dial error = %v (%T), want *ConnectError Rate limit exceeded", err, err)
	}
}

// TestServerEndsConnection covers the ways the server can drop the link:
// abrupt TCP close (1006), a close frame without status (1005, as CyTube
// does) and an Engine.IO close packet. Events sent before are delivered.
func TestServerEndsConnection(t *testing.T) {
	tests := []struct {
		name string
		end  func(sc *serverConn)
		code int
	}{
		{"abrupt TCP close", func(sc *serverConn) { _ = sc.ws.NetConn().Close() }, websocket.CloseAbnormalClosure},
		{"close frame 1005", func(sc *serverConn) {
			_ = sc.ws.WriteMessage(websocket.CloseMessage, nil)
			_ = sc.waitClosed()
		}, websocket.CloseNoStatusReceived},
		{"engine.io close", func(sc *serverConn) {
			sc.send("1")
			sc.expectCloseFrame()
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			url := startFake(t, func(sc *serverConn) {
				if sc.handshake(testOpen) && sc.send(`42["rank",-1]`) && sc.send(`42["usercount",1]`) {
					tt.end(sc)
				}
			})
			c := dial(t, ctx, url, socketio.Options{})
			for _, want := range []string{"rank", "usercount"} {
				ev, err := c.Next(ctx)
				if err != nil || ev.Name != want {
					t.Fatalf("Next = %q, %v; want %q", ev.Name, err, want)
				}
			}
			_, err := c.Next(ctx)
			wantCloseError(t, err, socketio.ReasonTransport, tt.code)
			waitDone(t, c)
		})
	}
}

// TestBadFrames: frames that cannot be used are counted and reported, and
// the connection goes on; faithful argument lists and acks are delivered.
func TestBadFrames(t *testing.T) {
	ctx := testContext(t)
	bad := []string{
		`42["chatMsg",{not json`,
		"42[\"chatMsg\",{\"msg\":\"\xff\xfe\"}]",
		`451-["upload",{"_placeholder":true,"num":0}]`,
		`42/admin,["x",1]`,
		`9`,
		`42[]`,
		`40{"sid":"again"}`,
	}
	url := startFake(t, func(sc *serverConn) {
		if !sc.handshake(testOpen) {
			return
		}
		for _, f := range bad {
			if !sc.send(f) {
				return
			}
		}
		if err := sc.ws.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}); err != nil {
			sc.t.Errorf("fake server: %v", err)
			return
		}
		for _, f := range []string{`6`, `42["clearVoteskipVote"]`, `42["closePoll",null]`, `421["chatMsg",{"msg":"a"}]`,
			`431["ok"]`, `42["changeMedia",{"title":"X\ud83c..."}]`, `42["end"]`} {
			if !sc.send(f) {
				return
			}
		}
		if sc.expect(`42["still","alive"]`) && sc.expect("41") {
			sc.expectCloseFrame()
		}
	})
	var (
		mu     sync.Mutex
		frames []string
		errs   []error
	)
	c := dial(t, ctx, url, socketio.Options{OnBadFrame: func(frame []byte, err error) {
		mu.Lock()
		defer mu.Unlock()
		frames = append(frames, string(frame))
		errs = append(errs, err)
	}})
	var got []socketio.Event
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev)
		if ev.Name == "end" {
			break
		}
	}
	if len(got) != 6 {
		t.Fatalf("got %d events, want 6: %+v", len(got), got)
	}
	if got[0].Name != "clearVoteskipVote" || len(got[0].Args) != 0 {
		t.Errorf("event 0 = %+v, want clearVoteskipVote without args", got[0])
	}
	if got[1].Name != "closePoll" || len(got[1].Args) != 1 || string(got[1].Args[0]) != "null" {
		t.Errorf("event 1 = %+v, want closePoll with [null]", got[1])
	}
	if got[2].Name != "chatMsg" || got[2].AckID != 1 || got[2].IsAck {
		t.Errorf("event 2 = %+v, want chatMsg with ack id 1", got[2])
	}
	if !got[3].IsAck || got[3].AckID != 1 || len(got[3].Args) != 1 || string(got[3].Args[0]) != `"ok"` {
		t.Errorf("event 3 = %+v, want ack 1 [\"ok\"]", got[3])
	}
	var media struct{ Title string }
	if err := json.Unmarshal(got[4].Args[0], &media); err != nil || media.Title != "X\uFFFD..." {
		t.Errorf("lone surrogate title = %q, %v", media.Title, err)
	}
	if err := c.Emit(ctx, "still", "alive"); err != nil {
		t.Fatal(err)
	}
	if n := c.BadFrames(); n != uint64(len(bad)+1) {
		t.Errorf("BadFrames() = %d, want %d", n, len(bad)+1)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != len(bad)+1 {
		t.Fatalf("OnBadFrame called %d times, want %d: %q", len(errs), len(bad)+1, frames)
	}
	for i, f := range bad {
		if frames[i] != f || errs[i] == nil {
			t.Errorf("OnBadFrame %d = %q, %v; want %q", i, frames[i], errs[i], f)
		}
	}
	if !errors.Is(errs[2], socketio.ErrBinaryUnsupported) || !errors.Is(errs[len(bad)], socketio.ErrBinaryUnsupported) {
		t.Errorf("binary errors = %v / %v, want ErrBinaryUnsupported", errs[2], errs[len(bad)])
	}
}

// TestEmitTooLarge: a frame over the server's maxPayload is refused and
// nothing is sent; the connection is unaffected.
func TestEmitTooLarge(t *testing.T) {
	ctx := testContext(t)
	url := startFake(t, func(sc *serverConn) {
		if sc.handshake(`0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":120000,"maxPayload":1000}`) &&
			sc.expect(`42["chatMsg",{"msg":"small"}]`) && sc.expect("41") {
			sc.expectCloseFrame()
		}
	})
	c := dial(t, ctx, url, socketio.Options{})
	err := c.Emit(ctx, "chatMsg", map[string]string{"msg": strings.Repeat("x", 1000)})
	if !errors.Is(err, socketio.ErrTooLarge) {
		t.Fatalf("Emit of a large frame = %v, want ErrTooLarge", err)
	}
	if err := c.Emit(ctx, "chatMsg", map[string]string{"msg": "small"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentEmit: many goroutines emit at once; every frame arrives
// whole, exactly once.
func TestConcurrentEmit(t *testing.T) {
	ctx := testContext(t)
	const goroutines, each = 16, 25
	received := make(chan map[string]int, 1)
	url := startFake(t, func(sc *serverConn) {
		seen := map[string]int{}
		defer func() { received <- seen }()
		if !sc.handshake(testOpen) {
			return
		}
		for range goroutines * each {
			f, ok := sc.next()
			if !ok {
				return
			}
			seen[string(f)]++
		}
	})
	c := dial(t, ctx, url, socketio.Options{})
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				if err := c.Emit(ctx, "chatMsg", map[string]any{"g": g, "i": i}); err != nil {
					t.Errorf("Emit: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	var seen map[string]int
	select {
	case seen = <-received:
	case <-time.After(stepTimeout):
		t.Fatal("server did not receive every frame")
	}
	for g := range goroutines {
		for i := range each {
			f := fmt.Sprintf(`42["chatMsg",{"g":%d,"i":%d}]`, g, i)
			if seen[f] != 1 {
				t.Errorf("frame %s received %d times", f, seen[f])
			}
		}
	}
}

// TestContextCancellation: Dial honours ctx and HandshakeTimeout while
// waiting for the open packet or the connect reply; Next honours ctx and
// the connection stays usable.
func TestContextCancellation(t *testing.T) {
	stall := func(sc *serverConn) { _ = sc.waitClosed() }
	noConnectReply := func(sc *serverConn) {
		if sc.send(testOpen) && sc.expect("40") {
			_ = sc.waitClosed()
		}
	}
	t.Run("Dial ctx cancel before open", func(t *testing.T) {
		url := startFake(t, stall)
		ctx, cancel := context.WithCancel(testContext(t))
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := socketio.Dial(ctx, url, socketio.Options{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Dial = %v, want context.Canceled", err)
		}
	})
	t.Run("Dial ctx deadline before connect reply", func(t *testing.T) {
		url := startFake(t, noConnectReply)
		ctx, cancel := context.WithTimeout(testContext(t), 200*time.Millisecond)
		defer cancel()
		_, err := socketio.Dial(ctx, url, socketio.Options{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Dial = %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("HandshakeTimeout", func(t *testing.T) {
		url := startFake(t, noConnectReply)
		_, err := socketio.Dial(testContext(t), url, socketio.Options{HandshakeTimeout: 200 * time.Millisecond})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Dial = %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("Next", func(t *testing.T) {
		ctx := testContext(t)
		proceed := make(chan struct{})
		url := startFake(t, func(sc *serverConn) {
			if !sc.handshake(testOpen) {
				return
			}
			select {
			case <-proceed:
			case <-time.After(stepTimeout):
				return
			}
			if sc.send(`42["usercount",3]`) && sc.expect("41") {
				sc.expectCloseFrame()
			}
		})
		c := dial(t, ctx, url, socketio.Options{})
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if _, err := c.Next(short); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Next = %v, want context.DeadlineExceeded", err)
		}
		canceled, cancel2 := context.WithCancel(ctx)
		cancel2()
		if err := c.Emit(canceled, "x"); !errors.Is(err, context.Canceled) {
			t.Errorf("Emit with canceled ctx = %v, want context.Canceled", err)
		}
		close(proceed)
		ev, err := c.Next(ctx)
		if err != nil || ev.Name != "usercount" || string(ev.Args[0]) != "3" {
			t.Fatalf("Next = %+v, %v", ev, err)
		}
	})
}

// TestDialRefused: a plain HTTP endpoint and a server that does not speak
// Engine.IO v4 give clear errors.
func TestDialRefused(t *testing.T) {
	ctx := testContext(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	_, err := socketio.Dial(ctx, socketio.URL(srv.Listener.Addr().String(), false), socketio.Options{})
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("Dial to a 404 endpoint = %v, want an error naming the status", err)
	}
	url := startFake(t, func(sc *serverConn) {
		sc.send(`119:0{"sid":"x"}`)
		_ = sc.waitClosed()
	})
	_, err = socketio.Dial(ctx, url, socketio.Options{})
	if err == nil || !strings.Contains(err.Error(), "open packet") {
		t.Errorf("Dial to an EIO3 server = %v, want an open packet error", err)
	}
}

func TestURL(t *testing.T) {
	if got := socketio.URL("cytube.example:1337", false); got != "ws://cytube.example:1337/socket.io/?EIO=4&transport=websocket" {
		t.Errorf("URL = %s", got)
	}
	if got := socketio.URL("[::1]:443", true); got != "wss://[::1]:443/socket.io/?EIO=4&transport=websocket" {
		t.Errorf("URL = %s", got)
	}
}

func TestCloseReasonString(t *testing.T) {
	for r, want := range map[socketio.CloseReason]string{
		socketio.ReasonClosedByClient:   "closed by client",
		socketio.ReasonServerDisconnect: "server disconnect",
		socketio.ReasonPingTimeout:      "ping timeout",
		socketio.ReasonTransport:        "transport closed",
		socketio.CloseReason(0):         "CloseReason(0)",
	} {
		if r.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(r), r.String(), want)
		}
	}
	err := &socketio.CloseError{Reason: socketio.ReasonTransport, Code: 1006, Err: errors.New("unexpected EOF")}
	if got := err.Error(); got != "socketio: connection ended: transport closed (websocket code 1006): unexpected EOF" {
		t.Errorf("Error() = %q", got)
	}
}
