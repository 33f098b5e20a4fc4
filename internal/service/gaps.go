package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	statev1 "github.com/roseybot/cytube-connector/gen/go/rosey/state/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/mapping"
	"github.com/roseybot/cytube-connector/internal/state"
)

// Gap events and checkpoints: nothing lost silently, nothing said twice.
//
// Every interval in which the connector was not joined to a channel it
// serves is published once as a gap (rosey.events.gap, and raw on
// rosey.platform.cytube.gap), before the first event after it. A gap
// starts when a joined session loses its connection (or stops), and ends
// with the first event of the next connection. With JetStream each
// channel's checkpoint (the newest chat line published, and the open gap)
// is kept in the state's key-value bucket, so that a restarted connector
// or the next fleet owner publishes the gap the previous one left open,
// and does not publish again the chat history CyTube replays on its join
// (cytube.Session.SetPublished). JetStream's duplicate window is the second
// line of defence: a checkpoint is written at most checkpointEvery after
// what it records was stored.

const (
	// gapType is the ce-type of gap events.
	gapType = "rosey.events.gap"
	// chatType is the ce-type of the raw chat lines the checkpoint follows.
	chatType = "cytube.chatMsg"
	// checkpointEvery is how often changed checkpoints are written.
	checkpointEvery = time.Second
	// checkpointHeartbeat rewrites a joined channel's checkpoint this
	// often, so a connector that dies without a clean stop leaves a gap
	// start at most this old.
	checkpointHeartbeat = 30 * time.Second
	// checkpointTimeout bounds one checkpoint read or write.
	checkpointTimeout = 5 * time.Second
	// maxChatKeys bounds the keys kept for the newest chat millisecond.
	maxChatKeys = 16
)

// openGap is an interval not yet published.
type openGap struct {
	start  time.Time
	reason eventsv1.GapReason
	detail string
}

// gapTracker is one channel's gap and checkpoint state; the session's
// callbacks, the publish queue and the checkpoint writer share it.
type gapTracker struct {
	// pending is set while open is: every event checks it, without the
	// lock.
	pending atomic.Bool
	mu      sync.Mutex
	joined  bool
	open    *openGap
	// cp is the checkpoint to keep; nil without a key-value bucket.
	cp      *statev1.Checkpoint
	dirty   bool
	written time.Time
}

// gapReason maps why a session left the channel.
func gapReason(sc cytube.StateChange) eventsv1.GapReason {
	switch sc.Cause() {
	case cytube.CauseServerDisconnect:
		return eventsv1.GapReason_GAP_REASON_SERVER_DISCONNECT
	case cytube.CauseKicked:
		return eventsv1.GapReason_GAP_REASON_KICKED
	case cytube.CauseTransport, cytube.CausePingTimeout:
		return eventsv1.GapReason_GAP_REASON_CONNECTION_LOST
	case cytube.CauseClosed:
		if sc.To == cytube.StateStopped {
			return eventsv1.GapReason_GAP_REASON_CONNECTOR_RESTART
		}
	}
	return eventsv1.GapReason_GAP_REASON_OTHER
}

// joinedState reports whether a session state means the channel's events
// arrive: its join burst came (a join CyTube answers with a kick, such as
// "Channel could not be loaded", never was one).
func joinedState(st cytube.State) bool {
	return st == cytube.StateLoggingIn || st == cytube.StateReady
}

// gapOnState follows the session's state: leaving the channel opens a
// gap (and records it in the checkpoint at once).
func (s *Service) gapOnState(ch *channel, sc cytube.StateChange) {
	g := &ch.gaps
	g.mu.Lock()
	defer g.mu.Unlock()
	if joinedState(sc.To) {
		g.joined = true
		return
	}
	if !g.joined {
		return
	}
	g.joined = false
	if g.open != nil {
		return
	}
	detail := sc.Reason
	if detail == "" && sc.Err != nil {
		detail = sc.Err.Error()
	}
	reason := gapReason(sc)
	if pub := s.publisher(); reason == eventsv1.GapReason_GAP_REASON_CONNECTION_LOST && pub != nil && !pub.Connected() {
		// Reading waited for NATS until CyTube gave up on the link.
		reason, detail = eventsv1.GapReason_GAP_REASON_NATS_OUTAGE, "NATS unreachable; "+detail
	}
	g.open = &openGap{start: s.opts.Now(), reason: reason, detail: detail}
	g.pending.Store(true)
	if g.cp != nil {
		g.cp.GapSince, g.cp.GapReason, g.cp.GapDetail = timestamppb.New(g.open.start), g.open.reason, g.open.detail
		g.dirty = true
	}
	s.wakeCheckpoints()
}

