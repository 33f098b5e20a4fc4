package cytube

import (
	"math"
	"time"
)

// rateLimit is the parameter object CyTube passes to a limiter's
// throttle(opts) (src/utilities.js:139-155): burst, sustained (per second)
// and cooldown (seconds; burst/sustained when CyTube gives none).
type rateLimit struct {
	burst, sustained, cooldown float64
}

func newRateLimit(burst, sustained float64) rateLimit {
	return rateLimit{burst: burst, sustained: sustained, cooldown: burst / sustained}
}

// unbounded stands for an infinite spacing (sustained 0, or no cooldown).
const unbounded = time.Duration(math.MaxInt64)

// gap is the spacing CyTube demands once the burst is spent (1000/sustained
// ms); infinite for sustained 0.
func (p rateLimit) gap() time.Duration {
	if p.sustained <= 0 || math.IsNaN(p.sustained) {
		return unbounded
	}
	return time.Duration(float64(time.Second) / p.sustained)
}

func (p rateLimit) cool() time.Duration {
	if math.IsInf(p.cooldown, 1) || math.IsNaN(p.cooldown) || p.cooldown > 1e6 {
		return unbounded
	}
	return time.Duration(p.cooldown * float64(time.Second))
}

// limiterModel mirrors one of CyTube's per-user limiters (newRateLimiter,
// src/utilities.js:135-178) as the client sees it. CyTube's algorithm is
// not a token bucket:
//
//   - if the last allowed action is older than cooldown, allow and restart
//     the count at 1;
//   - else, while count < burst, allow and count;
//   - else allow only if at least 1/sustained s passed since the last
//     allowed action (a refused one does not move lastTime).
//
// So after the burst one action per 1/sustained s goes through, and the
// burst comes back only after a quiet cooldown. The model applies the same
// rules to send times; CyTube applies them to arrival times, so every
// spacing gets a margin (network jitter can bring two frames closer).
type limiterModel struct {
	count int
	last  time.Time // zero: never used on this connection
}

// margin is added to CyTube's gap and cooldown: 10% plus 25 ms.
func margin(d time.Duration) time.Duration {
	if d == unbounded {
		return 0
	}
	return d/10 + 25*time.Millisecond
}

// allows reports whether CyTube would let an action through at t.
func (m *limiterModel) allows(t time.Time, p rateLimit) bool {
	if m.last.IsZero() {
		return true
	}
	if c := p.cool(); c != unbounded && t.Sub(m.last) > c+margin(c) {
		return true
	}
	if float64(m.count) < p.burst {
		return true
	}
	g := p.gap()
	return g != unbounded && t.Sub(m.last) >= g+margin(g)
}

// take records an allowed action at t, as CyTube does.
func (m *limiterModel) take(t time.Time, p rateLimit) {
	switch {
	case m.last.IsZero():
		m.count = 1
	case p.cool() != unbounded && t.Sub(m.last) > p.cool():
		m.count = 1
	case float64(m.count) < p.burst:
		m.count++
	}
	m.last = t
}

// wait returns how long from now until cost actions in a row (at the same
// instant: /me, /sp, /say and /a go through the limiter twice,
// src/channel/chat.js:461-486) would all be allowed, or false when they
// never would (sustained 0 and no cooldown).
func (m *limiterModel) wait(now time.Time, p rateLimit, cost int) (time.Duration, bool) {
	cands := []time.Time{now}
	if !m.last.IsZero() {
		if g := p.gap(); g != unbounded {
			cands = append(cands, m.last.Add(g+margin(g)))
		}
		if c := p.cool(); c != unbounded {
			cands = append(cands, m.last.Add(c+margin(c)+time.Millisecond))
		}
	}
	best, found := time.Time{}, false
	for _, t := range cands {
		if t.Before(now) {
			t = now
		}
		if found && !t.Before(best) {
			continue
		}
		sim := *m
		ok := true
		for range max(cost, 1) {
			if !sim.allows(t, p) {
				ok = false
				break
			}
			sim.take(t, p)
		}
		if ok {
			best, found = t, true
		}
	}
	if !found {
		return 0, false
	}
	return best.Sub(now), true
}

// refused records that CyTube refused an action (an unexpected cooldown):
// its lastTime is at most now and its count at the burst, so the model
// assumes both.
func (m *limiterModel) refused(now time.Time, p rateLimit) {
	m.count = int(math.Ceil(p.burst))
	m.last = now
}

// reset forgets the limiter: CyTube's limiters belong to the connection's
// user object, which a new connection replaces.
func (m *limiterModel) reset() { *m = limiterModel{} }
