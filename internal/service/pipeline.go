package service

import (
	"context"
	"sync"
	"time"

	"github.com/roseybot/cytube-connector/internal/bus"
)

// maxQueuedJobs bounds a channel's publish queue. When it is full the
// session's read loop waits, so a slow or absent bus still slows reading
// (and, past socketio's buffer, CyTube) instead of losing events.
const maxQueuedJobs = 128

// idleJobsCap is the largest queue array kept while the queue is empty; a
// burst's larger one is released, so an idle channel holds little.
const idleJobsCap = 8

// pubJob is what one callback of a session publishes: its envelopes, in
// order, each within timeout of the moment it is taken from the queue.
type pubJob struct {
	ctx     context.Context
	timeout time.Duration
	// final marks the STOPPED status: it goes out after ctx ended, with
	// its own timeout.
	final bool
	pub   *bus.Publisher
	envs  []bus.Envelope
}

// pubQueue publishes one channel's envelopes, in the order the session
// produced them (events, bad frames and status changes alike), from a
// goroutine of its own: the session reads and translates the next frame
// while nats.go writes the previous one. The goroutine starts with the
// first job and ends when the queue is empty, so an idle channel has none;
// Service.pubWG counts them.
type pubQueue struct {
	mu      sync.Mutex
	jobs    []pubJob
	head    int
	running bool
	waiting int        // producers waiting for room
	room    *sync.Cond // on mu; made with the first job
	// watching: the goroutine waits for the oldest acknowledgement with
	// an empty queue; enqueue then wakes it through wake (capacity 1), so
	// that a new event goes out at once instead of after the ack.
	watching bool
	wake     chan struct{}
	// drainBy bounds, once the session's context has ended, the time left
	// to publish what was already read (reset when the queue empties).
	drainBy time.Time
}

