package cytubetest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Account is a registered account. Rank is the account's rank in the
// registered channel (Options.Channel); 255 or more makes it a site admin.
type Account struct {
	Password string
	Rank     float64
}

// Options configures a Server. The zero value is usable.
type Options struct {
	// Channel is the registered channel (default "testchan"). Any other valid
	// name gets a fresh unregistered channel on join (channelNotRegistered).
	Channel string
	// Accounts maps account names (case-insensitive) to registered accounts.
	Accounts map[string]Account
	// PingInterval and PingTimeout default to CyTube's 25 s and 120 s.
	PingInterval, PingTimeout time.Duration
	// MaxPayload is advertised in the open packet (default 1048576); larger
	// client frames close the websocket.
	MaxPayload int
	// ConnBurst and ConnEvery form a per-IP token bucket for connections
	// (0 = off). Over the limit the CONNECT gets 44{"message":"Rate limit exceeded"}
	// and the websocket stays open.
	ConnBurst int
	ConnEvery time.Duration
	// GuestLoginDelay allows one guest login per IP per delay (0 = off).
	GuestLoginDelay time.Duration
	// History seeds the chat buffer replayed on join (15 kept, newest last).
	History []ChatMsg
	// ChannelPassword, if set, makes joins below rank 2 wait for a matching
	// channelPassword event (needPassword true until then).
	ChannelPassword string
	// MediaTypes lists the queueable media types (default cm, cu, rt, hl).
	// "yt" and "fi" always fail with CyTube's offline messages.
	MediaTypes []string
	// LeadIn is the pause before a newly started first item plays
	// (default 3 s; negative = none).
	LeadIn time.Duration
	// MediaUpdateInterval turns on the playback clock: periodic mediaUpdate
	// and advancing to the next item when one ends (0 = off).
	MediaUpdateInterval time.Duration
	// ReplayWait bounds how long a replay waits for an expected client frame
	// (default 2 s); ReplayGap caps the pause between replayed frames
	// (default 50 ms).
	ReplayWait, ReplayGap time.Duration
	// Logger receives debug logs (default: discard).
	Logger *slog.Logger
	// Clock supplies chatMsg/pm/poll times (default time.Now). Limiters and
	// timers always use the real clock.
	Clock func() time.Time
}

// Frame is one websocket text frame seen by the server.
type Frame struct {
	Conn int
	Text string
	At   time.Time
}

// LoginRecord is one successful login. Until is zero while still logged in.
type LoginRecord struct {
	Conn  int
	Name  string
	Guest bool
	At    time.Time
	Until time.Time
}

// Server is a CyTube-compatible Socket.IO server on loopback. All methods are
// safe for concurrent use. Close must be called to stop its goroutines.
type Server struct {
	opts Options
	log  *slog.Logger
	now  func() time.Time

	upgrader websocket.Upgrader
	httpSrv  *http.Server

	wg     sync.WaitGroup // serve loop, clock and every connection's goroutines
	stopCh chan struct{}

	mu sync.Mutex // guards everything below
	// loadFails answers that many joins with CyTube's kick for a channel
	// whose database load failed (FailLoads).
	loadFails      int
	loadFailReason string
	// userPlaylists are the accounts' saved playlists, by lower-cased name.
	userPlaylists map[string][]*savedPlaylist
	addr          string
	ln            net.Listener
	closed        bool
	nextConn      int
	conns         map[int]*conn
	channels      map[string]*channel
	pings         bool
	connLimit     map[string]*bucket
	guestAt       map[string]time.Time
	logins        []LoginRecord
	active        map[string]int
	maxActive     map[string]int
	replays       []*replaySeg
	fakeSeq       int

	logMu    sync.Mutex
	received []Frame
	sent     []Frame
}

// New starts a server on 127.0.0.1 with a random port.
func New(opts Options) (*Server, error) { return NewAt("127.0.0.1:0", opts) }

