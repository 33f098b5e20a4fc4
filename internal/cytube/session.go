package cytube

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/roseybot/cytube-connector/internal/socketio"
)

// UserAgent is sent on socket discovery and the websocket handshake
// unless Config.Header sets one.
const UserAgent = "cytube-connector (+https://github.com/roseybot/cytube-connector)"

// ValidChannelName matches CyTube's channel names (^[\w-]{1,30}$).
var validChannel = regexp.MustCompile(`^[\w-]{1,30}$`)

// validUser matches CyTube's user and guest names (^[\w-]{1,20}$).
var validUser = regexp.MustCompile(`^[\w-]{1,20}$`)

// ValidChannelName reports whether CyTube accepts name as a channel name.
// A joinChannel with a bad name wastes the connection (the handler is
// registered once), so it is checked before dialing.
func ValidChannelName(name string) bool { return validChannel.MatchString(name) }

// ValidUserName reports whether CyTube accepts name as a user or guest name.
func ValidUserName(name string) bool { return validUser.MatchString(name) }

// Config configures a Session. Zero values take the documented defaults.
type Config struct {
	// Host is the CyTube web server, host or host:port, used for socket
	// discovery (GET /socketconfig/<channel>.json).
	Host string
	// Secure selects https for discovery (and is the default for the socket).
	Secure bool
	// SocketURL, when set (ws(s):// or http(s)://host:port), is used instead
	// of discovery.
	SocketURL string
	Channel   string
	// Username empty means an anonymous, read-only session (no login).
	Username string
	// Password empty with a Username means a guest login.
	Password        string
	ChannelPassword string

	HTTPClient       *http.Client // discovery; default has a 15 s timeout
	TLSConfig        *tls.Config  // websocket TLS; nil = system roots
	Header           http.Header  // extra handshake headers
	HandshakeTimeout time.Duration
	// Watchdog is the longest silence (no frame, not even a ping) before the
	// link is declared dead. 0 = the server's pingInterval+pingTimeout.
	Watchdog time.Duration
	// LoginTimeout bounds the wait for the answer to login (default 15 s).
	LoginTimeout time.Duration
	// BackoffMin/Max/Jitter follow socket.io-client: 1 s, 5 s, 0.5.
	BackoffMin, BackoffMax time.Duration
	BackoffJitter          float64
	// ConnBurst/ConnEvery mirror CyTube's per-IP connection limiter
	// (5, then one per 10 s). ConnEvery < 0 disables the local limiter.
	ConnBurst int
	ConnEvery time.Duration
	// MaxNameInUseRetries bounds guest logins retried after "name already in
	// use" before the session stops (default 3).
	MaxNameInUseRetries int
	// SendQueue bounds the commands waiting per lane (default 256).
	SendQueue int
	// Pace overrides CyTube's rate limits used for pacing (tests).
	Pace *PaceLimits

	Logger *slog.Logger
	// OnEvent receives every event in order, from the session's read loop.
	// It must not block for long: reading stops while it runs.
	OnEvent func(Event)
	// OnState receives every state transition, outside the session's lock.
	OnState func(StateChange)
	// OnBadFrame receives frames that did not parse.
	OnBadFrame func(frame []byte, err error)
	// Now is the clock (default time.Now).
	Now func() time.Time
	// rand is the jitter source; tests set it.
	rand jitterRand
}

// PaceLimits are the rates CyTube tolerates (protocol reference §6, §10).
type PaceLimits struct {
	ChatBurst         float64
	ChatPerSecond     float64
	QueueBurst        float64
	QueuePerSecond    float64
	ModQueueBurst     float64
	ModQueuePerSecond float64
	PlaylistEvery     time.Duration
}

// defaultPace keeps 10% under CyTube 3.86's limits (chat: burst 20, then
// 10/s; queue: burst 3 then 1/s, or 10 then 2/s from rank 2;
// requestPlaylist: 1 per 60 s). The margin absorbs network jitter: the
// server measures arrival times, we measure send times.
var defaultPace = PaceLimits{
	ChatBurst: 18, ChatPerSecond: 9,
	QueueBurst: 3, QueuePerSecond: 0.9,
	ModQueueBurst: 9, ModQueuePerSecond: 1.8,
	PlaylistEvery: 61 * time.Second,
}

