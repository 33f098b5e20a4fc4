package bus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// HeaderDeadlineMs is the request header a caller may set to shorten or
// lengthen the command deadline, in milliseconds (capped by
// CommandServiceConfig.MaxTimeout).
const HeaderDeadlineMs = "Rosey-Deadline-Ms"

// Error codes the command service itself sends in Nats-Service-Error-Code.
// Handlers' errors carry their own code (see DefaultErrorCode).
const (
	CodeInvalidArgument  = "INVALID_ARGUMENT"
	CodeDeadlineExceeded = "DEADLINE_EXCEEDED"
	CodeUnavailable      = "UNAVAILABLE"
	CodeInternal         = "INTERNAL"
)

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

// RequestError is an error with a code for the Nats-Service-Error-Code
// header. The command service uses it for its own rejections; handlers may
// return it (or any error with an ErrorCode() string method) too.
type RequestError struct {
	Code string
	Err  error
}

// Error returns the cause's text; it is sent as Nats-Service-Error.
func (e *RequestError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// ErrorCode returns Code.
func (e *RequestError) ErrorCode() string { return e.Code }

// DefaultErrorCode maps an error to a code: the ErrorCode() of the first
// error in the chain that has one, DEADLINE_EXCEEDED for
// context.DeadlineExceeded, UNAVAILABLE for context.Canceled (the service
// is stopping), otherwise INTERNAL.
func DefaultErrorCode(err error) string {
	var c interface{ ErrorCode() string }
	switch {
	case errors.As(err, &c) && c.ErrorCode() != "":
		return c.ErrorCode()
	case errors.Is(err, context.DeadlineExceeded):
		return CodeDeadlineExceeded
	case errors.Is(err, context.Canceled):
		return CodeUnavailable
	}
	return CodeInternal
}

// CommandRequest is one command taken off the bus.
type CommandRequest struct {
	// Subject the command arrived on.
	Subject string
	// Action is the subject after the scope's command prefix: "chat" for
	// rosey.platform.cytube.send.chat. It may span several tokens.
	Action string
	// Scope whose command prefix matched.
	Scope Scope
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
	// Accepted tells the bus that the command's place in line is fixed (it
	// was queued for sending). The bus then takes the next command of the
	// scope while this one waits for its confirmation, so commands keep
	// their arrival order without waiting for each other's round trip.
	// Calling it is optional (returning has the same effect) and idempotent.
	Accepted func()
}

// Unmarshal decodes Data into m according to ContentType. Unknown JSON
// fields are ignored, as unknown protobuf fields are, so that newer
// callers can talk to older connectors.
func (r CommandRequest) Unmarshal(m proto.Message) error {
	var err error
	if r.ContentType == ContentTypeJSON {
		err = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(r.Data, m)
	} else {
		err = proto.Unmarshal(r.Data, m)
	}
	if err != nil {
		return &RequestError{Code: CodeInvalidArgument, Err: fmt.Errorf("decode %s as %s: %w", r.ContentType, proto.MessageName(m), err)}
	}
	return nil
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
	MaxPayload int
	// ErrorCode maps handler errors to Nats-Service-Error-Code; default
	// DefaultErrorCode. A custom function should fall back to it.
	ErrorCode func(error) string
	// IsOK reports whether a reply means success. It matters only for
	// requests without a reply subject. Default: the value of a top-level
	// bool field named "ok" when the message has one, else true.
	IsOK func(proto.Message) bool
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
}

// CommandService is the running micro service. Stop stops taking commands
// and waits for the ones in flight to be answered (each within its own
// deadline).
type CommandService struct {
	micro.Service
	wg *sync.WaitGroup
}

// Stop drains the service's subscriptions, then waits for every command in
// flight to finish.
func (s *CommandService) Stop() error {
	err := s.Service.Stop()
	s.wg.Wait()
	return err
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
	if c.cfg.ErrorCode == nil {
		c.cfg.ErrorCode = DefaultErrorCode
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

	svc, err := micro.AddService(nc, micro.Config{
		Name:        c.cfg.Name,
		Version:     c.cfg.Version,
		Description: c.cfg.Description,
		Metadata:    c.cfg.Metadata,
		QueueGroup:  c.cfg.QueueGroup,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	for i, s := range cfg.Scopes {
		prefix := s.CommandPrefix()
		name := endpointName(i, s)
		g := svc.AddGroup(prefix)
		err := g.AddEndpoint(name, micro.HandlerFunc(func(r micro.Request) { c.handle(ctx, s, prefix, r) }),
			micro.WithEndpointSubject(">"),
			micro.WithEndpointMetadata(map[string]string{"scope_prefix": prefix}))
		if err != nil {
			// Stop only fails on a closed connection, which err reports too.
			_ = svc.Stop()
			return nil, fmt.Errorf("command endpoint %s.>: %w", prefix, err)
		}
	}
	for i, rt := range cfg.Routes {
		if err := ValidatePath(rt.Subject); err != nil {
			_ = svc.Stop()
			return nil, fmt.Errorf("%w: route %q: %w", ErrInvalidConfig, rt.Subject, err)
		}
		err := svc.AddEndpoint(fmt.Sprintf("route-%d", i), micro.HandlerFunc(func(r micro.Request) { c.handleRoute(ctx, rt, r) }),
			micro.WithEndpointSubject(rt.Subject),
			micro.WithEndpointMetadata(map[string]string{"action": rt.Action}))
		if err != nil {
			_ = svc.Stop()
			return nil, fmt.Errorf("command endpoint %s: %w", rt.Subject, err)
		}
	}
	c.log.Info("command service started", "name", c.cfg.Name, "scopes", len(cfg.Scopes), "queue_group", c.cfg.QueueGroup)
	return &CommandService{Service: svc, wg: c.wg}, nil
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
// endpoint's handler closure, as micro.ContextHandler does.
type commandService struct {
	cfg   CommandServiceConfig
	log   *slog.Logger
	nc    *nats.Conn
	wg    *sync.WaitGroup
	slots chan struct{}
}

// inflight is one command between micro's handler and its reply. micro
// reads a request's fields after its handler returns (for its stats), so a
// reply may use the micro.Request only while the handler still waits;
// after that it is published directly on the reply subject.
type inflight struct {
	accepted chan struct{}
	once     sync.Once
	mu       sync.Mutex
	released bool // micro's handler returned
}

func (f *inflight) accept() { f.once.Do(func() { close(f.accepted) }) }

// inline runs fn while micro's handler still waits, and reports whether it
// did.
func (f *inflight) inline(fn func()) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.released {
		return false
	}
	fn()
	return true
}

// handle runs on the scope's subscription goroutine. It starts the command
// on its own goroutine and returns once the handler accepted it (or
// finished), so the next command of the scope is taken in order while
// this one waits for CyTube.
func (c *commandService) handle(parent context.Context, scope Scope, prefix string, r micro.Request) {
	c.dispatch(parent, r, func(f *inflight) { c.serve(parent, scope, prefix, "", r, f) })
}

// handleRoute is handle for a fixed-subject route.
func (c *commandService) handleRoute(parent context.Context, rt Route, r micro.Request) {
	c.dispatch(parent, r, func(f *inflight) { c.serve(parent, rt.Scope, "", rt.Action, r, f) })
}

func (c *commandService) dispatch(parent context.Context, r micro.Request, run func(f *inflight)) {
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
	f.mu.Lock()
	f.released = true
	f.mu.Unlock()
}

func (c *commandService) serve(parent context.Context, scope Scope, prefix, action string, r micro.Request, f *inflight) {
	accept := f.accept
	start := time.Now()
	req := CommandRequest{
		Subject:  r.Subject(),
		Scope:    scope,
		Data:     r.Data(),
		Header:   nats.Header(r.Headers()),
		Reply:    r.Reply(),
		Accepted: accept,
	}
	req.Action = action
	if action == "" {
		req.Action = strings.TrimPrefix(req.Subject, prefix+".")
	}
	req.ContentType = requestContentType(req.Header.Get(HeaderContentType), req.Data)

	reply, err := c.run(parent, req)

	var body []byte
	if reply != nil {
		var merr error
		if req.ContentType == ContentTypeJSON {
			body, merr = protojson.Marshal(reply)
		} else {
			body, merr = proto.Marshal(reply)
		}
		if merr != nil {
			body = nil
			err = &RequestError{Code: CodeInternal, Err: fmt.Errorf("marshal reply %s: %w", proto.MessageName(reply), errors.Join(merr, err))}
		}
	}
	log := c.log.With("subject", req.Subject, "action", req.Action)
	if err != nil {
		log.Debug("command failed", "err", err, "dur", time.Since(start))
	}

	if req.Reply == "" {
		if (err != nil || (reply != nil && !c.cfg.IsOK(reply))) && c.cfg.OnUnanswered != nil {
			c.cfg.OnUnanswered(parent, req, reply, err)
		}
		return
	}
	var code, desc string
	if err != nil {
		desc = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, err.Error())
		if desc == "" {
			desc = "command failed" // micro refuses to send an empty description
		}
		code = c.cfg.ErrorCode(err)
		if code == "" {
			code = CodeInternal
		}
	}
	var rerr error
	if !f.inline(func() {
		hdr := micro.WithHeaders(micro.Headers{HeaderContentType: []string{req.ContentType}})
		if code != "" {
			rerr = r.Error(code, desc, body, hdr)
		} else {
			rerr = r.Respond(body, hdr)
		}
	}) {
		// micro's handler has returned (the command was accepted and
		// waited for CyTube): answer on the reply subject directly, with
		// the same headers micro would set.
		msg := &nats.Msg{Subject: req.Reply, Data: body, Header: nats.Header{HeaderContentType: []string{req.ContentType}}}
		if code != "" {
			msg.Header.Set(micro.ErrorHeader, desc)
			msg.Header.Set(micro.ErrorCodeHeader, code)
		}
		rerr = c.nc.PublishMsg(msg)
	}
	if rerr != nil {
		log.Warn("command reply not sent", "err", rerr)
	}
}

// run checks the request and calls the handler with the command deadline.
// A panicking handler becomes an INTERNAL error instead of killing the
// process.
func (c *commandService) run(parent context.Context, req CommandRequest) (reply proto.Message, err error) {
	if n := len(req.Data); n > c.cfg.MaxPayload {
		return nil, &RequestError{Code: CodeInvalidArgument, Err: fmt.Errorf("%w: %d bytes, limit %d", ErrRequestTooLarge, n, c.cfg.MaxPayload)}
	}
	timeout := c.cfg.Timeout
	if v := req.Header.Get(HeaderDeadlineMs); v != "" {
		ms, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || ms <= 0 {
			return nil, &RequestError{Code: CodeInvalidArgument, Err: fmt.Errorf("%w: %q is not a positive integer", ErrBadDeadline, v)}
		}
		timeout = min(time.Duration(ms)*time.Millisecond, c.cfg.MaxTimeout)
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("command handler panicked", "subject", req.Subject, "panic", p, "stack", string(debug.Stack()))
			reply, err = nil, &RequestError{Code: CodeInternal, Err: fmt.Errorf("command handler panicked: %v", p)}
		}
	}()
	return c.cfg.Handler.HandleCommand(ctx, req)
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
