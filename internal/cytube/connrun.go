package cytube

import (
	"context"
	"fmt"
	"strings"
	"time"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"

	"github.com/roseybot/cytube-connector/internal/cytube/raw"
	"github.com/roseybot/cytube-connector/internal/socketio"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

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
	// pwRankNext: held by a password we do not have, logged in as a
	// registered user, the next rank event is the effective rank CyTube
	// decides on (src/channel/channel.js:363-375 → accesscontrol.js:30-38).
	pwRankNext bool
	// guest is set when the login was a guest login.
	guest bool
	// loginFirst is set when the channel blocks anonymous users: CyTube
	// holds the join until the socket is logged in
	// (src/channel/anonymouscheck.js:18-28), so login goes out before the
	// join burst and the userlist completes the join.
	loginFirst bool
	// unregistered is set by channelNotRegistered: CyTube created the
	// channel on join (src/channel/channel.js:458-460).
	unregistered bool
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
	c.after(s.cfg.JoinTimeout, func() error {
		if c.joined {
			return nil
		}
		return &JoinError{Retryable: true, Reason: c.stuck()}
	})

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
	c.s.setState(StateChange{To: StateReady, Attempt: c.attempt, Reason: c.readyReason()})
}

// NotRegisteredReason is the status reason of a session in a channel CyTube
// does not know as registered: it created an empty channel on join, which
// is usually a misspelled channel name.
const NotRegisteredReason = "channel is not registered on this server (CyTube created it empty on join; check the channel name)"

// BlockedAnonymousMessage is the start of CyTube's errorMsg to an anonymous
// socket joining a channel with block_anonymous_users
// (src/channel/anonymouscheck.js:24).
const BlockedAnonymousMessage = "This channel has blocked anonymous users"

// stuck says what a join that did not finish is waiting for.
func (c *connRun) stuck() string {
	d := c.s.cfg.JoinTimeout.String()
	switch {
	case c.needPassword:
		return "the channel password was not accepted within " + d
	case c.inBurst:
		return "CyTube sent no userlist within " + d + " of joinChannel (the channel did not load, or holds the join)"
	case c.loginSent && !c.loggedIn:
		return "no successful login within " + d
	default:
		return "CyTube did not send this account's channel rank within " + d
	}
}

func (c *connRun) readyReason() string {
	if c.unregistered {
		return NotRegisteredReason
	}
	return ""
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
	ev.Msg, ev.Unmodelled, ev.Err = raw.Decode(ev.Name, ev.Arg)

	s.mu.Lock()
	if ev.Err == nil {
		s.ch.apply(ev.Msg, ev.Arg, now)
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
			switch {
			case s.cfg.Username == "":
				c.becomeReady()
			case c.loginFirst && c.loggedIn:
				// Logged in before the join was let through: the
				// userlist carries our rank; nothing more comes.
				if !c.needPassword {
					c.awaitSelf = ""
					s.match(&ev, own)
					s.deliver(ev)
					c.becomeReady()
					return nil
				}
			case !c.loginSent && !c.needPassword:
				if err := c.sendLogin(ctx); err != nil {
					return err
				}
			}
		}
	case "setUserRank", "addUser":
		if c.awaitSelf == ev.Name {
			if name, ok := userOf(&ev); ok && strings.EqualFold(name, own) {
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
		if err := c.onLogin(ctx, ev); err != nil {
			s.deliver(ev)
			return err
		}
	case "needPassword":
		np, _ := ev.Msg.(*cytubev1.NeedPassword)
		wrong := np.GetValue()
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
		case c.loggedIn && c.guest:
			// Guests never get a channel rank, so nothing lifts it.
			s.deliver(ev)
			return &ChannelPasswordError{}
		default:
			// A moderator login lifts the password (cancelNeedPassword):
			// CyTube decides once it has the channel rank, which it sends
			// as the next rank event.
			if !c.loginSent {
				if err := c.sendLogin(ctx); err != nil {
					return err
				}
			} else if c.loggedIn {
				c.pwRankNext = true
			}
			c.after(s.cfg.LoginTimeout, func() error {
				if c.needPassword {
					return &ChannelPasswordError{}
				}
				return nil
			})
		}
	case "partitionChange":
		// CyTube moved the channel to another partition and disconnects
		// every socket (src/server.js:449-480); the next connection
		// discovers the channel's server again.
		s.log.Info("cytube: the channel moved to another partition; reconnecting through discovery")
	case "errorMsg":
		if msg := errorText(&ev); c.inBurst && strings.Contains(msg, "is hosted on another server") {
			// jn-4: the join is used up on this socket.
			s.deliver(ev)
			return &JoinError{Retryable: true, Reason: "the channel is hosted on another partition: discovering its server again", Message: msg}
		}
		if c.inBurst && strings.HasPrefix(errorText(&ev), BlockedAnonymousMessage) {
			if s.cfg.Username == "" {
				s.deliver(ev)
				return &JoinError{Reason: "the channel blocks anonymous users: configure a user name (a guest name is enough)", Message: errorText(&ev)}
			}
			c.loginFirst = true
			if !c.loginSent {
				if err := c.sendLogin(ctx); err != nil {
					return err
				}
			}
		}
	case "channelNotRegistered":
		if !c.unregistered {
			c.unregistered = true
			s.log.Warn("cytube: " + NotRegisteredReason)
			if c.joined {
				c.s.setState(StateChange{To: StateReady, Attempt: c.attempt, Reason: NotRegisteredReason})
			}
		}
	case "rank":
		if c.pwRankNext && c.needPassword {
			c.pwRankNext = false
			if r, ok := ev.Msg.(*cytubev1.Rank); ok && r.GetValue() < 2 {
				// Below 2 CyTube keeps the join held for ever.
				s.deliver(ev)
				return &ChannelPasswordError{}
			}
		}
	case "cancelNeedPassword":
		c.needPassword = false
		c.pwRankNext = false
		if c.loggedIn && !c.joined {
			c.becomeReady()
		}
	case "kick":
		k, _ := ev.Msg.(*cytubev1.Kick)
		c.kick = &KickedError{Reason: k.GetReason()}
		// The state change that follows carries the reason; no second line.
	}
	s.match(&ev, own)
	s.deliver(ev)
	return nil
}

