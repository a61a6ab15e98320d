package api

import (
	"crypto/sha256"
	"sync"
	"time"
)

// Throttle limits guessing: it counts failures by key (a client address, an
// account name) within a sliding window, and a key with max failures in the
// window must wait until the oldest of them leaves it.
type Throttle struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	m      map[string][]time.Time
	now    func() time.Time
}

// maxThrottleKeys bounds the keys a Throttle remembers. When a flood of
// distinct keys fills it even after the expired ones are swept, it starts
// afresh: memory stays bounded, at the price of forgetting counts during
// such a flood.
const maxThrottleKeys = 100_000

// NewThrottle allows max failures a key within window.
func NewThrottle(max int, window time.Duration) *Throttle {
	return &Throttle{max: max, window: window, m: map[string][]time.Time{}, now: time.Now}
}

// SetClock replaces the clock (for tests).
func (t *Throttle) SetClock(now func() time.Time) { t.now = now }

// throttleKey keeps long keys (a user name is whatever a client typed) to a
// fixed size.
func throttleKey(k string) string {
	if len(k) <= 64 {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return string(sum[:])
}

// recent returns key's failures within the window, dropping older ones.
// The caller holds mu.
func (t *Throttle) recent(key string, now time.Time) []time.Time {
	cut := now.Add(-t.window)
	ts := t.m[key]
	for len(ts) > 0 && !ts[0].After(cut) {
		ts = ts[1:]
	}
	if len(ts) == 0 {
		delete(t.m, key)
	} else {
		t.m[key] = ts
	}
	return ts
}

// Wait is how long key must wait before it may try again: zero while it
// has failed fewer than max times within the window.
func (t *Throttle) Wait(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	ts := t.recent(throttleKey(key), now)
	if len(ts) < t.max {
		return 0
	}
	return ts[len(ts)-t.max].Add(t.window).Sub(now)
}

// Fail records a failure of key.
func (t *Throttle) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	key = throttleKey(key)
	ts := t.recent(key, now)
	if len(ts) == 0 && len(t.m) >= maxThrottleKeys {
		for k := range t.m {
			t.recent(k, now)
		}
		if len(t.m) >= maxThrottleKeys {
			clear(t.m)
		}
	}
	if len(ts) >= t.max { // only the newest max count
		ts = ts[1:]
	}
	t.m[key] = append(ts, now)
}