func (c *Config) defaults() {
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if c.LoginTimeout <= 0 {
		c.LoginTimeout = 15 * time.Second
	}
	if c.BackoffMin <= 0 {
		c.BackoffMin = time.Second
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = 5 * time.Second
	}
	if c.BackoffJitter == 0 {
		c.BackoffJitter = 0.5
	}
	if c.ConnBurst <= 0 {
		c.ConnBurst = 5
	}
	if c.ConnEvery == 0 {
		c.ConnEvery = 10 * time.Second
	}
	if c.MaxNameInUseRetries <= 0 {
		c.MaxNameInUseRetries = 3
	}
	if c.SendQueue <= 0 {
		c.SendQueue = 256
	}
	if c.Pace == nil {
		p := defaultPace
		c.Pace = &p
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Header.Get("User-Agent") == "" {
		// Say who we are: some front ends refuse Go's default agent, and
		// operators of a CyTube server can tell bots from browsers.
		h := c.Header.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Set("User-Agent", UserAgent)
		c.Header = h
	}
	if c.rand == nil {
		c.rand = defaultRand
	}
}

// Event is one CyTube event, as received, with what the session knows
// about it.
type Event struct {
	Name string
	// Arg is the first (CyTube's only) argument; nil when the frame had
	// none, and the JSON literal null for `null`.
	Arg json.RawMessage
	// Args holds every argument as sent.
	Args []json.RawMessage
	// Received is when the frame was read.
	Received time.Time
	// Conn numbers the connections of this session, from 1.
	Conn uint64
	// Seq numbers the events of this connection, from 1.
	Seq uint64
	// SocketID is the Socket.IO sid of the connection.
	SocketID string
	// History marks a chatMsg from the chat buffer CyTube replays on join.
	History bool
	// Replayed marks a history message already delivered on an earlier
	// connection of this session: it is not new to anyone downstream.
	Replayed bool
	// Self marks a chatMsg or pm sent by this session's own user.
	Self bool
	// Key is a stable identity for chatMsg and pm, derived from channel,
	// time, sender (and recipient) and text, so the same message gets the
	// same key on every replay. Empty for other events.
	Key string
	// Channel is the channel the session is in.
	Channel string
}

// Session is one CyTube channel membership that survives reconnects.
// Run owns every goroutine; Send, State and Snapshot are safe for
// concurrent use.
type Session struct {
	cfg   Config
	log   *slog.Logger
	gate  *connGate
	lanes [laneCount]*lane

	mu      sync.Mutex
	state   State
	ready   chan struct{} // closed while StateReady
	conn    *socketio.Conn
	connNum uint64
	ch      *channelState
	pending []*sendOp
	stopped bool
	seen    *keyRing
	// laneStart starts a lane's goroutine; set while Run runs.
	laneStart func(*lane)
	// stalls sums socketio's Stalls of the ended connections.
	stalls uint64
}

// New validates cfg and returns a Session ready to Run.
func New(cfg Config) (*Session, error) {
	if !ValidChannelName(cfg.Channel) {
		return nil, fmt.Errorf("cytube: invalid channel name %q: use 1-30 characters from a-z, A-Z, 0-9, - and _", cfg.Channel)
	}
	if cfg.Username != "" && !ValidUserName(cfg.Username) {
		return nil, fmt.Errorf("cytube: invalid user name %q: use 1-20 characters from a-z, A-Z, 0-9, - and _", cfg.Username)
	}
	if cfg.Username == "" && cfg.Password != "" {
		return nil, errors.New("cytube: a password is configured without a user name")
	}
	if cfg.SocketURL == "" && cfg.Host == "" {
		return nil, errors.New("cytube: neither a host for discovery nor a socket url is configured")
	}
	if cfg.SocketURL != "" {
		if _, _, err := ParseSocketURL(cfg.SocketURL); err != nil {
			return nil, err
		}
	}
	cfg.defaults()
	s := &Session{
		cfg:   cfg,
		log:   cfg.Logger.With("channel", cfg.Channel),
		gate:  newConnGate(cfg.ConnBurst, cfg.ConnEvery),
		ready: make(chan struct{}),
		ch:    newChannelState(cfg.Channel),
		seen:  newKeyRing(seenKeys),
	}
	for i := range s.lanes {
		s.lanes[i] = newLane(laneKind(i), cfg.SendQueue)
	}
	return s, nil
}

// Channel returns the configured channel name.
func (s *Session) Channel() string { return s.cfg.Channel }

// State returns the current state.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Snapshot returns a copy of the channel state.
func (s *Session) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ch.snapshot()
}

