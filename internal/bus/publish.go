package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// CloudEvents 1.0 binary-mode NATS headers set on every published event,
// plus the Content-Type and JetStream de-duplication headers.
const (
	HeaderSpecVersion   = "ce-specversion"
	HeaderID            = "ce-id"
	HeaderSource        = "ce-source"
	HeaderType          = "ce-type"
	HeaderTime          = "ce-time"
	HeaderDataSchema    = "ce-dataschema"
	HeaderCorrelationID = "ce-correlationid"
	HeaderPlatform      = "ce-platform"
	HeaderChannel       = "ce-channel"
	HeaderContentType   = "Content-Type"
	HeaderMsgID         = jetstream.MsgIDHeader // "Nats-Msg-Id"

	// SpecVersion is the CloudEvents version the headers follow.
	SpecVersion = "1.0"

	ContentTypeProtobuf = "application/protobuf"
	ContentTypeJSON     = "application/json"
)

// JSONOptions is how the connector writes protobuf messages as JSON (JSON
// encoding, replies to JSON requests, state answers, monitor): proto3
// default values are written too ("uid":0, "ok":false, "items":[]), so a
// JSON consumer can tell a zero from a field that is not there. Unset
// message fields and oneofs stay absent.
var JSONOptions = protojson.MarshalOptions{EmitDefaultValues: true}

// Results passed to PublisherOptions.OnPublish.
const (
	ResultOK        = "ok"        // delivered (core) or stored (JetStream)
	ResultDuplicate = "duplicate" // JetStream already had this Nats-Msg-Id
	ResultRetry     = "retry"     // one JetStream attempt failed and will be retried
	ResultError     = "error"     // Publish returned an error
)

// Publisher defaults.
const (
	DefaultPublishTimeout = 5 * time.Second
	DefaultRetries        = 3
	defaultRetryBackoff   = 100 * time.Millisecond
	maxRetryBackoff       = 2 * time.Second
	maxPooledBuf          = 64 << 10
)

// ErrInvalidEnvelope is wrapped by Publish errors about the Envelope itself
// (missing fields, bad subject, invalid JSON); retrying cannot help.
var ErrInvalidEnvelope = errors.New("invalid envelope")

// PublishError reports an event that could not be delivered (core) or was
// not acknowledged by JetStream. Unwrap gives the last cause, so
// errors.Is(err, context.DeadlineExceeded), nats.ErrConnectionClosed,
// nats.ErrReconnectBufExceeded or jetstream.ErrNoStreamResponse (no stream
// captures the subject) work.
type PublishError struct {
	Subject  string
	MsgID    string
	Attempts int
	Err      error
}

// Error names the subject, message id and attempts.
func (e *PublishError) Error() string {
	return fmt.Sprintf("publish %s (msg id %s) failed after %d attempt(s): %v", e.Subject, e.MsgID, e.Attempts, e.Err)
}

// Unwrap returns the last cause.
func (e *PublishError) Unwrap() error { return e.Err }

// Encoding selects how Envelope.Data is serialized.
type Encoding int

const (
	// Protobuf is the binary protobuf wire format, Content-Type
	// application/protobuf. It is the default.
	Protobuf Encoding = iota
	// JSON is protojson, Content-Type application/json.
	JSON
)

// String returns "protobuf" or "json".
func (e Encoding) String() string {
	switch e {
	case Protobuf:
		return "protobuf"
	case JSON:
		return "json"
	}
	return fmt.Sprintf("Encoding(%d)", int(e))
}

// ContentType returns the MIME type the encoding produces.
func (e Encoding) ContentType() string {
	if e == JSON {
		return ContentTypeJSON
	}
	return ContentTypeProtobuf
}

