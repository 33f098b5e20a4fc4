package cytube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"sync"
	"time"
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
}

// Confirmation is CyTube's answer to a sent command.
type Confirmation struct {
	// Event names the event that confirmed it ("" when Unconfirmable).
	Event string
	// Arg is that event's argument.
	Arg json.RawMessage
	// Unconfirmable is true for actions CyTube never answers to this user
	// (for example voteskip below the viewvoteskip rank): it was sent, and
	// nothing more can be known.
	Unconfirmable bool
}

type laneKind int

// Commands are paced in three independent lanes, because CyTube limits
// chat and queueing separately and everything else not at all.
const (
	laneChat laneKind = iota
	laneQueue
	laneOther
	laneCount
)

// sendOp is one attempt of one Request, from queueing to its outcome.
type sendOp struct {
	ctx   context.Context
	event string
	raw   json.RawMessage
	spec  spec
	conn  uint64

	once sync.Once
	done chan opResult
	sent bool // guarded by Session.mu
}

type opResult struct {
	conf Confirmation
	err  error
}

func (op *sendOp) finish(c Confirmation, err error) {
	op.once.Do(func() { op.done <- opResult{c, err} })
}

// lane paces one class of commands with a token bucket.
type lane struct {
	kind laneKind
	size int
	// q is nil until the first command; guarded by Session.mu until the
	// lane's goroutine starts, which alone reads it (and drain, after Run).
	q       chan *sendOp
	running bool // guarded by Session.mu
	tokens  float64
	last    time.Time
	conn    uint64 // connection the bucket was filled for
	// lastSent is per-event minimum spacing (requestPlaylist).
	lastSent map[string]time.Time
}

// newLane returns a lane whose queue and goroutine are created with its
// first command (see Session.enqueue).
func newLane(k laneKind, size int) *lane {
	return &lane{kind: k, size: size, tokens: -1}
}

// wait returns how long until a token is available under (burst, rate).
func (l *lane) wait(now time.Time, burst, rate float64) time.Duration {
	if rate <= 0 {
		return 0
	}
	if l.tokens < 0 {
		l.tokens = burst
	} else if !l.last.IsZero() {
		l.tokens = min(burst, l.tokens+now.Sub(l.last).Seconds()*rate)
	}
	l.last = now
	if l.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - l.tokens) / rate * float64(time.Second))
}

func (l *lane) take() { l.tokens-- }

// reset refills the bucket: CyTube's limiters belong to the connection's
// user object, which a new connection replaces.
func (l *lane) reset() { l.tokens = -1 }

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
// ctx ends. Commands are paced to CyTube's rate limits; one dropped with
// `cooldown` is sent again after the cooldown while ctx allows. A command
// is never sent after ctx ended, nor before the session is joined and
// logged in.
func (s *Session) Send(ctx context.Context, r Request) (Confirmation, error) {
	var raw json.RawMessage
	if r.Arg != nil {
		b, err := json.Marshal(r.Arg)
		if err != nil {
			return Confirmation{}, &RefusedError{Kind: RefusedInvalid, Message: fmt.Sprintf("encode %s: %v", r.Event, err)}
		}
		raw = b
	}
	sp, err := specFor(r.Event, raw)
	if err != nil {
		return Confirmation{}, err
	}
	for {
		s.mu.Lock()
		stopped, state := s.stopped, s.state
		s.mu.Unlock()
		if stopped {
			return Confirmation{}, ErrStopped
		}
		if r.FailFast && state != StateReady {
			return Confirmation{}, ErrNotReady
		}
		op := &sendOp{ctx: ctx, event: r.Event, raw: raw, spec: sp, done: make(chan opResult, 1)}
		if err := s.enqueue(s.lanes[sp.lane], op); err != nil {
			return Confirmation{}, err
		}
		if r.Queued != nil {
			r.Queued()
		}
		var res opResult
		select {
		case res = <-op.done:
		case <-ctx.Done():
			s.mu.Lock()
			sent := op.sent
			s.pending = slices.DeleteFunc(s.pending, func(p *sendOp) bool { return p == op })
			ready := s.state == StateReady
			s.mu.Unlock()
			switch {
			case sent:
				res.err = fmt.Errorf("%w: %w", ErrUnconfirmed, ctx.Err())
			case !ready:
				res.err = fmt.Errorf("%w: %w", ErrNotReady, ctx.Err())
			default:
				res.err = &RefusedError{Kind: RefusedRateLimited, Message: "deadline passed while waiting for CyTube's rate limit"}
			}
			op.finish(Confirmation{}, res.err)
			return Confirmation{}, res.err
		}
		var re *RefusedError
		if errors.As(res.err, &re) && re.Kind == RefusedRateLimited && re.RetryAfter > 0 {
			if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > re.RetryAfter {
				s.log.Debug("cytube: retrying after rate limit", "event", r.Event, "after", re.RetryAfter.String())
				if sleep(ctx, re.RetryAfter) {
					continue
				}
			}
		}
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
		l.lastSent = map[string]time.Time{}
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
			s.dispatch(ctx, l, op)
		}
	}
}