// setState records a transition and reports it outside the lock.
func (s *Session) setState(ch StateChange) {
	s.mu.Lock()
	ch.From = s.state
	if ch.From == ch.To && ch.Reason == "" {
		s.mu.Unlock()
		return
	}
	s.state = ch.To
	if ch.To == StateReady {
		select {
		case <-s.ready:
		default:
			close(s.ready)
		}
	} else {
		select {
		case <-s.ready:
			s.ready = make(chan struct{})
		default:
		}
	}
	s.mu.Unlock()
	attrs := []any{"from", ch.From.String(), "to", ch.To.String()}
	if ch.Reason != "" {
		attrs = append(attrs, "reason", ch.Reason)
	}
	if ch.Attempt > 0 {
		attrs = append(attrs, "attempt", ch.Attempt)
	}
	if ch.Retry > 0 {
		attrs = append(attrs, "retry_in", ch.Retry.String())
	}
	s.log.Info("cytube state", attrs...)
	if s.cfg.OnState != nil {
		s.cfg.OnState(ch)
	}
}

// Run connects, joins, logs in and keeps doing so after every recoverable
// failure, until ctx ends (it then returns nil) or a terminal condition
// stops it (it returns that condition: a *KickedError, *LoginError,
// *ChannelPasswordError or *socketio.ConnectError for a ban). Run may be
// called once.
func (s *Session) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	// A lane's goroutine starts with its first command (startLaneLocked),
	// so an idle session costs no goroutine for sending.
	var wg sync.WaitGroup
	s.mu.Lock()
	s.laneStart = func(l *lane) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.runLane(ctx, l)
		}()
	}
	for _, l := range s.lanes {
		if len(l.q) > 0 {
			s.startLaneLocked(l)
		}
	}
	s.mu.Unlock()
	err := s.loop(ctx)
	cancel()
	s.mu.Lock()
	s.laneStart = nil // no goroutine starts after this
	s.mu.Unlock()
	wg.Wait()
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	for _, l := range s.lanes {
		l.drain(ErrStopped)
	}
	reason := "shutdown"
	if err != nil {
		reason = err.Error()
	}
	s.setState(StateChange{To: StateStopped, Reason: reason, Err: err})
	return err
}

func (s *Session) loop(ctx context.Context) error {
	attempt := 0
	for {
		attempt++
		if wait := s.gate.wait(s.cfg.Now()); wait > 0 {
			s.setState(StateChange{To: StateBackoff, Reason: "connection rate limit", Attempt: attempt, Retry: wait})
			if !sleep(ctx, wait) {
				return nil
			}
		}
		joined, err := s.connectOnce(ctx, attempt)
		if ctx.Err() != nil {
			return nil
		}
		if joined {
			attempt = 0
		}
		if terminal(err) {
			return err
		}
		wait := backoff(max(attempt, 1), s.cfg.BackoffMin, s.cfg.BackoffMax, s.cfg.BackoffJitter, s.cfg.rand())
		var ke *KickedError
		if errors.As(err, &ke) {
			// A moderator kick: do not bounce straight back in.
			wait = max(wait, s.cfg.BackoffMax)
		}
		var ce *socketio.ConnectError
		if errors.As(err, &ce) {
			s.gate.drain(s.cfg.Now())
			wait = max(wait, s.gate.wait(s.cfg.Now()))
		}
		if w := s.gate.wait(s.cfg.Now()); w > wait {
			wait = w
		}
		s.setState(StateChange{To: StateBackoff, Reason: reasonOf(err), Err: err, Attempt: attempt, Retry: wait})
		if !sleep(ctx, wait) {
			return nil
		}
	}
}

// terminal reports whether err must stop the session instead of a retry.
func terminal(err error) bool {
	var ke *KickedError
	if errors.As(err, &ke) {
		return ke.Terminal()
	}
	var le *LoginError
	if errors.As(err, &le) {
		return !le.Retryable()
	}
	var pe *ChannelPasswordError
	if errors.As(err, &pe) {
		return true
	}
	var ce *socketio.ConnectError
	if errors.As(err, &ce) {
		return strings.Contains(strings.ToLower(ce.Message), "banned")
	}
	var de *DiscoveryError
	if errors.As(err, &de) {
		return de.NotFound()
	}
	return false
}