// enqueue adds a job, waiting while the queue is full, and starts the
// queue's goroutine if it is not running.
func (s *Service) enqueue(ch *channel, j pubJob) {
	q := &ch.out
	q.mu.Lock()
	if q.room == nil {
		q.room = sync.NewCond(&q.mu)
		q.wake = make(chan struct{}, 1)
	}
	for len(q.jobs)-q.head >= maxQueuedJobs {
		// The goroutine runs while the queue is not empty.
		q.waiting++
		q.room.Wait()
		q.waiting--
	}
	if q.head > 0 && len(q.jobs) == cap(q.jobs) {
		n := copy(q.jobs, q.jobs[q.head:])
		clear(q.jobs[n:])
		q.jobs, q.head = q.jobs[:n], 0
	}
	q.jobs = append(q.jobs, j)
	if q.watching {
		q.watching = false
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	if !q.running {
		q.running = true
		s.pubWG.Add(1)
		go s.runQueue(ch)
	}
	q.mu.Unlock()
}

// maxInFlight bounds a channel's JetStream publishes waiting for their
// acknowledgement. Past it the queue waits for the oldest, so a slow
// stream slows the session as a full queue does.
const maxInFlight = 256

// inFlight is one JetStream publish of the queue not yet acknowledged.
type inFlight struct {
	pd *bus.Pending
	// ctx, when set, is the job's own context (the STOPPED status, or a
	// job read after the session's context ended); done, on the job's
	// last envelope, releases it.
	ctx  context.Context
	done context.CancelFunc
	// Otherwise the publish has until deadline, or stoppedTimeout once
	// the session's context (sess) has ended, whichever comes first. The
	// context for that is built only when the acknowledgement is not
	// already there (or the publish failed): with many in flight it
	// mostly is, and a context, timer and after-func per event are then
	// saved.
	sess     context.Context
	detached context.Context // context.WithoutCancel(sess)
	deadline time.Time
	pub      *bus.Publisher
	env      bus.Envelope
}

// noCancel releases nothing: the context it goes with has no resources.
func noCancel() {}

// waitContext is the context f waits (and retries) in.
func (f *inFlight) waitContext() (context.Context, context.CancelFunc) {
	if f.ctx != nil {
		return f.ctx, noCancel
	}
	return graceContext(f.sess, f.detached, f.deadline)
}

// runQueue publishes the channel's jobs until its queue is empty. With
// JetStream the publishes are pipelined: up to maxInFlight are on the
// connection at once, in the queue's order, and their acknowledgements are
// taken oldest first (bus.Pending retries one that failed); the goroutine
// ends only when every one is settled.
func (s *Service) runQueue(ch *channel) {
	defer s.pubWG.Done()
	q := &ch.out
	var flight []inFlight // flight[fh:] are in flight, oldest first
	fh := 0
	// careful is set once a publish failed: the stream may still refuse
	// some (JetStream recovering after a restart) while it stores others,
	// so the next publishes go one at a time until one is stored on its
	// first attempt; only then is the window opened again.
	careful := false
	// detached is the session's context without its cancellation, made
	// once per session context rather than per job.
	var sess, detached context.Context
	settle := func(n int) {
		for ; n > 0 && fh < len(flight); n-- {
			f := flight[fh]
			flight[fh] = inFlight{}
			fh++
			ctx, cancel := f.detached, noCancel
			done, err := f.pd.Poll()
			if !done || err != nil {
				ctx, cancel = f.waitContext()
				if !done {
					err = f.pd.Wait(ctx)
				}
			}
			careful = f.pd.Retried()
			s.published(ctx, ch, f.pub, f.env, err)
			cancel()
			if f.done != nil {
				f.done()
			}
		}
		if fh == len(flight) || fh >= maxInFlight {
			// Compact: the window moves along one array.
			n := copy(flight, flight[fh:])
			clear(flight[n:])
			flight, fh = flight[:n], 0
		}
	}
	for {
		q.mu.Lock()
		if q.head == len(q.jobs) && fh < len(flight) {
			// Nothing to publish: settle the oldest once it is answered,
			// unless a job comes first. Once the session has ended, its
			// grace period applies (settle), not the attempt timeout.
			q.watching = true
			q.mu.Unlock()
			f := &flight[fh]
			if f.ctx != nil || f.sess.Err() != nil || f.pd.Answered(q.wake) {
				settle(1)
			}
			q.mu.Lock()
			q.watching = false
			q.mu.Unlock()
			continue
		}
		if q.head == len(q.jobs) {
			q.running = false
			q.drainBy = time.Time{}
			if cap(q.jobs) > idleJobsCap {
				q.jobs = nil
			} else {
				q.jobs = q.jobs[:0]
			}
			q.head = 0
			q.mu.Unlock()
			return
		}
		j := q.jobs[q.head]
		q.jobs[q.head] = pubJob{}
		q.head++
		if q.waiting > 0 {
			q.room.Broadcast()
		}
		// draining: read before the session's context ended, published
		// after; decided once, here, so that drainBy is set for it.
		draining := j.ctx.Err() != nil && !j.final
		if draining && q.drainBy.IsZero() {
			q.drainBy = time.Now().Add(stoppedTimeout)
		}
		drainBy := q.drainBy
		q.mu.Unlock()
		if j.ctx != sess {
			sess, detached = j.ctx, context.WithoutCancel(j.ctx)
		}
		// Not j.ctx itself: it may end between the check above and the
		// publish, and an event already read must still go out.
		ctx, cancel, own := detached, noCancel, j.final || draining
		if own {
			ctx, cancel = s.jobContext(j, drainBy)
		}
		if !s.cfg.NATS.JetStream {
			// A core NATS publish never waits (nats.go buffers it).
			for _, env := range j.envs {
				s.publish(ctx, ch, j.pub, env, env.Data == nil)
			}
			cancel()
			continue
		}
		deadline := time.Now().Add(j.timeout)
		for i, env := range j.envs {
			if len(flight)-fh >= maxInFlight {
				settle(1)
			}
			if careful || (fh < len(flight) && flight[fh].pd.Failed()) {
				// A publish failed (the connection broke): what is in
				// flight is retried, in order, before anything after it
				// goes out.
				settle(len(flight))
			}
			f := inFlight{pd: j.pub.PublishAsync(ctx, env), sess: j.ctx, detached: detached, deadline: deadline, pub: j.pub, env: env}
			if own {
				f.ctx = ctx
				if i == len(j.envs)-1 {
					f.done = cancel
				}
			}
			flight = append(flight, f)
			if careful || f.pd.Failed() {
				// After a failure, or not even written (disconnected):
				// publish in order, one at a time, until the stream
				// stores one at the first attempt.
				settle(len(flight))
			}
		}
		if len(j.envs) == 0 {
			cancel()
		}
	}
}

// jobContext is the context of a job with a deadline of its own: the
// STOPPED status, published after the session's context ended, and a job
// read before the session's context ended (shutdown, or a fleet lease
// lost) that still goes out, within stoppedTimeout for everything that was
// queued then.
func (s *Service) jobContext(j pubJob, drainBy time.Time) (context.Context, context.CancelFunc) {
	if j.final {
		return context.WithTimeout(context.WithoutCancel(j.ctx), j.timeout)
	}
	return context.WithDeadline(context.WithoutCancel(j.ctx), drainBy)
}

// graceContext ends at deadline, or stoppedTimeout after sess ends
// (shutdown), whichever is first: an event read while the session ran
// still gets stoppedTimeout to be stored, as the queued ones do.
func graceContext(sess, detached context.Context, deadline time.Time) (context.Context, context.CancelFunc) {
	ctx, inner := context.WithDeadline(detached, deadline)
	var grace *time.Timer
	var mu sync.Mutex
	stop := context.AfterFunc(sess, func() {
		mu.Lock()
		grace = time.AfterFunc(stoppedTimeout, inner)
		mu.Unlock()
	})
	return ctx, func() {
		stop()
		mu.Lock()
		if grace != nil {
			grace.Stop()
		}
		mu.Unlock()
		inner()
	}
}
