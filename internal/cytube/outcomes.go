package cytube

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// This file knows, for every command, what CyTube 3.86 answers: the event
// that proves it took effect (and only for this command), each refusal
// with CyTube's words, and the silent ignores the session can predict from
// its state and so refuses before sending. docs/command-outcomes.md is the
// table this code follows; its row ids are cited below.

// errShadow marks a chat line CyTube showed only to moderators and other
// shadow-muted users (P14).
var errShadow = errors.New("shadow-muted")

// errUnconfirmable marks an answer that shows the command was accepted but
// cannot prove it was this command (e.g. the setPlaylistMeta a queue below
// seeplaylist gets, q-25): the result is ok and unconfirmed.
var errUnconfirmable = errors.New("unconfirmable")

// checkCtx is what a check sees besides the event: our name, the channel
// state (read under Session.mu) and the command itself.
type checkCtx struct {
	own string
	ch  *channelState
	op  *sendOp
}

// spec is what the session knows about one kind of command: its lane and
// limiter, the permission it needs, and the events that answer it.
type spec struct {
	lane    laneKind
	limiter limiterKind
	// cost is how often CyTube charges the limiter for it (2 for /me...).
	cost int
	// permit refuses locally what CyTube would ignore or kick us for.
	permit func(ch *channelState) error
	// prepare records, at send time, what the answer must show (the next
	// uid, a poll count, the lock state...).
	prepare func(ch *channelState) any
	// bind, when set, builds the frame's argument at send time from the
	// state it depends on (the current media of a seek, the own rank of a
	// modflair); permit has passed.
	bind func(ch *channelState) (json.RawMessage, error)
	// check reports whether ev answers the command, and with which error.
	check func(ev *Event, c checkCtx) (bool, error)
	// noConfirm reports that CyTube sends this user no answer to it.
	noConfirm func(ch *channelState) bool
	// residue, when set, recognises the further events CyTube sends for
	// this command after the one that answered it (an /ipban sends one
	// [server] line per banned IP and one for the name, in no fixed
	// order: src/channel/kickban.js:392-425). For residueTTL after the
	// answer they belong to this command and answer no later one.
	residue func(ev *Event, c checkCtx) bool
}

// residueTTL is how long an answered command keeps its further events.
const residueTTL = 10 * time.Second

// residue is an answered command that may still get events.
type residue struct {
	op    *sendOp
	conn  uint64
	until time.Time
}

func never(*channelState) bool    { return false }
func allowed(*channelState) error { return nil }

// match resolves the oldest pending command that ev confirms or refuses.
// Commands are answered in the order CyTube processed them, so the first
// match in send order is the right one. A cooldown for a command whose
// lane waits for it goes back to the lane, which sends it again in its
// place.
func (s *Session) match(ev *Event, own string) {
	s.mu.Lock()
	now := time.Now()
	s.residues = slices.DeleteFunc(s.residues, func(r residue) bool { return r.conn != ev.Conn || now.After(r.until) })
	for _, r := range s.residues {
		if r.op.spec.residue(ev, checkCtx{own: own, ch: s.ch, op: r.op}) {
			s.mu.Unlock()
			return
		}
	}
	var hit *sendOp
	var res opResult
	for i, op := range s.pending {
		if op.conn != ev.Conn {
			continue
		}
		ok, err := op.spec.check(ev, checkCtx{own: own, ch: s.ch, op: op})
		if !ok {
			continue
		}
		s.pending = slices.Delete(s.pending, i, i+1)
		var re *RefusedError
		if errors.As(err, &re) && re.Kind == RefusedRateLimited && re.RetryAfter > 0 && op.laneWaits && deadlineAllows(op, re.RetryAfter) {
			op.laneWaits, op.sent = false, false
			select {
			case op.retry <- re.RetryAfter:
			default:
			}
			s.mu.Unlock()
			return
		}
		hit = op
		switch {
		case errors.Is(err, errShadow):
			res = opResult{Confirmation{Event: ev.Name, Msg: ev.Msg, ShadowMuted: true}, nil}
		case errors.Is(err, errUnconfirmable):
			res = opResult{Confirmation{Event: ev.Name, Msg: ev.Msg, Unconfirmable: true}, nil}
		case err != nil:
			res = opResult{Confirmation{}, err}
		default:
			res = opResult{Confirmation{Event: ev.Name, Msg: ev.Msg}, nil}
		}
		if op.spec.residue != nil {
			s.residues = append(s.residues, residue{op: op, conn: ev.Conn, until: now.Add(residueTTL)})
		}
		break
	}
	s.mu.Unlock()
	if hit != nil {
		if res.err == nil {
			// The event that confirmed a command is caused by it.
			ev.Cause = hit.trace
		}
		hit.finish(res.conf, res.err)
	}
}

func deadlineAllows(op *sendOp, d time.Duration) bool {
	dl, ok := op.ctx.Deadline()
	return !ok || time.Until(dl) > d
}

// needPerm refuses when our rank is below the permission map's entry. With
// an open playlist the "o" variant of a playlist permission also counts
// (src/channel/permissions.js:83-94). A key missing from a known map is
// granted to nobody (`rank >= undefined` is false): unregistered channels
// lack kick, mute, ban, motdedit and others (jn-19).
func needPerm(key string, open bool) func(*channelState) error {
	return func(ch *channelState) error {
		if ch.Permissions == nil {
			return nil // not known yet: let CyTube decide
		}
		min, ok := ch.perm(key)
		if ok && ch.OwnRank >= min {
			return nil
		}
		if open && !ch.Locked {
			if omin, ok := ch.perm("o" + key); ok && ch.OwnRank >= omin {
				return nil
			}
		}
		if !ok {
			return &RefusedError{Kind: RefusedNotPermitted, Message: fmt.Sprintf("permission %q is granted to nobody in this channel (CyTube's permission map has no entry for it, as in unregistered channels)", key)}
		}
		return &RefusedError{Kind: RefusedNotPermitted, Message: fmt.Sprintf("permission %q needs rank %g; this account has rank %g", key, min, ch.OwnRank)}
	}
}

// queuePerm is needPerm for the media types CyTube refuses with a
// queueFail of its own words (q-6 to q-9).
func queuePerm(key, words string) func(*channelState) error {
	check := needPerm(key, true)
	return func(ch *channelState) error {
		if err := check(ch); err != nil {
			return &RefusedError{Kind: RefusedNotPermitted, Message: words + " (" + err.Error() + ")"}
		}
		return nil
	}
}

