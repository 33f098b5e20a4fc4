package cytube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/roseybot/cytube-connector/internal/socketio"
)

// Session is one CyTube channel membership that survives reconnects.
// Run owns every goroutine; Send, State and Snapshot are safe for
// concurrent use.
type Session struct {
	cfg    Config
	log    *slog.Logger
	limits *HostLimits
	lanes  [laneCount]*lane

	mu      sync.Mutex
	state   State
	ready   chan struct{} // closed while StateReady
	conn    *socketio.Conn
	connNum uint64
	ch      *channelState
	pending []*sendOp
	// residues are answered commands whose further events must not answer
	// a later command (see spec.residue).
	residues []residue
	stopped  bool
	seen     *keyRing
	// published is the newest chat line published before this session
	// ran (SetPublished).
	published ChatPosition
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
	if cfg.Limits == nil {
		cfg.Limits = NewHostLimits(cfg.ConnBurst, cfg.ConnEvery, cfg.MaxSockets)
	}
	s := &Session{
		cfg:    cfg,
		log:    cfg.Logger.With("channel", cfg.Channel),
		limits: cfg.Limits,
		ready:  make(chan struct{}),
		ch:     newChannelState(cfg.Channel),
		seen:   newKeyRing(seenKeys),
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
	if ch.To == StateBackoff && ch.Attempt >= warnAfterAttempts {
		// Failing again and again: say so above INFO.
		s.log.Warn("cytube state", attrs...)
	} else {
		s.log.Info("cytube state", attrs...)
	}
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

// warnAfterAttempts is the attempt from which a retry is logged at WARN:
// the connection has failed that many times in a row.
const warnAfterAttempts = 3

func (s *Session) loop(ctx context.Context) error {
	attempt := 0
	for {
		attempt++
		release, ok := s.waitSlot(ctx, attempt)
		if !ok {
			return nil
		}
		if wait := s.limits.reserve(s.cfg.Now()); wait > 0 {
			release()
			s.setState(StateChange{To: StateBackoff, Reason: "connection rate limit: CyTube accepts 5 connections from one address, then one per 10 s (shared by every channel of this process on this server)", Attempt: attempt, Retry: wait})
			if !sleep(ctx, wait) {
				return nil
			}
			continue
		}
		joined, err := s.connectOnce(ctx, attempt)
		release()
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
		if errors.As(err, &ce) && strings.Contains(ce.Message, "Rate limit exceeded") {
			wait = max(wait, s.limits.refused(s.cfg.Now()))
		}
		reason := reasonOf(err)
		if unreachable(err) {
			s.limits.unreached(s.cfg.Now())
			reason += " (CyTube not reachable: check the host name (CYTUBE_HOST), DNS, the network and a proxy or firewall)"
		}
		s.setState(StateChange{To: StateBackoff, Reason: reason, Err: err, Attempt: attempt, Retry: wait})
		if !sleep(ctx, wait) {
			return nil
		}
	}
}

// waitSlot takes one of the server's socket slots for this process,
// waiting (with a status saying why) while they are all in use. It
// returns false when ctx ended.
func (s *Session) waitSlot(ctx context.Context, attempt int) (func(), bool) {
	for {
		release, wait, open := s.limits.slot()
		if release != nil {
			return release, true
		}
		s.setState(StateChange{To: StateBackoff, Attempt: attempt,
			Reason: fmt.Sprintf("waiting for a connection slot: %d connections of this process to this server are open, CyTube's ip-connection-limit is %d", open, s.limits.Max())})
		select {
		case <-ctx.Done():
			return nil, false
		case <-wait:
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
	var je *JoinError
	if errors.As(err, &je) {
		return !je.Retryable
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
		// The connection is over for commands at once: nothing is
		// dispatched to it while it says goodbye (Close may take
		// socketio's closeGrace), and dispatch waits for the next
		// connection instead of spinning on this one.
		s.detach(conn)
		conn.Close()
		s.mu.Lock()
		s.stalls += conn.Stalls()
		pending := s.pending
		s.pending, s.residues = nil, nil
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

// detach takes conn away from the senders: s.conn is cleared and ready is
// reopened, so dispatch blocks until a new connection is ready. The
// published state stays as it is until Run reports the reconnect.
func (s *Session) detach(conn *socketio.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != conn {
		return
	}
	s.conn = nil
	select {
	case <-s.ready:
		s.ready = make(chan struct{})
	default:
	}
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

// ChatPosition names the newest chat line published on the bus: its
// CyTube time (epoch milliseconds) and the keys (Event.Key) of the lines
// published with exactly that time.
type ChatPosition struct {
	Time int64
	Keys []string
}

// covers reports whether a chat line of time at and key was published at
// or before p.
func (p ChatPosition) covers(at int64, key string) bool {
	if p.Time == 0 {
		return false
	}
	return at < p.Time || at == p.Time && slices.Contains(p.Keys, key)
}

// SetPublished tells the session which chat line was the newest published
// before it ran, by an earlier process or another connector of the fleet:
// history CyTube replays at or before it is marked Replayed, so it is not
// published again. Call before Run. A session also remembers the lines it
// delivered itself (for its own reconnections).
func (s *Session) SetPublished(p ChatPosition) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.published = ChatPosition{Time: p.Time, Keys: slices.Clone(p.Keys)}
}

// OwnName returns the name this session is logged in as ("" when not).
func (s *Session) OwnName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ch.OwnName
}
