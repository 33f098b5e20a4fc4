package cytube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/roseybot/cytube-connector/internal/socketio"
	"google.golang.org/protobuf/proto"
)

// Request is one event to send to CyTube.
type Request struct {
	// Event is CyTube's event name (chatMsg, pm, queue, delete...).
	Event string
	// Arg is the single argument (JSON-marshalled); nil sends none.
	Arg any
	// FailFast returns ErrNotReady at once when the session is not ready,
	// instead of waiting for it within the deadline.
	FailFast bool
	// Queued, when set, is called once the command holds its place in the
	// send order, so a caller can take the next command while this one
	// waits for CyTube.
	Queued func()
	// Trace, when set, is the W3C traceparent of the command's handling:
	// the event that confirms it carries it as Event.Cause.
	Trace string

	// Set by the constructors of commands.go: the encoded argument and
	// the fields the rules read, so neither is computed again.
	raw       json.RawMessage
	args      *cmdArgs
	encodeErr error
}

// Confirmation is CyTube's answer to a sent command.
type Confirmation struct {
	// Event names the event that confirmed it ("" when Unconfirmable).
	Event string
	// Msg is that event's decoded message.
	Msg proto.Message
	// ShadowMuted is set for a chat line CyTube showed only to moderators
	// and other shadow-muted users: this account is shadow-muted.
	ShadowMuted bool
	// Already is true for a command not sent because the channel already
	// is as it asks (custom CSS equal to the text sent...): CyTube would
	// have answered nothing.
	Already bool
	// Unconfirmable is true for actions CyTube never answers to this user
	// (for example voteskip below the viewvoteskip rank): it was sent, and
	// nothing more can be known.
	Unconfirmable bool
}

type laneKind int

// Commands go out in three independent lanes: chat (chat lines and PMs,
// which share CyTube's chat limiter), queue (adding media, CyTube's queue
// limiter) and everything else. The chat and queue lanes send one command
// at a time and wait for its answer (up to Config.LaneHold) before the
// next, so a line CyTube cools down is sent again in its place and chat
// keeps its order.
const (
	laneChat laneKind = iota
	laneQueue
	laneOther
	laneCount
)

// limiterKind names one of the three limiters CyTube keeps per user
// (src/user.js:22-24).
type limiterKind int

const (
	limNone limiterKind = iota
	limChat
	limQueue
	limReqPlaylist
	limCount
)

// sendOp is one Request, from queueing to its outcome.
type sendOp struct {
	ctx   context.Context
	event string
	raw   json.RawMessage
	spec  spec
	conn  uint64
	trace string // Request.Trace

	once    sync.Once
	done    chan opResult
	settled chan struct{} // closed by finish
	// retry carries CyTube's cooldown back to the lane that waits for this
	// op, which sends it again in its place.
	retry chan time.Duration
	// guarded by Session.mu:
	sent      bool
	laneWaits bool // the op's lane waits for its answer
	want      any  // what the answer must show (spec.prepare)
}

type opResult struct {
	conf Confirmation
	err  error
}

func (op *sendOp) finish(c Confirmation, err error) {
	op.once.Do(func() {
		op.done <- opResult{c, err}
		close(op.settled)
	})
}

// lane sends one class of commands, paced by models of CyTube's limiters.
type lane struct {
	kind laneKind
	size int
	// serial lanes wait for each command's answer before the next.
	serial bool
	// q is nil until the first command; guarded by Session.mu until the
	// lane's goroutine starts, which alone reads it (and drain, after Run).
	q       chan *sendOp
	running bool // guarded by Session.mu
	// The rest is owned by the lane's goroutine.
	models    [limCount]limiterModel
	conn      uint64    // connection the models are for
	notBefore time.Time // CyTube asked us to wait (cooldown) until then
}

// newLane returns a lane whose queue and goroutine are created with its
// first command (see Session.enqueue).
func newLane(k laneKind, size int) *lane {
	return &lane{kind: k, size: size, serial: k != laneOther}
}

func (l *lane) drain(err error) {
	for {
		select {
		case op := <-l.q:
			op.finish(Confirmation{}, err)
		default:
			return
		}
	}
}

