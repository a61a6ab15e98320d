package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ewom/ewom/internal/collector"
)

// startupBackoff spaces the attempts to reach the bus or the store at
// start-up: 1 s, doubling up to 10 s, with jitter so that the processes of a
// deployment do not knock in step.
var startupBackoff = collector.Backoff{Base: time.Second, Max: 10 * time.Second}

// attemptTimeout bounds one attempt, so that a request nobody answers
// (a JetStream stream without a leader) is retried and logged rather than
// waited on for the whole start-up timeout.
const attemptTimeout = 10 * time.Second

// waitFor calls open until it succeeds, logging each failure with when it
// tries again, for at most timeout (startup_timeout); it returns the last
// error once that has passed. With timeout 0 (an embedded bus or store:
// nothing to wait for) it tries once and returns open's error as it is.
// what names the dependency in the log and the error ("bus", "store");
// attrs say where it is.
func waitFor[T any](ctx context.Context, log *slog.Logger, what string, timeout time.Duration,
	open func(context.Context) (T, error), attrs ...any) (T, error) {
	if timeout <= 0 {
		return open(ctx)
	}
	log = log.With(attrs...)
	start := time.Now()
	deadline := start.Add(timeout)
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, min(time.Until(deadline), attemptTimeout))
		v, err := open(actx)
		cancel()
		if err == nil {
			if attempt > 0 {
				log.Info(what+" reached", "attempts", attempt+1, "waited", time.Since(start).Round(time.Millisecond))
			}
			return v, nil
		}
		if ctx.Err() != nil {
			return v, err
		}
		wait := startupBackoff.Delay(attempt, 0)
		left := time.Until(deadline)
		if left <= 0 {
			return v, fmt.Errorf("%s not reachable within %s (startup_timeout), %d attempts: %w", what, timeout, attempt+1, err)
		}
		wait = min(wait, left)
		log.Warn("waiting for the "+what, "attempt", attempt+1, "err", err,
			"retry_in", wait.Round(time.Millisecond), "gives_up_in", left.Round(time.Second))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return v, fmt.Errorf("waiting for the %s: %w (last error: %w)", what, ctx.Err(), err)
		case <-t.C:
		}
	}
}