func (s *Session) dispatch(ctx context.Context, l *lane, op *sendOp) {
	for {
		if op.ctx.Err() != nil {
			op.finish(Confirmation{}, op.ctx.Err())
			return
		}
		s.mu.Lock()
		ready, num := s.ready, s.connNum
		s.mu.Unlock()
		select {
		case <-ready:
		case <-op.ctx.Done():
			op.finish(Confirmation{}, fmt.Errorf("%w: %w", ErrNotReady, op.ctx.Err()))
			return
		case <-ctx.Done():
			op.finish(Confirmation{}, ErrStopped)
			return
		}
		if num != l.conn {
			l.reset()
			l.conn = num
		}
		now := s.cfg.Now()
		s.mu.Lock()
		burst, rate := s.paceLocked(l.kind)
		s.mu.Unlock()
		wait := l.wait(now, burst, rate)
		if op.spec.every != 0 {
			every := op.spec.every
			if every < 0 {
				every = s.cfg.Pace.PlaylistEvery
			}
			if last, ok := l.lastSent[op.event]; ok {
				wait = max(wait, last.Add(every).Sub(now))
			}
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-op.ctx.Done():
				t.Stop()
				op.finish(Confirmation{}, &RefusedError{Kind: RefusedRateLimited, Message: "deadline passed while waiting for CyTube's rate limit"})
				return
			case <-ctx.Done():
				t.Stop()
				op.finish(Confirmation{}, ErrStopped)
				return
			}
			continue
		}
		s.mu.Lock()
		if s.state != StateReady || s.conn == nil {
			s.mu.Unlock()
			continue
		}
		if err := op.spec.permit(s.ch); err != nil {
			s.mu.Unlock()
			op.finish(Confirmation{}, err)
			return
		}
		if op.ctx.Err() != nil {
			s.mu.Unlock()
			op.finish(Confirmation{}, op.ctx.Err())
			return
		}
		conn := s.conn
		op.conn = s.connNum
		op.sent = true
		if !op.spec.noConfirm(s.ch) {
			s.pending = append(s.pending, op)
		}
		s.mu.Unlock()
		l.take()
		l.lastSent[op.event] = now
		var args []any
		if op.raw != nil {
			args = []any{op.raw}
		}
		if err := conn.Emit(op.ctx, op.event, args...); err != nil {
			s.mu.Lock()
			s.pending = slices.DeleteFunc(s.pending, func(p *sendOp) bool { return p == op })
			s.mu.Unlock()
			op.finish(Confirmation{}, fmt.Errorf("%w: %w", ErrConnectionLost, err))
			return
		}
		s.mu.Lock()
		unconfirmable := op.spec.noConfirm(s.ch)
		s.mu.Unlock()
		if unconfirmable {
			op.finish(Confirmation{Unconfirmable: true}, nil)
		}
		return
	}
}