// isLive is CyTube's util.isLive (src/utilities.js:229-239).
func isLive(typ string) bool {
	switch typ {
	case "li", "tw", "rt", "cu", "hl":
		return true
	}
	return false
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

func all(checks ...func(*channelState) error) func(*channelState) error {
	return func(ch *channelState) error {
		for _, c := range checks {
			if err := c(ch); err != nil {
				return err
			}
		}
		return nil
	}
}

// userPresent refuses when name is not in the channel (CyTube ignores the
// command or answers only after charging a limiter).
func userPresent(name, what string) func(*channelState) error {
	return func(ch *channelState) error {
		if ch.userIndex(name) >= 0 {
			return nil
		}
		return &RefusedError{Kind: RefusedNotFound, Message: fmt.Sprintf("%s is not in the channel: CyTube ignores %s for an absent user", name, what)}
	}
}

// itemPresent refuses a uid that is not in the playlist (del-3, j-3,
// tmp-3, mv-3): CyTube ignores it.
func itemPresent(uid int64, what string) func(*channelState) error {
	return func(ch *channelState) error {
		// Below seeplaylist CyTube sends no playlist: nothing to go by.
		if ch.itemIndex(uid) >= 0 || belowPerm("seeplaylist")(ch) {
			return nil
		}
		return &RefusedError{Kind: RefusedNotFound, Message: fmt.Sprintf("no playlist item has uid %d: CyTube ignores %s for an unknown uid", uid, what)}
	}
}

// belowPerm reports that our rank is below a known permission (used for
// the broadcasts CyTube sends only from that rank, e.g. seeplaylist).
func belowPerm(key string) func(*channelState) bool {
	return func(ch *channelState) bool {
		min, ok := ch.perm(key)
		return ch.Permissions != nil && (!ok || ch.OwnRank < min)
	}
}

// msgOf is ev's decoded message as T, or T's nil (whose getters return
// zero values) when ev is another event or did not decode.
func msgOf[T proto.Message](ev *Event) T {
	m, _ := ev.Msg.(T)
	return m
}

// errorText is the text of errorMsg, queueFail or channelRankFail,
// whatever CyTube put in msg (a string, or an object such as an Error
// serialised by socket.io).
func errorText(ev *Event) string {
	switch m := ev.Msg.(type) {
	case *cytubev1.ErrorMsg:
		if s, ok := m.GetMsgValue().GetKind().(*structpb.Value_StringValue); ok {
			return html.UnescapeString(s.StringValue)
		}
		return valueText(m.GetMsgValue())
	case *cytubev1.QueueFail:
		return html.UnescapeString(m.GetMsg())
	case *cytubev1.ChannelRankFail:
		return html.UnescapeString(m.GetMsg())
	}
	return ""
}

// typecheckFor matches CyTube's payload typecheck errors for event
// (src/io/ioserver.js:337-339).
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

// errorIs matches errorMsg texts exactly (case-insensitively: CyTube
// lower-cases the names it quotes).
func errorIs(texts ...string) func(ev *Event) (bool, error) {
	return func(ev *Event) (bool, error) {
		if ev.Name != "errorMsg" {
			return false, nil
		}
		msg := errorText(ev)
		for _, t := range texts {
			if strings.EqualFold(msg, t) {
				return true, &RefusedError{Kind: RefusedByServer, Event: "errorMsg", Message: msg}
			}
		}
		return false, nil
	}
}

// chatRefusal matches the refusals CyTube sends for the chat limiter,
// shared by chat, chat commands and PMs (P4, P11, P15, pm-7).
func chatRefusal(ev *Event) (bool, error) {
	switch ev.Name {
	case "cooldown":
		ms := msgOf[*cytubev1.Cooldown](ev).GetValueNumber()
		return true, &RefusedError{Kind: RefusedRateLimited, Event: "cooldown", Message: "dropped by CyTube's chat flood limit", RetryAfter: time.Duration(ms * float64(time.Millisecond))}
	case "noflood":
		return true, &RefusedError{Kind: RefusedMuted, Event: "noflood", Message: msgOf[*cytubev1.Noflood](ev).GetMsg()}
	case "spamFiltered":
		return true, &RefusedError{Kind: RefusedSpamFiltered, Event: "spamFiltered", Message: msgOf[*cytubev1.SpamFiltered](ev).GetReason()}
	}
	return false, nil
}

// userOf is the user an event is about: the name of addUser, userLeave,
// setUserRank, setAFK, setUserMeta or setUserProfile.
func userOf(ev *Event) (string, bool) {
	switch m := ev.Msg.(type) {
	case *cytubev1.AddUser:
		return m.GetName(), true
	case *cytubev1.UserLeave:
		return m.GetName(), true
	case *cytubev1.SetUserRank:
		return m.GetName(), true
	case *cytubev1.SetAFK:
		return m.GetName(), true
	case *cytubev1.SetUserMeta:
		return m.GetName(), true
	case *cytubev1.SetUserProfile:
		return m.GetName(), true
	}
	return "", false
}

// aboutUser reports whether ev is about the user want (userOf).
func aboutUser(ev *Event, want string) bool {
	name, ok := userOf(ev)
	return ok && strings.EqualFold(name, want)
}

// serverLine returns the text of a `[server]` chat line (sendModMessage,
// src/channel/chat.js:414-434; not HTML-escaped).
func serverLine(ev *Event) (string, bool) {
	if ev.Name != "chatMsg" || ev.History {
		return "", false
	}
	m := msgOf[*cytubev1.ChatMsg](ev)
	if m.GetUsername() != "[server]" {
		return "", false
	}
	return m.GetMsg(), true
}

func serverLineIs(ev *Event, want string) bool {
	m, ok := serverLine(ev)
	return ok && strings.EqualFold(m, want)
}

// answered builds a check: the first refuser that recognises ev decides,
// otherwise confirm does.
func answered(confirm func(ev *Event, c checkCtx) (bool, error), refusers ...func(ev *Event) (bool, error)) func(*Event, checkCtx) (bool, error) {
	return func(ev *Event, c checkCtx) (bool, error) {
		for _, r := range refusers {
			if ok, err := r(ev); ok {
				return true, err
			}
		}
		return confirm(ev, c)
	}
}

// on builds a check confirmed by any event named one of names that also
// satisfies pred (nil = any), refused by refusers.
func on(names []string, pred func(ev *Event, c checkCtx) bool, refusers ...func(ev *Event) (bool, error)) func(*Event, checkCtx) (bool, error) {
	return answered(func(ev *Event, c checkCtx) (bool, error) {
		return slices.Contains(names, ev.Name) && (pred == nil || pred(ev, c)), nil
	}, refusers...)
}

// banFor finds a ban by id, or by name (case-insensitively) when id is 0.
// A name banned by IP too has one entry per address besides its name ban
// (ip "*"); the name ban is the one a name finds.
func banFor(ch *channelState, id int64, name string) *cytubev1.BanEntry {
	var found *cytubev1.BanEntry
	for _, b := range ch.bans {
		switch {
		case id > 0 && b.GetId() == id:
			return b
		case id == 0 && strings.EqualFold(b.GetName(), name):
			if found == nil || b.GetIp() == "*" {
				found = b
			}
		}
	}
	return found
}

// pollCount reads one entry of a poll's counts: a number, or "N?" as
// CyTube shows hidden counts to rank >= viewhiddenpoll; "?" is unknown.
func pollCount(c *cytubev1.PollCount) (int, bool) {
	switch v := c.GetValue().(type) {
	case *cytubev1.PollCount_Count:
		return int(v.Count), true
	case *cytubev1.PollCount_Obscured:
		if n, err := strconv.Atoi(strings.TrimSuffix(v.Obscured, "?")); err == nil {
			return n, true
		}
	}
	return 0, false
}

// perUserLimits refuses a queue CyTube would refuse for the channel's
// per-user limits, as far as the playlist shows it (q-17, q-18:
// src/channel/playlist.js:965-988): the own items already reach
// playlist_max_per_user, or their total time already reaches
// playlist_max_duration_per_user (any new item then exceeds it).
func perUserLimits(ch *channelState) error {
	if belowPerm("seeplaylist")(ch) || ch.OwnName == "" {
		return nil // the playlist is not known
	}
	n, total := 0, 0.0
	for _, it := range ch.Playlist {
		if strings.EqualFold(it.QueueBy, ch.OwnName) {
			n++
			total += it.Media.Seconds
		}
	}
	if max := ch.opts.GetPlaylistMaxPerUserNumber(); max > 0 && float64(n) >= max {
		if needPerm("exceedmaxitems", false)(ch) != nil {
			return &RefusedError{Kind: RefusedNotPermitted, Message: fmt.Sprintf("Channel limit exceeded: maximum number of videos per user (%d queued, playlist_max_per_user is %g)", n, max)}
		}
	}
	if max := ch.opts.GetPlaylistMaxDurationPerUserNumber(); max > 0 && total >= max {
		if needPerm("exceedmaxdurationperuser", false)(ch) != nil {
			return &RefusedError{Kind: RefusedNotPermitted, Message: fmt.Sprintf("Channel limit exceeded: maximum total playlist time per user (%g s queued, playlist_max_duration_per_user is %g)", total, max)}
		}
	}
	return nil
}

// specFor knows how each CyTube command is paced, permitted and answered.
func specFor(event string, a cmdArgs) (spec, error) {
	sp := spec{lane: laneOther, cost: 1, permit: allowed, noConfirm: never}
	tc := func(ev *Event) (bool, error) { return typecheckFor(ev, event) }
	switch event {
	case "chatMsg":
		sp := chatSpec(a.msg, tc)
		if a.modflair {
			sp.permit = all(sp.permit, needRank(2, "modflair"))
			msg := a.msg
			sp.bind = func(ch *channelState) (json.RawMessage, error) {
				return json.Marshal(struct {
					Meta struct {
						Modflair float64 `json:"modflair"`
					} `json:"meta"`
					Msg string `json:"msg"`
				}{Meta: struct {
					Modflair float64 `json:"modflair"`
				}{ch.OwnRank}, Msg: msg})
			}
		}
		return sp, nil
	case "pm":
		to := a.to
		sp.lane, sp.limiter = laneChat, limChat
		sp.permit = loggedIn(func(ch *channelState) error {
			if strings.EqualFold(to, ch.OwnName) {
				return &RefusedError{Kind: RefusedInvalid, Message: "CyTube refuses a PM to yourself (pm-5)"}
			}
			return userPresent(to, "a PM")(ch)
		})
		sp.check = on([]string{"pm"}, func(ev *Event, _ checkCtx) bool {
			return ev.Self && strings.EqualFold(msgOf[*cytubev1.Pm](ev).GetTo(), to)
		}, chatRefusal, tc, errorPrefix("PM failed", "You can't PM yourself", "You must be signed in"))
	case "queue":
		id, typ, pos := a.id, a.typ, a.pos
		sp.lane, sp.limiter = laneQueue, limQueue
		// q-4 and q-5: "next" needs playlistnext in addition to playlistadd.
		perms := []func(*channelState) error{needPerm("playlistadd", true)}
		if pos == "next" {
			perms = append(perms, needPerm("playlistnext", true))
		}
		// q-6 to q-9: some types need one more permission; CyTube answers
		// with these words (src/channel/playlist.js:424-451).
		switch {
		case typ == "yp":
			perms = append(perms, queuePerm("playlistaddlist", "You don't have permission to add playlists"))
		case isLive(typ):
			perms = append(perms, queuePerm("playlistaddlive", "You don't have permission to add live media"))
		}
		switch typ {
		case "cu":
			perms = append(perms, queuePerm("playlistaddcustom", "You don't have permission to add custom embeds"))
		case "fi", "cm":
			perms = append(perms, queuePerm("playlistaddrawfile", "You don't have permission to add raw video files"))
		}
		perms = append(perms, perUserLimits)
		sp.permit = all(perms...)
		queued := func(ev *Event, c checkCtx) bool {
			item := msgOf[*cytubev1.Queue](ev).GetItem()
			if item == nil || !strings.EqualFold(item.GetQueueby(), c.own) {
				return false
			}
			got := mediaFrom(item.GetMedia())
			switch typ {
			case "yt", "li", "rt", "hl", "fi", "cm", "":
				// CyTube keeps these ids as sent (src/get-info.js).
				return got.ID == id && (got.Type == typ || typ == "")
			case "yp":
				return got.Type == "yt" // one queue per video (q-24)
			}
			// Every other type's id is rewritten by CyTube or comes from
			// the provider's lookup (cu, tw, tv, tc, dm, vi, gd, sb, pt,
			// bc, od, bn, nv, sc: src/get-info.js), so the type decides;
			// the oldest pending queue of the type takes it (q-22).
			return got.Type == typ
		}
		// q-25: below seeplaylist a success shows only as the
		// setPlaylistMeta every user gets (src/channel/playlist.js:1025-1032),
		// which anyone's queue also sends; refusals still come as queueFail.
		sp.check = answered(func(ev *Event, c checkCtx) (bool, error) {
			switch {
			case ev.Name == "queue":
				return queued(ev, c), nil
			case ev.Name == "setPlaylistMeta" && belowPerm("seeplaylist")(c.ch):
				return true, errUnconfirmable
			}
			return false, nil
		}, tc, func(ev *Event) (bool, error) {
			if ev.Name != "queueFail" {
				return false, nil
			}
			if fid := msgOf[*cytubev1.QueueFail](ev).GetId(); fid != "" && fid != id {
				return false, nil
			}
			msg := errorText(ev)
			if strings.Contains(msg, "too quickly") {
				return true, &RefusedError{Kind: RefusedRateLimited, Event: "queueFail", Message: msg, RetryAfter: time.Second}
			}
			return true, &RefusedError{Kind: RefusedByServer, Event: "queueFail", Message: msg}
		})
	case "delete":
		uid := a.uid
		sp.permit = all(needPerm("playlistdelete", true), itemPresent(uid, "delete"))
		sp.noConfirm = belowPerm("seeplaylist") // del-7
		sp.check = on([]string{"delete"}, func(ev *Event, _ checkCtx) bool {
			return msgOf[*cytubev1.Delete](ev).GetUid() == uid
		}, tc)
	case "moveMedia":
		from := a.uid
		sp.permit = all(needPerm("playlistmove", true), itemPresent(from, "moveMedia"), func(ch *channelState) error {
			if !a.afterOK {
				return &RefusedError{Kind: RefusedInvalid, Message: "after must be a uid, \"prepend\" or \"append\""}
			}
			if a.after != "" {
				if a.after == "prepend" || a.after == "append" {
					return nil
				}
				return &RefusedError{Kind: RefusedInvalid, Message: fmt.Sprintf("after %q is neither a uid, \"prepend\" nor \"append\"", a.after)}
			}
			to := a.afterUID
			if to == from {
				return &RefusedError{Kind: RefusedInvalid, Message: "an item cannot be moved after itself: CyTube ignores it (mv-3)"}
			}
			// mv-4: CyTube would remove the item and lose it.
			return itemPresent(to, "moveMedia after it (and would lose the moved item)")(ch)
		})
		sp.check = on([]string{"moveVideo"}, func(ev *Event, _ checkCtx) bool {
			return msgOf[*cytubev1.MoveVideo](ev).GetFrom() == from
		}, tc)
	case "jumpTo":
		uid := a.uid
		sp.permit = all(needPerm("playlistjump", true), itemPresent(uid, "jumpTo"))
		sp.check = on([]string{"setCurrent"}, func(ev *Event, _ checkCtx) bool { return msgOf[*cytubev1.SetCurrent](ev).GetValue() == uid }, tc)
	case "playNext":
		sp.permit = all(needPerm("playlistjump", true), func(ch *channelState) error {
			if !ch.HasCurrent || ch.itemIndex(ch.CurrentUID) < 0 {
				return &RefusedError{Kind: RefusedNotFound, Message: "nothing is playing: CyTube ignores playNext without a current item (nx-2)"}
			}
			return nil
		})
		sp.prepare = func(ch *channelState) any { return nextOf(ch) }
		sp.check = func(ev *Event, c checkCtx) (bool, error) {
			want, _ := c.op.want.(nextWant)
			if want.onlyDelete {
				// nx-5: the temporary current item was the only one.
				return ev.Name == "delete" && msgOf[*cytubev1.Delete](ev).GetUid() == want.current, nil
			}
			return ev.Name == "setCurrent" && msgOf[*cytubev1.SetCurrent](ev).GetValue() == want.next, nil
		}
	case "setTemp":
		uid := a.uid
		sp.permit = all(needPerm("settemp", false), itemPresent(uid, "setTemp"))
		sp.check = on([]string{"setTemp"}, func(ev *Event, _ checkCtx) bool {
			return msgOf[*cytubev1.SetTemp](ev).GetUid() == uid
		}, tc)
	case "togglePlaylistLock":
		sp.permit = needPerm("playlistlock", false)
		sp.prepare = func(ch *channelState) any { return !ch.Locked }
		sp.check = on([]string{"setPlaylistLocked"}, func(ev *Event, c checkCtx) bool {
			want, _ := c.op.want.(bool)
			return msgOf[*cytubev1.SetPlaylistLocked](ev).GetValue() == want
		})
	case "shufflePlaylist":
		sp.permit = needPerm("playlistshuffle", false)
		sp.noConfirm = belowPerm("seeplaylist") // sh-3
		sp.check = on([]string{"playlist"}, nil)
	case "clearPlaylist":
		// The empty playlist goes to the whole room, whatever the rank
		// (src/channel/playlist.js:738).
		sp.permit = needPerm("playlistclear", false)
		sp.check = on([]string{"playlist"}, func(ev *Event, _ checkCtx) bool { return len(msgOf[*cytubev1.Playlist](ev).GetItems()) == 0 })
	case "requestPlaylist":
		sp.limiter = limReqPlaylist
		sp.permit = needPerm("seeplaylist", false)
		sp.check = on([]string{"playlist"}, nil, func(ev *Event) (bool, error) {
			if msgOf[*cytubev1.ErrorMsg](ev).GetCode() == "REQ_PLAYLIST_LIMIT_REACHED" {
				return true, &RefusedError{Kind: RefusedRateLimited, Event: "errorMsg", Message: errorText(ev), RetryAfter: 60 * time.Second}
			}
			return false, nil
		})
	case "assignLeader":
		name := a.name
		sp.permit = all(needPerm("leaderctl", false), func(ch *channelState) error {
			if name == "" || slices.ContainsFunc(ch.Users, func(u User) bool { return u.Name == name }) {
				return nil
			}
			// ld-5: CyTube compares case-sensitively, and drops the current
			// leader before it fails.
			return &RefusedError{Kind: RefusedNotFound, Message: fmt.Sprintf("no user named exactly %q is in the channel (CyTube compares names case-sensitively)", name)}
		})
		sp.check = on([]string{"setLeader"}, func(ev *Event, _ checkCtx) bool {
			return msgOf[*cytubev1.SetLeader](ev).GetValue() == name
		}, tc, errorPrefix("Unable to assign leader"))
	case "mediaUpdate":
		// CyTube ignores a mediaUpdate from anyone but the leader, without
		// current media, for live media, or for another media id
		// (src/channel/playlist.js:853-869); it broadcasts the position it
		// took (:871-876).
		leader := func(ch *channelState) error {
			if ch.Leader != "" && strings.EqualFold(ch.Leader, ch.OwnName) {
				return nil
			}
			return &RefusedError{Kind: RefusedNotPermitted, Message: "only the leader may send mediaUpdate: CyTube ignores it from anyone else (make the connector leader first)"}
		}
		sp.permit = leader
		sp.check = on([]string{"mediaUpdate"}, nil, tc)
		if a.seek {
			t, paused := a.time, a.paused
			sp.permit = all(leader, func(ch *channelState) error {
				switch {
				case ch.NowPlaying == nil:
					return &RefusedError{Kind: RefusedNotFound, Message: "nothing is playing: CyTube ignores a seek without current media"}
				case isLive(ch.NowPlaying.Media.Type):
					return &RefusedError{Kind: RefusedInvalid, Message: fmt.Sprintf("the current media is live (%s): CyTube ignores seeking it", ch.NowPlaying.Media.Type)}
				}
				return nil
			})
			sp.bind = func(ch *channelState) (json.RawMessage, error) {
				m := ch.NowPlaying.Media
				return json.Marshal(struct {
					CurrentTime float64 `json:"currentTime"`
					ID          string  `json:"id"`
					Paused      bool    `json:"paused"`
					Type        string  `json:"type"`
				}{t, m.ID, paused, m.Type})
			}
			sp.check = on([]string{"mediaUpdate"}, func(ev *Event, _ checkCtx) bool {
				u := msgOf[*cytubev1.MediaUpdate](ev)
				return u.GetCurrentTime() == t && u.GetPaused() == paused
			}, tc)
		}
	case "voteskip":
		sp.permit = all(needPerm("voteskip", false), func(ch *channelState) error {
			if ch.votedSkip {
				return &RefusedError{Kind: RefusedInvalid, Message: "this connection already voted to skip the current item: CyTube ignores a second vote until the media changes (vs-3)"}
			}
			if ch.opts != nil && !ch.opts.GetAllowVoteskip() {
				return &RefusedError{Kind: RefusedNotPermitted, Message: "voteskip is disabled in this channel (allow_voteskip is off): CyTube ignores it (vs-1)"}
			}
			empty := len(ch.Playlist) == 0
			if belowPerm("seeplaylist")(ch) {
				empty = ch.PlaylistLen == 0 // only setPlaylistMeta shows it
			}
			if empty {
				return &RefusedError{Kind: RefusedNotFound, Message: "the playlist is empty: CyTube ignores voteskip (vs-5)"}
			}
			return nil
		})
		sp.noConfirm = belowPerm("viewvoteskip") // vs-6
		// Recorded at send: CyTube counts one vote per connection's address
		// until the media changes (vs-3).
		sp.prepare = func(ch *channelState) any { ch.votedSkip = true; return nil }
		sp.check = func(ev *Event, _ checkCtx) (bool, error) {
			if msgOf[*cytubev1.ChatMsg](ev).GetUsername() == "[voteskip]" {
				return true, nil // vs-7
			}
			if ev.Name != "voteskip" {
				return false, nil
			}
			return msgOf[*cytubev1.Voteskip](ev).GetCount() >= 1, nil // not the {count:0} reset of a media change
		}
	case "newPoll":
		sp.permit = needPerm("pollctl", false)
		sp.check = on([]string{"newPoll"}, func(ev *Event, c checkCtx) bool {
			return strings.EqualFold(msgOf[*cytubev1.NewPoll](ev).GetInitiator(), c.own)
		},
			tc, errorPrefix("Polls are limited", "Poll title must", "Poll options must", "Poll timeout must", "Invalid data received for poll"))
	case "vote":
		option := a.option
		sp.permit = all(needPerm("pollvote", false), func(ch *channelState) error {
			if ch.Poll == nil {
				return &RefusedError{Kind: RefusedNotFound, Message: "no poll is open: CyTube ignores the vote (pv-3)"}
			}
			if option < 0 || option >= len(ch.Poll.Options) {
				return &RefusedError{Kind: RefusedInvalid, Message: fmt.Sprintf("option %d does not exist: the poll has %d options (pv-4)", option, len(ch.Poll.Options))}
			}
			if ch.ownVote == option {
				return &RefusedError{Kind: RefusedInvalid, Message: fmt.Sprintf("this connection already votes for option %d: CyTube ignores the same vote again (pv-5)", option)}
			}
			return nil
		})
		sp.prepare = func(ch *channelState) any {
			if ch.Poll != nil && option < len(ch.Poll.Counts) {
				if n, ok := pollCount(ch.Poll.Counts[option]); ok {
					return n
				}
			}
			return -1
		}
		sp.check = on([]string{"updatePoll"}, func(ev *Event, c checkCtx) bool {
			before, _ := c.op.want.(int)
			counts := msgOf[*cytubev1.UpdatePoll](ev).GetCounts()
			if option >= len(counts) {
				return false
			}
			n, ok := pollCount(counts[option])
			if ok && before >= 0 && n <= before {
				return false // another option's vote, not ours
			}
			c.ch.ownVote = option // hidden counts: nothing better to go by
			return true
		}, tc)
	case "closePoll":
		sp.permit = all(needPerm("pollctl", false), func(ch *channelState) error {
			if ch.Poll == nil {
				return &RefusedError{Kind: RefusedNotFound, Message: "no poll is open: CyTube ignores closePoll (pc-2)"}
			}
			return nil
		})
		sp.check = on([]string{"closePoll"}, nil)
	case "setChannelRank":
		name, rank := a.name, a.rank
		sp.permit = all(needRank(3, "setChannelRank"), func(ch *channelState) error {
			if strings.EqualFold(name, ch.OwnName) {
				return &RefusedError{Kind: RefusedInvalid, Message: "Updating user rank failed: You can't promote or demote yourself. (refused locally, rk-5)"}
			}
			if rank < 1 || (rank >= ch.OwnRank && !(ch.OwnRank == 4 && rank == 4)) {
				return &RefusedError{Kind: RefusedNotPermitted, Message: fmt.Sprintf("rank %g: CyTube allows ranks from 1 to below this account's rank %g (rk-4)", rank, ch.OwnRank)}
			}
			return nil
		})
		sp.check = on([]string{"setUserRank"}, func(ev *Event, _ checkCtx) bool {
			return aboutUser(ev, name) && msgOf[*cytubev1.SetUserRank](ev).GetRank() == rank
		}, tc, func(ev *Event) (bool, error) {
			if ev.Name != "channelRankFail" {
				return false, nil
			}
			msg := errorText(ev)
			// rk-9 and rk-10 follow a success; they refuse nothing pending.
			if strings.HasPrefix(msg, "The user you promoted is not a registered account") || strings.HasPrefix(msg, "Database failure when updating rank") {
				return false, nil
			}
			return true, &RefusedError{Kind: RefusedByServer, Event: ev.Name, Message: msg}
		})
	case "setMotd":
		sp.permit = needPerm("motdedit", false) // md-2: below it CyTube kicks
		sp.check = on([]string{"setMotd"}, nil, tc)
	case "importEmotes":
		sp.permit = needPerm("emoteimport", false)
		sp.check = on([]string{"emoteList"}, nil, tc)
	case "requestBanlist":
		// Only to a user who may ban, in a registered channel; silent
		// otherwise (src/channel/kickban.js:101-140).
		sp.permit = needPerm("ban", false)
		sp.check = on([]string{"banlist"}, nil)
	case "unban":
		// CyTube deletes the ban by id whether or not it exists and
		// broadcasts banlistRemove {id, name} to those who may ban; a
		// database error comes back as errorMsg (src/channel/kickban.js:
		// 436-464). The connector resolves a name to its id from the ban
		// list and refuses an id or name the list does not hold.
		id, name := a.banID, a.name
		sp.permit = all(needPerm("ban", false), func(ch *channelState) error {
			if !ch.bansKnown {
				return &RefusedError{Kind: RefusedNotFound, Message: "the connector has no ban list to check the ban against: ask for ban_list first"}
			}
			if banFor(ch, id, name) == nil {
				if id > 0 {
					return &RefusedError{Kind: RefusedNotFound, Message: fmt.Sprintf("no ban with id %d in the channel's ban list: CyTube would report a ban it did not lift", id)}
				}
				return &RefusedError{Kind: RefusedNotFound, Message: fmt.Sprintf("%s is not in the channel's ban list", name)}
			}
			return nil
		})
		var sent int64
		sp.bind = func(ch *channelState) (json.RawMessage, error) {
			b := banFor(ch, id, name)
			sent = b.GetId()
			return json.Marshal(struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			}{b.GetId(), b.GetName()})
		}
		sp.check = on([]string{"banlistRemove"}, func(ev *Event, _ checkCtx) bool {
			return msgOf[*cytubev1.BanlistRemove](ev).GetId() == sent
		}, tc, errorIs("Database failure"))
	case "joinChannel", "login", "channelPassword":
		return spec{}, &RefusedError{Kind: RefusedInvalid, Message: event + " is sent by the session itself"}
	default:
		if asp, ok := adminSpec(event, a, sp, tc); ok {
			return asp, nil
		}
		sp.noConfirm = func(*channelState) bool { return true }
		sp.check = func(*Event, checkCtx) (bool, error) { return false, nil }
	}
	return sp, nil
}