// takeGap returns the envelopes of the open gap, ending at the event
// that ends it, and closes it; nil when there is none.
func (s *Service) takeGap(ch *channel, ev cytube.Event) []bus.Envelope {
	g := &ch.gaps
	if !g.pending.Load() || ev.Name == "kick" {
		// No gap, or a join refused with a kick: still the gap.
		return nil
	}
	g.mu.Lock()
	og := g.open
	g.open = nil
	g.pending.Store(false)
	g.mu.Unlock()
	if og == nil {
		return nil
	}
	end := ev.Received
	if end.IsZero() {
		end = s.opts.Now()
	}
	if end.Before(og.start) {
		end = og.start
	}
	s.stats.Gaps.Add(1)
	msg := &eventsv1.Gap{
		Platform: mapping.Platform, Channel: ch.name,
		Start: timestamppb.New(og.start), End: timestamppb.New(end),
		Reason: og.reason, Detail: og.detail,
		// CyTube replays its last 15 chat lines on every join
		// (src/channel/chat.js:98-100 on join, :440-443 keeps 15).
		ReplayMayCover: true,
	}
	s.log.Info("gap", "channel", ch.name, "start", og.start, "end", end, "reason", og.reason.String(), "detail", og.detail)
	id := gapID(ch.name, og.start)
	base := bus.Envelope{
		CorrelationID: id, Source: ch.source, Type: gapType, Time: end,
		Platform: mapping.Platform, Channel: ch.name, Trace: bus.NewTrace(),
	}
	raw, norm := base, base
	raw.ID, raw.Subject, raw.Data = id, ch.scope.Raw(mapping.GapSubject), msg
	norm.ID, norm.Subject, norm.Data = id+"-gap", ch.scope.Normalized(mapping.GapSubject), msg // one message, read only
	return []bus.Envelope{raw, norm}
}

// gapID is the same for the same gap, so a gap published twice (a
// connector killed between publishing it and recording that) is dropped
// by JetStream's de-duplication.
func gapID(channel string, start time.Time) string {
	sum := sha256.Sum256([]byte(channel + "\x00gap\x00" + strconv.FormatInt(start.UnixNano(), 10)))
	return hex.EncodeToString(sum[:16])
}

// gapPublished follows what the bus stored: the newest chat line moves
// the checkpoint's position, a stored gap closes the checkpoint's gap.
func (s *Service) gapPublished(ch *channel, env bus.Envelope) {
	switch env.Type {
	case chatType:
		m, ok := env.Data.(*cytubev1.ChatMsg)
		if !ok {
			return
		}
		g := &ch.gaps
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.cp == nil {
			return
		}
		switch t := m.GetTime(); {
		case t > g.cp.ChatTime:
			g.cp.ChatTime, g.cp.ChatKeys = t, append(g.cp.ChatKeys[:0], env.ID)
		case t == g.cp.ChatTime && len(g.cp.ChatKeys) < maxChatKeys:
			g.cp.ChatKeys = append(g.cp.ChatKeys, env.ID)
		default:
			return
		}
		g.dirty = true
	case gapType:
		if env.Subject != ch.scope.Normalized(mapping.GapSubject) {
			return
		}
		g := &ch.gaps
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.cp == nil || g.open != nil {
			return
		}
		g.cp.GapSince, g.cp.GapReason, g.cp.GapDetail = nil, eventsv1.GapReason_GAP_REASON_UNSPECIFIED, ""
		g.dirty = true
	}
}

