package service

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	commandsv1 "github.com/roseybot/cytube-connector/gen/go/rosey/commands/v1"
	"github.com/roseybot/cytube-connector/internal/bus"
	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/mapping"
	"github.com/roseybot/cytube-connector/internal/metrics"
)

// Reconnect reason classes, the reason label of
// cytube_connector_reconnects_total: cytube.Cause values.
const (
	ReasonTransport        = string(cytube.CauseTransport)
	ReasonPingTimeout      = string(cytube.CausePingTimeout)
	ReasonServerDisconnect = string(cytube.CauseServerDisconnect)
	ReasonKicked           = string(cytube.CauseKicked)
	ReasonRateLimited      = string(cytube.CauseRateLimited)
	ReasonRefused          = string(cytube.CauseRefused)
	ReasonLogin            = string(cytube.CauseLogin)
	ReasonDiscovery        = string(cytube.CauseDiscovery)
	ReasonClosed           = string(cytube.CauseClosed)
	ReasonOther            = string(cytube.CauseOther)
)

// serviceMetrics connects the service to internal/metrics. It is nil when
// metrics are off; every hook below is then a no-op.
type serviceMetrics struct {
	m       *metrics.Metrics
	events  map[string]bool
	actions map[string]bool
	// prefixes maps channel-mode subject prefixes to their pattern.
	prefixes [][2]string

	mu      sync.Mutex
	srv     *metrics.Server
	nc      *nats.Conn
	running bool              // sessions exist: ch.sess may be read
	lastErr map[string]string // channel → reason of the last lost connection
}

// initMetrics builds the collectors when metrics are configured.
func (s *Service) initMetrics() error {
	if s.cfg.Metrics.Addr == "" {
		return nil
	}
	sm := &serviceMetrics{events: map[string]bool{}, actions: map[string]bool{actionSendMessage: true}, lastErr: map[string]string{}}
	for _, ev := range mapping.Events() {
		sm.events[ev] = true
	}
	for _, a := range mapping.Actions() {
		sm.actions[a] = true
	}
	for _, ch := range s.channels {
		if ch.scope.Channel != "" {
			wild := bus.Scope{Platform: ch.scope.Platform, Channel: "*"}
			sm.prefixes = append(sm.prefixes,
				[2]string{ch.scope.Raw(""), wild.Raw("")},
				[2]string{ch.scope.Normalized(""), wild.Normalized("")})
		}
	}
	var states []string
	for st := cytube.StateIdle; st <= cytube.StateStopped; st++ {
		states = append(states, st.String())
	}
	m, err := metrics.New(metrics.Config{Version: s.opts.Version, States: states, Snapshot: s.metricsSnapshot, Ready: s.notReady})
	if err != nil {
		return fmt.Errorf("service: metrics: %w", err)
	}
	sm.m = m
	s.metrics = sm
	return nil
}

// startMetrics serves /metrics, /healthz and /readyz when metrics are
// configured. It runs before NATS connects, so that /readyz can say what
// the connector waits for. The returned func stops the server.
func (s *Service) startMetrics() (func(), error) {
	sm := s.metrics
	if sm == nil {
		return func() {}, nil
	}
	srv, err := metrics.Listen(s.cfg.Metrics.Addr, sm.m.Handler(s.log), s.log)
	if err != nil {
		return nil, fmt.Errorf("service: %w", err)
	}
	sm.mu.Lock()
	sm.srv = srv
	sm.mu.Unlock()
	s.log.Info("metrics listening", "addr", srv.Addr(), "paths", "/metrics /healthz /readyz")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			s.log.Warn("metrics server shutdown", "err", err)
		}
	}, nil
}

// metricsRunning tells the metrics that NATS is connected and every
// channel has its session, so scrapes may read them.
func (s *Service) metricsRunning(nc *nats.Conn) {
	if sm := s.metrics; sm != nil {
		sm.mu.Lock()
		sm.nc, sm.running = nc, true
		sm.mu.Unlock()
	}
}

// MetricsAddr returns the address /metrics is served on (with the real
// port when the configured one is 0), or "" when metrics are off or not
// yet listening.
func (s *Service) MetricsAddr() string {
	sm := s.metrics
	if sm == nil {
		return ""
	}
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if sm.srv == nil {
		return ""
	}
	return sm.srv.Addr()
}