// paceLocked returns the (burst, per-second rate) CyTube applies to this
// lane for our rank and the channel's options.
func (s *Session) paceLocked(k laneKind) (float64, float64) {
	p := s.cfg.Pace
	switch k {
	case laneChat:
		if s.ch.antiflood && s.ch.OwnRank < 2 && s.ch.antifloodRate > 0 {
			return max(1, s.ch.antifloodBurst), s.ch.antifloodRate
		}
		return p.ChatBurst, p.ChatPerSecond
	case laneQueue:
		if s.ch.OwnRank >= 2 {
			return p.ModQueueBurst, p.ModQueuePerSecond
		}
		return p.QueueBurst, p.QueuePerSecond
	}
	return 0, 0
}

// match resolves the oldest pending command that ev confirms or refuses.
// Commands are answered in the order CyTube processed them, so the first
// match in send order is the right one.
func (s *Session) match(ev *Event, own string) {
	s.mu.Lock()
	var hit *sendOp
	var res opResult
	for i, op := range s.pending {
		if op.conn != ev.Conn {
			continue
		}
		ok, err := op.spec.check(ev, own)
		if !ok {
			continue
		}
		hit = op
		res = opResult{Confirmation{Event: ev.Name, Arg: ev.Arg}, err}
		if err != nil {
			res.conf = Confirmation{}
		}
		s.pending = slices.Delete(s.pending, i, i+1)
		break
	}
	s.mu.Unlock()
	if hit != nil {
		hit.finish(res.conf, res.err)
	}
}

// spec is what the session knows about one kind of command: its lane, the
// permission it needs, and the events that confirm or refuse it.
type spec struct {
	lane laneKind
	// every is a minimum spacing between two sends of this event; -1
	// means Config.Pace.PlaylistEvery.
	every time.Duration
	// permit refuses locally what CyTube would ignore or kick us for.
	permit func(ch *channelState) error
	// check reports whether ev answers the command, and with which error.
	check func(ev *Event, own string) (bool, error)
	// noConfirm reports that CyTube sends this user no answer to it.
	noConfirm func(ch *channelState) bool
}

func never(*channelState) bool    { return false }
func allowed(*channelState) error { return nil }

// needPerm refuses when our rank is below the permission map's entry. With
// an open playlist the "o" variant of a playlist permission also counts.
func needPerm(key string, open bool) func(*channelState) error {
	return func(ch *channelState) error {
		min, ok := ch.perm(key)
		if !ok || ch.OwnRank >= min {
			return nil
		}
		if open && !ch.Locked {
			if omin, ok := ch.perm("o" + key); ok && ch.OwnRank >= omin {
				return nil
			}
		}
		return &RefusedError{Kind: RefusedNotPermitted, Message: fmt.Sprintf("permission %q needs rank %g; this account has rank %g", key, min, ch.OwnRank)}
	}
}

func needRank(min float64, what string) func(*channelState) error {
	return func(ch *channelState) error {
		if ch.OwnRank >= min {
			return nil
		}
		return &RefusedError{Kind: RefusedNotPermitted, Message: fmt.Sprintf("%s needs rank %g; this account has rank %g", what, min, ch.OwnRank)}
	}
}

func loggedIn(next func(*channelState) error) func(*channelState) error {
	return func(ch *channelState) error {
		if ch.OwnName == "" {
			return &RefusedError{Kind: RefusedNotPermitted, Message: "not logged in: configure a user name to send chat"}
		}
		return next(ch)
	}
}