// Send sends one command and waits until CyTube confirms it (its own echo
// or the broadcast that shows the change), refuses it (*RefusedError), or
// ctx ends. Commands are paced to CyTube's rate limits; when the wait
// would pass ctx's deadline the command is refused at once
// (RefusedRateLimited with RetryAfter). One that CyTube cools down anyway
// is sent again, in its place, while ctx allows. A command is never sent
// after ctx ended, nor before the session is joined and logged in.
func (s *Session) Send(ctx context.Context, r Request) (Confirmation, error) {
	if r.encodeErr != nil {
		return Confirmation{}, &RefusedError{Kind: RefusedInvalid, Message: fmt.Sprintf("encode %s: %v", r.Event, r.encodeErr)}
	}
	raw, args := r.raw, r.args
	if args == nil {
		// Built by hand: encode Arg, and read the rules' fields from it.
		if r.Arg != nil {
			b, err := json.Marshal(r.Arg)
			if err != nil {
				return Confirmation{}, &RefusedError{Kind: RefusedInvalid, Message: fmt.Sprintf("encode %s: %v", r.Event, err)}
			}
			raw = b
		}
		a := argsOf(r.Event, raw)
		args = &a
	}
	sp, err := specFor(r.Event, *args)
	if err != nil {
		return Confirmation{}, err
	}
	s.mu.Lock()
	stopped, state := s.stopped, s.state
	s.mu.Unlock()
	if stopped {
		return Confirmation{}, ErrStopped
	}
	if r.FailFast && state != StateReady {
		return Confirmation{}, ErrNotReady
	}
	op := &sendOp{ctx: ctx, event: r.Event, raw: raw, spec: sp, trace: r.Trace, done: make(chan opResult, 1),
		settled: make(chan struct{}), retry: make(chan time.Duration, 1)}
	if err := s.enqueue(s.lanes[sp.lane], op); err != nil {
		return Confirmation{}, err
	}
	if r.Queued != nil {
		r.Queued()
	}
	select {
	case res := <-op.done:
		return res.conf, res.err
	case <-ctx.Done():
		s.mu.Lock()
		sent := op.sent
		s.pending = slices.DeleteFunc(s.pending, func(p *sendOp) bool { return p == op })
		ready := s.state == StateReady
		s.mu.Unlock()
		var err error
		switch {
		case sent:
			err = fmt.Errorf("%w: %w", ErrUnconfirmed, ctx.Err())
		case !ready:
			err = fmt.Errorf("%w: %w", ErrNotReady, ctx.Err())
		default:
			err = &RefusedError{Kind: RefusedRateLimited, Message: "deadline passed while waiting for CyTube's rate limit"}
		}
		op.finish(Confirmation{}, err)
		res := <-op.done
		return res.conf, res.err
	}
}

// enqueue queues op on l, creating the lane's queue and starting its
// goroutine with its first command.
func (s *Session) enqueue(l *lane, op *sendOp) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return ErrStopped
	}
	if l.q == nil {
		l.q = make(chan *sendOp, l.size)
	}
	select {
	case l.q <- op:
	default:
		return ErrQueueFull
	}
	s.startLaneLocked(l)
	return nil
}

// startLaneLocked starts l's goroutine if Run runs and it has none yet.
func (s *Session) startLaneLocked(l *lane) {
	if l.running || s.laneStart == nil {
		return
	}
	l.running = true
	s.laneStart(l)
}

// runLane sends the lane's commands one by one, paced, while ready.
func (s *Session) runLane(ctx context.Context, l *lane) {
	for {
		select {
		case <-ctx.Done():
			return
		case op := <-l.q:
			s.serve(ctx, l, op)
		}
	}
}

// serve sends op and, on a serial lane, waits for its answer; a cooldown
// sends it again in its place.
func (s *Session) serve(ctx context.Context, l *lane, op *sendOp) {
	for {
		if !s.dispatch(ctx, l, op) || !l.serial {
			return
		}
		hold := time.NewTimer(s.cfg.LaneHold)
		select {
		case <-op.settled:
			hold.Stop()
			return
		case d := <-op.retry:
			hold.Stop()
			now := s.cfg.Now()
			s.mu.Lock()
			lim := op.spec.limitFor(s.ch, *s.cfg.Pace, op.event)
			s.mu.Unlock()
			l.models[op.spec.limiter].refused(now, lim)
			l.notBefore = now.Add(d)
			s.log.Debug("cytube: resending after CyTube's cooldown", "event", op.event, "after", d.String())
		case <-hold.C:
			// Still unanswered: the next command goes; this one stays
			// pending until its answer or its deadline.
			s.mu.Lock()
			op.laneWaits = false
			s.mu.Unlock()
			return
		case <-ctx.Done():
			hold.Stop()
			return
		}
	}
}