func reasonOf(err error) string {
	if err == nil {
		return "connection closed"
	}
	return err.Error()
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// socketAddr resolves the socket server for this attempt.
func (s *Session) socketAddr(ctx context.Context) (string, bool, error) {
	if s.cfg.SocketURL != "" {
		return ParseSocketURL(s.cfg.SocketURL)
	}
	return discover(ctx, s.cfg.HTTPClient, s.cfg.Header, s.cfg.Host, s.cfg.Secure, s.cfg.Channel)
}

// connectOnce runs one connection from dial to its end. joined reports
// whether the session reached StateReady on it.
func (s *Session) connectOnce(ctx context.Context, attempt int) (joined bool, err error) {
	s.setState(StateChange{To: StateConnecting, Attempt: attempt})
	hostport, secure, err := s.socketAddr(ctx)
	if err != nil {
		return false, err
	}
	s.gate.take(s.cfg.Now())
	conn, err := socketio.Dial(ctx, socketio.URL(hostport, secure), socketio.Options{
		Header:           s.cfg.Header,
		TLSConfig:        s.cfg.TLSConfig,
		HandshakeTimeout: s.cfg.HandshakeTimeout,
		Watchdog:         s.cfg.Watchdog,
		Logger:           s.cfg.Logger,
		OnBadFrame:       s.cfg.OnBadFrame,
	})
	if err != nil {
		return false, err
	}
	c := &connRun{s: s, conn: conn, attempt: attempt}
	s.mu.Lock()
	s.connNum++
	c.num = s.connNum
	s.conn = conn
	s.ch = newChannelState(s.cfg.Channel)
	s.mu.Unlock()
	defer func() {
		conn.Close()
		s.mu.Lock()
		s.conn = nil
		s.stalls += conn.Stalls()
		pending := s.pending
		s.pending = nil
		s.mu.Unlock()
		lost := ErrConnectionLost
		var ke *KickedError
		if errors.As(err, &ke) {
			for _, op := range pending {
				op.finish(Confirmation{}, &RefusedError{Kind: RefusedKicked, Event: "kick", Message: ke.Reason})
			}
			return
		}
		for _, op := range pending {
			op.finish(Confirmation{}, lost)
		}
	}()
	err = c.run(ctx)
	return c.joined, err
}

// connRun is the state of one connection inside connectOnce.
type connRun struct {
	s       *Session
	conn    *socketio.Conn
	num     uint64
	attempt int
	seq     uint64

	inBurst      bool
	loginSent    bool
	loggedIn     bool
	joined       bool
	nameInUse    int
	pwSent       bool
	needPassword bool
	// awaitSelf names the event about our own user that completes a login
	// (setUserRank or addUser); empty once seen.
	awaitSelf  string
	kick       *KickedError
	timers     []*time.Timer
	loginTimer *time.Timer
	// do carries work from timers into the connection's loop, so all
	// connRun fields are touched by that one goroutine.
	do   chan func() error
	stop chan struct{}
}

func (c *connRun) run(ctx context.Context) error {
	s := c.s
	c.do = make(chan func() error)
	c.stop = make(chan struct{})
	defer func() {
		close(c.stop)
		for _, t := range c.timers {
			t.Stop()
		}
	}()
	join := map[string]any{"name": s.cfg.Channel}
	if s.cfg.ChannelPassword != "" {
		join["pw"] = s.cfg.ChannelPassword
		c.pwSent = true
	}
	if err := c.conn.Emit(ctx, "joinChannel", join); err != nil {
		return fmt.Errorf("cytube: send joinChannel: %w", err)
	}
	c.inBurst = true
	s.setState(StateChange{To: StateJoining, Attempt: c.attempt})

	// This loop takes events and also runs the work of timers that fail
	// the connection (login timeout). Between two events it looks at ctx
	// and the timers, so a flood of events does not hold them up.
	defer c.conn.Close()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case f := <-c.do:
			if err := f(); err != nil {
				return err
			}
			continue
		default:
		}
		ev, ok, err := c.conn.TryNext()
		if ok {
			if err := c.handle(ctx, ev); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			if c.kick != nil {
				return c.kick
			}
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case f := <-c.do:
			if err := f(); err != nil {
				return err
			}
		case <-c.conn.Arrived():
		}
	}
}

