package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	statev1 "github.com/roseybot/cytube-connector/gen/go/rosey/state/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/cytube"
)

// Defaults for Config.
const (
	DefaultName     = "cytube-state"
	DefaultBucket   = "ROSEY_CYTUBE_STATE"
	DefaultDebounce = 250 * time.Millisecond
)

// HeaderAccept is the request header that asks for a JSON reply
// ("application/json") whatever the request body looks like.
const HeaderAccept = "Accept"

// ErrInvalidConfig is wrapped by Start's errors for a Config it cannot use.
var ErrInvalidConfig = errors.New("invalid state service config")

// putTimeout bounds one key-value write.
const putTimeout = 5 * time.Second

// Source is one channel's live state. *cytube.Session satisfies it.
type Source interface {
	Snapshot() cytube.Snapshot
	State() cytube.State
}

// Channel is one channel the service answers for.
type Channel struct {
	// Scope gives the subjects: Scope.Raw("state.<aspect>").
	Scope bus.Scope
	// Name is the channel name used in replies and key-value keys.
	Name string
	// Source supplies the state.
	Source Source
}

// Config configures Start. Channels is required.
type Config struct {
	// Name of the micro service; default "cytube-state".
	Name string
	// Version in SemVer; default "0.0.0".
	Version string
	// Channels to serve; scopes and names must be unique.
	Channels []Channel
	// Mirror turns on the key-value mirror (needs JetStream).
	Mirror bool
	// Bucket is the key-value bucket; default "ROSEY_CYTUBE_STATE". It is
	// created when missing (history 1, file storage).
	Bucket string
	// Debounce is the shortest time between two writes of one key;
	// default 250 ms.
	Debounce time.Duration
	// Logger; default discards.
	Logger *slog.Logger
	// Now is the clock for position estimates; default time.Now.
	Now func() time.Time
}

// Service is the running state service.
type Service struct {
	cfg    Config
	log    *slog.Logger
	svc    micro.Service
	kv     jetstream.KeyValue
	chans  []Channel
	byKey  map[bus.Scope]int
	quit   chan struct{}
	done   chan struct{}
	stop   sync.Once
	stopEr error

	mu    sync.Mutex
	dirty map[slot]bool // value: force the write
	wake  chan struct{}

	// last is owned by the writer goroutine.
	last map[slot]written
}

// slot is one key: a channel (index into chans) and an aspect.
type slot struct {
	ch int
	a  Aspect
}

type written struct {
	msg  proto.Message
	data []byte
}