// nextWant is what playNext must produce (nx-3 to nx-5).
type nextWant struct {
	current, next int64
	onlyDelete    bool
}

func nextOf(ch *channelState) nextWant {
	i := ch.itemIndex(ch.CurrentUID)
	w := nextWant{current: ch.CurrentUID}
	if i < 0 || len(ch.Playlist) == 0 {
		return w
	}
	cur := ch.Playlist[i]
	if cur.Temp && len(ch.Playlist) == 1 {
		w.onlyDelete = true
		return w
	}
	if i+1 < len(ch.Playlist) {
		w.next = ch.Playlist[i+1].UID
	} else {
		w.next = ch.Playlist[0].UID
	}
	return w
}

// jsRegexp reads a /clean or /cleantitle target as CyTube does: an
// optional "-flags " prefix of i, m and g, then the pattern
// (src/channel/playlist.js:1220-1229).
func jsRegexp(target string) (*regexp.Regexp, error) {
	flags := ""
	if m := cleanFlags.FindString(target); m != "" {
		flags, target = strings.TrimSpace(m[1:]), target[len(m):]
	}
	prefix := ""
	if strings.Contains(flags, "i") {
		prefix += "(?i)"
	}
	if strings.Contains(flags, "m") {
		prefix += "(?m)"
	}
	return regexp.Compile(prefix + target)
}

