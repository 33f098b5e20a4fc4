package service

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/mapping"
)

// publishTimeout bounds one publish (JetStream acks and retries included).
const publishTimeout = 30 * time.Second

// onEvent publishes one CyTube event: raw on rosey.platform.cytube.<event>
// and, when it has a generic meaning, normalized on rosey.events.<kind>,
// both with the same correlation id. It runs on the session's read loop,
// so a slow bus slows reading (and CyTube buffers) instead of losing events.
func (s *Service) onEvent(ctx context.Context, ch *channel, ev cytube.Event) {
	s.stats.EventsIn.Add(1)
	if ev.Replayed {
		// Chat history CyTube replays on every join; already published.
		s.stats.ReplaysSkipped.Add(1)
		return
	}
	pub := s.publisher()
	if pub == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	id := eventID(ch, ev)
	env := bus.Envelope{
		ID: id, CorrelationID: id, Source: ch.source, Type: "cytube." + ev.Name,
		Time: ev.Received, Platform: mapping.Platform, Channel: ch.name,
	}
	raw, unmodelled, err := mapping.Decode(ev.Name, ev.Arg)
	if err != nil {
		s.publishUnparsed(ctx, ch, env, ev, err)
		return
	}
	if len(unmodelled) > 0 {
		s.stats.Unmodelled.Add(uint64(len(unmodelled)))
		s.warnOnce("unmodelled:"+ev.Name, "CyTube sent keys the schema does not model; they are not in the raw message",
			"channel", ch.name, "event", ev.Name, "keys", unmodelled)
	}
	if t, ok := messageTime(ev); ok {
		env.Time = t
	}
	sub, _ := mapping.RawSubject(ev.Name)
	env.Subject = ch.scope.Raw(sub)
	env.Data = raw
	s.publish(ctx, ch, pub, env, false)

	norm, ok := mapping.Normalize(raw, mapping.Context{
		Channel: ch.name, Self: ev.Self, History: ev.History,
		OwnName: ch.sess.OwnName(), Rank: ch.sess.UserRank,
	})
	if !ok {
		return
	}
	env.ID = id + "-" + strings.ReplaceAll(norm.Kind, ".", "-")
	env.Type = "rosey.events." + norm.Kind
	env.Subject = ch.scope.Normalized(norm.Kind)
	env.Data = norm.Message
	s.publish(ctx, ch, pub, env, false)
}

// messageTime is the server's own time of a chat message or PM, so that a
// replayed message carries the same ce-time as the first copy.
func messageTime(ev cytube.Event) (time.Time, bool) {
	if ev.Name != "chatMsg" && ev.Name != "pm" {
		return time.Time{}, false
	}
	var v struct {
		Time int64 `json:"time"`
	}
	if json.Unmarshal(ev.Arg, &v) != nil || v.Time <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(v.Time).UTC(), true
}

// publishUnparsed keeps events we cannot type: CyTube's JSON goes out on
// rosey.platform.cytube.unknown (not modelled) or .invalid (did not fit).
func (s *Service) publishUnparsed(ctx context.Context, ch *channel, env bus.Envelope, ev cytube.Event, derr error) {
	body := map[string]any{"event": ev.Name, "args": argsJSON(ev.Args)}
	if errors.Is(derr, mapping.ErrUnknownEvent) {
		s.stats.Unknown.Add(1)
		env.Subject = ch.scope.Raw(mapping.UnknownSubject)
		s.warnOnce("unknown:"+ev.Name, "CyTube sent an event this connector does not model; publishing its JSON",
			"channel", ch.name, "event", ev.Name, "subject", env.Subject)
	} else {
		s.stats.Invalid.Add(1)
		env.Subject = ch.scope.Raw(mapping.InvalidSubject)
		body["error"] = derr.Error()
		s.warnOnce("invalid:"+ev.Name, "CyTube event does not fit its schema; publishing its JSON",
			"channel", ch.name, "event", ev.Name, "err", derr, "subject", env.Subject)
	}
	b, err := json.Marshal(body)
	if err != nil {
		s.log.Error("cannot encode unparsed event", "event", ev.Name, "err", err)
		return
	}
	env.RawJSON = b
	s.publish(ctx, ch, s.publisher(), env, true)
}