// Start creates the key-value bucket (when mirroring), adds the micro
// service and starts the writer goroutine, which first writes every
// channel's state. ctx bounds the bucket creation and is the parent of
// every write; cancelling it makes writes fail, Stop ends the service.
func Start(ctx context.Context, nc *nats.Conn, cfg Config) (*Service, error) {
	if nc == nil || len(cfg.Channels) == 0 {
		return nil, fmt.Errorf("%w: need a connection and at least one channel", ErrInvalidConfig)
	}
	if cfg.Name == "" {
		cfg.Name = DefaultName
	}
	if cfg.Version == "" {
		cfg.Version = "0.0.0"
	}
	if cfg.Bucket == "" {
		cfg.Bucket = DefaultBucket
	}
	if cfg.Debounce <= 0 {
		cfg.Debounce = DefaultDebounce
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{
		cfg: cfg, log: cfg.Logger, chans: cfg.Channels, byKey: map[bus.Scope]int{},
		quit: make(chan struct{}), done: make(chan struct{}),
		dirty: map[slot]bool{}, wake: make(chan struct{}, 1), last: map[slot]written{},
	}
	names := map[string]bool{}
	for i, ch := range cfg.Channels {
		if err := ch.Scope.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		if err := bus.ValidToken(ch.Name); err != nil || ch.Source == nil {
			return nil, fmt.Errorf("%w: channel %q needs a valid name and a source", ErrInvalidConfig, ch.Name)
		}
		if _, dup := s.byKey[ch.Scope]; dup || names[ch.Name] {
			return nil, fmt.Errorf("%w: channel %q listed twice", ErrInvalidConfig, ch.Name)
		}
		s.byKey[ch.Scope] = i
		names[ch.Name] = true
	}
	if cfg.Mirror {
		js, err := jetstream.New(nc)
		if err != nil {
			return nil, fmt.Errorf("state: jetstream: %w", err)
		}
		kvc := jetstream.KeyValueConfig{
			Bucket:      cfg.Bucket,
			Description: "Live CyTube channel state, one key per <platform>.<channel>.<aspect>; values are rosey.state.v1 protobuf",
			History:     1,
		}
		kv, err := js.CreateOrUpdateKeyValue(ctx, kvc)
		for attempt := 1; err != nil && attempt < 3 && ctx.Err() == nil &&
			(errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) || errors.Is(err, jetstream.ErrBucketExists)); attempt++ {
			// Another process of the fleet created it just now.
			kv, err = js.CreateOrUpdateKeyValue(ctx, kvc)
		}
		if err != nil {
			return nil, fmt.Errorf("state: key-value bucket %s: %w", cfg.Bucket, err)
		}
		s.kv = kv
	}
	svc, err := micro.AddService(nc, micro.Config{
		Name:        cfg.Name,
		Version:     cfg.Version,
		Description: "Answers queries about live CyTube channel state with rosey.state.v1 messages",
		// Every instance sees every query; only those whose session for the
		// channel runs answer (see serve), so in a fleet the owner replies.
		QueueGroupDisabled: true,
		Metadata:           map[string]string{"bucket": s.bucketName(), "asyncapi": bus.AsyncAPIDocument},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if platform, ok := channelMode(cfg.Channels); ok {
		// Channel mode: one endpoint per aspect for every channel, on a
		// wildcard subject, instead of one per channel and aspect. Each
		// subscription costs a goroutine and buffers; a process serving a
		// thousand channels would otherwise hold seven thousand.
		scope := bus.Scope{Platform: platform, Channel: "*"}
		for _, a := range Aspects() {
			subject := scope.Raw("state." + string(a))
			err := svc.AddEndpoint(platform+"-"+string(a), micro.HandlerFunc(func(r micro.Request) { s.serveAny(platform, a, r) }),
				micro.WithEndpointSubject(subject),
				micro.WithEndpointMetadata(a.endpointMetadata()))
			if err != nil {
				_ = svc.Stop()
				return nil, fmt.Errorf("state: endpoint %s: %w", subject, err)
			}
		}
	} else {
		for i, ch := range cfg.Channels {
			for _, a := range Aspects() {
				subject := ch.Scope.Raw("state." + string(a))
				err := svc.AddEndpoint(endpointName(ch, a), micro.HandlerFunc(func(r micro.Request) { s.serve(i, a, r) }),
					micro.WithEndpointSubject(subject),
					micro.WithEndpointMetadata(a.endpointMetadata("channel", ch.Name)))
				if err != nil {
					// Stop only fails on a closed connection, which err reports too.
					_ = svc.Stop()
					return nil, fmt.Errorf("state: endpoint %s: %w", subject, err)
				}
			}
		}
	}
	s.svc = svc
	for i := range s.chans {
		for _, a := range Aspects() {
			s.dirty[slot{i, a}] = true
		}
	}
	s.wake <- struct{}{}
	go s.writer(ctx)
	s.log.Info("state service started", "name", cfg.Name, "channels", len(cfg.Channels), "bucket", s.bucketName())
	return s, nil
}

func (s *Service) bucketName() string {
	if !s.cfg.Mirror {
		return ""
	}
	return s.cfg.Bucket
}

// Info returns the micro service's discovery info.
func (s *Service) Info() micro.Info { return s.svc.Info() }

// Stop stops answering queries, ends the writer goroutine (a write in
// progress finishes first) and waits for it. It is idempotent.
func (s *Service) Stop() error {
	s.stop.Do(func() {
		s.stopEr = s.svc.Stop()
		close(s.quit)
		<-s.done
	})
	return s.stopEr
}

// Key returns the key-value key of a channel's aspect:
// <platform>.<channel>.<aspect>, e.g. cytube.testchan.users.
func Key(platform, channel string, a Aspect) string {
	return platform + "." + channel + "." + string(a)
}

// Notify records that the CyTube event named event happened on the
// channel of scope; the aspects it changes are written after the
// debounce. Events that change no aspect and unknown scopes are ignored.
// It never blocks and is safe after Stop.
func (s *Service) Notify(scope bus.Scope, event string) {
	if a, ok := AspectOf(event); ok {
		s.Touch(scope, a)
	}
}

// Touch marks aspects of the channel of scope as changed.
func (s *Service) Touch(scope bus.Scope, aspects ...Aspect) {
	s.mark(scope, false, aspects...)
}

// Resync rewrites every aspect of the channel of scope, even unchanged
// ones: call it when the session has rebuilt its state (after a
// reconnect).
func (s *Service) Resync(scope bus.Scope) {
	s.mark(scope, true, Aspects()...)
}

func (s *Service) mark(scope bus.Scope, force bool, aspects ...Aspect) {
	i, ok := s.byKey[scope]
	if !ok || s.kv == nil {
		return
	}
	s.mu.Lock()
	for _, a := range aspects {
		k := slot{i, a}
		s.dirty[k] = s.dirty[k] || force
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// writer flushes the dirty keys: after a wake-up it waits Debounce, so
// every key is written at most once per interval however many events
// arrive. On Stop it writes the pending self keys once more (so a
// watcher sees the session stopped) and drops the rest.
func (s *Service) writer(ctx context.Context) {
	defer close(s.done)
	if s.kv == nil {
		<-s.quit
		return
	}
	t := time.NewTimer(0)
	<-t.C
	for {
		select {
		case <-s.quit:
			s.flush(ctx, true)
			return
		case <-s.wake:
		}
		t.Reset(s.cfg.Debounce)
		select {
		case <-s.quit:
			t.Stop()
			s.flush(ctx, true)
			return
		case <-t.C:
		}
		if !s.flush(ctx, false) {
			s.flush(ctx, true)
			return
		}
	}
}

// flush writes the dirty keys, only the self keys when final. It reports
// false when Stop interrupted it.
func (s *Service) flush(ctx context.Context, final bool) bool {
	s.mu.Lock()
	batch := s.dirty
	s.dirty = map[slot]bool{}
	s.mu.Unlock()
	stopped := false
	for _, a := range Aspects() { // self comes last
		for i := range s.chans {
			force, ok := batch[slot{i, a}]
			if !ok {
				continue
			}
			if !final && !stopped {
				select {
				case <-s.quit:
					stopped = true
				default:
				}
			}
			if (final || stopped) && a != AspectSelf {
				continue
			}
			s.write(ctx, slot{i, a}, force)
		}
	}
	return !stopped
}

// write puts one key unless its value did not change. Aspects other than
// self are written only while the session is ready: before that the
// session's state is empty or being rebuilt, and Resync follows readiness.
// A session never started (idle; in a fleet, another process owns the
// channel) writes nothing, not even self.
func (s *Service) write(ctx context.Context, k slot, force bool) {
	ch := s.chans[k.ch]
	snap, st := ch.Source.Snapshot(), ch.Source.State()
	if st == cytube.StateIdle || (k.a != AspectSelf && st != cytube.StateReady) {
		return
	}
	msg := build(k.a, ch.Name, snap, st, s.cfg.Now())
	data, err := marshalOpts.Marshal(msg)
	if err != nil {
		s.log.Error("state: marshal", "channel", ch.Name, "aspect", k.a, "err", err)
		return
	}
	if prev, ok := s.last[k]; ok && !force && same(k.a, prev, msg, data) {
		return
	}
	key := Key(ch.Scope.Platform, ch.Name, k.a)
	pctx, cancel := context.WithTimeout(ctx, putTimeout)
	defer cancel()
	if _, err := s.kv.Put(pctx, key, data); err != nil {
		delete(s.last, k)
		level := slog.LevelWarn
		if ctx.Err() != nil {
			level = slog.LevelDebug // shutting down
		}
		s.log.Log(ctx, level, "state: key-value write failed", "key", key, "err", err)
		return
	}
	s.last[k] = written{msg: msg, data: data}
}

// marshalOpts makes map order stable, so equal values give equal bytes.
var marshalOpts = proto.MarshalOptions{Deterministic: true}

// same reports whether a new value need not be written.
func same(a Aspect, prev written, msg proto.Message, data []byte) bool {
	if a == AspectNowPlaying {
		p, ok1 := prev.msg.(*statev1.NowPlayingReply)
		n, ok2 := msg.(*statev1.NowPlayingReply)
		return ok1 && ok2 && clockOnly(p, n)
	}
	return bytes.Equal(prev.data, data)
}

// seekTolerance is how far, in seconds, a reported position may drift from
// the prediction before now_playing is rewritten.
const seekTolerance = 2.0

// clockOnly reports whether n differs from p only by the playback clock
// advancing as p predicts (CyTube's periodic mediaUpdate).
func clockOnly(p, n *statev1.NowPlayingReply) bool {
	if !proto.Equal(p.GetMedia(), n.GetMedia()) || p.GetPaused() != n.GetPaused() {
		return false
	}
	if n.GetMedia() == nil {
		return true
	}
	want := p.GetPositionSeconds()
	if !p.GetPaused() {
		want += n.GetAsOf().AsTime().Sub(p.GetAsOf().AsTime()).Seconds()
	}
	d := want - n.GetPositionSeconds()
	return d <= seekTolerance && d >= -seekTolerance
}

// serve answers one query on the endpoint's subscription goroutine.
// channelMode reports whether every channel has its own subject prefix
// under one platform, so that one wildcard subscription per aspect can
// serve them all.
func channelMode(chans []Channel) (string, bool) {
	if len(chans) == 0 {
		return "", false
	}
	platform := chans[0].Scope.Platform
	for _, ch := range chans {
		if ch.Scope.Channel == "" || ch.Scope.Platform != platform {
			return "", false
		}
	}
	return platform, true
}

// serveAny answers a query that arrived on the channel-mode wildcard
// subject rosey.platform.<platform>.<channel>.state.<aspect>. A channel
// this process does not serve gets no answer, as before (no responders,
// or another process's answer).
func (s *Service) serveAny(platform string, a Aspect, r micro.Request) {
	prefix := bus.Scope{Platform: platform, Channel: "x"}.Raw("")
	prefix = prefix[:len(prefix)-len("x.")]
	rest, ok := strings.CutPrefix(r.Subject(), prefix)
	if !ok {
		return
	}
	channel, _, _ := strings.Cut(rest, ".")
	i, ok := s.byKey[bus.Scope{Platform: platform, Channel: channel}]
	if !ok {
		return
	}
	s.serve(i, a, r)
}

func (s *Service) serve(i int, a Aspect, r micro.Request) {
	ch := s.chans[i]
	if ch.Source.State() == cytube.StateIdle {
		// Not started here: another instance answers (no queue group).
		return
	}
	h := nats.Header(r.Headers())
	asJSON := wantsJSON(h, r.Data())
	ct := bus.ContentTypeProtobuf
	if asJSON {
		ct = bus.ContentTypeJSON
	}
	hdr := micro.WithHeaders(micro.Headers{bus.HeaderContentType: []string{ct}})
	// Every failure has a StateError body with the code of the headers.
	fail := func(code commandsv1.ErrorCode, desc string) {
		se := &statev1.StateError{Code: code, Reason: desc, Channel: ch.Name}
		var body []byte
		if asJSON {
			body, _ = bus.JSONOptions.Marshal(se)
		} else {
			body, _ = marshalOpts.Marshal(se)
		}
		if err := r.Error(bus.ErrorCodeName(code), desc, body, hdr); err != nil {
			s.log.Warn("state: error reply not sent", "subject", r.Subject(), "err", err)
		}
	}
	var req statev1.StateRequest
	if err := decodeRequest(h, r.Data(), &req); err != nil {
		fail(commandsv1.ErrorCode_ERROR_CODE_INVALID, "state request: "+oneLine(err.Error()))
		return
	}
	if req.GetChannel() != "" && !strings.EqualFold(req.GetChannel(), ch.Name) {
		fail(commandsv1.ErrorCode_ERROR_CODE_WRONG_CHANNEL, fmt.Sprintf("this subject answers for channel %q, not %q", ch.Name, req.GetChannel()))
		return
	}
	snap, st := ch.Source.Snapshot(), ch.Source.State()
	if a != AspectSelf && st != cytube.StateReady {
		fail(commandsv1.ErrorCode_ERROR_CODE_DISCONNECTED, fmt.Sprintf("channel %s is not joined (session %s); state.self answers meanwhile", ch.Name, st))
		return
	}
	msg := build(a, ch.Name, snap, st, s.cfg.Now())
	var body []byte
	var err error
	if asJSON {
		body, err = bus.JSONOptions.Marshal(msg)
	} else {
		body, err = marshalOpts.Marshal(msg)
	}
	if err != nil {
		fail(commandsv1.ErrorCode_ERROR_CODE_INTERNAL, "marshal reply: "+oneLine(err.Error()))
		return
	}
	if err := r.Respond(body, hdr); err != nil {
		s.log.Warn("state: reply not sent", "subject", r.Subject(), "err", err)
	}
}

// wantsJSON: Accept or Content-Type naming JSON, or a body that starts
// with '{'.
func wantsJSON(h nats.Header, data []byte) bool {
	for _, k := range []string{HeaderAccept, bus.HeaderContentType} {
		if strings.Contains(strings.ToLower(h.Get(k)), bus.ContentTypeJSON) {
			return true
		}
	}
	b := bytes.TrimLeft(data, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

// decodeRequest reads an optional StateRequest: empty, JSON or protobuf.
func decodeRequest(h nats.Header, data []byte, req *statev1.StateRequest) error {
	b := bytes.TrimSpace(data)
	if len(b) == 0 {
		return nil
	}
	if b[0] == '{' || strings.Contains(strings.ToLower(h.Get(bus.HeaderContentType)), bus.ContentTypeJSON) {
		return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(b, req)
	}
	return proto.Unmarshal(data, req)
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}

// endpointName is a micro endpoint name (letters, digits, '-', '_').
func endpointName(ch Channel, a Aspect) string {
	raw := ch.Scope.Platform + "-" + ch.Name + "-" + string(a)
	var b strings.Builder
	for _, r := range raw {
		if r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
