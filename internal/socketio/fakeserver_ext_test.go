package socketio_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/roseybot/cytube-connector/internal/socketio"
)

// stepTimeout bounds every wait of the fake server and of the tests.
const stepTimeout = 5 * time.Second

// serverConn is the server side of one websocket accepted by the fake
// server. A goroutine reads the client's frames: pongs are counted, a
// client ping or a `40` before the open packet fails the test, other
// frames go to in.
type serverConn struct {
	t        *testing.T
	ws       *websocket.Conn
	req      *http.Request
	openSent atomic.Bool
	pings    int
	pongs    atomic.Int64
	in       chan []byte
	readErr  error // set before in is closed
	quit     chan struct{}
}

func newServerConn(t *testing.T, ws *websocket.Conn, req *http.Request) *serverConn {
	sc := &serverConn{t: t, ws: ws, req: req, in: make(chan []byte, 4096), quit: make(chan struct{})}
	go sc.read()
	return sc
}

func (sc *serverConn) read() {
	defer close(sc.in)
	for {
		mt, data, err := sc.ws.ReadMessage()
		if err != nil {
			sc.readErr = err
			return
		}
		if mt != websocket.TextMessage {
			sc.t.Errorf("fake server: client sent a binary frame %q", data)
			continue
		}
		switch string(data) {
		case "3":
			sc.pongs.Add(1)
			continue
		case "2":
			sc.t.Errorf("fake server: client sent an engine.io ping")
		case "40":
			if !sc.openSent.Load() {
				sc.t.Errorf("fake server: client sent 40 before the open packet")
			}
		}
		select {
		case sc.in <- data:
		case <-sc.quit:
			return
		}
	}
}

// send writes one text frame.
func (sc *serverConn) send(frame string) bool {
	sc.t.Helper()
	if frame == "2" {
		sc.pings++
	}
	if strings.HasPrefix(frame, "0{") {
		sc.openSent.Store(true)
	}
	if err := sc.ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		sc.t.Errorf("fake server: write %.60q: %v", frame, err)
		return false
	}
	return true
}

// next returns the next client frame other than a pong.
func (sc *serverConn) next() ([]byte, bool) {
	sc.t.Helper()
	select {
	case f, ok := <-sc.in:
		if !ok {
			sc.t.Errorf("fake server: client connection ended while a frame was expected: %v", sc.readErr)
		}
		return f, ok
	case <-time.After(stepTimeout):
		sc.t.Errorf("fake server: no frame from the client within %s", stepTimeout)
		return nil, false
	}
}

// expect reads the next client frame and checks it.
func (sc *serverConn) expect(want string) bool {
	sc.t.Helper()
	got, ok := sc.next()
	if !ok {
		return false
	}
	if string(got) != want {
		sc.t.Errorf("fake server: client sent %.120q, want %.120q", got, want)
		return false
	}
	return true
}

// waitPongs waits until every ping sent so far has been answered.
func (sc *serverConn) waitPongs() bool {
	sc.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for sc.pongs.Load() < int64(sc.pings) {
		if time.Now().After(deadline) {
			sc.t.Errorf("fake server: %d pongs for %d pings", sc.pongs.Load(), sc.pings)
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// waitClosed waits until the client closes the websocket and returns the
// read error the server saw; frames that arrive meanwhile fail the test.
func (sc *serverConn) waitClosed() error {
	sc.t.Helper()
	timeout := time.After(stepTimeout)
	for {
		select {
		case f, ok := <-sc.in:
			if !ok {
				return sc.readErr
			}
			sc.t.Errorf("fake server: unexpected frame %.120q while waiting for the close", f)
		case <-timeout:
			sc.t.Errorf("fake server: client did not close the websocket within %s", stepTimeout)
			return errors.New("timeout")
		}
	}
}

// expectCloseFrame checks that the client ended the websocket with a
// normal close frame.
func (sc *serverConn) expectCloseFrame() {
	sc.t.Helper()
	err := sc.waitClosed()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
		sc.t.Errorf("fake server: client closed with %v, want a close frame with code 1000", err)
	}
}

const testOpen = `0{"sid":"FAKEsid0001xxxxxxxxx","upgrades":[],"pingInterval":25000,"pingTimeout":120000,"maxPayload":1048576}`

// handshake sends the open packet after a short delay (so a client that
// sends `40` early is caught), expects `40` and answers with the sid.
func (sc *serverConn) handshake(open string) bool {
	sc.t.Helper()
	time.Sleep(30 * time.Millisecond)
	return sc.send(open) && sc.expect("40") && sc.send(`40{"sid":"FAKEsid0002xxxxxxxxx"}`)
}

// startFake serves websockets on 127.0.0.1 and runs handle for each one.
// It returns the socket.io URL. Cleanup closes every websocket and waits
// for the handlers and reader goroutines.
func startFake(t *testing.T, handle func(sc *serverConn)) string {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []*serverConn
	)
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/socket.io/" || r.URL.Query().Get("EIO") != "4" || r.URL.Query().Get("transport") != "websocket" {
			t.Errorf("fake server: unexpected request %s", r.URL)
			http.NotFound(w, r)
			return
		}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			t.Errorf("fake server: upgrade: %v", err)
			return
		}
		wg.Add(1)
		defer wg.Done()
		sc := newServerConn(t, ws, r)
		mu.Lock()
		conns = append(conns, sc)
		mu.Unlock()
		handle(sc)
	}))
	t.Cleanup(func() {
		// Handlers end by themselves (every wait is bounded); give them
		// the time to see what the client did last, then force the rest.
		handlersDone := make(chan struct{})
		go func() {
			wg.Wait()
			close(handlersDone)
		}()
		select {
		case <-handlersDone:
		case <-time.After(2 * stepTimeout):
		}
		mu.Lock()
		for _, sc := range conns {
			close(sc.quit)
			_ = sc.ws.Close()
		}
		mu.Unlock()
		<-handlersDone
		mu.Lock()
		for _, sc := range conns {
			for range sc.in { // drain until the reader goroutine has exited
			}
		}
		mu.Unlock()
		srv.Close()
	})
	return socketio.URL(srv.Listener.Addr().String(), false)
}

// goldenLine is one line of a capture in testdata/*.jsonl.
type goldenLine struct {
	Dir    string            `json:"dir"`
	Socket string            `json:"socket"`
	Frame  *string           `json:"frame"`
	Event  string            `json:"event"`
	Args   []json.RawMessage `json:"args"`
}

// replayScript returns the frames of one socket of a capture, in order.
func replayScript(t *testing.T, file, socket string) []goldenLine {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []goldenLine
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var l goldenLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if l.Socket == socket && l.Frame != nil && (l.Dir == "in" || l.Dir == "out") {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no frames for socket %q", file, socket)
	}
	return out
}
