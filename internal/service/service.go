package service

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/config"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/mapping"
)

// Options are the knobs that do not belong in the user's configuration.
type Options struct {
	Logger *slog.Logger
	// Version is shown in the micro service and status events.
	Version string
	// OnReady is called once NATS is up with the client URL other
	// processes can use.
	OnReady func(natsURL string)
	// Session adjusts each session's configuration (tests shorten
	// backoffs and watchdogs here).
	Session func(*cytube.Config)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Stats counts what the service did; every field is read atomically.
type Stats struct {
	EventsIn        atomic.Uint64
	Published       atomic.Uint64
	PublishFailed   atomic.Uint64
	Unknown         atomic.Uint64
	Invalid         atomic.Uint64
	Unmodelled      atomic.Uint64
	ReplaysSkipped  atomic.Uint64
	BadFrames       atomic.Uint64
	Commands        atomic.Uint64
	CommandsFailed  atomic.Uint64
	StatusPublished atomic.Uint64
	// Oversize counts envelopes larger than the NATS server's max_payload;
	// each is replaced by a notice on the invalid subject (see oversize.go).
	Oversize atomic.Uint64
	// Gaps counts the gap events published (gaps.go).
	Gaps atomic.Uint64
}

// Service is the running connector.
type Service struct {
	cfg   config.Config
	opts  Options
	log   *slog.Logger
	stats Stats
	// pubWG counts the channels' publish goroutines (pipeline.go).
	pubWG sync.WaitGroup

	mu       sync.Mutex
	channels []*channel
	byScope  map[bus.Scope]*channel
	pub      *bus.Publisher
	warned   map[string]bool
	// hostLimits are CyTube's per-address connection limits, one per
	// server, shared by the channels on it (sessionConfig).
	hostLimits map[string]*cytube.HostLimits
	metrics    *serviceMetrics // nil when metrics are off; see metrics.go
	// instance names this process in checkpoints (the fleet's instance
	// id in fleet mode); ckptWake asks the checkpoint writer for a write.
	instance string
	ckptWake chan struct{}
	// spans receives the spans of sampled traces; nil when no OTLP
	// endpoint is configured (tracing.go).
	spans func(bus.Span)
}

// channel is one configured CyTube channel and its subjects.
type channel struct {
	cfg    config.Channel
	name   string
	scope  bus.Scope
	source string
	sess   *cytube.Session
	// roots are the CyTube TLS roots from tls_ca_file; nil = the system's.
	roots *x509.CertPool

	// out publishes the channel's events in order (pipeline.go).
	out pubQueue

	mu    sync.Mutex
	state cytube.StateChange
	// standby is set in fleet mode while this process does not hold the
	// channel's lease: the channel is someone else's to run and report.
	standby atomic.Bool
	// gaps tracks the channel's gaps and checkpoint (gaps.go).
	gaps gapTracker
}

// reconnectBuf is the NATS reconnect buffer. With JetStream it is off:
// a publish while disconnected fails at once and is retried, in order,
// until stored (pipeline.go); a buffer would send the events published
// during the outage before the retries of those in flight when it began.
func reconnectBuf(n config.NATS) int {
	if n.JetStream {
		return -1
	}
	return n.ReconnectBufSize
}

// limits are the channel's server limits the commands are checked against.
func (ch *channel) limits() mapping.Limits {
	l := mapping.DefaultLimits
	if ch.cfg.MaxChatLength > 0 {
		l.ChatLength = ch.cfg.MaxChatLength
	}
	if ch.cfg.PollMaxOptions > 0 {
		l.PollOptions = ch.cfg.PollMaxOptions
	}
	return l
}

// New checks cfg (it must already be validated) and builds the service.
func New(cfg config.Config, opts Options) (*Service, error) {
	if len(cfg.Channels) == 0 {
		return nil, errors.New("service: no channel configured")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Version == "" {
		opts.Version = "0.0.0"
	}
	s := &Service{cfg: cfg, opts: opts, log: opts.Logger, byScope: map[bus.Scope]*channel{}, warned: map[string]bool{},
		instance: nuid.Next(), ckptWake: make(chan struct{}, 1)}
	seed := cfg.EffectiveSubjectMode() == config.SubjectModeSeed
	if seed && len(cfg.Channels) > 1 {
		return nil, errors.New("service: seed subjects serve one channel only; use SUBJECT_MODE=channel for several")
	}
	for _, cc := range cfg.Channels {
		name := strings.ToLower(cc.Channel)
		ch := &channel{cfg: cc, name: name, scope: bus.Scope{Platform: mapping.Platform}, source: "cytube://" + cc.Host + "/" + name}
		if !seed {
			ch.scope.Channel = name
		}
		if err := ch.scope.Validate(); err != nil {
			return nil, fmt.Errorf("service: channel %q cannot be used in subjects: %w", name, err)
		}
		if _, dup := s.byScope[ch.scope]; dup {
			return nil, fmt.Errorf("service: channel %q configured twice", name)
		}
		if cc.TLSCAFile != "" {
			// Read once, here: a bundle that cannot be used stops the start
			// instead of failing every TLS handshake of every reconnect.
			pem, err := os.ReadFile(cc.TLSCAFile)
			if err != nil {
				return nil, fmt.Errorf("service: channel %q: CyTube CA file: %w", name, err)
			}
			ch.roots = x509.NewCertPool()
			if !ch.roots.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("service: channel %q: CyTube CA file %s holds no PEM certificate", name, cc.TLSCAFile)
			}
		}
		s.byScope[ch.scope] = ch
		s.channels = append(s.channels, ch)
	}
	if err := s.initMetrics(); err != nil {
		return nil, err
	}
	return s, nil
}

// Stats returns the service's counters.
func (s *Service) Stats() *Stats { return &s.stats }

// Run connects everything and blocks until ctx ends (it then shuts down
// cleanly and returns nil) or a fatal error happens.
func (s *Service) Run(ctx context.Context) error {
	stopMetrics, err := s.startMetrics()
	if err != nil {
		return err
	}
	defer stopMetrics()
	stopTracing, err := s.startTracing(ctx)
	if err != nil {
		return err
	}
	defer stopTracing()
	nc, shutdownNATS, err := s.startNATS(ctx)
	if err != nil {
		return err
	}
	defer shutdownNATS()
	// Before NATS shuts down, what the sessions read is published.
	defer s.pubWG.Wait()

	pub, err := s.newPublisher(ctx, nc)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.pub = pub
	s.mu.Unlock()

	// Sessions outlive ctx a little: commands in flight are answered
	// before the sessions leave CyTube.
	sessCtx, stopSessions := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSessions()
	hook := new(stateHook)
	for _, ch := range s.channels {
		sess, err := cytube.New(hook.wrap(ch, s.sessionConfig(sessCtx, ch)))
		if err != nil {
			return fmt.Errorf("service: channel %s: %w", ch.name, err)
		}
		ch.sess = sess
	}
	stopState, err := s.startState(sessCtx, nc, hook)
	if err != nil {
		return err
	}
	defer stopState()
	s.metricsRunning(nc)
	st := hook.svc.Load()
	if s.cfg.NATS.JetStream && st != nil {
		ckptCtx, stopCkpt := context.WithCancel(context.WithoutCancel(ctx))
		ckptDone := make(chan struct{})
		go func() { defer close(ckptDone); s.runCheckpoints(ckptCtx, st) }()
		defer func() { stopCkpt(); <-ckptDone }()
	} else {
		st = nil
	}
	if s.cfg.Fleet.Enabled {
		// Only the channels whose lease this process holds run; see fleet.go.
		return s.runFleet(ctx, sessCtx, nc, hook, st)
	}
	for _, ch := range s.channels {
		s.resumeChannel(ctx, ch, st, false)
	}

	svc, err := s.startCommands(sessCtx, nc, s.channels)
	if err != nil {
		return err
	}

	var wg sync.WaitGroup
	var failed atomic.Int32
	allStopped := make(chan struct{})
	for _, ch := range s.channels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ch.sess.Run(sessCtx); err != nil {
				failed.Add(1)
				s.log.Error("channel stopped", "channel", ch.name, "err", err)
			}
		}()
	}
	go func() { wg.Wait(); close(allStopped) }()

	var runErr error
	select {
	case <-ctx.Done():
		s.log.Info("shutting down")
	case <-allStopped:
		runErr = allStoppedError(failed.Load())
	}
	if err := svc.Stop(); err != nil {
		s.log.Warn("command service stop", "err", err)
	}
	stopSessions()
	<-allStopped
	if st != nil {
		// What was read is stored, then the checkpoints say so.
		s.pubWG.Wait()
		s.writeCheckpoints(context.WithoutCancel(ctx), st, true)
	}
	if runErr == nil && int(failed.Load()) == len(s.channels) {
		// Every channel had stopped on its own (a session returns nil
		// when ctx ends) just as ctx ended: the STOPPED status goes out
		// before the session's Run returns, so a caller that cancels on
		// seeing it races the select above. The failure is still the
		// outcome.
		runErr = allStoppedError(failed.Load())
	}
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := nc.FlushWithContext(flushCtx); err != nil {
		s.log.Warn("nats flush at shutdown", "err", err)
	}
	return runErr
}