var cleanFlags = regexp.MustCompile(`^-[img]+\s`)

// cleanTargets are the uids /clean (by queuer) or /cleantitle (by title)
// deletes.
func cleanTargets(ch *channelState, re *regexp.Regexp, byTitle bool) []int64 {
	var out []int64
	if re == nil {
		return nil
	}
	for _, it := range ch.Playlist {
		s := it.QueueBy
		if byTitle {
			s = it.Media.Title
		}
		if re.MatchString(s) {
			out = append(out, it.UID)
		}
	}
	return out
}

// objectNames are the Object.prototype names CyTube's `cmd in
// commandHandlers` also finds: such a line is dropped (P12).
var objectNames = map[string]bool{
	"constructor": true, "toString": true, "toLocaleString": true, "valueOf": true, "hasOwnProperty": true,
	"isPrototypeOf": true, "propertyIsEnumerable": true, "__proto__": true, "__defineGetter__": true,
	"__defineSetter__": true, "__lookupGetter__": true, "__lookupSetter__": true,
}

// drinkLine is the count of CyTube's drink command with its /d
// (src/channel/drink.js:22-23).
var drinkLine = regexp.MustCompile(`^/d-?[0-9]+`)

// jsParseInt is JavaScript's parseInt(s) without a radix, for the
// integers CyTube reads from chat commands: leading white space, a sign,
// then decimal digits (or 0x and hex digits); ok is false where parseInt
// gives NaN.
func jsParseInt(s string) (float64, bool) {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	base, digits := 10, "0123456789"
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		base, digits, s = 16, "0123456789abcdefABCDEF", s[2:]
	}
	n := 0
	for n < len(s) && strings.IndexByte(digits, s[n]) >= 0 {
		n++
	}
	if n == 0 {
		return 0, false
	}
	v, err := strconv.ParseInt(s[:n], base, 64)
	f := float64(v)
	if err != nil {
		f, _ = strconv.ParseFloat(s[:n], 64) // huge decimal values
	}
	if neg {
		f = -f
	}
	return f, true
}