// Envelope is one event to publish: CloudEvents attributes plus a payload.
type Envelope struct {
	// ID is the CloudEvents id; a NUID is generated when empty.
	ID string
	// CorrelationID links the event to a command or an earlier event.
	CorrelationID string
	// Source (required) is the CloudEvents source, a URI-reference such as
	// "/cytube/mychannel".
	Source string
	// Type (required) is the CloudEvents type, such as
	// "rosey.cytube.raw.chat.v1".
	Type string
	// Time of the occurrence; time.Now() when zero. Sent as RFC 3339 UTC.
	Time time.Time
	// Platform and Channel are Rosey extension attributes; empty ones are
	// left out.
	Platform, Channel string
	// Subject (required) is the NATS subject, built with Scope.
	Subject string
	// Data is the payload for Publish; ce-dataschema is its full name.
	Data proto.Message
	// RawJSON is the payload for PublishJSON (events without a proto model).
	RawJSON []byte
	// MsgID is the JetStream de-duplication id; defaults to ID.
	MsgID string
	// Trace is the W3C trace context sent as the traceparent header; a
	// new trace when zero. The envelopes of one event share it.
	Trace TraceContext
}

// PublisherOptions configures a Publisher. The zero value publishes
// protobuf with core NATS.
type PublisherOptions struct {
	// Encoding of Envelope.Data; default Protobuf.
	Encoding Encoding
	// JetStream publishes with acknowledgements. The subjects must be
	// captured by a stream (see EnsureStream), or every publish fails with
	// jetstream.ErrNoStreamResponse after its retries.
	JetStream bool
	// PublishTimeout bounds one JetStream attempt; default 5s.
	PublishTimeout time.Duration
	// Retries is how many times a JetStream publish is retried after a
	// timeout or no-responders error; default 3, negative disables. Every
	// retry carries the same Nats-Msg-Id so the server drops duplicates.
	Retries int
	// RetryUntilDone makes a JetStream publish retry retryable failures
	// (see Retries) until ctx ends, with the same backoff, instead of
	// giving up after Retries: for callers that must not drop an event
	// while NATS restarts. The ctx deadline is then the only bound.
	RetryUntilDone bool
	// OnPublish, when set, is called once per Publish with the final result
	// (ResultOK, ResultDuplicate or ResultError) and the total duration, and
	// once per retried attempt with ResultRetry. It runs on the publishing
	// goroutine and must be fast.
	OnPublish func(subject, result string, dur time.Duration)
}

// Publisher publishes Envelopes with CloudEvents binary-mode headers. It is
// safe for concurrent use. Publish blocks until the message is written
// (core) or acknowledged (JetStream). With JetStream the first PublishAsync
// subscribes for acknowledgements and starts one goroutine, which ends when
// the connection closes (asyncAcks).
type Publisher struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	jsOpts  []jetstream.PublishOpt
	acks    *asyncAcks // PublishAsync's acknowledgements (JetStream)
	opts    PublisherOptions
	retries int
	timeout time.Duration
	pool    sync.Pool // *outMsg
}

// outMsg is a reusable message: header map, header value slots and payload
// buffer survive between publishes. nats.go serializes the message before
// PublishMsg or RequestMsgWithContext returns, so reuse is safe after that.
type outMsg struct {
	msg  nats.Msg
	vals [12][1]string
	buf  []byte
	// ackc receives the answer to this message's asynchronous JetStream
	// publish (asyncAcks); empty whenever the message is in the pool.
	ackc chan pubAnswer
	// The last ce-time formatted with this message: the raw and the
	// normalized envelope of one event share their time.
	lastTime    time.Time
	lastTimeStr string
	// Likewise the last traceparent.
	lastTrace    TraceContext
	lastTraceStr string
}

// NewPublisher returns a Publisher on nc. It does not contact the server;
// create the stream with EnsureStream before publishing with JetStream.
func NewPublisher(nc *nats.Conn, opts PublisherOptions) (*Publisher, error) {
	if nc == nil {
		return nil, fmt.Errorf("%w: nil connection", ErrInvalidConfig)
	}
	if opts.Encoding != Protobuf && opts.Encoding != JSON {
		return nil, fmt.Errorf("%w: unknown encoding %v", ErrInvalidConfig, opts.Encoding)
	}
	p := &Publisher{nc: nc, opts: opts, retries: opts.Retries, timeout: opts.PublishTimeout}
	if p.retries == 0 {
		p.retries = DefaultRetries
	} else if p.retries < 0 {
		p.retries = 0
	}
	if p.timeout <= 0 {
		p.timeout = DefaultPublishTimeout
	}
	if opts.JetStream {
		// Synchronous publishes (Publish, and Wait's retries) go through
		// nats.go's JetStream API; asynchronous ones through asyncAcks.
		js, err := jetstream.New(nc)
		if err != nil {
			return nil, fmt.Errorf("jetstream: %w", err)
		}
		p.js = js
		p.acks = &asyncAcks{nc: nc}
		// Retries are ours, so that each attempt gets its own timeout.
		p.jsOpts = []jetstream.PublishOpt{jetstream.WithRetryAttempts(0)}
	}
	p.pool.New = func() any {
		return &outMsg{msg: nats.Msg{Header: make(nats.Header, 12)}, ackc: make(chan pubAnswer, 1)}
	}
	return p, nil
}