func field[T any](arg json.RawMessage, key string) (T, bool) {
	var zero T
	var m map[string]json.RawMessage
	if json.Unmarshal(arg, &m) != nil {
		return zero, false
	}
	raw, ok := m[key]
	if !ok {
		return zero, false
	}
	var v T
	if json.Unmarshal(raw, &v) != nil {
		return zero, false
	}
	return v, true
}

func errorText(ev *Event) string {
	if s, ok := field[string](ev.Arg, "msg"); ok {
		return html.UnescapeString(s)
	}
	return ""
}

// typecheckFor matches CyTube's payload typecheck errors for event.
func typecheckFor(ev *Event, event string) (bool, error) {
	if ev.Name != "errorMsg" {
		return false, nil
	}
	msg := errorText(ev)
	if strings.HasPrefix(msg, "Unexpected error for message "+event+":") {
		return true, &RefusedError{Kind: RefusedInvalid, Event: "errorMsg", Message: msg}
	}
	return false, nil
}

func errorPrefix(prefixes ...string) func(ev *Event) (bool, error) {
	return func(ev *Event) (bool, error) {
		if ev.Name != "errorMsg" {
			return false, nil
		}
		msg := errorText(ev)
		for _, p := range prefixes {
			if strings.HasPrefix(msg, p) {
				return true, &RefusedError{Kind: RefusedByServer, Event: "errorMsg", Message: msg}
			}
		}
		return false, nil
	}
}

// chatRefusal matches the refusals CyTube sends for the chat limiter,
// shared by chat, chat commands and PMs.
func chatRefusal(ev *Event) (bool, error) {
	switch ev.Name {
	case "cooldown":
		var ms float64
		_ = json.Unmarshal(ev.Arg, &ms)
		return true, &RefusedError{Kind: RefusedRateLimited, Event: "cooldown", Message: "dropped by CyTube's chat flood limit", RetryAfter: time.Duration(ms * float64(time.Millisecond))}
	case "noflood":
		msg, _ := field[string](ev.Arg, "msg")
		return true, &RefusedError{Kind: RefusedMuted, Event: "noflood", Message: msg}
	case "spamFiltered":
		reason, _ := field[string](ev.Arg, "reason")
		return true, &RefusedError{Kind: RefusedSpamFiltered, Event: "spamFiltered", Message: reason}
	}
	return false, nil
}

func nameIs(ev *Event, key, want string) bool {
	v, ok := field[string](ev.Arg, key)
	return ok && strings.EqualFold(v, want)
}

func isInt(arg json.RawMessage, want int64) bool {
	var v int64
	return json.Unmarshal(arg, &v) == nil && v == want
}

// on builds a check confirmed by any event named one of names that also
// satisfies pred (nil = any), refused by refuse.
func on(names []string, pred func(ev *Event, own string) bool, refusers ...func(ev *Event) (bool, error)) func(*Event, string) (bool, error) {
	return func(ev *Event, own string) (bool, error) {
		for _, r := range refusers {
			if ok, err := r(ev); ok {
				return true, err
			}
		}
		if slices.Contains(names, ev.Name) && (pred == nil || pred(ev, own)) {
			return true, nil
		}
		return false, nil
	}
}