// NewAt starts a server listening on addr (for example "127.0.0.1:8090").
func NewAt(addr string, opts Options) (*Server, error) {
	if opts.Channel == "" {
		opts.Channel = "testchan"
	}
	opts.Channel = strings.ToLower(opts.Channel)
	if opts.PingInterval <= 0 {
		opts.PingInterval = 25 * time.Second
	}
	if opts.PingTimeout <= 0 {
		opts.PingTimeout = 120 * time.Second
	}
	if opts.MaxPayload <= 0 {
		opts.MaxPayload = 1048576
	}
	if len(opts.MediaTypes) == 0 {
		opts.MediaTypes = []string{"cm", "cu", "rt", "hl"}
	}
	if opts.LeadIn == 0 {
		opts.LeadIn = 3 * time.Second
	}
	if opts.ReplayWait <= 0 {
		opts.ReplayWait = 2 * time.Second
	}
	if opts.ReplayGap <= 0 {
		opts.ReplayGap = 50 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cytubetest: listen %s: %w", addr, err)
	}
	s := &Server{
		opts:      opts,
		log:       opts.Logger,
		now:       opts.Clock,
		stopCh:    make(chan struct{}),
		addr:      ln.Addr().String(),
		ln:        ln,
		conns:     map[int]*conn{},
		channels:  map[string]*channel{},
		pings:     true,
		connLimit: map[string]*bucket{},
		guestAt:   map[string]time.Time{},
		active:    map[string]int{},
		maxActive: map[string]int{},
	}
	s.upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	main := newChannel(opts.Channel, true)
	for name, a := range opts.Accounts {
		main.ranks[strings.ToLower(name)] = a.Rank
	}
	for _, m := range opts.History {
		main.addHistory(m.normalized())
	}
	s.channels[opts.Channel] = main
	mux := http.NewServeMux()
	mux.HandleFunc("/socketconfig/", s.handleSocketConfig)
	mux.HandleFunc("/socket.io/", s.handleSocketIO)
	s.httpSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.httpSrv.SetKeepAlivesEnabled(false)
	s.serve(ln)
	s.wg.Add(1)
	go s.clockLoop()
	return s, nil
}

func (s *Server) serve(ln net.Listener) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.log.Debug("cytubetest: serve ended", "err", err)
		}
	}()
}

// Addr returns "127.0.0.1:port".
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// URL returns "http://127.0.0.1:port".
func (s *Server) URL() string { return "http://" + s.Addr() }

// Close closes the listener and every connection and waits for all goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.stopCh)
	ln := s.ln
	s.ln = nil
	conns := s.connList()
	s.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
	err := s.httpSrv.Close()
	for _, c := range conns {
		c.abort()
	}
	s.wg.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("cytubetest: close: %w", err)
	}
	return nil
}

func (s *Server) connList() []*conn {
	out := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		out = append(out, c)
	}
	return out
}

// Restart simulates a CyTube restart: every websocket is dropped without a
// close frame (1006), the listener is closed for down, then reopened on the
// same port. Channel state persists; sessions do not.
func (s *Server) Restart(ctx context.Context, down time.Duration) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("cytubetest: restart: server closed")
	}
	ln := s.ln
	s.ln = nil
	addr := s.addr
	conns := s.connList()
	s.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
	for _, c := range conns {
		c.abort()
	}
	for _, c := range conns {
		select {
		case <-c.done:
		case <-ctx.Done():
			return fmt.Errorf("cytubetest: restart: %w", ctx.Err())
		}
	}
	t := time.NewTimer(down)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return fmt.Errorf("cytubetest: restart: %w", ctx.Err())
	}
	for {
		nl, err := net.Listen("tcp", addr)
		if err == nil {
			s.mu.Lock()
			if s.closed {
				s.mu.Unlock()
				_ = nl.Close()
				return errors.New("cytubetest: restart: server closed")
			}
			s.ln = nl
			s.serve(nl)
			s.mu.Unlock()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cytubetest: restart: relisten %s: %w", addr, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// DropAll closes every connection abruptly (client sees 1006); the server stays up.
func (s *Server) DropAll() {
	s.mu.Lock()
	conns := s.connList()
	s.mu.Unlock()
	for _, c := range conns {
		c.abort()
	}
}

// SetPings stops (false) or resumes (true) server pings.
func (s *Server) SetPings(enabled bool) {
	s.mu.Lock()
	s.pings = enabled
	s.mu.Unlock()
}

func (s *Server) pingsOn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pings
}

// Received returns every frame received from clients, in order.
func (s *Server) Received() []Frame {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return append([]Frame(nil), s.received...)
}

// Sent returns every frame queued for clients, in order.
func (s *Server) Sent() []Frame {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return append([]Frame(nil), s.sent...)
}

func (s *Server) record(list *[]Frame, id int, text string) {
	s.logMu.Lock()
	*list = append(*list, Frame{Conn: id, Text: text, At: time.Now()})
	s.logMu.Unlock()
}

// Logins returns every successful login so far.
func (s *Server) Logins() []LoginRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]LoginRecord(nil), s.logins...)
}

// MaxConcurrentLogins is the highest number of sockets simultaneously logged
// in as name (case-insensitive).
func (s *Server) MaxConcurrentLogins(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxActive[strings.ToLower(name)]
}

// Users returns the names present in the registered channel, in join order.
func (s *Server) Users() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, u := range s.mainChannel().users {
		out = append(out, u.name)
	}
	return out
}

// Connections returns the number of open websockets.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (s *Server) mainChannel() *channel { return s.channels[s.opts.Channel] }

func (s *Server) handleSocketConfig(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/socketconfig/")
	name = strings.TrimSuffix(name, ".json")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if !chanNameRe.MatchString(name) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, marshal(map[string]string{"error": fmt.Sprintf("Channel %q does not exist.", name)}))
		return
	}
	type srv struct {
		URL    string `json:"url"`
		Secure bool   `json:"secure"`
	}
	_, _ = io.WriteString(w, marshal(map[string][]srv{"servers": {{URL: s.URL(), Secure: false}}}))
}