// Connected reports whether the publisher's NATS connection is up.
func (p *Publisher) Connected() bool { return p.nc.IsConnected() }

// Publish marshals e.Data in the publisher's encoding and publishes it on
// e.Subject with CloudEvents headers. Envelope errors wrap
// ErrInvalidEnvelope; delivery errors are *PublishError.
func (p *Publisher) Publish(ctx context.Context, e Envelope) error {
	if e.Data == nil {
		return fmt.Errorf("%w: nil Data", ErrInvalidEnvelope)
	}
	om := p.pool.Get().(*outMsg)
	defer p.put(om)
	if err := p.marshal(om, e.Data); err != nil {
		return err
	}
	return p.send(ctx, &e, om, om.buf, p.opts.Encoding.ContentType(), string(proto.MessageName(e.Data)))
}

// marshal encodes m into om's buffer in the publisher's encoding.
func (p *Publisher) marshal(om *outMsg, m proto.Message) error {
	var err error
	if p.opts.Encoding == JSON {
		om.buf, err = JSONOptions.MarshalAppend(om.buf[:0], m)
	} else {
		om.buf, err = proto.MarshalOptions{}.MarshalAppend(om.buf[:0], m)
	}
	if err != nil {
		return fmt.Errorf("%w: marshal %s: %w", ErrInvalidEnvelope, proto.MessageName(m), err)
	}
	return nil
}

// PublishJSON publishes e.RawJSON as is, with Content-Type application/json
// and no ce-dataschema. It is meant for events that have no proto model
// yet; e.Data is ignored. Invalid JSON wraps ErrInvalidEnvelope.
func (p *Publisher) PublishJSON(ctx context.Context, e Envelope) error {
	if !json.Valid(e.RawJSON) {
		return fmt.Errorf("%w: RawJSON is not valid JSON", ErrInvalidEnvelope)
	}
	om := p.pool.Get().(*outMsg)
	defer p.put(om)
	return p.send(ctx, &e, om, e.RawJSON, ContentTypeJSON, "")
}

func (p *Publisher) put(om *outMsg) {
	if cap(om.buf) > maxPooledBuf {
		om.buf = nil
	}
	om.msg.Data = nil
	p.pool.Put(om)
}

// setHeaders fills om's header map in place, reusing its value slots.
func (om *outMsg) setHeaders(e *Envelope, contentType, schema string) {
	h := om.msg.Header
	i := 0
	set := func(k, v string) {
		if v == "" {
			delete(h, k)
			return
		}
		om.vals[i][0] = v
		h[k] = om.vals[i][:]
		i++
	}
	msgID := e.MsgID
	if msgID == "" {
		msgID = e.ID
	}
	set(HeaderSpecVersion, SpecVersion)
	set(HeaderID, e.ID)
	set(HeaderSource, e.Source)
	set(HeaderType, e.Type)
	if !e.Time.Equal(om.lastTime) || om.lastTimeStr == "" {
		om.lastTime, om.lastTimeStr = e.Time, e.Time.UTC().Format(time.RFC3339Nano)
	}
	set(HeaderTime, om.lastTimeStr)
	set(HeaderDataSchema, schema)
	set(HeaderCorrelationID, e.CorrelationID)
	set(HeaderPlatform, e.Platform)
	set(HeaderChannel, e.Channel)
	set(HeaderContentType, contentType)
	set(HeaderMsgID, msgID)
	if e.Trace != om.lastTrace || om.lastTraceStr == "" {
		om.lastTrace, om.lastTraceStr = e.Trace, e.Trace.String()
	}
	set(HeaderTraceparent, om.lastTraceStr)
}