// allStoppedError is Run's error once every channel stopped on its own.
func allStoppedError(failed int32) error {
	return fmt.Errorf("service: every channel stopped (%d with an error); see the log for each reason", failed)
}

// startNATS starts the embedded server when no URL is configured, then
// connects. The returned func drains and shuts everything down.
func (s *Service) startNATS(ctx context.Context) (*nats.Conn, func(), error) {
	n := s.cfg.NATS
	url := n.URL
	var emb *bus.Embedded
	if n.Embedded() {
		var err error
		emb, err = bus.StartEmbedded(ctx, bus.EmbeddedConfig{Host: n.EmbeddedHost, Port: n.EmbeddedPort, StoreDir: n.DataDir}, s.log)
		if err != nil {
			return nil, nil, err
		}
		url = emb.ClientURL()
		s.log.Info("embedded NATS listening", "url", url)
	}
	nc, err := bus.Connect(ctx, bus.ClientConfig{
		URL:              url,
		Token:            n.Token.Reveal(),
		User:             n.User,
		Password:         n.Password.Reveal(),
		NKeySeedFile:     n.NKeySeedFile,
		CredsFile:        n.CredsFile,
		TLS:              bus.TLSConfig{CAFile: n.TLSCAFile, CertFile: n.TLSCertFile, KeyFile: n.TLSKeyFile},
		Name:             "cytube-connector",
		ReconnectBufSize: reconnectBuf(n),
	}, s.log)
	if err != nil {
		if emb != nil {
			_ = emb.Shutdown(context.WithoutCancel(ctx))
		}
		return nil, nil, err
	}
	if s.opts.OnReady != nil {
		s.opts.OnReady(url)
	}
	return nc, func() {
		if err := nc.Drain(); err != nil {
			s.log.Warn("nats drain", "err", err)
		}
		for deadline := time.Now().Add(5 * time.Second); !nc.IsClosed() && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		nc.Close()
		if emb != nil {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := emb.Shutdown(sctx); err != nil {
				s.log.Warn("embedded NATS shutdown", "err", err)
			}
		}
	}, nil
}