// handleSocketIO accepts only EIO=4 over websocket. Other versions and the
// polling transport are refused with engine.io's JSON errors (real CyTube
// would answer EIO=3 / missing EIO in v3 framing and support polling).
func (s *Server) handleSocketIO(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "application/json")
	if q.Get("transport") != "websocket" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"code":0,"message":"Transport unknown"}`)
		return
	}
	if q.Get("EIO") != "4" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"code":5,"message":"Unsupported protocol version"}`)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.log.Debug("cytubetest: upgrade failed", "err", err)
		return
	}
	ws.SetReadLimit(int64(s.opts.MaxPayload))
	ip := clientIP(r)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.nextConn++
	c := newConn(s, s.nextConn, ws, ip)
	s.conns[c.id] = c
	c.rateLimited = !s.allowConn(ip)
	var rp *replaySeg
	if len(s.replays) > 0 {
		rp = s.replays[0]
		s.replays = s.replays[1:]
	}
	s.wg.Add(2)
	s.mu.Unlock()
	go c.writeLoop()
	if rp != nil {
		c.replayIn = make(chan string, 1024)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			rp.run(c)
		}()
		c.readLoop(true)
		return
	}
	c.sendOpen()
	s.wg.Add(1)
	go c.pingLoop()
	c.readLoop(false)
}

func clientIP(r *http.Request) string {
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		return strings.TrimSpace(strings.Split(xff, ",")[0])
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// allowConn applies the per-IP connection token bucket. Caller holds s.mu.
func (s *Server) allowConn(ip string) bool {
	if s.opts.ConnBurst <= 0 || s.opts.ConnEvery <= 0 {
		return true
	}
	b := s.connLimit[ip]
	if b == nil {
		b = &bucket{}
		s.connLimit[ip] = b
	}
	return b.take(time.Now(), float64(s.opts.ConnBurst), float64(time.Second)/float64(s.opts.ConnEvery))
}

// bucket is a token bucket: burst tokens, refilled at rate per second.
type bucket struct {
	tokens float64
	last   time.Time
	init   bool
}

func (b *bucket) take(now time.Time, burst, rate float64) bool {
	if !b.init {
		b.init, b.tokens, b.last = true, burst, now
	}
	b.tokens += now.Sub(b.last).Seconds() * rate
	if b.tokens > burst {
		b.tokens = burst
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

func randomSID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var raw [20]byte
	_, _ = rand.Read(raw[:])
	for i := range raw {
		raw[i] = alphabet[int(raw[i])%len(alphabet)]
	}
	return string(raw[:])
}

func (s *Server) openPacket() string {
	type open struct {
		SID          string   `json:"sid"`
		Upgrades     []string `json:"upgrades"`
		PingInterval int64    `json:"pingInterval"`
		PingTimeout  int64    `json:"pingTimeout"`
		MaxPayload   int      `json:"maxPayload"`
	}
	return "0" + marshal(open{SID: randomSID(), Upgrades: []string{}, PingInterval: s.opts.PingInterval.Milliseconds(),
		PingTimeout: s.opts.PingTimeout.Milliseconds(), MaxPayload: s.opts.MaxPayload})
}

// clockLoop drives lead-in ends, periodic mediaUpdate, auto-advance and poll timeouts.
func (s *Server) clockLoop() {
	defer s.wg.Done()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stopCh:
			return
		case <-t.C:
			s.mu.Lock()
			for _, ch := range s.channels {
				s.tick(ch, time.Now())
			}
			s.mu.Unlock()
		}
	}
}

// Emit broadcasts an arbitrary event to every joined socket of the
// registered channel. arg may be json.RawMessage.
func (s *Server) Emit(event string, arg any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mainChannel().broadcast(eventFrame(event, arg))
}

// EmitRaw sends an exact text frame to every connected socket.
func (s *Server) EmitRaw(frame string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.send(frame)
	}
}

// FailLoads makes the next n joins fail as CyTube's do when loading the
// channel from its database fails: the socket is kicked with "Channel
// could not be loaded: <reason>" (src/user.js:98-102, the channel's
// loadFail event) instead of joining.
func (s *Server) FailLoads(n int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loadFails, s.loadFailReason = n, reason
}

// Kick kicks the user name (case-insensitive) like a moderator would:
// kick {reason}, then 41, socket left open. It reports whether a real
// (socket-backed) user was found.
func (s *Server) Kick(name, reason string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.channels {
		if u := ch.findUser(name); u != nil && u.c != nil {
			s.kick(u.c, reason)
			return true
		}
	}
	return false
}

func jsonObject(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		return nil, false
	}
	return m, true
}
