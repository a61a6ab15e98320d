// Package bustest starts real JetStream servers for tests, in the manner of
// nats-server's RunBasicJetStreamServer: in-process, t.TempDir() storage.
package bustest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/config"
)

// RunJetStream opens a bus on a fresh embedded JetStream server whose storage
// is a temporary directory; it is closed when the test ends.
func RunJetStream(t testing.TB) *bus.Bus {
	t.Helper()
	return RunJetStreamIn(t, t.TempDir(), config.Default().NATS)
}

// RunJetStreamIn opens a bus on an embedded server storing under dir, so a
// test can close it and open another on the same storage (a restart).
func RunJetStreamIn(t testing.TB, dir string, cfg config.NATS) *bus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := bus.Open(ctx, cfg, dir, bus.NewMetrics(prometheus.NewRegistry()), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("start embedded JetStream: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}