// drinkCount reads the count after /d as parseInt does: ok when there is
// one, outOfRange when it is outside [-10000, 10000].
func drinkCount(rest string) (count int, ok, outOfRange bool) {
	digits := strings.TrimPrefix(rest, "-")
	n := 0
	for n < len(digits) && digits[n] >= '0' && digits[n] <= '9' {
		n++
	}
	if n == 0 {
		return 0, false, false
	}
	lit := rest[:len(rest)-len(digits)+n]
	if v, err := strconv.Atoi(lit); err == nil && v >= -10000 && v <= 10000 {
		return v, true, false
	}
	return 0, true, true
}

// echo confirms a chat line by our own copy of it; a shadow-muted line is
// reported as such (P14).
func echo(ev *Event, c checkCtx) (bool, error) {
	if ev.Name != "chatMsg" || !ev.Self || ev.History {
		return false, nil
	}
	if msgOf[*cytubev1.ChatMsg](ev).GetMeta().GetShadow() {
		return true, errShadow
	}
	if i := c.ch.userIndex(c.own); i >= 0 && c.ch.Users[i].Smuted {
		if c.ch.OwnRank >= 2 {
			// A shadow-muted moderator gets two copies; the second, with
			// meta.shadow, answers.
			return false, nil
		}
		return true, errShadow
	}
	return true, nil
}