// argsJSON returns the arguments as a JSON array, keeping them verbatim.
func argsJSON(args []json.RawMessage) json.RawMessage {
	if len(args) == 0 {
		return json.RawMessage("[]")
	}
	b, err := json.Marshal(args)
	if err != nil {
		return json.RawMessage("[]")
	}
	return b
}

// onBadFrame publishes a frame that did not parse at all, so nothing
// CyTube sent disappears silently.
func (s *Service) onBadFrame(ctx context.Context, ch *channel, frame []byte, ferr error) {
	s.warnOnce("badframe", "CyTube sent a frame that does not parse; publishing it on the invalid subject",
		"channel", ch.name, "err", ferr, "bytes", len(frame))
	pub := s.publisher()
	if pub == nil {
		return
	}
	body := map[string]any{"error": ferr.Error()}
	if utf8.Valid(frame) {
		body["frame"] = string(frame)
	} else {
		body["frame_base64"] = base64.StdEncoding.EncodeToString(frame)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	s.publish(ctx, ch, pub, bus.Envelope{
		Source: ch.source, Type: "cytube.bad_frame", Time: s.opts.Now(), Platform: mapping.Platform,
		Channel: ch.name, Subject: ch.scope.Raw(mapping.InvalidSubject), RawJSON: b,
	}, true)
}

func (s *Service) publish(ctx context.Context, ch *channel, pub *bus.Publisher, env bus.Envelope, asJSON bool) {
	var err error
	if asJSON {
		err = pub.PublishJSON(ctx, env)
	} else {
		err = pub.Publish(ctx, env)
	}
	if err != nil {
		s.warnOnce("publish:"+env.Subject, "publish failed", "channel", ch.name, "subject", env.Subject, "err", err)
	}
}

var connectorStates = map[cytube.State]eventsv1.ConnectorState{
	cytube.StateConnecting: eventsv1.ConnectorState_CONNECTOR_STATE_CONNECTING,
	cytube.StateJoining:    eventsv1.ConnectorState_CONNECTOR_STATE_CONNECTED,
	cytube.StateLoggingIn:  eventsv1.ConnectorState_CONNECTOR_STATE_JOINED,
	cytube.StateReady:      eventsv1.ConnectorState_CONNECTOR_STATE_LOGGED_IN,
	cytube.StateBackoff:    eventsv1.ConnectorState_CONNECTOR_STATE_RECONNECTING,
	cytube.StateStopped:    eventsv1.ConnectorState_CONNECTOR_STATE_STOPPED,
}

// onState publishes the session's state on the status subject, so that
// consumers can tell a quiet channel from a broken connector.
func (s *Service) onState(ctx context.Context, ch *channel, sc cytube.StateChange) {
	ch.mu.Lock()
	ch.state = sc
	ch.mu.Unlock()
	state, ok := connectorStates[sc.To]
	if !ok {
		return
	}
	if sc.To == cytube.StateReady && ch.cfg.Username == "" {
		state = eventsv1.ConnectorState_CONNECTOR_STATE_JOINED
	}
	pub := s.publisher()
	if pub == nil {
		return
	}
	now := s.opts.Now()
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	s.stats.StatusPublished.Add(1)
	s.publish(ctx, ch, pub, bus.Envelope{
		Source: ch.source, Type: "rosey.events.connector_status", Time: now, Platform: mapping.Platform, Channel: ch.name,
		Subject: ch.scope.Status(),
		Data: &eventsv1.ConnectorStatus{
			Platform: mapping.Platform, Channel: ch.name, State: state, Reason: sc.Reason,
			Attempt: int32(sc.Attempt), Since: timestamppb.New(now),
		},
	}, false)
}