func (p *Publisher) send(ctx context.Context, e *Envelope, om *outMsg, data []byte, contentType, schema string) error {
	start := time.Now()
	if err := p.prepare(e, om, data, contentType, schema); err != nil {
		return err
	}
	msgID := om.msg.Header.Get(HeaderMsgID)
	if err := ctx.Err(); err != nil {
		return p.fail(e.Subject, msgID, 0, err, start)
	}
	if p.js == nil {
		if err := p.nc.PublishMsg(&om.msg); err != nil {
			return p.fail(e.Subject, msgID, 1, err, start)
		}
		p.report(e.Subject, ResultOK, start)
		return nil
	}
	return p.retry(ctx, &om.msg, e.Subject, msgID, 1, start)
}

// prepare checks e and fills om's headers, subject and data.
func (p *Publisher) prepare(e *Envelope, om *outMsg, data []byte, contentType, schema string) error {
	if e.Source == "" || e.Type == "" {
		return fmt.Errorf("%w: Source and Type are required", ErrInvalidEnvelope)
	}
	if err := validSubject(e.Subject); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidEnvelope, err)
	}
	for _, v := range [...]string{e.ID, e.CorrelationID, e.Source, e.Type, e.Platform, e.Channel, e.MsgID} {
		// A line break would let a value inject headers.
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("%w: header value %q contains a line break", ErrInvalidEnvelope, v)
		}
	}
	if e.ID == "" {
		e.ID = nuid.Next()
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if !e.Trace.IsValid() {
		e.Trace = NewTrace()
	}
	om.setHeaders(e, contentType, schema)
	om.msg.Subject = e.Subject
	om.msg.Data = data
	return nil
}

// retry publishes msg to JetStream synchronously from attempt on, until it
// is stored, fails for good, or ctx ends.
func (p *Publisher) retry(ctx context.Context, msg *nats.Msg, subject, msgID string, attempt int, start time.Time) error {
	for ; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, p.timeout)
		ack, err := p.js.PublishMsg(actx, msg, p.jsOpts...)
		cancel()
		if err == nil {
			p.acked(subject, ack.Duplicate, start)
			return nil
		}
		if (attempt > p.retries && !p.opts.RetryUntilDone) || !retryable(ctx, err) {
			return p.fail(subject, msgID, attempt, err, start)
		}
		p.report(subject, ResultRetry, start)
		if !waitBackoff(ctx, attempt) {
			return p.fail(subject, msgID, attempt, fmt.Errorf("%w (last attempt: %w)", ctx.Err(), err), start)
		}
	}
}