func (s *Service) newPublisher(ctx context.Context, nc *nats.Conn) (*bus.Publisher, error) {
	enc := bus.Protobuf
	if s.cfg.Subjects.Encoding == config.EncodingJSON {
		enc = bus.JSON
	}
	n := s.cfg.NATS
	if n.JetStream {
		js, err := jetstream.New(nc)
		if err != nil {
			return nil, fmt.Errorf("service: jetstream: %w", err)
		}
		var subjects []string
		for _, ch := range s.channels {
			subjects = append(subjects, StreamSubjects(ch.scope)...)
		}
		subjects = append(subjects, "rosey.events.>")
		if _, err := bus.EnsureStream(ctx, js, bus.StreamConfig{Name: n.Stream, Subjects: subjects, MaxAge: n.StreamMaxAge, Duplicates: n.DuplicateWindow}); err != nil {
			return nil, fmt.Errorf("service: stream %s: %w", n.Stream, err)
		}
	}
	return bus.NewPublisher(nc, bus.PublisherOptions{Encoding: enc, JetStream: n.JetStream, RetryUntilDone: n.JetStream, OnPublish: func(subject, result string, dur time.Duration) {
		s.countPublish(subject, result, dur)
		switch result {
		case bus.ResultOK, bus.ResultDuplicate:
			s.stats.Published.Add(1)
		case bus.ResultError:
			s.stats.PublishFailed.Add(1)
		}
	}})
}

