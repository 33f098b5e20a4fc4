package service

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/roseybot/cytube-connector/internal/cytube"
	"github.com/roseybot/cytube-connector/internal/fleet"
	"github.com/roseybot/cytube-connector/internal/state"
)

// session returns the channel's current session. In fleet mode a channel
// gets a new session each time this process acquires its lease, so code
// that may run concurrently with that reads it through here.
func (ch *channel) session() *cytube.Session {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.sess
}

func (ch *channel) setSession(sess *cytube.Session) {
	ch.mu.Lock()
	ch.sess = sess
	ch.mu.Unlock()
}

// liveSession reads the channel's current session on every call (the
// state service's Source), so it follows the session swaps of fleet mode.
type liveSession struct{ ch *channel }

// Snapshot returns the current session's channel state; empty while
// another process holds the channel.
func (l liveSession) Snapshot() cytube.Snapshot {
	sess := l.ch.session()
	if sess == nil || l.ch.standby.Load() {
		return cytube.Snapshot{Channel: l.ch.name}
	}
	return sess.Snapshot()
}

// State returns the current session's connection state, and StateIdle
// while another process holds the channel, so that this process stays
// silent on the channel's state subjects and the owner answers.
func (l liveSession) State() cytube.State {
	sess := l.ch.session()
	if sess == nil || l.ch.standby.Load() {
		return cytube.StateIdle
	}
	return sess.State()
}

// runFleet is Run in fleet mode: every process of the fleet competes for
// the channels' leases (internal/fleet), and this one runs a channel —
// its session and its own command service — only while it holds the
// channel's lease. It returns when ctx ends, after every channel left
// CyTube and every lease was released.
//
// Order matters. On acquiring, the session starts before the command
// service, so commands find a session. On losing the lease (or failing to
// renew it in time) the session is stopped first, at once, because
// another process may log in to the channel soon and CyTube would kick
// one of the two; commands in flight then fail as disconnected. On
// shutdown the command service is drained first, as in Run, but for at
// most a quarter of the lease TTL, since the lease is not renewed while
// the channel stops.
func (s *Service) runFleet(ctx, sessCtx context.Context, nc *nats.Conn, hook *stateHook, st *state.Service) error {
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("service: fleet: jetstream: %w", err)
	}
	byName := make(map[string]*channel, len(s.channels))
	names := make([]string, 0, len(s.channels))
	for _, ch := range s.channels {
		byName[ch.name] = ch
		names = append(names, ch.name)
		ch.standby.Store(true) // until this process holds the lease
	}
	f := s.cfg.Fleet
	mgr, err := fleet.New(js, fleet.Config{Bucket: f.Bucket, TTL: f.LeaseTTL, InstanceID: f.InstanceID, Channels: names, Logger: s.log})
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	s.instance = mgr.InstanceID()
	s.log.Info("fleet mode: running only the channels whose lease this process holds",
		"instance", mgr.InstanceID(), "bucket", f.Bucket, "channels", len(names))
	err = mgr.Run(ctx, func(leaseCtx context.Context, name string) error {
		return s.serveOwned(ctx, leaseCtx, sessCtx, nc, hook, st, byName[name], mgr.TTL()/4)
	})
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if ferr := nc.FlushWithContext(flushCtx); ferr != nil {
		s.log.Warn("nats flush at shutdown", "err", ferr)
	}
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	return nil
}

// serveOwned runs one channel while leaseCtx lasts: a fresh session and a
// command service for the channel alone. It returns the session's error
// if the session stops on its own (the lease is then kept, see
// fleet.RunFunc), nil once leaseCtx ended and everything stopped.
func (s *Service) serveOwned(ctx, leaseCtx, sessCtx context.Context, nc *nats.Conn, hook *stateHook, st *state.Service, ch *channel, drain time.Duration) error {
	sess, err := cytube.New(hook.wrap(ch, s.sessionConfig(sessCtx, ch)))
	if err != nil {
		return fmt.Errorf("service: channel %s: %w", ch.name, err)
	}
	ch.setSession(sess)
	// The previous owner's checkpoint: its gap, and the chat it published.
	s.resumeChannel(ctx, ch, st, true)
	if st != nil {
		// Leaving: the next owner learns where this one stopped.
		defer s.writeCheckpoints(context.WithoutCancel(ctx), st, true, ch)
	}
	ch.standby.Store(false)
	defer ch.standby.Store(true)
	runCtx, stopSession := context.WithCancel(sessCtx)
	defer stopSession()
	sessDone := make(chan error, 1)
	go func() { sessDone <- sess.Run(runCtx) }()

	svc, err := s.startCommands(sessCtx, nc, []*channel{ch})
	if err != nil {
		stopSession()
		<-sessDone
		return err
	}
	svcStopped := make(chan struct{})
	stopCommands := func() {
		go func() {
			if err := svc.Stop(); err != nil {
				s.log.Warn("command service stop", "channel", ch.name, "err", err)
			}
			close(svcStopped)
		}()
	}

	select {
	case err := <-sessDone:
		// A terminal failure such as a ban or a refused login.
		s.log.Error("channel stopped", "channel", ch.name, "err", err)
		stopCommands()
		<-svcStopped
		return err
	case <-leaseCtx.Done():
	}
	stopCommands()
	if ctx.Err() != nil {
		// Shutdown: let commands in flight finish, for a bounded time.
		t := time.NewTimer(drain)
		select {
		case <-svcStopped:
		case <-t.C:
		}
		t.Stop()
	} else {
		s.log.Warn("leaving channel: this process no longer holds its lease", "channel", ch.name)
	}
	stopSession()
	<-sessDone
	<-svcStopped
	return nil
}