// specFor knows how each CyTube command is paced, permitted and answered
// (protocol reference §4).
func specFor(event string, arg json.RawMessage) (spec, error) {
	sp := spec{lane: laneOther, permit: allowed, noConfirm: never}
	tc := func(ev *Event) (bool, error) { return typecheckFor(ev, event) }
	switch event {
	case "chatMsg":
		msg, _ := field[string](arg, "msg")
		return chatSpec(msg, tc), nil
	case "pm":
		to, _ := field[string](arg, "to")
		sp.lane = laneChat
		sp.permit = loggedIn(allowed)
		sp.check = on([]string{"pm"}, func(ev *Event, own string) bool {
			return ev.Self && nameIs(ev, "to", to)
		}, chatRefusal, tc, errorPrefix("PM failed", "You can't PM yourself", "You must be signed in"))
	case "queue":
		id, _ := field[string](arg, "id")
		typ, _ := field[string](arg, "type")
		pos, _ := field[string](arg, "pos")
		key := "playlistadd"
		if pos == "next" {
			key = "playlistnext"
		}
		sp.lane = laneQueue
		sp.permit = loggedIn(needPerm(key, true))
		sp.check = on([]string{"queue"}, func(ev *Event, own string) bool {
			var v struct {
				Item wireItem `json:"item"`
			}
			if json.Unmarshal(ev.Arg, &v) != nil || !strings.EqualFold(v.Item.QueueBy, own) {
				return false
			}
			return v.Item.Media.ID == id || (typ == "cu" && v.Item.Media.Type == "cu")
		}, tc, func(ev *Event) (bool, error) {
			if ev.Name != "queueFail" {
				return false, nil
			}
			if fid, ok := field[string](ev.Arg, "id"); ok && fid != id {
				return false, nil
			}
			msg := errorText(ev)
			if strings.Contains(msg, "too quickly") {
				return true, &RefusedError{Kind: RefusedRateLimited, Event: "queueFail", Message: msg, RetryAfter: time.Second}
			}
			return true, &RefusedError{Kind: RefusedByServer, Event: "queueFail", Message: msg}
		})
	case "delete":
		var uid int64
		_ = json.Unmarshal(arg, &uid)
		sp.permit = needPerm("playlistdelete", true)
		sp.check = on([]string{"delete"}, func(ev *Event, _ string) bool {
			v, ok := field[int64](ev.Arg, "uid")
			return ok && v == uid
		}, tc)
	case "moveMedia":
		from, _ := field[int64](arg, "from")
		sp.permit = needPerm("playlistmove", true)
		sp.check = on([]string{"moveVideo"}, func(ev *Event, _ string) bool {
			v, ok := field[int64](ev.Arg, "from")
			return ok && v == from
		}, tc)
	case "jumpTo":
		var uid int64
		_ = json.Unmarshal(arg, &uid)
		sp.permit = needPerm("playlistjump", true)
		sp.check = on([]string{"setCurrent"}, func(ev *Event, _ string) bool { return isInt(ev.Arg, uid) }, tc)
	case "playNext":
		sp.permit = needPerm("playlistjump", true)
		sp.check = on([]string{"setCurrent"}, nil)
	case "setTemp":
		uid, _ := field[int64](arg, "uid")
		sp.permit = needPerm("settemp", false)
		sp.check = on([]string{"setTemp"}, func(ev *Event, _ string) bool {
			v, ok := field[int64](ev.Arg, "uid")
			return ok && v == uid
		}, tc)
	case "togglePlaylistLock":
		sp.permit = needPerm("playlistlock", false)
		sp.check = on([]string{"setPlaylistLocked"}, nil)
	case "shufflePlaylist":
		sp.permit = needPerm("playlistshuffle", false)
		sp.check = on([]string{"playlist"}, nil)
	case "clearPlaylist":
		sp.permit = needPerm("playlistclear", false)
		sp.check = on([]string{"playlist"}, nil)
	case "requestPlaylist":
		sp.every = -1 // Config.Pace.PlaylistEvery
		sp.permit = needPerm("seeplaylist", false)
		sp.check = on([]string{"playlist"}, nil, func(ev *Event) (bool, error) {
			if code, ok := field[string](ev.Arg, "code"); ok && ev.Name == "errorMsg" && code == "REQ_PLAYLIST_LIMIT_REACHED" {
				return true, &RefusedError{Kind: RefusedRateLimited, Event: "errorMsg", Message: errorText(ev)}
			}
			return false, nil
		})
	case "assignLeader":
		name, _ := field[string](arg, "name")
		sp.permit = needPerm("leaderctl", false)
		sp.check = on([]string{"setLeader"}, func(ev *Event, _ string) bool {
			var v string
			return json.Unmarshal(ev.Arg, &v) == nil && strings.EqualFold(v, name)
		}, tc, errorPrefix("Unable to assign leader"))
	case "mediaUpdate":
		sp.permit = func(ch *channelState) error {
			if ch.Leader != "" && strings.EqualFold(ch.Leader, ch.OwnName) {
				return nil
			}
			return &RefusedError{Kind: RefusedNotPermitted, Message: "only the leader may send mediaUpdate"}
		}
		sp.check = on([]string{"mediaUpdate"}, nil, tc)
	case "voteskip":
		sp.permit = needPerm("voteskip", false)
		sp.noConfirm = func(ch *channelState) bool {
			min, ok := ch.perm("viewvoteskip")
			return ok && ch.OwnRank < min
		}
		sp.check = on([]string{"voteskip"}, nil)
	case "newPoll":
		sp.permit = needPerm("pollctl", false)
		sp.check = on([]string{"newPoll"}, nil, tc, errorPrefix("Polls are limited"))
	case "vote":
		sp.permit = needPerm("pollvote", false)
		sp.check = on([]string{"updatePoll"}, nil, tc)
	case "closePoll":
		sp.permit = needPerm("pollctl", false)
		sp.check = on([]string{"closePoll"}, nil)
	case "setChannelRank":
		name, _ := field[string](arg, "name")
		rank, _ := field[float64](arg, "rank")
		sp.permit = func(ch *channelState) error {
			if rank >= ch.OwnRank {
				return &RefusedError{Kind: RefusedNotPermitted, Message: fmt.Sprintf("rank %g is not below this account's rank %g", rank, ch.OwnRank)}
			}
			return needRank(2, "setChannelRank")(ch)
		}
		sp.check = on([]string{"setUserRank"}, func(ev *Event, _ string) bool { return nameIs(ev, "name", name) }, tc,
			func(ev *Event) (bool, error) {
				if ev.Name == "channelRankFail" {
					return true, &RefusedError{Kind: RefusedByServer, Event: ev.Name, Message: errorText(ev)}
				}
				return false, nil
			})
	case "requestChannelRanks":
		sp.permit = needRank(3, "requestChannelRanks")
		sp.check = on([]string{"channelRanks"}, nil)
	case "setMotd":
		sp.permit = needPerm("motdedit", false)
		sp.check = on([]string{"setMotd"}, nil, tc)
	case "setOptions":
		sp.permit = needRank(2, "setOptions")
		sp.check = on([]string{"channelOpts"}, nil, tc, func(ev *Event) (bool, error) {
			if ev.Name == "validationError" {
				m, _ := field[string](ev.Arg, "message")
				return true, &RefusedError{Kind: RefusedByServer, Event: ev.Name, Message: m}
			}
			return false, nil
		})
	case "setPermissions":
		sp.permit = needRank(3, "setPermissions")
		sp.check = on([]string{"setPermissions"}, nil, tc)
	case "updateEmote", "renameEmote", "removeEmote":
		sp.permit = needPerm("emoteedit", false)
		sp.check = on([]string{event}, nil, tc, errorPrefix(""))
	case "importEmotes":
		sp.permit = needPerm("emoteimport", false)
		sp.check = on([]string{"emoteList"}, nil, tc)
	case "addFilter", "updateFilter":
		sp.permit = needPerm("filteredit", false)
		sp.check = on([]string{"updateChatFilter", "addFilterSuccess"}, nil, tc, errorPrefix(""))
	case "removeFilter":
		sp.permit = needPerm("filteredit", false)
		sp.check = on([]string{"deleteChatFilter"}, nil, tc, errorPrefix(""))
	case "requestChatFilters":
		sp.permit = needPerm("filteredit", false)
		sp.check = on([]string{"chatFilters"}, nil)
	case "setChannelCSS", "setChannelJS":
		sp.permit = needRank(3, event)
		sp.check = on([]string{"channelCSSJS"}, nil, tc)
	case "requestBanlist":
		sp.permit = needPerm("ban", false)
		sp.check = on([]string{"banlist"}, nil)
	case "unban":
		sp.permit = needPerm("ban", false)
		sp.check = on([]string{"banlistRemove"}, nil, tc, errorPrefix(""))
	case "readChanLog":
		sp.permit = needRank(3, "readChanLog")
		sp.check = on([]string{"readChanLog"}, nil)
	case "listPlaylists":
		sp.permit = loggedIn(allowed)
		sp.check = on([]string{"listPlaylists"}, nil, errorPrefix(""))
	case "joinChannel", "login", "channelPassword":
		return spec{}, &RefusedError{Kind: RefusedInvalid, Message: event + " is sent by the session itself"}
	default:
		sp.noConfirm = func(*channelState) bool { return true }
		sp.check = func(*Event, string) (bool, error) { return false, nil }
	}
	return sp, nil
}