// chatSpec covers chatMsg, including the chat commands CyTube handles
// server-side (src/channel/chat.js:323-336). CyTube takes the command word
// up to the first space, case-sensitively, and splits arguments on " ".
func chatSpec(msg string, tc func(*Event) (bool, error)) spec {
	sp := spec{lane: laneChat, limiter: limChat, cost: 1, noConfirm: never}
	cmd, rest := "", ""
	if strings.HasPrefix(msg, "/") {
		if i := strings.IndexByte(msg, ' '); i < 0 {
			cmd = msg[1:]
		} else {
			cmd, rest = msg[1:i], msg[i+1:]
		}
	}
	target := strings.Split(rest, " ")[0]
	lower := strings.ToLower(target)
	base := all(loggedIn(needPerm("chat", false)), notBlank(msg))
	// Every chat line can be cooled down, muted, spam-filtered or fail the
	// type check before CyTube looks at a command (P1-P15).
	chatRefusers := []func(*Event) (bool, error){chatRefusal, tc}
	sp.permit = base
	sp.check = answered(echo, chatRefusers...)
	withLine := func(pred func(ev *Event, c checkCtx) bool, extra ...func(*Event) (bool, error)) func(*Event, checkCtx) (bool, error) {
		return answered(func(ev *Event, c checkCtx) (bool, error) { return pred(ev, c), nil },
			append(slices.Clone(chatRefusers), extra...)...)
	}
	switch cmd {
	case "me", "sp":
		sp.cost = 2
	case "say", "shout", "rcv":
		sp.cost = 2
		sp.permit = all(base, needRank(1.5, "/"+cmd)) // chat-7
	case "a":
		sp.cost = 2
		sp.permit = all(base, needRank(255, "/a (site administrators only)")) // chat-8
	case "afk":
		sp.prepare = func(ch *channelState) any {
			if i := ch.userIndex(ch.OwnName); i >= 0 {
				return !ch.Users[i].AFK
			}
			return true
		}
		sp.check = withLine(func(ev *Event, c checkCtx) bool {
			want, _ := c.op.want.(bool)
			return ev.Name == "setAFK" && aboutUser(ev, c.own) && msgOf[*cytubev1.SetAFK](ev).GetAfk() == want
		})
	case "clear":
		sp.permit = all(base, needPerm("chatclear", false))
		sp.check = withLine(func(ev *Event, c checkCtx) bool {
			return strings.EqualFold(msgOf[*cytubev1.Clearchat](ev).GetClearedBy(), c.own)
		})
	case "kick":
		sp.permit = all(base, needPerm("kick", false), userPresent(target, "a kick")) // k-1, k-3
		sp.check = withLine(func(ev *Event, c checkCtx) bool {
			return (ev.Name == "userLeave" && aboutUser(ev, target)) || serverLineIs(ev, c.own+" kicked "+target)
		}, errorPrefix("You do not have permission to kick", "No kick target"))
	case "kickanons":
		sp.permit = all(base, needPerm("kick", false))
		sp.noConfirm = func(ch *channelState) bool { return ch.OwnRank < 2 }
		sp.check = withLine(func(ev *Event, c checkCtx) bool {
			m, ok := serverLine(ev)
			return ok && strings.HasPrefix(strings.ToLower(m), strings.ToLower(c.own)+" kicked anonymous")
		})
	case "ban":
		sp.permit = all(base, needPerm("ban", false)) // b-3
		sp.check = withLine(func(ev *Event, c checkCtx) bool {
			return serverLineIs(ev, c.own+" namebanned "+lower) // b-10
		}, banRefusals(lower)...)
	case "ipban", "banip":
		sp.permit = all(base, needPerm("ban", false))
		banLine := func(ev *Event, c checkCtx) bool {
			m, ok := serverLine(ev)
			if !ok {
				return false
			}
			m = strings.ToLower(m)
			own := strings.ToLower(c.own)
			return m == own+" namebanned "+lower ||
				(strings.HasPrefix(m, own+" banned ") && strings.HasSuffix(m, " ("+lower+")")) // b-11
		}
		sp.residue = banLine
		sp.check = withLine(banLine, append(banRefusals(lower), errorPrefix("You don't have permission to ban IP "), func(ev *Event) (bool, error) {
			if ev.Name == "errorMsg" && strings.HasSuffix(errorText(ev), " is already banned") {
				return true, &RefusedError{Kind: RefusedByServer, Event: "errorMsg", Message: errorText(ev)}
			}
			return false, nil
		})...)
	case "mute", "smute":
		verb := map[string]string{"mute": " muted ", "smute": " shadowmuted "}[cmd]
		sp.permit = all(base, needPerm("mute", false), userPresent(target, "/"+cmd)) // mu-1, mu-3
		sp.check = withLine(func(ev *Event, c checkCtx) bool {
			return serverLineIs(ev, c.own+verb+target) // mu-5, mu-6
		}, errorPrefix("/"+cmd+" "))
	case "unmute", "unsmute":
		sp.permit = all(base, needPerm("mute", false), func(ch *channelState) error {
			if strings.EqualFold(target, ch.OwnName) {
				return &RefusedError{Kind: RefusedInvalid, Message: "You are not allowed to unmute yourself (refused locally, um-3)"}
			}
			return nil
		})
		sp.check = withLine(func(ev *Event, c checkCtx) bool {
			return serverLineIs(ev, c.own+" unmuted "+lower) // um-5, um-6
		}, errorIs("You are not allowed to unmute yourself", lower+" is not muted.", "/unmute requires a target name"))
	case "poll", "hpoll":
		sp.permit = all(base, needPerm("pollctl", false))
		sp.check = withLine(func(ev *Event, c checkCtx) bool {
			return strings.EqualFold(msgOf[*cytubev1.NewPoll](ev).GetInitiator(), c.own)
		}, errorPrefix("Polls are limited", "Poll title must", "Poll options must", "Poll timeout must", "Error creating poll"))
	case "rank":
		// /rank NAME N is setChannelRank {name, rank: parseInt(N)}
		// (src/channel/ranks.js:50-66); bad syntax gets noflood, which
		// reads like a mute, so it is refused here.
		parts := strings.Split(msg, " ")
		name, rankArg := "", ""
		if len(parts) > 1 {
			name = parts[1]
		}
		if len(parts) > 2 {
			rankArg = parts[2]
		}
		rank, ok := jsParseInt(rankArg)
		if name == "" || !ok {
			sp.permit = func(*channelState) error {
				return &RefusedError{Kind: RefusedInvalid, Message: "Syntax: /rank <username> <rank>.  <rank> must be a positive integer > 1 (CyTube answers a bad /rank with noflood; refused locally, chat-9)"}
			}
			break
		}
		rs, _ := specFor("setChannelRank", cmdArgs{name: name, rank: rank})
		sp.permit = all(base, rs.permit)
		sp.check = answered(func(ev *Event, c checkCtx) (bool, error) { return rs.check(ev, c) }, chatRefusers...)
	case "clean", "cleantitle":
		// CyTube deletes every item whose queuer (/clean) or title
		// (/cleantitle) matches the regular expression, without an answer
		// of its own (cn-5): the connector works out the items at send
		// time, and the delete of the last one confirms. Go's regexp
		// stands in for JavaScript's; a pattern it cannot read leaves the
		// command unconfirmed.
		re, reErr := jsRegexp(rest)
		byTitle := cmd == "cleantitle"
		sp.permit = all(base, needPerm("playlistdelete", true), func(ch *channelState) error {
			if strings.TrimSpace(rest) == "" {
				return &RefusedError{Kind: RefusedInvalid, Message: "/" + cmd + " without a target deletes the whole playlist (cn-4): refused"}
			}
			if re != nil && len(cleanTargets(ch, re, byTitle)) == 0 && !belowPerm("seeplaylist")(ch) {
				return &RefusedError{Kind: RefusedNotFound, Message: fmt.Sprintf("no playlist item matches %q: CyTube deletes nothing and answers nothing (cn-6)", rest)}
			}
			return nil
		})
		sp.noConfirm = func(ch *channelState) bool { return reErr != nil || belowPerm("seeplaylist")(ch) } // cn-7
		sp.prepare = func(ch *channelState) any {
			left := map[int64]bool{}
			for _, uid := range cleanTargets(ch, re, byTitle) {
				left[uid] = true
			}
			return left
		}
		sp.check = withLine(func(ev *Event, c checkCtx) bool {
			left, _ := c.op.want.(map[int64]bool)
			uid := msgOf[*cytubev1.Delete](ev).GetUid()
			if ev.Name != "delete" || !left[uid] {
				return false
			}
			delete(left, uid)
			return len(left) == 0
		}, errorPrefix("No target given for /"+cmd, "Invalid target:"))
	default:
		switch {
		case objectNames[cmd]:
			sp.permit = func(*channelState) error {
				return &RefusedError{Kind: RefusedInvalid, Message: fmt.Sprintf("CyTube drops chat lines that start with /%s (P12)", cmd)}
			}
		case strings.HasPrefix(msg, "/d"):
			// P8: with the drink permission every line that starts with /d
			// is a drink (src/channel/drink.js:18-53): a count outside
			// [-10000, 10000] drops the line without a word, /d<N> alone
			// with N <= 0 only changes the counter, anything else is
			// echoed rewritten ("… drink!").
			count, ok, outOfRange := drinkCount(msg[2:])
			drink := needPerm("drink", false)
			permit := sp.permit
			sp.permit = func(ch *channelState) error {
				if err := permit(ch); err != nil {
					return err
				}
				if outOfRange && drink(ch) == nil {
					return &RefusedError{Kind: RefusedInvalid, Message: "CyTube drops a /d line whose count is outside [-10000, 10000] without a word (P8)"}
				}
				return nil
			}
			sp.noConfirm = func(ch *channelState) bool {
				return ok && count <= 0 && strings.TrimSpace(drinkLine.ReplaceAllString(msg, "")) == "" && drink(ch) == nil
			}
		}
	}
	return sp
}

// controlChars are what CyTube turns into spaces unless the channel
// allows ASCII control characters (src/channel/chat.js:172-177).
var controlChars = regexp.MustCompile(`[\x00-\x1f]+`)

// notBlank refuses a line CyTube would find blank and drop without an
// answer (P6).
func notBlank(msg string) func(*channelState) error {
	return func(ch *channelState) error {
		text := msg
		if !ch.opts.GetAllowAsciiControl() {
			text = controlChars.ReplaceAllString(text, " ")
		}
		if strings.TrimSpace(text) == "" {
			return &RefusedError{Kind: RefusedInvalid, Message: "the line is blank once CyTube replaces control characters with spaces: CyTube drops it (P6)"}
		}
		return nil
	}
}

// banRefusals are CyTube's refusals of /ban and /ipban (b-1 to b-9; names
// lower-cased).
func banRefusals(lower string) []func(*Event) (bool, error) {
	return []func(*Event) (bool, error){
		errorIs("No ban target specified.", "Invalid username", "You do not have ban permissions on this channel",
			"You cannot ban yourself", "You don't have permission to ban "+lower, lower+" is already banned", "Channel not live"),
	}
}
