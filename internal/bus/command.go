package bus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
)

// HeaderDeadlineMs is the request header a caller may set to shorten or
// lengthen the command deadline, in milliseconds (capped by
// CommandServiceConfig.MaxTimeout).
const HeaderDeadlineMs = "Rosey-Deadline-Ms"

// ErrorCodeName is the one mapping from the error vocabulary,
// rosey.commands.v1.ErrorCode, to the Nats-Service-Error-Code header: the
// enum name without its prefix (INVALID, TOO_LONG, RATE_LIMITED...). Every
// service of the connector (commands, state) sends these codes, and the
// same code in its body where the body has one.
func ErrorCodeName(c commandsv1.ErrorCode) string {
	return strings.TrimPrefix(c.String(), "ERROR_CODE_")
}

// Command service defaults.
const (
	DefaultServiceName    = "cytube-connector"
	DefaultCommandTimeout = 10 * time.Second
	DefaultMaxTimeout     = 2 * time.Minute
	DefaultMaxPayload     = 64 << 10
)

// Errors the command service rejects a request with before the handler
// runs. They reach the handler's caller as error headers and reach
// OnUnanswered wrapped in a *RequestError.
var (
	ErrRequestTooLarge = errors.New("command payload too large")
	ErrBadDeadline     = errors.New("invalid " + HeaderDeadlineMs + " header")
)

// RequestError is an error with its code. The command service uses it for
// its own rejections; handlers return it for failed commands.
type RequestError struct {
	Code commandsv1.ErrorCode
	Err  error
}