// chatSpec covers chatMsg, including the chat commands CyTube handles
// server-side (protocol reference §4 "Chat commands").
func chatSpec(msg string, tc func(*Event) (bool, error)) spec {
	sp := spec{lane: laneChat, noConfirm: never}
	echo := func(ev *Event, _ string) bool { return ev.Name == "chatMsg" && ev.Self && !ev.History }
	fields := strings.Fields(msg)
	cmd, target := "", ""
	if len(fields) > 0 && strings.HasPrefix(fields[0], "/") {
		cmd = strings.ToLower(fields[0])
	}
	if len(fields) > 1 {
		target = fields[1]
	}
	base := needPerm("chat", false)
	switch cmd {
	case "/afk":
		sp.permit = loggedIn(base)
		sp.check = on([]string{"setAFK"}, func(ev *Event, own string) bool { return nameIs(ev, "name", own) }, chatRefusal, tc)
	case "/clear":
		sp.permit = loggedIn(needPerm("chatclear", false))
		sp.check = on([]string{"clearchat"}, nil, chatRefusal, tc)
	case "/kick":
		sp.permit = loggedIn(needPerm("kick", false))
		sp.check = on([]string{"userLeave"}, func(ev *Event, _ string) bool { return nameIs(ev, "name", target) },
			chatRefusal, tc, errorPrefix("You do not have permission to kick", "No kick target"))
	case "/ban", "/ipban", "/banip":
		sp.permit = loggedIn(needPerm("ban", false))
		sp.check = on([]string{"userLeave", "chatMsg"}, func(ev *Event, _ string) bool {
			if ev.Name == "userLeave" {
				return nameIs(ev, "name", target)
			}
			u, _ := field[string](ev.Arg, "username")
			m, _ := field[string](ev.Arg, "msg")
			return u == "[server]" && strings.Contains(m, "banned "+target)
		}, chatRefusal, tc, errorPrefix("You cannot ban", "You do not have permission", "/ban", "/ipban"))
	case "/mute", "/smute", "/unmute":
		sp.permit = loggedIn(needPerm("mute", false))
		sp.check = on([]string{"setUserMeta"}, func(ev *Event, _ string) bool { return nameIs(ev, "name", target) },
			chatRefusal, tc, errorPrefix(cmd+" ", cmd+" failed", cmd+" target"))
	case "/poll", "/hpoll":
		sp.permit = loggedIn(needPerm("pollctl", false))
		sp.check = on([]string{"newPoll"}, nil, chatRefusal, tc, errorPrefix("Polls are limited"))
	case "/say", "/shout", "/rcv":
		sp.permit = loggedIn(needRank(2, cmd))
		sp.check = on([]string{"chatMsg"}, echo, chatRefusal, tc)
	default:
		sp.permit = loggedIn(base)
		sp.check = on([]string{"chatMsg"}, echo, chatRefusal, tc)
	}
	return sp
}
