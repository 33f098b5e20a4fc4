package fleet

import (
	"context"
	"errors"
	mrand "math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// slot is one channel's lease as seen by this process. The fields below
// the atomics belong to the slot's serve goroutine.
type slot struct {
	channel, key string

	wake    chan struct{} // capacity 1: the watch saw something for this key
	deleted atomic.Bool   // the key was deleted (released) since the last wake
	held    atomic.Bool   // mirror of rev != 0 for the watch goroutine
	seen    atomic.Int64  // unix nanos of the last foreign write seen

	rev       uint64             // revision of our last write; 0 = not held
	renewedAt time.Time          // when our last successful write was sent
	cancel    context.CancelFunc // of the running RunFunc; nil = not running
	done      chan struct{}      // closed when the RunFunc returned
	runErr    error              // what it returned (read after done)
	finished  bool               // the RunFunc returned on its own
}

// poke wakes the slot's loop without blocking; deleted marks a release.
func (sl *slot) poke(deleted bool) {
	if deleted {
		sl.deleted.Store(true)
	}
	select {
	case sl.wake <- struct{}{}:
	default:
	}
}

func (sl *slot) setRev(rev uint64, at time.Time) {
	sl.rev, sl.renewedAt = rev, at
	sl.held.Store(rev != 0)
}

// jitter returns d scaled by a random factor in [0.8, 1.2).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d*4/5 + mrand.N(d*2/5+1)
}

// serve is one channel's loop: acquire when free, renew while held, start
// and stop the RunFunc accordingly, release at the end.
func (m *Manager) serve(ctx context.Context, kv jetstream.KeyValue, sl *slot, run RunFunc) {
	ttl := m.TTL()
	poll := ttl / 3
	// Release only after the RunFunc returned: the channel must be left
	// before anyone else may take the lease.
	defer m.release(ctx, kv, sl, ttl)

	next := time.Now().Add(mrand.N(poll/4 + 1)) // spread the first attempts
	for {
		timer := time.NewTimer(time.Until(next))
		var fence <-chan time.Time
		var fenceTimer *time.Timer
		var done <-chan struct{}
		if sl.cancel != nil {
			fenceTimer = time.NewTimer(time.Until(sl.renewedAt.Add(ttl / 2)))
			fence, done = fenceTimer.C, sl.done
		}
		act := false
		select {
		case <-ctx.Done():
		case <-timer.C:
			act = true
		case <-fence:
			m.log.Warn("fleet: lease not renewed for half its TTL; stopping the channel before the lease can expire and be taken",
				"channel", sl.channel, "since", time.Since(sl.renewedAt).Round(time.Millisecond), "ttl", ttl)
			m.stop(sl)
		case <-done:
			m.reap(sl)
			sl.finished = true
			m.log.Warn("fleet: channel stopped on its own; keeping its lease so that no other process repeats the failure",
				"channel", sl.channel, "err", sl.runErr)
		case <-sl.wake:
			switch {
			case sl.rev != 0:
				act = true // someone else wrote or deleted our key: check now
			case sl.deleted.Swap(false):
				// Released: take it after a short pause, in case a holder
				// that has not yet noticed an operator's delete is still
				// leaving.
				next = time.Now().Add(min(ttl/10, 500*time.Millisecond))
			}
		}
		timer.Stop()
		if fenceTimer != nil {
			fenceTimer.Stop()
		}
		if ctx.Err() != nil {
			return
		}
		if !act {
			continue
		}

		if sl.rev != 0 {
			if m.renew(ctx, kv, sl, ttl) {
				next = sl.renewedAt.Add(poll)
			} else {
				next = time.Now().Add(poll / 4) // retry soon
			}
		} else {
			m.acquire(ctx, kv, sl, ttl)
			next = time.Now().Add(jitter(poll))
			if seen := time.Unix(0, sl.seen.Load()); sl.rev == 0 && time.Since(seen) < ttl {
				// A live holder renewed recently: its lease cannot expire
				// before seen+TTL, so do not ask before then.
				next = seen.Add(ttl).Add(jitter(poll / 4))
			}
		}
		if sl.rev != 0 && sl.cancel == nil && !sl.finished && ctx.Err() == nil {
			m.start(ctx, sl, run)
		}
	}
}