// after runs f in the connection's loop after d, unless the connection
// ended first. An error from f ends the connection.
func (c *connRun) after(d time.Duration, f func() error) *time.Timer {
	t := time.AfterFunc(d, func() {
		select {
		case c.do <- f:
		case <-c.stop:
		}
	})
	c.timers = append(c.timers, t)
	return t
}

func (c *connRun) sendLogin(ctx context.Context) error {
	s := c.s
	if s.cfg.Username == "" || c.loggedIn {
		return nil
	}
	payload := map[string]string{"name": s.cfg.Username}
	if s.cfg.Password != "" {
		payload["pw"] = s.cfg.Password
	}
	c.loginSent = true
	if s.State() != StateLoggingIn {
		s.setState(StateChange{To: StateLoggingIn, Attempt: c.attempt})
	}
	if err := c.conn.Emit(ctx, "login", payload); err != nil {
		return fmt.Errorf("cytube: send login: %w", err)
	}
	if c.loginTimer != nil {
		c.loginTimer.Stop()
	}
	c.loginTimer = c.after(s.cfg.LoginTimeout, func() error {
		return &LoginError{Kind: LoginTimeout, Message: "no answer to login within " + s.cfg.LoginTimeout.String()}
	})
	return nil
}

func (c *connRun) becomeReady() {
	c.joined = true
	c.s.setState(StateChange{To: StateReady, Attempt: c.attempt})
}

// handle processes one event: protocol bookkeeping, state, confirmation of
// pending sends, then delivery.
func (c *connRun) handle(ctx context.Context, sev socketio.Event) error {
	s := c.s
	if sev.IsAck {
		s.log.Debug("cytube: ignoring ack packet", "id", sev.AckID)
		return nil
	}
	now := s.cfg.Now()
	c.seq++
	ev := Event{
		Name: sev.Name, Args: sev.Args, Received: now, Conn: c.num, Seq: c.seq,
		SocketID: c.conn.SocketID(), Channel: s.cfg.Channel,
	}
	if len(sev.Args) > 0 {
		ev.Arg = sev.Args[0]
	}

	s.mu.Lock()
	if !s.ch.apply(ev.Name, ev.Arg, now) {
		s.log.Debug("cytube: event payload does not fit the state model", "event", ev.Name)
	}
	own := s.ch.OwnName
	s.mu.Unlock()
	if own == "" {
		own = s.cfg.Username
	}

	switch ev.Name {
	case "chatMsg", "pm":
		c.markChat(&ev, own)
	case "userlist":
		if c.inBurst {
			c.inBurst = false
			if s.cfg.Username == "" {
				c.becomeReady()
			} else if !c.loginSent && !c.needPassword {
				if err := c.sendLogin(ctx); err != nil {
					return err
				}
			}
		}
	case "setUserRank", "addUser":
		if c.awaitSelf == ev.Name {
			var v struct {
				Name string `json:"name"`
			}
			if decodeInto(ev.Arg, &v) && strings.EqualFold(v.Name, own) {
				c.awaitSelf = ""
				if !c.needPassword {
					s.match(&ev, own)
					s.deliver(ev)
					c.becomeReady()
					return nil
				}
			}
		}
	case "login":
		if err := c.onLogin(ctx, ev.Arg); err != nil {
			s.deliver(ev)
			return err
		}
	case "needPassword":
		var wrong bool
		_ = json.Unmarshal(ev.Arg, &wrong)
		c.needPassword = true
		switch {
		case wrong && c.pwSent:
			s.deliver(ev)
			return &ChannelPasswordError{Wrong: true}
		case s.cfg.ChannelPassword != "" && !c.pwSent:
			c.pwSent = true
			if err := c.conn.Emit(ctx, "channelPassword", s.cfg.ChannelPassword); err != nil {
				return fmt.Errorf("cytube: send channelPassword: %w", err)
			}
		case s.cfg.Username == "":
			s.deliver(ev)
			return &ChannelPasswordError{}
		default:
			// A moderator login lifts the password (cancelNeedPassword).
			if !c.loginSent {
				if err := c.sendLogin(ctx); err != nil {
					return err
				}
			}
			c.after(s.cfg.LoginTimeout, func() error {
				if c.needPassword {
					return &ChannelPasswordError{}
				}
				return nil
			})
		}
	case "cancelNeedPassword":
		c.needPassword = false
		if c.loggedIn && !c.joined {
			c.becomeReady()
		}
	case "kick":
		var v struct {
			Reason string `json:"reason"`
		}
		_ = json.Unmarshal(ev.Arg, &v)
		c.kick = &KickedError{Reason: v.Reason}
		// The state change that follows carries the reason; no second line.
	}
	s.match(&ev, own)
	s.deliver(ev)
	return nil
}

