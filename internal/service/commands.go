package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	eventsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/events/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/mapping"
)

// actionSendMessage is the action of the platform-neutral route.
const actionSendMessage = "message"

// maxCommandBytes bounds a command body; no valid command comes close.
// The command service refuses a larger one with TOO_LONG (its only size
// check).
const maxCommandBytes = bus.DefaultMaxPayload

func (s *Service) startCommands(ctx context.Context, nc *nats.Conn, chans []*channel) (*bus.CommandService, error) {
	scopes := make([]bus.Scope, 0, len(chans))
	routes := make([]bus.Route, 0, len(chans))
	for _, ch := range chans {
		scopes = append(scopes, ch.scope)
		routes = append(routes, bus.Route{Subject: bus.SendMessageSubject(mapping.Platform, ch.name), Scope: ch.scope, Action: actionSendMessage,
			Metadata: map[string]string{"request_type": "rosey.commands.v1.SendMessage", "result_type": resultType}})
	}
	svc, err := bus.NewCommandService(ctx, nc, bus.CommandServiceConfig{
		Name:          "cytube-connector",
		Version:       s.opts.Version,
		Description:   "Sends commands to CyTube channels and answers with a rosey.commands.v1.CommandResult",
		Metadata:      map[string]string{"asyncapi": bus.AsyncAPIDocument},
		Scopes:        scopes,
		ScopeMetadata: map[string]string{"request_types": requestTypes(), "result_type": resultType},
		Routes:        routes,
		Handler:       bus.CommandHandlerFunc(s.handleCommand),
		MaxPayload:    maxCommandBytes,
		// The service's own refusals (too long, bad deadline header, a
		// panic) get a CommandResult body like every other failure.
		Failure: func(code commandsv1.ErrorCode, reason string) proto.Message { return fail(code, reason) },
		OnSpan:  s.spans,
		OnUnanswered: func(ctx context.Context, req bus.CommandRequest, reply proto.Message, err error) {
			s.publishCommandError(ctx, req, reply, err)
		},
		Logger: s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("service: command service: %w", err)
	}
	return svc, nil
}

// resultType is the reply message of every command endpoint.
const resultType = "rosey.commands.v1.CommandResult"

// requestTypes lists each action's request message for the endpoint
// metadata: "afk=rosey.commands.v1.AfkCommand,ban=...", sorted by action.
func requestTypes() string {
	var b strings.Builder
	for i, a := range mapping.Actions() {
		m, _ := mapping.NewCommand(a)
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(a + "=" + string(m.ProtoReflect().Descriptor().FullName()))
	}
	return b.String()
}

// handleCommand validates a command, sends it to its channel and returns
// CyTube's answer as a CommandResult. Nothing is sent for a command that
// fails validation, targets another channel, or arrives after its deadline.
func (s *Service) handleCommand(ctx context.Context, req bus.CommandRequest) (proto.Message, error) {
	s.stats.Commands.Add(1)
	res := s.runCommand(ctx, req)
	res.Action = req.Action
	res.CorrelationId = firstHeader(req.Header, bus.HeaderCorrelationID, bus.HeaderID, bus.HeaderMsgID)
	s.countCommand(req, res)
	if res.Ok {
		return res, nil
	}
	s.stats.CommandsFailed.Add(1)
	s.log.Debug("command failed", "subject", req.Subject, "code", res.Code.String(), "reason", res.Reason)
	return res, &bus.RequestError{Code: res.Code, Err: errors.New(res.Reason)}
}

func firstHeader(h nats.Header, keys ...string) string {
	for _, k := range keys {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

func (s *Service) runCommand(ctx context.Context, req bus.CommandRequest) *commandsv1.CommandResult {
	ch := s.byScope[req.Scope]
	if ch == nil {
		return fail(commandsv1.ErrorCode_ERROR_CODE_WRONG_CHANNEL, "this connector does not serve that channel")
	}
	isJSON := req.ContentType == bus.ContentTypeJSON
	var r mapping.Request
	if req.Route && req.Action == actionSendMessage {
		m := &commandsv1.SendMessage{}
		ignored, err := mapping.DecodeBody(req.Data, isJSON, m)
		if err != nil {
			return fail(commandsv1.ErrorCode_ERROR_CODE_INVALID, err.Error())
		}
		if m.GetPlatform() != "" && m.GetPlatform() != mapping.Platform {
			return fail(commandsv1.ErrorCode_ERROR_CODE_WRONG_CHANNEL, fmt.Sprintf("platform %q is not served here (this is %s)", m.GetPlatform(), mapping.Platform))
		}
		if m.GetChannel() != "" && !strings.EqualFold(m.GetChannel(), ch.name) {
			return fail(commandsv1.ErrorCode_ERROR_CODE_WRONG_CHANNEL, fmt.Sprintf("channel %q does not match the subject's channel %q", m.GetChannel(), ch.name))
		}
		if r, err = mapping.SendMessageRequest(ch.limits(), m); err != nil {
			return failFrom(mapping.WithIgnored(err, ignored))
		}
	} else {
		if strings.Contains(req.Action, ".") {
			return fail(commandsv1.ErrorCode_ERROR_CODE_UNKNOWN_ACTION, fmt.Sprintf("unknown action %q; known: %s", req.Action, strings.Join(mapping.Actions(), ", ")))
		}
		m, ignored, err := mapping.DecodeCommand(req.Action, req.Data, isJSON)
		if err != nil {
			return failFrom(err)
		}
		if r, err = mapping.BuildRequestWith(ch.limits(), req.Action, m); err != nil {
			return failFrom(mapping.WithIgnored(err, ignored))
		}
	}
	if r.WantLocked != nil && ch.session().State() == cytube.StateReady && ch.session().Snapshot().Locked == *r.WantLocked {
		return &commandsv1.CommandResult{Ok: true, Reason: fmt.Sprintf("playlist already %s", lockWord(*r.WantLocked))}
	}
	// The command's span, for the events that confirm it (its echo).
	trace := req.Trace.String()
	if r.First != nil {
		r.First.Trace = trace
		if _, err := ch.session().Send(ctx, *r.First); err != nil {
			return failFrom(err)
		}
	}
	r.Queued = req.Accepted
	r.Trace = trace
	conf, err := ch.session().Send(ctx, r.Request)
	if err != nil {
		return failFrom(err)
	}
	if conf.ShadowMuted {
		// P14 of docs/command-outcomes.md: CyTube showed the line only to
		// moderators and other shadow-muted users.
		return fail(commandsv1.ErrorCode_ERROR_CODE_MUTED, "this account is shadow-muted: CyTube showed the line only to moderators and other shadow-muted users")
	}
	res := &commandsv1.CommandResult{Ok: true}
	mapping.SetResultData(res, conf.Msg)
	if conf.Already {
		res.Reason = "nothing to send: the channel already is as " + req.Action + " asks"
		return res
	}
	if conf.Unconfirmable {
		res.Unconfirmed = true
		res.Reason = "sent; CyTube sends this account no confirmation for " + r.Event
	} else {
		res.Reason = "confirmed by " + conf.Event
	}
	return res
}

func lockWord(locked bool) string {
	if locked {
		return "locked"
	}
	return "unlocked"
}

func fail(code commandsv1.ErrorCode, reason string) *commandsv1.CommandResult {
	return &commandsv1.CommandResult{Code: code, Reason: reason}
}

// failFrom turns any error of the command path into a result: one place
// maps errors to codes.
func failFrom(err error) *commandsv1.CommandResult {
	if ce, ok := mapping.IsCommandError(err); ok {
		return fail(ce.Code, ce.Error())
	}
	var re *cytube.RefusedError
	if errors.As(err, &re) {
		res := &commandsv1.CommandResult{Reason: re.Error(), RetryAfterMs: re.RetryAfter.Milliseconds()}
		if re.Event != "" {
			res.ServerMessage = re.Message
		}
		switch re.Kind {
		case cytube.RefusedRateLimited:
			res.Code = commandsv1.ErrorCode_ERROR_CODE_RATE_LIMITED
		case cytube.RefusedMuted:
			res.Code = commandsv1.ErrorCode_ERROR_CODE_MUTED
		case cytube.RefusedSpamFiltered:
			res.Code = commandsv1.ErrorCode_ERROR_CODE_SPAM_FILTERED
		case cytube.RefusedNotPermitted:
			res.Code = commandsv1.ErrorCode_ERROR_CODE_NOT_PERMITTED
		case cytube.RefusedKicked:
			res.Code = commandsv1.ErrorCode_ERROR_CODE_KICKED
		case cytube.RefusedInvalid:
			res.Code = commandsv1.ErrorCode_ERROR_CODE_INVALID
		case cytube.RefusedNotFound:
			res.Code = commandsv1.ErrorCode_ERROR_CODE_NOT_FOUND
		case cytube.RefusedTooLarge:
			res.Code = commandsv1.ErrorCode_ERROR_CODE_TOO_LONG
		default:
			res.Code = commandsv1.ErrorCode_ERROR_CODE_REFUSED_BY_SERVER
		}
		return res
	}
	switch {
	case errors.Is(err, cytube.ErrNotReady), errors.Is(err, cytube.ErrConnectionLost), errors.Is(err, cytube.ErrStopped):
		return fail(commandsv1.ErrorCode_ERROR_CODE_DISCONNECTED, err.Error())
	case errors.Is(err, cytube.ErrQueueFull):
		return fail(commandsv1.ErrorCode_ERROR_CODE_RATE_LIMITED, err.Error())
	case errors.Is(err, cytube.ErrUnconfirmed), errors.Is(err, context.DeadlineExceeded):
		return fail(commandsv1.ErrorCode_ERROR_CODE_TIMEOUT, err.Error())
	case errors.Is(err, context.Canceled):
		return fail(commandsv1.ErrorCode_ERROR_CODE_DISCONNECTED, "connector shutting down: "+err.Error())
	}
	return fail(commandsv1.ErrorCode_ERROR_CODE_INTERNAL, err.Error())
}

// publishCommandError reports a failed command that had no reply subject
// as an ErrorEvent on the scope's error subject.
func (s *Service) publishCommandError(ctx context.Context, req bus.CommandRequest, reply proto.Message, err error) {
	ev := &eventsv1.ErrorEvent{Platform: mapping.Platform, Subject: req.Subject, Action: req.Action}
	if res, ok := reply.(*commandsv1.CommandResult); ok {
		ev.Code, ev.Message, ev.ServerMessage = res.GetCode(), res.GetReason(), res.GetServerMessage()
	} else if err != nil {
		ev.Code, ev.Message = commandsv1.ErrorCode_ERROR_CODE_INVALID, err.Error()
	}
	ch := s.byScope[req.Scope]
	scope := req.Scope
	source := "cytube-connector"
	if ch != nil {
		ev.Channel, source = ch.name, ch.source
	}
	pub := s.publisher()
	if pub == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	if perr := pub.Publish(ctx, bus.Envelope{
		Source: source, Type: "rosey.events.command_error", Time: time.Now(), Platform: mapping.Platform,
		Channel: ev.Channel, Subject: scope.Errors(), Data: ev,
		CorrelationID: firstHeader(req.Header, bus.HeaderCorrelationID, bus.HeaderID, bus.HeaderMsgID),
	}); perr != nil {
		s.warnOnce("cmderr:"+scope.Errors(), "cannot publish command error", "subject", scope.Errors(), "err", perr)
	}
}