// acquire tries to create the lease key.
func (m *Manager) acquire(ctx context.Context, kv jetstream.KeyValue, sl *slot, ttl time.Duration) {
	start := time.Now()
	opCtx, cancel := context.WithTimeout(ctx, ttl/3)
	rev, err := kv.Create(opCtx, sl.key, m.value(sl.channel, start, ttl))
	cancel()
	switch {
	case err == nil:
		sl.setRev(rev, start)
		m.log.Info("fleet: acquired lease", "channel", sl.channel, "revision", rev)
	case ctx.Err() != nil:
	case errors.Is(err, jetstream.ErrKeyExists):
		// Usually another process holds it; it may also be our own write
		// whose acknowledgement was lost.
		if m.adopt(ctx, kv, sl, ttl) {
			m.log.Info("fleet: acquired lease (write confirmed late)", "channel", sl.channel, "revision", sl.rev)
		}
	default:
		m.log.Debug("fleet: cannot acquire lease", "channel", sl.channel, "err", err)
	}
}

// renew extends the lease if the key still holds our last revision. It
// stops the RunFunc when the lease is lost, or when it could not be
// renewed for TTL/2. It reports whether the lease was renewed.
func (m *Manager) renew(ctx context.Context, kv jetstream.KeyValue, sl *slot, ttl time.Duration) bool {
	start := time.Now()
	deadline := start.Add(ttl / 3)
	if fence := sl.renewedAt.Add(ttl / 2); sl.cancel != nil && fence.Before(deadline) {
		deadline = fence
	}
	opCtx, cancel := context.WithDeadline(ctx, deadline)
	rev, err := kv.Update(opCtx, sl.key, m.value(sl.channel, start, ttl), sl.rev)
	cancel()
	switch {
	case err == nil:
		sl.setRev(rev, start)
		return true
	case ctx.Err() != nil:
		return false
	case errors.Is(err, jetstream.ErrKeyRevisionMismatch), errors.Is(err, jetstream.ErrKeyNotFound):
		if m.adopt(ctx, kv, sl, ttl) {
			return true
		}
		m.log.Warn("fleet: lease lost (the key was deleted, expired or taken); stopping the channel",
			"channel", sl.channel, "err", err)
		m.stop(sl)
		sl.setRev(0, time.Time{})
		return false
	}
	m.log.Warn("fleet: cannot renew lease", "channel", sl.channel, "since", time.Since(sl.renewedAt).Round(time.Millisecond), "err", err)
	if sl.cancel != nil && time.Since(sl.renewedAt) >= ttl/2 {
		m.log.Warn("fleet: lease not renewed for half its TTL; stopping the channel before the lease can expire and be taken",
			"channel", sl.channel, "ttl", ttl)
		// Keep rev: if the key still holds it when NATS answers again,
		// the lease is still ours and the channel starts again.
		m.stop(sl)
	}
	return false
}

// adopt takes over the key's current revision if the value is our own
// write (one whose acknowledgement got lost).
func (m *Manager) adopt(ctx context.Context, kv jetstream.KeyValue, sl *slot, ttl time.Duration) bool {
	opCtx, cancel := context.WithTimeout(ctx, ttl/3)
	e, err := kv.Get(opCtx, sl.key)
	cancel()
	if err != nil {
		return false
	}
	l, err := ParseLease(e.Value())
	if err != nil || !m.ours(l) {
		return false
	}
	sl.setRev(e.Revision(), l.Renewed)
	return true
}

func (m *Manager) start(ctx context.Context, sl *slot, run RunFunc) {
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	sl.cancel, sl.done, sl.runErr = cancel, done, nil
	m.setRunning(sl.channel, true)
	go func() {
		defer close(done)
		sl.runErr = run(rctx, sl.channel)
	}()
}

// stop cancels the RunFunc and waits for it to return.
func (m *Manager) stop(sl *slot) {
	if sl.cancel == nil {
		return
	}
	sl.cancel()
	<-sl.done
	m.reap(sl)
}

// reap forgets a RunFunc that has returned.
func (m *Manager) reap(sl *slot) {
	sl.cancel()
	sl.cancel, sl.done = nil, nil
	m.setRunning(sl.channel, false)
}

// release stops the RunFunc, then deletes the lease at our revision so
// that another process can take the channel at once.
func (m *Manager) release(ctx context.Context, kv jetstream.KeyValue, sl *slot, ttl time.Duration) {
	m.stop(sl)
	if sl.rev == 0 {
		return
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ttl/3)
	defer cancel()
	if err := kv.Delete(dctx, sl.key, jetstream.LastRevision(sl.rev)); err != nil {
		m.log.Warn("fleet: cannot release lease; it expires on its own", "channel", sl.channel, "within", ttl, "err", err)
		return
	}
	sl.setRev(0, time.Time{})
	m.log.Info("fleet: released lease", "channel", sl.channel)
}