func (c *connRun) onLogin(ctx context.Context, arg json.RawMessage) error {
	s := c.s
	var v struct {
		Success bool   `json:"success"`
		Name    string `json:"name"`
		Guest   bool   `json:"guest"`
		Error   string `json:"error"`
	}
	// After a successful login CyTube ignores further ones; so do we.
	if !decodeInto(arg, &v) || c.loggedIn {
		return nil
	}
	if c.loginTimer != nil {
		c.loginTimer.Stop()
	}
	if v.Success {
		// The channel rank arrives after the login answer (rank, then
		// setUserRank for a registered user; addUser for a guest). Commands
		// are checked against that rank, so Ready waits for it, or for a
		// short fallback in case a server sends neither.
		c.loggedIn = true
		c.awaitSelf = "setUserRank"
		if v.Guest {
			c.awaitSelf = "addUser"
		}
		c.after(2*time.Second, func() error {
			if c.awaitSelf != "" {
				c.awaitSelf = ""
				if !c.needPassword && !c.joined {
					c.becomeReady()
				}
			}
			return nil
		})
		return nil
	}
	le := classifyLogin(v.Error)
	switch le.Kind {
	case LoginGuestDelay:
		s.log.Info("cytube: guest login delayed by the server", "wait", le.RetryAfter.String())
		c.after(le.RetryAfter+500*time.Millisecond, func() error { return c.sendLogin(ctx) })
		return nil
	case LoginNameInUse:
		c.nameInUse++
		if c.nameInUse > s.cfg.MaxNameInUseRetries {
			le.Exhausted = true
			return le
		}
		// Often our own previous connection, not yet gone.
		c.after(backoff(c.nameInUse, 2*time.Second, 10*time.Second, 0, 0), func() error { return c.sendLogin(ctx) })
		return nil
	}
	return le
}

// markChat flags history, self and the stable key of a chatMsg or pm.
func (c *connRun) markChat(ev *Event, own string) {
	v, ok := chatFieldsOf(ev.Arg)
	if !ok {
		return
	}
	ev.Self = own != "" && strings.EqualFold(v.Username, own)
	ev.Key = chatKey(c.s.cfg.Channel, ev.Name, v)
	if ev.Name == "chatMsg" && c.inBurst {
		ev.History = true
	}
	s := c.s
	s.mu.Lock()
	seen := s.seen.add(ev.Key)
	s.mu.Unlock()
	if ev.History && seen {
		ev.Replayed = true
	}
}

func (s *Session) deliver(ev Event) {
	if s.cfg.OnEvent != nil {
		s.cfg.OnEvent(ev)
	}
}

// seenKeys is how many chat and PM keys a session remembers to mark
// replayed history. CyTube replays the last 15 chat messages of its chat
// buffer on every join, so a replayed message we saw is among the last 15
// chat messages we saw before the connection broke; 64 keys leave room
// for PMs in between (they share the ring) and for the history messages
// of the join itself.
const seenKeys = 64

// keyRing remembers the last n keys. Its storage is allocated with the
// first key: most channels of a large deployment are idle.
type keyRing struct {
	n    int
	keys []string
	set  map[string]struct{}
	next int
}

func newKeyRing(n int) *keyRing {
	return &keyRing{n: n}
}

// add records k and reports whether it was already present.
func (r *keyRing) add(k string) bool {
	if r.keys == nil {
		r.keys, r.set = make([]string, r.n), make(map[string]struct{}, r.n)
	}
	if _, ok := r.set[k]; ok {
		return true
	}
	if old := r.keys[r.next]; old != "" {
		delete(r.set, old)
	}
	r.keys[r.next] = k
	r.set[k] = struct{}{}
	r.next = (r.next + 1) % len(r.keys)
	return false
}

// UserRank returns the current rank of a user in the channel.
func (s *Session) UserRank(name string) (float64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.ch.userIndex(name); i >= 0 {
		return s.ch.Users[i].Rank, true
	}
	return 0, false
}

// OwnName returns the name this session is logged in as ("" when not).
func (s *Session) OwnName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ch.OwnName
}