// Error returns the cause's text; it is sent as Nats-Service-Error.
func (e *RequestError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// CodeOf maps an error to the vocabulary: the Code of the first
// *RequestError in the chain, TIMEOUT for context.DeadlineExceeded,
// DISCONNECTED for context.Canceled (the service is stopping), otherwise
// INTERNAL.
func CodeOf(err error) commandsv1.ErrorCode {
	var re *RequestError
	switch {
	case errors.As(err, &re) && re.Code != commandsv1.ErrorCode_ERROR_CODE_UNSPECIFIED:
		return re.Code
	case errors.Is(err, context.DeadlineExceeded):
		return commandsv1.ErrorCode_ERROR_CODE_TIMEOUT
	case errors.Is(err, context.Canceled):
		return commandsv1.ErrorCode_ERROR_CODE_DISCONNECTED
	}
	return commandsv1.ErrorCode_ERROR_CODE_INTERNAL
}

// CommandRequest is one command taken off the bus.
type CommandRequest struct {
	// Subject the command arrived on.
	Subject string
	// Action is the subject after the scope's command prefix: "chat" for
	// rosey.platform.cytube.send.chat. It may span several tokens.
	Action string
	// Scope whose command prefix matched, or the Route's scope.
	Scope Scope
	// Route is set when the request came through one of the service's
	// Routes (a fixed subject) rather than a scope's command prefix.
	Route bool
	// ContentType is application/json or application/protobuf: the
	// request's Content-Type header, or sniffed from the body ('{' means
	// JSON) when the header is missing.
	ContentType string
	// Data is the raw body.
	Data []byte
	// Header is the request's headers; do not modify.
	Header nats.Header
	// Reply is the reply subject, empty for fire-and-forget commands.
	Reply string
	// Trace is the span of the connector's handling of the command: a
	// child of the request's traceparent, or a new trace when it had none
	// (or an invalid one). The reply carries it, and so should the events
	// the command causes (as their parent).
	Trace TraceContext
	// Accepted tells the bus that the command's place in line is fixed (it
	// was queued for sending). The bus then takes the next command of the
	// scope while this one waits for its confirmation, so commands keep
	// their arrival order without waiting for each other's round trip.
	// Calling it is optional (returning has the same effect) and idempotent.
	Accepted func()
}

// CommandHandler executes commands. HandleCommand runs on the NATS
// subscription goroutine of the request's scope, so calls for one scope are
// sequential and calls for different scopes may be concurrent. ctx carries
// the command deadline. The reply, when not nil, is sent as the body even
// when err is not nil; err becomes the error headers.
type CommandHandler interface {
	HandleCommand(ctx context.Context, req CommandRequest) (reply proto.Message, err error)
}

// CommandHandlerFunc adapts a function to CommandHandler.
type CommandHandlerFunc func(ctx context.Context, req CommandRequest) (proto.Message, error)

// HandleCommand calls f.
func (f CommandHandlerFunc) HandleCommand(ctx context.Context, req CommandRequest) (proto.Message, error) {
	return f(ctx, req)
}

// CommandServiceConfig configures NewCommandService. Scopes and Handler are
// required.
type CommandServiceConfig struct {
	// Name of the micro service; default "cytube-connector".
	Name string
	// Version in SemVer; default "0.0.0".
	Version string
	// Description and Metadata appear in $SRV.INFO.
	Description string
	Metadata    map[string]string
	// Scopes to take commands for; one endpoint each.
	Scopes []Scope
	// ScopeMetadata is added to the $SRV.INFO metadata of every scope's
	// endpoint (which also has "scope_prefix"), e.g. the request and result
	// types.
	ScopeMetadata map[string]string
	// Routes are extra endpoints on fixed subjects, such as the
	// platform-neutral SendMessageSubject; their requests reach the
	// handler with the route's Scope and Action.
	Routes []Route
	// QueueGroup shared by every instance of the fleet; default Name.
	QueueGroup string
	// Handler executes the commands.
	Handler CommandHandler
	// Timeout is the command deadline unless the request carries
	// Rosey-Deadline-Ms; default 10s.
	Timeout time.Duration
	// MaxTimeout caps Rosey-Deadline-Ms; default 2m.
	MaxTimeout time.Duration
	// MaxPayload is the largest body accepted, in bytes; default 64 KiB.
	// A larger one is refused TOO_LONG before the handler runs: this is the
	// only size check.
	MaxPayload int
	// Failure builds the reply body for a failure the service decides
	// itself (a body over MaxPayload, a bad deadline header, a handler
	// that panicked or a reply that did not marshal), so that every
	// failure has a body as well as the error headers. Default: headers
	// only.
	Failure func(code commandsv1.ErrorCode, reason string) proto.Message
	// IsOK reports whether a reply means success. It matters only for
	// requests without a reply subject. Default: the value of a top-level
	// bool field named "ok" when the message has one, else true.
	IsOK func(proto.Message) bool
	// OnSpan, when set, receives the span of each command of a sampled
	// trace (its traceparent has the sampled flag): from arrival to
	// answer, a child of the request's span, named "<action> process".
	OnSpan func(Span)
	// OnUnanswered is called for a request without a reply subject whose
	// handler failed or returned a not-OK reply, so the failure can be
	// published as an error event. ctx is the service's ctx, not the
	// expired command ctx. Optional; it runs on the subscription goroutine.
	OnUnanswered func(ctx context.Context, req CommandRequest, reply proto.Message, err error)
	// MaxInFlight bounds the commands accepted but not yet answered, over
	// all scopes; further requests wait. Default 256.
	MaxInFlight int
	// Logger; default discards.
	Logger *slog.Logger
}

// Route is an endpoint on one fixed subject.
type Route struct {
	Subject string
	Scope   Scope
	Action  string
	// Metadata is added to the endpoint's $SRV.INFO metadata (which also
	// has "action").
	Metadata map[string]string
}

// CommandService is the running command service, a NATS micro service
// (see monitor.go). Stop stops taking commands and waits for the ones in
// flight to be answered (each within its own deadline).
type CommandService struct {
	mon  *monitor
	subs []*nats.Subscription
	wg   *sync.WaitGroup
}

// Info is what $SRV.INFO answers for the service.
func (s *CommandService) Info() micro.Info { return s.mon.Info() }

// Stats is what $SRV.STATS answers: per endpoint, the commands whose
// result is known, their errors and their processing time from arrival to
// answer.
func (s *CommandService) Stats() micro.Stats { return s.mon.Stats() }

// Stop drains the command subscriptions (the commands already taken are
// handled), waits for every command in flight to finish, then leaves the
// discovery subjects.
func (s *CommandService) Stop() error {
	var errs []error
	closed := make([]<-chan nats.SubStatus, 0, len(s.subs))
	for _, sub := range s.subs {
		ch := sub.StatusChanged(nats.SubscriptionClosed)
		if err := sub.Drain(); err != nil {
			if !errors.Is(err, nats.ErrConnectionClosed) && !errors.Is(err, nats.ErrBadSubscription) {
				errs = append(errs, err)
			}
			continue
		}
		closed = append(closed, ch)
	}
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
drain:
	for _, ch := range closed {
		select {
		case <-ch:
		case <-timeout.C:
			errs = append(errs, errors.New("command service: subscriptions not drained within 5s"))
			break drain
		}
	}
	s.wg.Wait()
	errs = append(errs, s.mon.stop())
	return errors.Join(errs...)
}

// NewCommandService adds the micro service that takes commands for every
// scope in cfg: one group per scope on its command prefix
// (rosey.platform.<platform>[.<channel>].send) with a single wildcard
// endpoint on ">" in cfg.QueueGroup. The wildcard keeps the set of actions
// with the handler, which knows them, instead of the bus; unknown actions
// get the handler's error reply.
//
// ctx is the parent of every command's ctx: cancelling it cancels running
// commands (it does not stop the service). Stop the returned service to
// drain its subscriptions; closing nc stops it too. Each request gets its
// own deadline, its body is checked against MaxPayload before the handler
// sees it, and the reply is encoded like the request (JSON or protobuf).
func NewCommandService(ctx context.Context, nc *nats.Conn, cfg CommandServiceConfig) (*CommandService, error) {
	if nc == nil || cfg.Handler == nil || len(cfg.Scopes) == 0 {
		return nil, fmt.Errorf("%w: command service needs a connection, a handler and at least one scope", ErrInvalidConfig)
	}
	c := &commandService{cfg: cfg, log: cfg.Logger, nc: nc, wg: new(sync.WaitGroup)}
	if c.cfg.MaxInFlight <= 0 {
		c.cfg.MaxInFlight = 256
	}
	c.slots = make(chan struct{}, c.cfg.MaxInFlight)
	if c.cfg.Name == "" {
		c.cfg.Name = DefaultServiceName
	}
	if c.cfg.Version == "" {
		c.cfg.Version = "0.0.0"
	}
	if c.cfg.QueueGroup == "" {
		c.cfg.QueueGroup = c.cfg.Name
	}
	if c.cfg.Timeout <= 0 {
		c.cfg.Timeout = DefaultCommandTimeout
	}
	if c.cfg.MaxTimeout <= 0 {
		c.cfg.MaxTimeout = DefaultMaxTimeout
	}
	if c.cfg.MaxPayload <= 0 {
		c.cfg.MaxPayload = DefaultMaxPayload
	}
	if c.cfg.IsOK == nil {
		c.cfg.IsOK = defaultIsOK
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	seen := map[Scope]bool{}
	for _, s := range cfg.Scopes {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		if seen[s] {
			return nil, fmt.Errorf("%w: duplicate scope %+v", ErrInvalidConfig, s)
		}
		seen[s] = true
	}

	if err := checkIdentity(c.cfg.Name, c.cfg.Version); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	mon := newMonitor(c.cfg.Name, c.cfg.Version, c.cfg.Description, c.cfg.Metadata)
	svc := &CommandService{mon: mon, wg: c.wg}
	subscribe := func(ep *endpoint, serve func(m *nats.Msg, arrived time.Time, f *inflight)) error {
		sub, err := nc.QueueSubscribe(ep.info.Subject, c.cfg.QueueGroup, func(m *nats.Msg) {
			arrived := time.Now()
			c.dispatch(ctx, func(f *inflight) {
				serve(m, arrived, f)
			})
		})
		if err != nil {
			_ = svc.Stop()
			return fmt.Errorf("command endpoint %s: %w", ep.info.Subject, err)
		}
		svc.subs = append(svc.subs, sub)
		return nil
	}
	for i, s := range cfg.Scopes {
		prefix := s.CommandPrefix()
		md := maps.Clone(cfg.ScopeMetadata)
		if md == nil {
			md = map[string]string{}
		}
		md["scope_prefix"] = prefix
		ep := mon.add(endpointName(i, s), prefix+".>", c.cfg.QueueGroup, md)
		if err := subscribe(ep, func(m *nats.Msg, arrived time.Time, f *inflight) { c.serve(ctx, s, prefix, "", ep, m, arrived, f) }); err != nil {
			return nil, err
		}
	}
	for i, rt := range cfg.Routes {
		if err := ValidatePath(rt.Subject); err != nil {
			_ = svc.Stop()
			return nil, fmt.Errorf("%w: route %q: %w", ErrInvalidConfig, rt.Subject, err)
		}
		md := maps.Clone(rt.Metadata)
		if md == nil {
			md = map[string]string{}
		}
		md["action"] = rt.Action
		ep := mon.add(fmt.Sprintf("route-%d", i), rt.Subject, c.cfg.QueueGroup, md)
		if err := subscribe(ep, func(m *nats.Msg, arrived time.Time, f *inflight) {
			c.serve(ctx, rt.Scope, "", rt.Action, ep, m, arrived, f)
		}); err != nil {
			return nil, err
		}
	}
	if err := mon.start(nc); err != nil {
		_ = svc.Stop()
		return nil, fmt.Errorf("command service discovery: %w", err)
	}
	c.log.Info("command service started", "name", c.cfg.Name, "scopes", len(cfg.Scopes), "queue_group", c.cfg.QueueGroup)
	return svc, nil
}

// endpointName builds a micro endpoint name (letters, digits, '-', '_')
// from the scope, with the index to keep names unique.
func endpointName(i int, s Scope) string {
	raw := s.Platform + "-send"
	if s.Channel != "" {
		raw = s.Platform + "-" + s.Channel + "-send"
	}
	var b strings.Builder
	for _, r := range raw {
		if r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if i > 0 {
		b.WriteString("-" + strconv.Itoa(i))
	}
	return b.String()
}

// commandService holds the resolved config. The parent ctx is bound to each
// endpoint's subscription callback.
type commandService struct {
	cfg   CommandServiceConfig
	log   *slog.Logger
	nc    *nats.Conn
	wg    *sync.WaitGroup
	slots chan struct{}
}

// inflight is one command between its subscription callback and its
// reply.
type inflight struct {
	accepted chan struct{}
	once     sync.Once
}

func (f *inflight) accept() { f.once.Do(func() { close(f.accepted) }) }

// dispatch runs on the endpoint's subscription goroutine. It starts the
// command on its own goroutine and returns once the handler accepted it
// (or finished), so the next command of the scope is taken in order while
// this one waits for CyTube.
func (c *commandService) dispatch(parent context.Context, run func(f *inflight)) {
	select {
	case c.slots <- struct{}{}:
	case <-parent.Done():
		return
	}
	f := &inflight{accepted: make(chan struct{})}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer func() { <-c.slots }()
		defer f.accept()
		run(f)
	}()
	select {
	case <-f.accepted:
	case <-parent.Done():
	}
}

func (c *commandService) serve(parent context.Context, scope Scope, prefix, action string, ep *endpoint, m *nats.Msg, arrived time.Time, f *inflight) {
	req := CommandRequest{
		Subject:  m.Subject,
		Scope:    scope,
		Data:     m.Data,
		Header:   m.Header,
		Reply:    m.Reply,
		Accepted: f.accept,
	}
	if req.Header == nil {
		req.Header = nats.Header{}
	}
	req.Action, req.Route = action, action != ""
	if action == "" {
		req.Action = strings.TrimPrefix(req.Subject, prefix+".")
	}
	req.ContentType = requestContentType(req.Header.Get(HeaderContentType), req.Data)
	var parentSpan [8]byte
	if parent, ok := ParseTraceparent(req.Header.Get(HeaderTraceparent)); ok {
		req.Trace, parentSpan = parent.Child(), parent.SpanID
	} else {
		req.Trace = NewTrace()
	}

	reply, err := c.run(parent, req)
	if c.cfg.OnSpan != nil && req.Trace.Sampled() {
		c.cfg.OnSpan(commandSpan(req, parentSpan, arrived, reply, err, c.cfg.IsOK))
	}

	var body []byte
	if reply != nil {
		var merr error
		body, merr = c.marshal(req.ContentType, reply)
		if merr != nil {
			err = &RequestError{Code: commandsv1.ErrorCode_ERROR_CODE_INTERNAL, Err: fmt.Errorf("marshal reply %s: %w", proto.MessageName(reply), errors.Join(merr, err))}
			reply, body = nil, nil
		}
	}
	if reply == nil && err != nil && c.cfg.Failure != nil {
		reply = c.cfg.Failure(CodeOf(err), err.Error())
		if reply != nil {
			body, _ = c.marshal(req.ContentType, reply)
		}
	}
	log := c.log.With("subject", req.Subject, "action", req.Action)
	if err != nil {
		log.Debug("command failed", "err", err, "dur", time.Since(arrived))
	}

	if req.Reply == "" {
		if (err != nil || (reply != nil && !c.cfg.IsOK(reply))) && c.cfg.OnUnanswered != nil {
			c.cfg.OnUnanswered(parent, req, reply, err)
		}
		ep.mon.record(ep, time.Since(arrived), err)
		return
	}
	msg := &nats.Msg{Subject: req.Reply, Data: body, Header: nats.Header{
		HeaderContentType: []string{req.ContentType},
		HeaderTraceparent: []string{req.Trace.String()},
	}}
	if err != nil {
		desc := strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, err.Error())
		if desc == "" {
			desc = "command failed"
		}
		msg.Header.Set(micro.ErrorHeader, desc)
		msg.Header.Set(micro.ErrorCodeHeader, ErrorCodeName(CodeOf(err)))
	}
	// Counted once its result is known, before the caller can see it.
	ep.mon.record(ep, time.Since(arrived), err)
	if rerr := c.nc.PublishMsg(msg); rerr != nil {
		log.Warn("command reply not sent", "err", rerr)
	}
}

// run checks the request and calls the handler with the command deadline.
// A panicking handler becomes an INTERNAL error instead of killing the
// process.
func (c *commandService) run(parent context.Context, req CommandRequest) (reply proto.Message, err error) {
	if n := len(req.Data); n > c.cfg.MaxPayload {
		return nil, &RequestError{Code: commandsv1.ErrorCode_ERROR_CODE_TOO_LONG, Err: fmt.Errorf("%w: %d bytes, limit %d", ErrRequestTooLarge, n, c.cfg.MaxPayload)}
	}
	timeout := c.cfg.Timeout
	if v := req.Header.Get(HeaderDeadlineMs); v != "" {
		ms, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || ms <= 0 {
			return nil, &RequestError{Code: commandsv1.ErrorCode_ERROR_CODE_INVALID, Err: fmt.Errorf("%w: %q is not a positive integer", ErrBadDeadline, v)}
		}
		timeout = min(time.Duration(ms)*time.Millisecond, c.cfg.MaxTimeout)
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("command handler panicked", "subject", req.Subject, "panic", p, "stack", string(debug.Stack()))
			reply, err = nil, &RequestError{Code: commandsv1.ErrorCode_ERROR_CODE_INTERNAL, Err: fmt.Errorf("command handler panicked: %v", p)}
		}
	}()
	return c.cfg.Handler.HandleCommand(ctx, req)
}