// resumeChannel prepares a channel's session before it runs: with a
// checkpoint, the gap the previous connector left open (or the one its
// stop made) is published before the first event, and the chat history
// it published is not published again. handover marks fleet mode, where
// another owner's checkpoint means a lease hand-over.
func (s *Service) resumeChannel(ctx context.Context, ch *channel, st *state.Service, handover bool) {
	g := &ch.gaps
	if st == nil {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, checkpointTimeout)
	cp, err := st.LoadCheckpoint(lctx, mapping.Platform, ch.name)
	cancel()
	if errors.Is(err, state.ErrNoMirror) {
		return
	}
	if err != nil {
		// Unknown past: carry on, with JetStream's window as the only
		// guard against duplicates.
		s.log.Warn("cannot read the channel's checkpoint; replayed history may be published again", "channel", ch.name, "err", err)
		cp = nil
	}
	now := s.opts.Now()
	if cp == nil {
		cp = &statev1.Checkpoint{Platform: mapping.Platform, Channel: ch.name}
	} else {
		ch.session().SetPublished(cytube.ChatPosition{Time: cp.GetChatTime(), Keys: cp.GetChatKeys()})
		og := resumedGap(cp, s.instance, handover)
		g.mu.Lock()
		g.open = og
		g.pending.Store(true)
		g.mu.Unlock()
		cp.GapSince, cp.GapReason, cp.GapDetail = timestamppb.New(og.start), og.reason, og.detail
	}
	cp.Owner, cp.CleanStop, cp.Updated = s.instance, false, timestamppb.New(now)
	g.mu.Lock()
	g.cp, g.dirty, g.joined = cp, true, false
	g.mu.Unlock()
	s.wakeCheckpoints()
}

// resumedGap is the gap a checkpoint left: the open one it records, or
// the stop of its owner.
func resumedGap(cp *statev1.Checkpoint, me string, handover bool) *openGap {
	stop := eventsv1.GapReason_GAP_REASON_CONNECTOR_RESTART
	if handover && cp.GetOwner() != me {
		stop = eventsv1.GapReason_GAP_REASON_LEASE_HANDOVER
	}
	switch {
	case cp.GetGapSince() == nil:
		// The owner died while joined: it was last known joined when it
		// last wrote the checkpoint.
		return &openGap{start: cp.GetUpdated().AsTime(), reason: stop,
			detail: fmt.Sprintf("connector %s stopped without a clean shutdown; its last checkpoint was at %s", cp.GetOwner(), cp.GetUpdated().AsTime().Format(time.RFC3339Nano))}
	case cp.GetCleanStop() && (cp.GetGapReason() == eventsv1.GapReason_GAP_REASON_CONNECTOR_RESTART || cp.GetGapReason() == eventsv1.GapReason_GAP_REASON_LEASE_HANDOVER):
		return &openGap{start: cp.GetGapSince().AsTime(), reason: stop, detail: fmt.Sprintf("connector %s stopped", cp.GetOwner())}
	default:
		// Not joined when its owner stopped: the gap began with that.
		return &openGap{start: cp.GetGapSince().AsTime(), reason: cp.GetGapReason(),
			detail: cp.GetGapDetail() + "; the connector restarted before rejoining"}
	}
}

// wakeCheckpoints asks the writer for a write now.
func (s *Service) wakeCheckpoints() {
	select {
	case s.ckptWake <- struct{}{}:
	default:
	}
}

// runCheckpoints writes changed checkpoints (and heartbeats) until ctx
// ends.
func (s *Service) runCheckpoints(ctx context.Context, st *state.Service) {
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.ckptWake:
		}
		s.writeCheckpoints(ctx, st, false)
	}
}

// writeCheckpoints writes every channel's checkpoint that changed (all of
// them with final: the clean stop, whose reason stopping gives).
func (s *Service) writeCheckpoints(ctx context.Context, st *state.Service, final bool, only ...*channel) {
	now := s.opts.Now()
	chans := s.channels
	if len(only) > 0 {
		chans = only
	}
	for _, ch := range chans {
		g := &ch.gaps
		g.mu.Lock()
		if g.cp == nil || !final && !g.dirty && !(g.joined && now.Sub(g.written) >= checkpointHeartbeat) {
			g.mu.Unlock()
			continue
		}
		if final {
			g.cp.CleanStop = true
			if g.cp.GapSince == nil {
				g.cp.GapSince, g.cp.GapReason, g.cp.GapDetail = timestamppb.New(now), eventsv1.GapReason_GAP_REASON_CONNECTOR_RESTART, "the connector stopped"
			}
		}
		g.cp.Updated = timestamppb.New(now)
		cp := proto.Clone(g.cp).(*statev1.Checkpoint)
		g.dirty, g.written = false, now
		if final {
			g.cp = nil // written for the next owner; this one is done
		}
		g.mu.Unlock()
		wctx, cancel := context.WithTimeout(ctx, checkpointTimeout)
		err := st.SaveCheckpoint(wctx, cp)
		cancel()
		if err != nil {
			g.mu.Lock()
			if g.cp != nil {
				g.dirty = true
			}
			g.mu.Unlock()
			s.warnOnce("checkpoint:"+ch.name, "cannot write the channel's checkpoint", "channel", ch.name, "err", err)
		}
	}
}
