package cytube

import (
	"math/rand/v2"
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