func (c *connRun) onLogin(ctx context.Context, ev Event) error {
	s := c.s
	v, ok := ev.Msg.(*cytubev1.Login)
	// After a successful login CyTube ignores further ones; so do we.
	if !ok || c.loggedIn {
		return nil
	}
	if c.loginTimer != nil {
		c.loginTimer.Stop()
	}
	if v.GetSuccess() && c.needPassword && c.s.cfg.ChannelPassword == "" {
		if v.GetGuest() {
			// Held by a password: guests never get a channel rank that
			// could lift it (jn-11).
			return &ChannelPasswordError{}
		}
		c.pwRankNext = true
	}
	if v.GetSuccess() {
		c.guest = v.GetGuest()
		// The channel rank arrives after the login answer (rank, then
		// setUserRank for a registered user; addUser for a guest). Commands
		// are checked against that rank, so Ready waits for it, or for a
		// short fallback in case a server sends neither.
		c.loggedIn = true
		if c.loginFirst && c.inBurst {
			// The join completes with the userlist (see loginFirst).
			return nil
		}
		c.awaitSelf = "setUserRank"
		if v.GetGuest() {
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
	le := classifyLogin(valueText(v.GetErrorValue()))
	switch le.Kind {
	case LoginGuestDelay:
		wait := le.RetryAfter + 500*time.Millisecond
		s.log.Info("cytube: guest login delayed by the server", "wait", wait.String())
		s.mu.Lock()
		cur := s.state
		s.mu.Unlock()
		s.setState(StateChange{To: cur, Attempt: c.attempt, Reason: fmt.Sprintf("guest login delayed: %s (logging in again in %s)", le.Message, wait.Round(100*time.Millisecond))})
		c.after(wait, func() error { return c.sendLogin(ctx) })
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

// valueText is a text CyTube sent where it usually sends a string
// (login.error, errorMsg.msg): the string, an object's message (an Error
// that reached the client as such: src/database/accounts.js:263-265 →
// src/user.js:330), or the value as JSON.
func valueText(v *structpb.Value) string {
	if v == nil {
		return ""
	}
	if s, ok := v.GetKind().(*structpb.Value_StringValue); ok {
		return s.StringValue
	}
	if m := v.GetStructValue().GetFields()["message"]; m != nil {
		if s, ok := m.GetKind().(*structpb.Value_StringValue); ok && s.StringValue != "" {
			return s.StringValue
		}
	}
	b, err := protojson.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