// waitBackoff waits before retry number attempt; false when ctx ended.
func waitBackoff(ctx context.Context, attempt int) bool {
	t := time.NewTimer(backoff(attempt))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Pending is a publish in flight (PublishAsync): Wait gives its result.
type Pending struct {
	p  *Publisher
	om *outMsg
	// id is the publish's registration with asyncAcks while its answer
	// may still come; deadline ends the wait for it.
	id       uint64
	deadline time.Time
	// answered: the first attempt's answer is in ans (an acknowledgement,
	// a refusal, a write error, a timeout or the connection breaking).
	answered bool
	ans      pubAnswer
	err      error // the publish is done: nil or its error
	done     bool
	subject  string
	msgID    string
	start    time.Time
	retried  bool // Wait had to repeat the publish
}

// PublishAsync starts publishing e as Publish does and returns at once;
// the caller must Wait for the result, in the order it published, before
// reusing nothing: the Pending owns the message until then. With core
// NATS, where a publish never waits, the result is known at once. With
// JetStream many publishes are in flight at the same time on the
// connection; their order on the connection, and so in the stream, is the
// order of the PublishAsync calls. A failed or unacknowledged attempt is
// retried by Wait with the same Nats-Msg-Id, so the server stores every
// event once. A connection that breaks loses the publishes after the last
// one the server read, never one in the middle: a caller that, once one
// failed (Failed, Retried), waits for all in flight before publishing more
// keeps the stream's order (service/pipeline.go). What it cannot see in
// time is a publish the server refuses on its own while storing later
// ones; that one is stored late, once.
func (p *Publisher) PublishAsync(ctx context.Context, e Envelope) *Pending {
	om := p.pool.Get().(*outMsg)
	pd := &Pending{p: p, om: om, subject: e.Subject, start: time.Now()}
	data, contentType, schema := e.RawJSON, ContentTypeJSON, ""
	if e.Data != nil {
		if err := p.marshal(om, e.Data); err != nil {
			return pd.finish(err)
		}
		data, contentType, schema = om.buf, p.opts.Encoding.ContentType(), string(proto.MessageName(e.Data))
	} else if !json.Valid(e.RawJSON) {
		return pd.finish(fmt.Errorf("%w: RawJSON is not valid JSON", ErrInvalidEnvelope))
	}
	if p.js == nil {
		return pd.finish(p.send(ctx, &e, om, data, contentType, schema))
	}
	if err := p.prepare(&e, om, data, contentType, schema); err != nil {
		return pd.finish(err)
	}
	pd.msgID = om.msg.Header.Get(HeaderMsgID)
	if err := ctx.Err(); err != nil {
		return pd.finish(p.fail(e.Subject, pd.msgID, 0, err, pd.start))
	}
	id, reply, err := p.acks.register(om.ackc)
	if err == nil {
		om.msg.Reply = reply
		err = p.nc.PublishMsg(&om.msg)
		om.msg.Reply = ""
		if err != nil {
			p.acks.cancel(id)
		}
	}
	if err != nil {
		// Not written (the connection is closed or reconnecting...):
		// Wait retries as Publish does.
		pd.answer(pubAnswer{err: err})
		return pd
	}
	pd.id, pd.deadline = id, pd.start.Add(p.timeout)
	return pd
}

// answer records the first attempt's answer.
func (pd *Pending) answer(a pubAnswer) {
	pd.answered, pd.ans, pd.id = true, a, 0
}

// poll takes the first attempt's answer if it has come.
func (pd *Pending) poll() bool {
	if pd.answered {
		return true
	}
	select {
	case a := <-pd.om.ackc:
		pd.answer(a)
		return true
	default:
		return false
	}
}

// expire gives up waiting for the answer, which then counts as err,
// unless it came in the meantime.
func (pd *Pending) expire(err error) {
	pd.p.acks.cancel(pd.id)
	if !pd.poll() {
		pd.answer(pubAnswer{err: err})
	}
}

// await waits for the first attempt's answer until its deadline, or until
// wake is ready (false) or ctx ends.
func (pd *Pending) await(ctx context.Context, wake <-chan struct{}) bool {
	if pd.poll() {
		return true
	}
	left := time.Until(pd.deadline)
	if left <= 0 {
		pd.expire(jetstream.ErrAsyncPublishTimeout)
		return true
	}
	t := time.NewTimer(left)
	defer t.Stop()
	select {
	case a := <-pd.om.ackc:
		pd.answer(a)
	case <-t.C:
		pd.expire(jetstream.ErrAsyncPublishTimeout)
	case <-ctx.Done():
		pd.expire(ctx.Err())
	case <-wake:
		return false
	}
	return true
}

// Failed reports, without waiting, that the publish has failed and Wait
// will retry it: the caller must then let it (and everything before it)
// be stored before publishing more, or a later event could be stored
// first.
func (pd *Pending) Failed() bool {
	if pd.done {
		return pd.err != nil
	}
	return pd.poll() && pd.ans.err != nil
}

// Poll reports the publish's result if it is known without waiting: done
// is true once the message is stored (err nil) or the publish has ended; a
// publish still waiting for its acknowledgement, or one Wait would retry,
// gives done false. It lets a caller skip building a context for Wait when
// the acknowledgement is already there, as it mostly is with many in
// flight.
func (pd *Pending) Poll() (done bool, err error) {
	if pd.done {
		return true, pd.err
	}
	if !pd.poll() || pd.ans.err != nil {
		return false, nil
	}
	pd.p.acked(pd.subject, pd.ans.dup, pd.start)
	return true, pd.finish(nil).err
}

// Answered waits until the publish's attempt has an answer (stored,
// refused, failed to write or timed out after the attempt timeout), or
// until wake is ready, whichever is first; it reports which. After true,
// Poll or Wait give the result without waiting for the server (Wait may
// still retry). It lets a caller wait for the oldest acknowledgement and
// for new work at the same time, so that an event arriving while the
// previous ones are in flight is published at once.
func (pd *Pending) Answered(wake <-chan struct{}) bool {
	if pd.done {
		return true
	}
	return pd.await(context.Background(), wake)
}

// Retried reports, after Wait, that the first attempt failed.
func (pd *Pending) Retried() bool { return pd.retried || (pd.done && pd.err != nil) }

// finish records the final result and gives the message back.
func (pd *Pending) finish(err error) *Pending {
	pd.done, pd.err = true, err
	if pd.id != 0 {
		// Still registered: forget it, and drop an answer sent before.
		pd.p.acks.cancel(pd.id)
		pd.id = 0
		select {
		case <-pd.om.ackc:
		default:
		}
	}
	pd.p.put(pd.om)
	pd.om = nil
	return pd
}

// Wait returns the publish's result: nil once the message is delivered
// (core) or stored (JetStream), else the error Publish would give. A
// JetStream attempt that failed or got no acknowledgement within the
// attempt timeout is retried here, within ctx, as Publish retries.
func (pd *Pending) Wait(ctx context.Context) error {
	if pd.done {
		return pd.err
	}
	p := pd.p
	pd.await(ctx, nil)
	if pd.ans.err == nil {
		p.acked(pd.subject, pd.ans.dup, pd.start)
		return pd.finish(nil).err
	}
	err := pd.ans.err
	if (p.retries < 1 && !p.opts.RetryUntilDone) || !retryable(ctx, err) {
		return pd.finish(p.fail(pd.subject, pd.msgID, 1, err, pd.start)).err
	}
	pd.retried = true
	p.report(pd.subject, ResultRetry, pd.start)
	if !waitBackoff(ctx, 1) {
		return pd.finish(p.fail(pd.subject, pd.msgID, 1, fmt.Errorf("%w (last attempt: %w)", ctx.Err(), err), pd.start)).err
	}
	return pd.finish(p.retry(ctx, &pd.om.msg, pd.subject, pd.msgID, 2, pd.start)).err
}

func (p *Publisher) fail(subject, msgID string, attempts int, err error, start time.Time) error {
	p.report(subject, ResultError, start)
	return &PublishError{Subject: subject, MsgID: msgID, Attempts: attempts, Err: err}
}

// acked reports a JetStream acknowledgement: stored, or a duplicate.
func (p *Publisher) acked(subject string, dup bool, start time.Time) {
	if dup {
		p.report(subject, ResultDuplicate, start)
	} else {
		p.report(subject, ResultOK, start)
	}
}

func (p *Publisher) report(subject, result string, start time.Time) {
	if p.opts.OnPublish != nil {
		p.opts.OnPublish(subject, result, time.Since(start))
	}
}

// retryable reports whether a failed JetStream attempt may succeed when
// repeated: the attempt timed out (but ctx did not), nobody answered yet
// (stream leader moving, server restarting), the connection broke or is
// reconnecting, or the reconnect buffer was full.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) ||
		errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, jetstream.ErrAsyncPublishTimeout) ||
		errors.Is(err, jetstream.ErrTooManyStalledMsgs) ||
		errors.Is(err, nats.ErrReconnectBufExceeded) ||
		errors.Is(err, nats.ErrConnectionReconnecting) ||
		errors.Is(err, nats.ErrDisconnected) ||
		isNetError(err)
}

// isNetError reports a socket error (broken pipe, connection reset) from
// writing to a connection the server just dropped: nats.go reconnects,
// and the publish can be repeated.
func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}

// backoff returns the wait before retry number attempt (1-based):
// exponential from 100ms, capped at 2s, with up to 50% random jitter.
func backoff(attempt int) time.Duration {
	d := defaultRetryBackoff << min(attempt-1, 10)
	d = min(d, maxRetryBackoff)
	return d/2 + rand.N(d/2+1)
}
