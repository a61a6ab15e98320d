package collector

import (
	"math/rand/v2"
	"time"
)

// Backoff computes jittered exponential delays after failed passes.
type Backoff struct {
	Base time.Duration // first delay; default 5s
	Max  time.Duration // cap; default 30m
}

func (b Backoff) withDefaults() Backoff {
	if b.Base <= 0 {
		b.Base = 5 * time.Second
	}
	if b.Max <= 0 {
		b.Max = 30 * time.Minute
	}
	return b
}

// Delay returns the wait before retry number attempt (0 for the first
// retry): a random value in [d/2, d] with d = Base·2^attempt capped at Max,
// and never less than retryAfter (the server's own demand, plus up to 10%
// jitter so that many instances do not return at the same instant).
func (b Backoff) Delay(attempt int, retryAfter time.Duration) time.Duration {
	b = b.withDefaults()
	d := b.Base
	for i := 0; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	d = d/2 + rand.N(d/2+1)
	if retryAfter > 0 {
		if ra := retryAfter + rand.N(retryAfter/10+1); ra > d {
			d = ra
		}
	}
	return d
}

// jitter spreads a polling interval by ±10% so sources drift apart.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	spread := d / 10
	return d - spread + rand.N(2*spread+1)
}
