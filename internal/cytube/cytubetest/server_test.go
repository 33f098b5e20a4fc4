package cytubetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// tclient is a minimal raw Engine.IO v4 / Socket.IO v5 client.
type tclient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dial(t *testing.T, s *Server, ip string) *tclient {
	t.Helper()
	h := http.Header{}
	if ip != "" {
		h.Set("X-Forwarded-For", ip)
	}
	ws, resp, err := websocket.DefaultDialer.Dial("ws://"+s.Addr()+"/socket.io/?EIO=4&transport=websocket", h)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_ = resp.Body.Close()
	c := &tclient{t: t, ws: ws}
	t.Cleanup(func() { _ = ws.Close() })
	return c
}

func (c *tclient) send(text string) {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(text)); err != nil {
		c.t.Fatalf("write %q: %v", text, err)
	}
}

func (c *tclient) emit(event string, arg any) { c.send(eventFrame(event, arg)) }

// next reads one frame, answering nothing; it fails the test on error.
func (c *tclient) next() string {
	c.t.Helper()
	s, err := c.read(5 * time.Second)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return s
}

func (c *tclient) read(d time.Duration) (string, error) {
	_ = c.ws.SetReadDeadline(time.Now().Add(d))
	_, b, err := c.ws.ReadMessage()
	return string(b), err
}

// until reads frames (answering pings) until one has kind want; it returns all read.
func (c *tclient) until(want string) []string {
	c.t.Helper()
	var got []string
	for {
		f := c.next()
		if f == "2" {
			c.send("3")
		}
		got = append(got, f)
		if frameKind(f) == want {
			return got
		}
	}
}

func (c *tclient) handshake() {
	c.t.Helper()
	if f := c.next(); !strings.HasPrefix(f, "0{") {
		c.t.Fatalf("open packet: %q", f)
	}
	c.send("40")
	if f := c.next(); !strings.HasPrefix(f, `40{"sid":"`) {
		c.t.Fatalf("connect: %q", f)
	}
	if f := c.next(); f != `42["rank",-1]` {
		c.t.Fatalf("rank: %q", f)
	}
}

func (c *tclient) join(ch string) []string {
	c.emit("joinChannel", map[string]string{"name": ch})
	return c.until("42:userlist")
}

func kinds(frames []string) []string {
	var out []string
	for _, f := range frames {
		out = append(out, strings.TrimPrefix(frameKind(f), "42:"))
	}
	return out
}

