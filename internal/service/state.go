package service

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/nats-io/nats.go"

	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/state"
)

// stateHook connects the sessions to the state service (internal/state):
// every event and state change of a session marks what it changed, and a
// session becoming ready (again, after a reconnect) rewrites the channel's
// whole state. Sessions are built before the state service starts, so the
// hook holds the service once it runs; events before that are dropped,
// which loses nothing because Start writes every channel first.
type stateHook struct {
	svc atomic.Pointer[state.Service]
}

// wrap chains the hook in front of the session's own callbacks.
func (h *stateHook) wrap(ch *channel, cfg cytube.Config) cytube.Config {
	onEvent, onState := cfg.OnEvent, cfg.OnState
	cfg.OnEvent = func(ev cytube.Event) {
		if onEvent != nil {
			onEvent(ev)
		}
		if st := h.svc.Load(); st != nil {
			st.Notify(ch.scope, ev.Name)
		}
	}
	cfg.OnState = func(sc cytube.StateChange) {
		if onState != nil {
			onState(sc)
		}
		if st := h.svc.Load(); st != nil {
			if sc.To == cytube.StateReady {
				st.Resync(ch.scope)
			} else {
				st.Touch(ch.scope, state.AspectSelf)
			}
		}
	}
	return cfg
}

// startState starts the state service for every channel (their sessions
// must exist) and returns its stop function. The key-value mirror is on
// when the connector publishes to JetStream.
func (s *Service) startState(ctx context.Context, nc *nats.Conn, h *stateHook) (func(), error) {
	chans := make([]state.Channel, 0, len(s.channels))
	for _, ch := range s.channels {
		chans = append(chans, state.Channel{Scope: ch.scope, Name: ch.name, Source: liveSession{ch}})
	}
	// Writes outlive the sessions a little, so the final self (stopped) is
	// written; each is bounded, and Stop waits for them.
	st, err := state.Start(context.WithoutCancel(ctx), nc, state.Config{
		Version:  s.opts.Version,
		Channels: chans,
		Mirror:   s.cfg.NATS.JetStream,
		Bucket:   state.DefaultBucket,
		Logger:   s.log,
		Now:      s.opts.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("service: state service: %w", err)
	}
	h.svc.Store(st)
	return func() {
		h.svc.Store(nil)
		if err := st.Stop(); err != nil {
			s.log.Warn("state service stop", "err", err)
		}
	}, nil
}