// marshal encodes a reply like its request: JSON or protobuf.
func (c *commandService) marshal(contentType string, m proto.Message) ([]byte, error) {
	if contentType == ContentTypeJSON {
		return JSONOptions.Marshal(m)
	}
	return proto.Marshal(m)
}

// requestContentType decides the request encoding: the Content-Type header
// when it names JSON or protobuf, else JSON when the body starts with '{'.
func requestContentType(header string, data []byte) string {
	mt, _, _ := strings.Cut(header, ";")
	switch strings.ToLower(strings.TrimSpace(mt)) {
	case ContentTypeJSON:
		return ContentTypeJSON
	case ContentTypeProtobuf, "application/x-protobuf":
		return ContentTypeProtobuf
	}
	if body := bytes.TrimLeft(data, " \t\r\n"); len(body) > 0 && body[0] == '{' {
		return ContentTypeJSON
	}
	return ContentTypeProtobuf
}

// defaultIsOK reads a top-level bool field named "ok"; messages without one
// count as success.
func defaultIsOK(m proto.Message) bool {
	pm := m.ProtoReflect()
	fd := pm.Descriptor().Fields().ByName("ok")
	if fd == nil || fd.Kind() != protoreflect.BoolKind || fd.Cardinality() == protoreflect.Repeated {
		return true
	}
	return pm.Get(fd).Bool()
}
