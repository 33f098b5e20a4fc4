package cytube

import (
	"math/rand/v2"
	"sync"
	"time"
)

// backoff returns the wait before reconnect attempt n (1-based), the way
// socket.io-client computes it: min·2^(n-1), capped at max, with ±jitter.
// rnd is in [0,1).
func backoff(n int, minD, maxD time.Duration, jitter float64, rnd float64) time.Duration {
	if n < 1 {
		n = 1
	}
	d := float64(minD)
	for i := 1; i < n && d < float64(maxD); i++ {
		d *= 2
	}
	if jitter > 0 {
		dev := jitter * d
		if int(rnd*10)&1 == 0 {
			d -= rnd * dev
		} else {
			d += rnd * dev
		}
	}
	if d > float64(maxD) {
		d = float64(maxD)
	}
	if d < 0 {
		d = 0
	}
	return time.Duration(d)
}

// connGate mirrors CyTube's per-IP connection limiter (a token bucket of 5
// refilled at one token per 10 s) so that we never dial faster than the
// server accepts: a refused attempt still costs a token.
type connGate struct {
	burst  float64
	every  time.Duration
	tokens float64
	last   time.Time
}

func newConnGate(burst int, every time.Duration) *connGate {
	return &connGate{burst: float64(burst), every: every, tokens: float64(burst)}
}

// wait returns how long to wait at now before the next attempt may start.
func (g *connGate) wait(now time.Time) time.Duration {
	if g.every <= 0 {
		return 0
	}
	g.refill(now)
	if g.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - g.tokens) * float64(g.every))
}

// take spends one token for an attempt made at now.
func (g *connGate) take(now time.Time) {
	if g.every <= 0 {
		return
	}
	g.refill(now)
	g.tokens--
}

// giveBack returns the token of an attempt that never reached the server.
func (g *connGate) giveBack(now time.Time) {
	if g.every <= 0 {
		return
	}
	g.refill(now)
	g.tokens = min(g.tokens+1, g.burst)
}

// drain empties the bucket: used after the server said "Rate limit exceeded".
func (g *connGate) drain(now time.Time) {
	g.refill(now)
	g.tokens = 0
}

func (g *connGate) refill(now time.Time) {
	if !g.last.IsZero() {
		g.tokens += float64(now.Sub(g.last)) / float64(g.every)
		if g.tokens > g.burst {
			g.tokens = g.burst
		}
	}
	g.last = now
}

// jitterRand is the random source for backoff; a func so tests can fix it.
type jitterRand func() float64

func defaultRand() float64 { return rand.Float64() }

// HostLimits holds CyTube's per-IP connection limits for one server, to be
// shared by every session of a process that connects to it: the server
// counts them all against our one address. The connection rate limiter
// (src/io/ioserver.js:92-108: 5, then one per 10 s) refuses a connection
// with "Rate limit exceeded"; the socket cap (ip-connection-limit, default
// 10; src/io/ioserver.js:110-138) kicks a connection beyond it with "Too
// many connections from your IP address". A session beyond either waits,
// with a status that says why, instead of being refused in a loop.
type HostLimits struct {
	mu    sync.Mutex
	gate  *connGate
	open  int
	max   int
	freed chan struct{} // closed and replaced when a socket closes
}

// DefaultMaxSockets is CyTube's default ip-connection-limit.
const DefaultMaxSockets = 10

// NewHostLimits returns the limits for one server: burst connections, then
// one per every (every < 0: no rate limit), and at most maxSockets open at
// once (<= 0: DefaultMaxSockets).
func NewHostLimits(burst int, every time.Duration, maxSockets int) *HostLimits {
	if burst <= 0 {
		burst = 5
	}
	if every == 0 {
		every = 10 * time.Second
	}
	if maxSockets <= 0 {
		maxSockets = DefaultMaxSockets
	}
	if every > 0 {
		// CyTube's bucket refills whole tokens, counted from its first
		// connection's arrival (src/util/token-bucket.js): our clock starts
		// earlier, at the first dial, so each refill gets a margin.
		every += every/20 + 250*time.Millisecond
	}
	return &HostLimits{gate: newConnGate(burst, every), max: maxSockets, freed: make(chan struct{})}
}

// slot takes a socket slot, or returns a channel that is closed when one
// may be free and the number of sockets open.
func (h *HostLimits) slot() (release func(), wait <-chan struct{}, open int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.open >= h.max {
		return nil, h.freed, h.open
	}
	h.open++
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			h.open--
			close(h.freed)
			h.freed = make(chan struct{})
			h.mu.Unlock()
		})
	}, nil, h.open
}

// reserve takes a connection token at now, or returns how long until one
// is available (taking nothing).
func (h *HostLimits) reserve(now time.Time) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if w := h.gate.wait(now); w > 0 {
		return w
	}
	h.gate.take(now)
	return 0
}

// unreached gives back the token of an attempt that never reached CyTube
// (a DNS or dial failure): CyTube counts connections in a Socket.IO
// middleware, once the transport is up (src/io/ioserver.js:93-103,
// ipThrottleMiddleware), so a host that cannot be reached spends nothing.
func (h *HostLimits) unreached(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.gate.giveBack(now)
}

// refused records that the server refused a connection for its rate:
// every token is gone.
func (h *HostLimits) refused(now time.Time) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.gate.drain(now)
	return h.gate.wait(now)
}

// Max returns the socket cap.
func (h *HostLimits) Max() int { return h.max }
