package service

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roseybot/cytube-connector/internal/cytube/raw"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	cytubev1 "github.com/roseybot/cytube-connector/gen/go/cytube/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/mapping"
)

// publishTimeout bounds one publish (JetStream acks and retries included).
const publishTimeout = 30 * time.Second

// storeTimeout bounds one event publish in JetStream mode, where the
// publisher retries until the stream has the event: a NATS outage up to
// this long loses nothing CyTube delivered (reading from CyTube waits).
const storeTimeout = 10 * time.Minute

// stoppedTimeout bounds the STOPPED status published while shutting down.
const stoppedTimeout = 5 * time.Second

// onEvent publishes one CyTube event: raw on rosey.platform.cytube.<event>
// and, when it has a generic meaning, normalized on rosey.events.<kind>,
// both with the same correlation id. It runs on the session's read loop and
// hands the envelopes to the channel's publish queue, which is bounded: a
// slow bus slows reading (and CyTube buffers) instead of losing events.
func (s *Service) onEvent(ctx context.Context, ch *channel, ev cytube.Event) {
	s.stats.EventsIn.Add(1)
	s.countEvent(ch, ev.Name)
	pub := s.publisher()
	timeout := publishTimeout
	if s.cfg.NATS.JetStream {
		timeout = storeTimeout
	}
	var gap []bus.Envelope
	if pub != nil {
		// The first event after a gap: the gap goes out before it.
		gap = s.takeGap(ch, ev)
	}
	if ev.Replayed {
		// Chat history CyTube replays on every join; already published.
		s.stats.ReplaysSkipped.Add(1)
		if gap != nil {
			s.enqueue(ch, pubJob{ctx: ctx, timeout: timeout, pub: pub, envs: gap})
		}
		return
	}
	if pub == nil {
		return
	}
	out := Translate(ChannelInfo{Name: ch.name, Source: ch.source, Scope: ch.scope, OwnName: ch.session().OwnName(), Rank: ch.session().UserRank}, ev)
	switch {
	case out.Err != nil && errors.Is(out.Err, raw.ErrUnknownEvent):
		s.stats.Unknown.Add(1)
		s.warnOnce("unknown:"+ev.Name, "CyTube sent an event this connector does not model; publishing its JSON",
			"channel", ch.name, "event", ev.Name, "subject", out.Envelopes[0].Subject)
	case out.Err != nil:
		s.stats.Invalid.Add(1)
		s.warnOnce("invalid:"+ev.Name, "CyTube event does not fit its schema; publishing its JSON",
			"channel", ch.name, "event", ev.Name, "err", out.Err, "subject", out.Envelopes[0].Subject)
	case len(out.Unmodelled) > 0:
		s.stats.Unmodelled.Add(uint64(len(out.Unmodelled)))
		s.warnOnce("unmodelled:"+ev.Name, "CyTube sent keys the schema does not model; they are not in the raw message",
			"channel", ch.name, "event", ev.Name, "keys", out.Unmodelled)
	}
	if s.spans != nil && ev.Cause != "" {
		s.eventSpan(ev, out.Envelopes[0])
	}
	envs := out.Envelopes
	if gap != nil {
		envs = append(gap, envs...)
	}
	// Translated here, with the session's state as of this event; published
	// in order from the channel's queue (pipeline.go).
	s.enqueue(ch, pubJob{ctx: ctx, timeout: timeout, pub: pub, envs: envs})
}

// ChannelInfo is what Translate needs to know about the channel.
type ChannelInfo struct {
	Name, Source string
	Scope        bus.Scope
	OwnName      string
	Rank         func(name string) (float64, bool)
}

// Translation is what one CyTube event becomes.
type Translation struct {
	// Envelopes to publish, in order: the raw event, then the normalized
	// one if any. An event that could not be typed gives one JSON envelope
	// (Data nil, RawJSON set).
	Envelopes []bus.Envelope
	// Err is the decoding error for an unknown or invalid event.
	Err error
	// Unmodelled lists payload keys the schema has no field for.
	Unmodelled []string
}