// dispatch waits for readiness and CyTube's limiter, then sends op. It
// reports whether op went out (and so may still be answered).
func (s *Session) dispatch(ctx context.Context, l *lane, op *sendOp) bool {
	for {
		if op.ctx.Err() != nil {
			op.finish(Confirmation{}, op.ctx.Err())
			return false
		}
		s.mu.Lock()
		ready, num := s.ready, s.connNum
		s.mu.Unlock()
		select {
		case <-ready:
		case <-op.ctx.Done():
			op.finish(Confirmation{}, fmt.Errorf("%w: %w", ErrNotReady, op.ctx.Err()))
			return false
		case <-ctx.Done():
			op.finish(Confirmation{}, ErrStopped)
			return false
		}
		if num != l.conn {
			for i := range l.models {
				l.models[i].reset()
			}
			l.conn, l.notBefore = num, time.Time{}
		}
		now := s.cfg.Now()
		s.mu.Lock()
		lim := op.spec.limitFor(s.ch, *s.cfg.Pace, op.event)
		s.mu.Unlock()
		var wait time.Duration
		if k := op.spec.limiter; k != limNone {
			w, ok := l.models[k].wait(now, lim, op.spec.cost)
			if !ok {
				op.finish(Confirmation{}, &RefusedError{Kind: RefusedRateLimited, Message: "CyTube's rate limit does not allow this now"})
				return false
			}
			wait = w
		}
		wait = max(wait, l.notBefore.Sub(now))
		if wait > 0 {
			// requestPlaylist's limiter waits up to a minute: beyond a short
			// wait it is refused at once rather than holding the lane's
			// other commands (rq-1).
			dl, ok := op.ctx.Deadline()
			if (op.spec.limiter == limReqPlaylist && wait > s.cfg.LaneHold) || (ok && now.Add(wait).After(dl)) {
				op.finish(Confirmation{}, &RefusedError{Kind: RefusedRateLimited, RetryAfter: wait,
					Message: fmt.Sprintf("CyTube's rate limit allows this in %s, after the command's deadline", wait.Round(time.Millisecond))})
				return false
			}
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-op.ctx.Done():
				t.Stop()
				op.finish(Confirmation{}, &RefusedError{Kind: RefusedRateLimited, Message: "deadline passed while waiting for CyTube's rate limit"})
				return false
			case <-ctx.Done():
				t.Stop()
				op.finish(Confirmation{}, ErrStopped)
				return false
			}
			continue
		}
		s.mu.Lock()
		if s.state != StateReady || s.conn == nil || s.connNum != num {
			s.mu.Unlock()
			continue
		}
		if err := op.spec.permit(s.ch); err != nil {
			s.mu.Unlock()
			if errors.Is(err, errAlready) {
				op.finish(Confirmation{Already: true}, nil)
			} else {
				op.finish(Confirmation{}, err)
			}
			return false
		}
		if op.ctx.Err() != nil {
			s.mu.Unlock()
			op.finish(Confirmation{}, op.ctx.Err())
			return false
		}
		if op.spec.bind != nil {
			raw, err := op.spec.bind(s.ch)
			if err != nil {
				s.mu.Unlock()
				op.finish(Confirmation{}, &RefusedError{Kind: RefusedInvalid, Message: fmt.Sprintf("encode %s: %v", op.event, err)})
				return false
			}
			op.raw = raw
		}
		conn := s.conn
		op.conn = s.connNum
		op.sent = true
		if op.spec.prepare != nil {
			op.want = op.spec.prepare(s.ch)
		}
		unconfirmable := op.spec.noConfirm(s.ch)
		if !unconfirmable {
			op.laneWaits = l.serial
			s.pending = append(s.pending, op)
		}
		s.mu.Unlock()
		if k := op.spec.limiter; k != limNone {
			for range max(op.spec.cost, 1) {
				l.models[k].take(now, lim)
			}
		}
		var args []any
		if op.raw != nil {
			args = []any{op.raw}
		}
		if err := conn.Emit(op.ctx, op.event, args...); err != nil {
			s.mu.Lock()
			s.pending = slices.DeleteFunc(s.pending, func(p *sendOp) bool { return p == op })
			notSent := errors.Is(err, socketio.ErrNotSent)
			if notSent {
				op.sent = false
			}
			s.mu.Unlock()
			switch {
			case notSent:
				// The connection ended before the frame left: the command
				// waits for the next connection, within its deadline.
				s.detach(conn)
				continue
			case errors.Is(err, socketio.ErrTooLarge):
				op.finish(Confirmation{}, &RefusedError{Kind: RefusedTooLarge, Message: err.Error()})
				return false
			}
			op.finish(Confirmation{}, fmt.Errorf("%w: %w", ErrConnectionLost, err))
			return false
		}
		if unconfirmable {
			op.finish(Confirmation{Unconfirmable: true}, nil)
		}
		return true
	}
}

// limitFor returns the parameters CyTube passes to this command's limiter
// for our rank and the channel's options.
func (sp spec) limitFor(ch *channelState, p PaceLimits, event string) rateLimit {
	switch sp.limiter {
	case limChat:
		// The channel's antiflood applies to chat lines below rank 2 only
		// (src/channel/chat.js:306-312); PMs always get MIN_ANTIFLOOD
		// (src/channel/chat.js:245).
		if event == "chatMsg" && ch.antiflood && ch.OwnRank < 2 && ch.antifloodLimit.sustained > 0 && !p.IgnoreChannelAntiflood {
			return ch.antifloodLimit
		}
		return newRateLimit(p.ChatBurst, p.ChatPerSecond)
	case limQueue:
		if ch.OwnRank >= 2 {
			return newRateLimit(p.ModQueueBurst, p.ModQueuePerSecond)
		}
		return newRateLimit(p.QueueBurst, p.QueuePerSecond)
	case limReqPlaylist:
		return rateLimit{burst: 1, sustained: 0, cooldown: p.PlaylistEvery.Seconds()}
	}
	return rateLimit{}
}