// StreamSubjects lists the subjects of one scope that a JetStream stream
// keeps: every event subject, but not the command subjects (the stream
// would otherwise answer command requests with its own acks).
func StreamSubjects(sc bus.Scope) []string {
	out := []string{sc.Raw("*")}
	groups := map[string]bool{}
	for _, ev := range mapping.Events() {
		sub, _ := mapping.RawSubject(ev)
		if g, _, ok := strings.Cut(sub, "."); ok {
			groups[g] = true
		}
	}
	for g := range groups {
		out = append(out, sc.Raw(g+".*"))
	}
	return out
}

func (s *Service) sessionConfig(ctx context.Context, ch *channel) cytube.Config {
	cc := ch.cfg
	cfg := cytube.Config{
		Host:            cc.Host,
		Secure:          cc.Secure,
		SocketURL:       cc.SocketURL,
		Channel:         ch.name,
		Username:        cc.Username,
		Password:        cc.Password.Reveal(),
		ChannelPassword: cc.ChannelPassword.Reveal(),
		Logger:          s.log,
		Now:             s.opts.Now,
		OnEvent:         func(ev cytube.Event) { s.onEvent(ctx, ch, ev) },
		OnState:         func(sc cytube.StateChange) { s.onState(ctx, ch, sc) },
		OnBadFrame: func(frame []byte, err error) {
			s.stats.BadFrames.Add(1)
			s.onBadFrame(ctx, ch, frame, err)
		},
	}
	if ch.roots != nil {
		cfg.TLSConfig = &tls.Config{RootCAs: ch.roots, MinVersion: tls.VersionTLS12}
	}
	if s.opts.Session != nil {
		s.opts.Session(&cfg)
	}
	if cfg.Limits == nil {
		// CyTube counts connections per client address: every channel of
		// this process on one server shares its limits.
		key := strings.ToLower(cfg.Host)
		if cfg.SocketURL != "" {
			key = strings.ToLower(cfg.SocketURL)
		}
		s.mu.Lock()
		if s.hostLimits == nil {
			s.hostLimits = map[string]*cytube.HostLimits{}
		}
		l := s.hostLimits[key]
		if l == nil {
			l = cytube.NewHostLimits(cfg.ConnBurst, cfg.ConnEvery, cfg.MaxSockets)
			s.hostLimits[key] = l
		}
		s.mu.Unlock()
		cfg.Limits = l
	}
	return cfg
}

// eventID is deterministic: chat and PMs by content (the same message gets
// the same id on every replay), everything else by connection and position.
func eventID(channel string, ev cytube.Event) string {
	if ev.Key != "" {
		return ev.Key
	}
	// The same bytes as hashing each part and a NUL, built on the stack.
	var buf [128]byte
	b := append(append(buf[:0], channel...), 0)
	b = append(append(b, ev.SocketID...), 0)
	b = append(strconv.AppendUint(b, ev.Seq, 10), 0)
	b = append(append(b, ev.Name...), 0)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// warnOnce logs a problem the first time it is seen for key, then only
// counts it, so bad input cannot flood the log.
func (s *Service) warnOnce(key, msg string, attrs ...any) {
	s.mu.Lock()
	seen := s.warned[key]
	s.warned[key] = true
	s.mu.Unlock()
	if seen {
		s.log.Debug(msg, attrs...)
		return
	}
	s.log.Warn(msg, attrs...)
}

func (s *Service) publisher() *bus.Publisher {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pub
}