func newServer(t *testing.T, o Options) *Server {
	t.Helper()
	if o.Accounts == nil {
		o.Accounts = map[string]Account{"owner1": {Password: "pw", Rank: 5}, "user1": {Password: "pw", Rank: 1}, "mod1": {Password: "pw", Rank: 2}}
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

func closeCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

func TestHandshakeFrames(t *testing.T) {
	s := newServer(t, Options{PingInterval: 25 * time.Second})
	c := dial(t, s, "")
	open := c.next()
	var o struct {
		SID          string   `json:"sid"`
		Upgrades     []string `json:"upgrades"`
		PingInterval int      `json:"pingInterval"`
		PingTimeout  int      `json:"pingTimeout"`
		MaxPayload   int      `json:"maxPayload"`
	}
	if err := json.Unmarshal([]byte(open[1:]), &o); err != nil || len(o.SID) != 20 || o.Upgrades == nil ||
		o.PingInterval != 25000 || o.PingTimeout != 120000 || o.MaxPayload != 1048576 {
		t.Fatalf("open packet %q (%v)", open, err)
	}
	if !strings.HasPrefix(open, `0{"sid":"`) || !strings.Contains(open, `"upgrades":[]`) {
		t.Fatalf("open shape %q", open)
	}
	c.send("40")
	if f := c.next(); !strings.HasPrefix(f, `40{"sid":"`) {
		t.Fatalf("got %q", f)
	}
	if f := c.next(); f != `42["rank",-1]` {
		t.Fatalf("got %q", f)
	}
	// Ack ids are ignored and unknown events are silent.
	c.send(`421["noSuchEvent",{"x":1}]`)
	if _, err := c.read(150 * time.Millisecond); err == nil {
		t.Fatal("unexpected reply to unknown event")
	}
	resp, err := http.Get(s.URL() + "/socketconfig/testchan.json")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Servers []struct {
			URL    string `json:"url"`
			Secure bool   `json:"secure"`
		} `json:"servers"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&cfg)
	_ = resp.Body.Close()
	if len(cfg.Servers) != 1 || cfg.Servers[0].URL != s.URL() {
		t.Fatalf("socketconfig %+v", cfg)
	}
	resp, err = http.Get(s.URL() + "/socketconfig/bad%20name.json")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("invalid channel status %d", resp.StatusCode)
	}
}

func TestPingPongAndTimeout(t *testing.T) {
	s := newServer(t, Options{PingInterval: 50 * time.Millisecond, PingTimeout: 150 * time.Millisecond})
	c := dial(t, s, "")
	c.handshake()
	for i := 0; i < 2; i++ {
		if f := c.next(); f != "2" {
			t.Fatalf("want ping, got %q", f)
		}
		c.send("3")
	}
	if f := c.next(); f != "2" {
		t.Fatalf("want ping, got %q", f)
	}
	// No pong: the server closes without a status code.
	_, err := c.read(3 * time.Second)
	if closeCode(err) != websocket.CloseNoStatusReceived {
		t.Fatalf("want 1005 close, got %v", err)
	}
}

func TestClientPingAndGarbageClose(t *testing.T) {
	s := newServer(t, Options{})
	for _, bad := range []string{"2", `42["chatMsg",{not json`} {
		c := dial(t, s, "")
		c.handshake()
		c.send(bad)
		if _, err := c.read(3 * time.Second); closeCode(err) != websocket.CloseNoStatusReceived {
			t.Fatalf("%q: want 1005 close, got %v", bad, err)
		}
	}
}

func TestJoinBurstOrder(t *testing.T) {
	hist := []ChatMsg{{Username: "old", Msg: "one", Time: 1}, {Username: "old", Msg: "two", Time: 2}}
	s := newServer(t, Options{History: hist})
	s.AddFakeUser("Fake", 1)
	s.Queue("Fake", Media{ID: "https://x.example/a.json", Title: "A", Seconds: 60, Type: "cm"}, false)
	s.OpenPoll("q?", []string{"a", "b"})
	c := dial(t, s, "")
	c.handshake()
	got := kinds(c.join("testchan"))
	want := []string{"setPermissions", "setPlaylistLocked", "emoteList", "chatMsg", "chatMsg", "newPoll", "drinkCount",
		"channelCSSJS", "setMotd", "channelOpts", "setPlaylistMeta", "playlist", "setCurrent", "changeMedia", "userlist"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("burst\n got %v\nwant %v", got, want)
	}
	if f := c.next(); f != `42["usercount",1]` {
		t.Fatalf("usercount: %q", f)
	}
	// Unregistered channel: looser permissions and channelNotRegistered.
	c2 := dial(t, s, "")
	c2.handshake()
	burst := c2.join("otherchan")
	if !strings.Contains(burst[0], `"playlistadd":-1`) {
		t.Fatalf("unregistered perms: %s", burst[0])
	}
	c2.until("42:channelNotRegistered")
	// Invalid name: errorMsg, kick, 41; a second join is ignored.
	c3 := dial(t, s, "")
	c3.handshake()
	c3.emit("joinChannel", map[string]string{"name": "bad name"})
	if f := c3.next(); !strings.HasPrefix(f, `42["errorMsg",{"msg":"Invalid channel name.`) {
		t.Fatalf("got %q", f)
	}
	if f := c3.next(); f != `42["kick",{"reason":"Invalid channel name"}]` {
		t.Fatalf("got %q", f)
	}
	if f := c3.next(); f != "41" {
		t.Fatalf("got %q", f)
	}
}

func TestLoginErrors(t *testing.T) {
	s := newServer(t, Options{GuestLoginDelay: time.Minute})
	c := dial(t, s, "10.0.0.1")
	c.handshake()
	c.join("testchan")
	cases := []struct{ arg, want string }{
		{`{"name":"user1","pw":"nope"}`, "Invalid username/password combination"},
		{`{"name":"ghost","pw":"x"}`, "User does not exist"},
		{`{"name":"USER1"}`, "That username is registered."},
		{`{"name":"bad name!"}`, "Invalid username.  Usernames must be 1-20 characters long and consist only of characters a-z, A-Z, 0-9, -, or _."},
		{`{"name":"owner"}`, "That username is reserved."},
	}
	for _, tc := range cases {
		c.send(`42["login",` + tc.arg + `]`)
		want := fmt.Sprintf(`42["login",{"success":false,"error":%q}]`, tc.want)
		if f := c.until("42:login"); f[len(f)-1] != want {
			t.Fatalf("%s: got %q want %q", tc.arg, f[len(f)-1], want)
		}
	}
	c.send(`42["login","str"]`)
	if f := c.next(); f != `42["errorMsg",{"msg":"Invalid login frame"}]` {
		t.Fatalf("got %q", f)
	}
	s.AddFakeUser("Taken", 0)
	c.until("42:addUser")
	c.emit("login", map[string]string{"name": "taken"})
	if f := c.until("42:login"); !strings.Contains(f[len(f)-1], "That name is already in use on this channel.") {
		t.Fatalf("got %q", f)
	}
	c.emit("login", map[string]string{"name": "Guesty"})
	if f := c.next(); f != `42["rank",0]` {
		t.Fatalf("got %q", f)
	}
	if f := c.next(); f != `42["login",{"success":true,"name":"Guesty","guest":true}]` {
		t.Fatalf("got %q", f)
	}
	c.until("42:addUser")
	// Another guest from the same IP within the delay.
	c2 := dial(t, s, "10.0.0.1")
	c2.handshake()
	c2.emit("login", map[string]string{"name": "Other"})
	if f := c2.next(); f != `42["login",{"success":false,"error":"Guest logins are restricted to one per IP address per 60 seconds."}]` {
		t.Fatalf("guest delay: %q", f)
	}
}

func TestDuplicateLoginKicksOlder(t *testing.T) {
	s := newServer(t, Options{PingInterval: 200 * time.Millisecond})
	a := dial(t, s, "10.0.0.2")
	a.handshake()
	a.join("testchan")
	a.emit("login", map[string]string{"name": "user1", "pw": "pw"})
	a.until("42:setUserRank")
	b := dial(t, s, "10.0.0.3")
	b.handshake()
	b.join("testchan")
	b.until("42:usercount")
	b.emit("login", map[string]string{"name": "USER1", "pw": "pw"})
	got := a.until("42:kick")
	if got[len(got)-1] != `42["kick",{"reason":"Duplicate login"}]` {
		t.Fatalf("got %q", got)
	}
	if f := a.next(); f != "41" {
		t.Fatalf("got %q", f)
	}
	bk := kinds(b.until("42:setUserRank"))
	if strings.Join(bk, ",") != "rank,login,userLeave,addUser,rank,setPlaylistMeta,playlist,setUserRank" {
		t.Fatalf("new socket saw %v", bk)
	}
	// The kicked socket stays open: it still gets pinged.
	if f := a.until("2"); f[len(f)-1] != "2" {
		t.Fatal("no ping on kicked socket")
	}
	if n := s.Connections(); n != 2 {
		t.Fatalf("connections %d", n)
	}
	if n := s.MaxConcurrentLogins("user1"); n != 1 {
		t.Fatalf("max concurrent logins %d", n)
	}
	if u := s.Users(); len(u) != 1 || u[0] != "user1" {
		t.Fatalf("users %v", u)
	}
}

func TestChatEchoEscapingCooldown(t *testing.T) {
	s := newServer(t, Options{Clock: func() time.Time { return time.UnixMilli(1000) }})
	c := dial(t, s, "")
	c.handshake()
	c.join("testchan")
	c.emit("login", map[string]string{"name": "Chatter"})
	c.until("42:addUser")
	c.emit("chatMsg", map[string]string{"msg": `<b>hi</b> & "q" see http://example.com/x`})
	want := `42["chatMsg",{"username":"Chatter","msg":"&lt;b&gt;hi&lt;/b&gt; &amp; \"q\" see <a href=\"http://example.com/x\" target=\"_blank\" rel=\"noopener noreferrer\">http://example.com/x</a>","meta":{},"time":1000}]`
	if f := c.next(); f != want {
		t.Fatalf("got  %s\nwant %s", f, want)
	}
	c.emit("chatMsg", map[string]string{"msg": "/me waves"})
	if f := c.next(); !strings.Contains(f, `"msg":"waves","meta":{"addClass":"action","action":true}`) {
		t.Fatalf("got %s", f)
	}
	c.emit("chatMsg", map[string]string{"msg": strings.Repeat("<", 400)})
	if f := c.next(); strings.Count(f, "&lt;") != 320 {
		t.Fatalf("truncation: %d", strings.Count(f, "&lt;"))
	}
	// Flood: the tokens spent above count too; 30 more → some cooldowns.
	for i := 0; i < 30; i++ {
		c.emit("chatMsg", map[string]string{"msg": fmt.Sprintf("flood %d", i)})
	}
	chats, cooldowns := 0, 0
	for chats+cooldowns < 30 {
		switch f := c.next(); {
		case strings.HasPrefix(f, `42["chatMsg"`):
			chats++
		case f == `42["cooldown",100]`:
			cooldowns++
		}
	}
	if chats < 17 || chats > 19 || cooldowns != 30-chats {
		t.Fatalf("chats %d cooldowns %d", chats, cooldowns)
	}
}

func TestRestartSamePort(t *testing.T) {
	s := newServer(t, Options{})
	addr := s.Addr()
	c := dial(t, s, "")
	c.handshake()
	c.join("testchan")
	c.emit("login", map[string]string{"name": "Keeper"})
	c.until("42:addUser")
	c.emit("chatMsg", map[string]string{"msg": "persist me"})
	c.until("42:chatMsg")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- s.Restart(ctx, 200*time.Millisecond) }()
	if _, err := c.read(3 * time.Second); closeCode(err) != websocket.CloseAbnormalClosure {
		t.Fatalf("want 1006, got %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Fatalf("addr changed %s → %s", addr, s.Addr())
	}
	c2 := dial(t, s, "")
	c2.handshake()
	burst := c2.join("testchan")
	if !strings.Contains(strings.Join(burst, "\n"), "persist me") {
		t.Fatalf("history lost: %v", kinds(burst))
	}
	if u := s.Users(); len(u) != 0 {
		t.Fatalf("sessions survived restart: %v", u)
	}
}

func TestKickLeavesSocketOpen(t *testing.T) {
	s := newServer(t, Options{})
	c := dial(t, s, "")
	c.handshake()
	c.join("testchan")
	c.emit("login", map[string]string{"name": "Kickee"})
	c.until("42:addUser")
	if !s.Kick("kickee", "bye") {
		t.Fatal("kick found nobody")
	}
	if f := c.until("42:kick"); f[len(f)-1] != `42["kick",{"reason":"bye"}]` {
		t.Fatalf("got %q", f)
	}
	if f := c.next(); f != "41" {
		t.Fatalf("got %q", f)
	}
	s.EmitRaw(`42["ping-probe"]`)
	if f := c.next(); f != `42["ping-probe"]` {
		t.Fatalf("socket closed after kick: %q", f)
	}
}

func TestReplayHandshakeWire(t *testing.T) {
	s := newServer(t, Options{ReplayWait: time.Second})
	capture, err := readCapture("handshake-wire")
	if err != nil {
		t.Fatal(err)
	}
	rp, err := s.ServeReplay(capture, "raw")
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, s, "")
	var frames []string
	for {
		f, err := c.read(5 * time.Second)
		if err != nil {
			if closeCode(err) != websocket.CloseNoStatusReceived {
				t.Fatalf("want 1005 close at the end, got %v", err)
			}
			break
		}
		frames = append(frames, f)
		switch {
		case strings.HasPrefix(f, "0{"):
			c.send("40")
		case f == `42["rank",-1]`:
			c.emit("joinChannel", map[string]string{"name": "goldentest"})
		case strings.HasPrefix(f, `42["userlist"`):
			c.emit("login", map[string]string{"name": "RawGuest"})
		case strings.HasPrefix(f, `42["addUser"`):
			c.send(`421["chatMsg",{"msg":"raw hello with ack id"}]`)
		case strings.Contains(f, `"raw hello with ack id"`):
			c.emit("chatMsg", map[string]string{"msg": "raw hello"})
		case strings.Contains(f, `"msg":"raw hello"`):
			c.emit("noSuchEvent", map[string]int{"x": 1})
		case f == "2":
			c.send("3")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rp.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if m := rp.Missing(); len(m) != 0 {
		t.Fatalf("missing client frames: %v", m)
	}
	if frames[0] != `0{"sid":"FAKEsid0001xxxxxxxxx","upgrades":[],"pingInterval":25000,"pingTimeout":120000,"maxPayload":1048576}` {
		t.Fatalf("open packet not verbatim: %q", frames[0])
	}
	if frames[len(frames)-1] != "2" {
		t.Fatalf("last frame %q", frames[len(frames)-1])
	}
}

func TestCapturesLoad(t *testing.T) {
	for _, tc := range []struct{ name, label string }{
		{"kick-wire", "raw"}, {"nopong-wire", "nopong"}, {"restart", "rawguest"}, {"restart", "owner"},
		{"duplicate-login", "userA"}, {"join-anonymous", "anon1"}, {"join-errors", "badchan"},
	} {
		b, err := readCapture(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		s := newServer(t, Options{})
		if _, err := s.ServeReplay(b, tc.label); err != nil {
			t.Fatalf("%s/%s: %v", tc.name, tc.label, err)
		}
	}
}

func TestReplayKickWire(t *testing.T) {
	s := newServer(t, Options{ReplayWait: 500 * time.Millisecond})
	capture, err := readCapture("kick-wire.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	rp, err := s.ServeReplay(capture, "raw")
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, s, "")
	var got []string
	for {
		f, err := c.read(5 * time.Second)
		if err != nil {
			t.Fatalf("read after %v: %v", kinds(got), err)
		}
		got = append(got, f)
		switch {
		case strings.HasPrefix(f, "0{"):
			c.send("40")
		case strings.HasPrefix(f, "40{"):
			c.emit("joinChannel", map[string]string{"name": "goldentest"})
		case strings.HasPrefix(f, `42["userlist"`):
			c.emit("login", map[string]string{"name": "KickWire"})
		case f == "2":
			c.send("3")
		}
		if f == "2" {
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rp.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	k := strings.Join(kinds(got), ",")
	if !strings.Contains(k, "kick,41,2") {
		t.Fatalf("frames %s", k)
	}
	// The websocket ends with an empty close frame (1005) per the capture.
	if _, err := c.read(3 * time.Second); closeCode(err) != websocket.CloseNoStatusReceived {
		t.Fatalf("want 1005, got %v", err)
	}
}

func TestReplayRestartTwoConnections(t *testing.T) {
	s := newServer(t, Options{ReplayWait: 300 * time.Millisecond})
	capture, err := readCapture("restart")
	if err != nil {
		t.Fatal(err)
	}
	rp, err := s.ServeReplay(capture, "owner")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		c := dial(t, s, "")
		for {
			f, err := c.read(5 * time.Second)
			if err != nil {
				if i == 0 && closeCode(err) != websocket.CloseAbnormalClosure {
					t.Fatalf("first connection: want 1006, got %v", err)
				}
				break
			}
			if strings.HasPrefix(f, "0{") {
				c.send("40")
				c.emit("joinChannel", map[string]string{"name": "goldentest"})
			}
			if strings.HasPrefix(f, `42["usercount"`) {
				c.emit("login", map[string]string{"name": "goldowner", "pw": "x"})
			}
			if i == 1 && strings.HasPrefix(f, `42["setUserRank"`) {
				c.send("41")
				_ = c.ws.Close()
				break
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rp.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}