// Translate turns one CyTube event into the envelopes the connector
// publishes. It is pure: no I/O and no clock (the time comes from the
// event), so the contract tests can golden its output.
func Translate(ch ChannelInfo, ev cytube.Event) Translation {
	id := eventID(ch.Name, ev)
	env := bus.Envelope{
		ID: id, CorrelationID: id, Source: ch.Source, Type: "cytube." + ev.Name,
		Time: ev.Received, Platform: mapping.Platform, Channel: ch.Name,
		Trace: eventTrace(ev),
	}
	msg, unmodelled, err := ev.Msg, ev.Unmodelled, ev.Err
	if err != nil {
		env.Subject = ch.Scope.Raw(mapping.InvalidSubject)
		body := map[string]any{"event": ev.Name, "args": argsJSON(ev.Args)}
		if errors.Is(err, raw.ErrUnknownEvent) {
			env.Subject = ch.Scope.Raw(mapping.UnknownSubject)
		} else {
			body["error"] = err.Error()
		}
		b, jerr := json.Marshal(body)
		if jerr != nil {
			b = []byte(`{"event":` + strconv.Quote(ev.Name) + `}`)
		}
		env.RawJSON = b
		return Translation{Envelopes: []bus.Envelope{env}, Err: err}
	}
	if t, ok := messageTime(msg); ok {
		env.Time = t
	}
	sub, _ := mapping.RawSubject(ev.Name)
	env.Subject = ch.Scope.Raw(sub)
	env.Data = msg
	out := Translation{Envelopes: append(make([]bus.Envelope, 0, 2), env), Unmodelled: unmodelled}

	norm, ok := mapping.Normalize(msg, mapping.Context{
		Channel: ch.Name, Self: ev.Self, History: ev.History, OwnName: ch.OwnName, Rank: ch.Rank,
	})
	if ok {
		n := env
		n.ID = id + "-" + strings.ReplaceAll(norm.Kind, ".", "-")
		n.Type = "rosey.events." + norm.Kind
		n.Subject = ch.Scope.Normalized(norm.Kind)
		n.Data = norm.Message
		out.Envelopes = append(out.Envelopes, n)
	}
	return out
}

// eventSpan records the span of an event a command of a sampled trace
// caused (its echo): a child of the command's span, from the event's
// arrival to its hand-over to the publish queue.
func (s *Service) eventSpan(ev cytube.Event, env bus.Envelope) {
	cause, ok := bus.ParseTraceparent(ev.Cause)
	if !ok || !cause.Sampled() {
		return
	}
	s.spans(bus.Span{
		Name: "publish " + env.Subject, Kind: bus.SpanKindProducer, Trace: env.Trace, Parent: cause.SpanID,
		Start: ev.Received, End: time.Now(),
		Attrs: [][2]string{
			{"messaging.system", "nats"}, {"messaging.operation.type", "publish"},
			{"messaging.destination.name", env.Subject}, {"messaging.message.id", env.ID},
			{"cytube.event", ev.Name}, {"rosey.channel", env.Channel},
		},
	})
}

// eventTrace is the trace context of an event's envelopes (raw and
// normalized share it): a child span of the command that caused it, or a
// new trace.
func eventTrace(ev cytube.Event) bus.TraceContext {
	if cause, ok := bus.ParseTraceparent(ev.Cause); ok {
		return cause.Child()
	}
	return bus.NewTrace()
}

// messageTime is the server's own time of a chat message or PM, from its
// decoded message, so that a replayed message carries the same ce-time as
// the first copy.
func messageTime(raw proto.Message) (time.Time, bool) {
	var ms int64
	switch m := raw.(type) {
	case *cytubev1.ChatMsg:
		ms = m.GetTime()
	case *cytubev1.Pm:
		ms = m.GetTime()
	}
	if ms <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
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
	s.enqueue(ch, pubJob{ctx: ctx, timeout: publishTimeout, pub: pub, envs: []bus.Envelope{{
		Source: ch.source, Type: "cytube.bad_frame", Time: s.opts.Now(), Platform: mapping.Platform,
		Channel: ch.name, Subject: ch.scope.Raw(mapping.InvalidSubject), RawJSON: b,
	}}})
}

func (s *Service) publish(ctx context.Context, ch *channel, pub *bus.Publisher, env bus.Envelope, asJSON bool) {
	var err error
	if asJSON {
		err = pub.PublishJSON(ctx, env)
	} else {
		err = pub.Publish(ctx, env)
	}
	s.published(ctx, ch, pub, env, err)
}

// published handles a publish's result: a failure is logged once per
// subject, and an event too large for the server is replaced by a notice.
func (s *Service) published(ctx context.Context, ch *channel, pub *bus.Publisher, env bus.Envelope, err error) {
	if err != nil {
		s.warnOnce("publish:"+env.Subject, "publish failed", "channel", ch.name, "subject", env.Subject, "err", err)
		s.publishOversize(ctx, ch, pub, env, err)
		return
	}
	s.gapPublished(ch, env)
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
	s.countState(ch, sc)
	s.gapOnState(ch, sc)
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
	// At shutdown ctx is already cancelled; STOPPED must still go out
	// (final), after the events before it.
	job := pubJob{ctx: ctx, timeout: publishTimeout, pub: pub}
	if sc.To == cytube.StateStopped {
		job.final, job.timeout = true, stoppedTimeout
	}
	s.stats.StatusPublished.Add(1)
	job.envs = []bus.Envelope{{
		Source: ch.source, Type: "rosey.events.connector_status", Time: now, Platform: mapping.Platform, Channel: ch.name,
		Subject: ch.scope.Status(),
		Data: &eventsv1.ConnectorStatus{
			Platform: mapping.Platform, Channel: ch.name, State: state, Reason: sc.Reason,
			Attempt: int32(sc.Attempt), Since: timestamppb.New(now),
		},
	}}
	s.enqueue(ch, job)
}