// notReady returns why the connector is not ready, one line per problem
// ("nats: disconnected", "testchan: reconnecting (cytube: kicked: ...)"),
// or nothing when NATS is connected and every channel is joined and
// logged in.
func (s *Service) notReady() []string {
	var out []string
	var nc *nats.Conn
	var running bool
	lastErr := map[string]string{}
	if sm := s.metrics; sm != nil {
		sm.mu.Lock()
		nc, running = sm.nc, sm.running
		for k, v := range sm.lastErr {
			lastErr[k] = v
		}
		sm.mu.Unlock()
	}
	switch {
	case !running:
		out = append(out, "nats: not connected yet")
	case !nc.IsConnected():
		out = append(out, "nats: "+strings.ToLower(nc.Status().String()))
	}
	for _, ch := range s.channels {
		ch.mu.Lock()
		sc := ch.state
		ch.mu.Unlock()
		if sc.To == cytube.StateReady || ch.standby.Load() {
			// In fleet mode another process runs a channel this one does
			// not hold; a standby process is ready to take it.
			continue
		}
		line := ch.name + ": " + sc.To.String()
		switch {
		case sc.Reason != "":
			line += " (" + sc.Reason + ")"
		case lastErr[ch.name] != "":
			line += fmt.Sprintf(" (attempt %d; last: %s)", sc.Attempt, lastErr[ch.name])
		}
		out = append(out, line)
	}
	return out
}

func (s *Service) metricsSnapshot() metrics.Snapshot {
	sm := s.metrics
	sm.mu.Lock()
	nc, running := sm.nc, sm.running
	sm.mu.Unlock()
	st := &s.stats
	snap := metrics.Snapshot{
		NATSConnected: running && nc.IsConnected(),
		Counters: metrics.Counters{
			Unknown: st.Unknown.Load(), Invalid: st.Invalid.Load(), Unmodelled: st.Unmodelled.Load(),
			ReplaysSkipped: st.ReplaysSkipped.Load(), BadFrames: st.BadFrames.Load(), Oversize: st.Oversize.Load(),
		},
	}
	for _, ch := range s.channels {
		ch.mu.Lock()
		c := metrics.Channel{Name: ch.name, State: ch.state.To.String()}
		ch.mu.Unlock()
		if running {
			if sess := ch.session(); sess != nil {
				c.Queue = sess.QueueDepth()
			}
		}
		snap.Channels = append(snap.Channels, c)
	}
	return snap
}

// countEvent counts one CyTube event by name; names without a schema
// share the label "unknown".
func (s *Service) countEvent(ch *channel, name string) {
	sm := s.metrics
	if sm == nil {
		return
	}
	if !sm.events[name] {
		name = metrics.LabelUnknown
	}
	sm.m.EventIn(ch.name, name)
}

// countPublish counts one publish result under the subject's pattern:
// the channel token of channel-mode subjects becomes "*".
func (s *Service) countPublish(subject, result string, d time.Duration) {
	sm := s.metrics
	if sm == nil {
		return
	}
	for _, p := range sm.prefixes {
		if rest, ok := strings.CutPrefix(subject, p[0]); ok {
			subject = p[1] + rest
			break
		}
	}
	sm.m.Published(subject, result, d)
}

// countCommand counts one answered command by action and result code.
func (s *Service) countCommand(req bus.CommandRequest, res *commandsv1.CommandResult) {
	sm := s.metrics
	if sm == nil {
		return
	}
	channel := metrics.LabelUnknown
	if ch := s.byScope[req.Scope]; ch != nil {
		channel = ch.name
	}
	action := req.Action
	if !sm.actions[action] {
		action = metrics.LabelUnknown
	}
	code := "OK"
	if !res.GetOk() {
		code = strings.TrimPrefix(res.GetCode().String(), "ERROR_CODE_")
	}
	sm.m.Command(channel, action, code)
}

// countState counts entering the backoff state as a reconnect and keeps
// its reason for /readyz.
func (s *Service) countState(ch *channel, sc cytube.StateChange) {
	sm := s.metrics
	if sm == nil {
		return
	}
	switch sc.To {
	case cytube.StateBackoff:
		sm.m.Reconnect(ch.name, ReconnectReason(sc))
		sm.mu.Lock()
		sm.lastErr[ch.name] = sc.Reason
		sm.mu.Unlock()
	case cytube.StateReady:
		sm.mu.Lock()
		delete(sm.lastErr, ch.name)
		sm.mu.Unlock()
	}
}

// ReconnectReason classifies why a session went into backoff; the result
// is one of the Reason* constants.
func ReconnectReason(sc cytube.StateChange) string { return string(sc.Cause()) }
