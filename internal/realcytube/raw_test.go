//go:build cytube

package realcytube

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roseybot/cytube-connector/internal/socketio"
)

// rawClient is a bare Socket.IO connection to the real CyTube: it sends
// exactly what a test gives it, with none of the connector's checks, so a
// test can show what CyTube itself answers (or that it stays silent).
type rawClient struct {
	t    *testing.T
	conn *socketio.Conn
	mu   sync.Mutex
	evs  []socketio.Event
	done chan struct{}
}

// newRawClient connects, logs in as user ("" stays anonymous) and joins
// channel, and waits for the join burst's userlist.
func newRawClient(t *testing.T, channel, user string) *rawClient {
	t.Helper()
	r := dialRaw(t, channel)
	if user != "" {
		r.emit("login", map[string]any{"name": user, "pw": passwords[user]})
		r.wait("login", 10*time.Second, func(ev socketio.Event) bool { return ev.Name == "login" })
	}
	r.emit("joinChannel", map[string]any{"name": channel})
	r.wait("userlist", 10*time.Second, func(ev socketio.Event) bool { return ev.Name == "userlist" })
	return r
}

// dialRaw connects to the socket server CyTube names for channel and
// sends nothing.
func dialRaw(t *testing.T, channel string) *rawClient {
	t.Helper()
	host := kitHost(t)
	resp, err := http.Get("http://" + host + "/socketconfig/" + url.PathEscape(channel) + ".json")
	if err != nil {
		t.Fatalf("socketconfig: %v", err)
	}
	var sc struct {
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
	}
	err = json.NewDecoder(resp.Body).Decode(&sc)
	resp.Body.Close()
	if err != nil || len(sc.Servers) == 0 {
		t.Fatalf("socketconfig: %v (%d servers)", err, len(sc.Servers))
	}
	u, err := url.Parse(sc.Servers[0].URL)
	if err != nil {
		t.Fatalf("socketconfig url %q: %v", sc.Servers[0].URL, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := socketio.Dial(ctx, socketio.URL(u.Host, u.Scheme == "https"), socketio.Options{Header: clientHeader()})
	if err != nil {
		t.Fatalf("dial %s: %v", u.Host, err)
	}
	r := &rawClient{t: t, conn: conn, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for {
			ev, err := conn.Next(context.Background())
			if err != nil {
				return
			}
			r.mu.Lock()
			r.evs = append(r.evs, ev)
			r.mu.Unlock()
		}
	}()
	t.Cleanup(func() { _ = conn.Close(); <-r.done })
	return r
}

func (r *rawClient) emit(event string, arg any) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var args []any
	if arg != nil {
		args = []any{arg}
	}
	if err := r.conn.Emit(ctx, event, args...); err != nil {
		r.t.Fatalf("emit %s: %v", event, err)
	}
}

// mark returns the position after every event received so far.
func (r *rawClient) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.evs)
}

// since returns the events received after mark, without the room's
// periodic noise (usercount).
func (r *rawClient) since(mark int) []socketio.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []socketio.Event
	for _, ev := range r.evs[mark:] {
		if ev.Name != "usercount" {
			out = append(out, ev)
		}
	}
	return out
}

// wait waits for an event satisfying pred and returns it.
func (r *rawClient) wait(what string, d time.Duration, pred func(socketio.Event) bool) socketio.Event {
	r.t.Helper()
	var got socketio.Event
	waitUntil(r.t, "raw client: "+what, d, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, ev := range r.evs {
			if pred(ev) {
				got = ev
				return true
			}
		}
		return false
	})
	return got
}

// answer sends event and returns the first event CyTube sends back after
// it that pred accepts, within d.
func (r *rawClient) answer(event string, arg any, d time.Duration, pred func(socketio.Event) bool) socketio.Event {
	r.t.Helper()
	m := r.mark()
	r.emit(event, arg)
	var got socketio.Event
	waitUntil(r.t, "an answer to "+event, d, func() bool {
		for _, ev := range r.since(m) {
			if pred(ev) {
				got = ev
				return true
			}
		}
		return false
	})
	return got
}

// errorMsg returns the msg of an errorMsg event ("" for any other).
func errorMsgText(ev socketio.Event) string {
	if ev.Name != "errorMsg" || len(ev.Args) == 0 {
		return ""
	}
	var v struct {
		Msg string `json:"msg"`
	}
	_ = json.Unmarshal(ev.Args[0], &v)
	return v.Msg
}

// names lists the events' names, for failure messages.
func names(evs []socketio.Event) string {
	var n []string
	for _, ev := range evs {
		n = append(n, ev.Name+" "+string(ev.Frame))
	}
	return strings.Join(n, "; ")
}
