package cytubetest

import "time"

// rateLimiter is CyTube's per-user limiter, exactly (newRateLimiter,
// src/utilities.js:135-178): not a token bucket. After burst allowed
// actions one action per 1/sustained s passes, and the burst comes back
// only after more than cooldown seconds (burst/sustained by default) since
// the last allowed action; a refused action does not move lastTime.
type rateLimiter struct {
	count int
	last  time.Time
}

// throttle reports whether the action at now is refused.
func (l *rateLimiter) throttle(now time.Time, burst, sustained, cooldown float64) bool {
	if cooldown < 0 {
		cooldown = burst / sustained
	}
	if l.last.IsZero() || now.Sub(l.last) > time.Duration(cooldown*float64(time.Second)) {
		l.count, l.last = 1, now
		return false
	}
	if float64(l.count) < burst {
		l.count++
		l.last = now
		return false
	}
	if sustained <= 0 || now.Sub(l.last) < time.Duration(float64(time.Second)/sustained) {
		return true
	}
	l.last = now
	return false
}
