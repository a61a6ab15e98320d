// Package collectortest runs collectors through the real runner in tests,
// with an in-memory publisher and cursor store.
package collectortest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

// Publisher records published mentions. It is safe for concurrent use.
type Publisher struct {
	mu       sync.Mutex
	Mentions []*mention.Mention
}

// Publish records m.
func (p *Publisher) Publish(_ context.Context, m *mention.Mention) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.Mentions = append(p.Mentions, m)
	return nil
}

// Snapshot returns the mentions published so far.
func (p *Publisher) Snapshot() []*mention.Mention {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*mention.Mention(nil), p.Mentions...)
}

// Source parses one source's YAML (a mapping with type and its keys).
func Source(t testing.TB, srcYAML string) config.Source {
	t.Helper()
	var src config.Source
	if err := yaml.Unmarshal([]byte(srcYAML), &src); err != nil {
		t.Fatalf("source YAML: %v", err)
	}
	return src
}

// Harness runs one source repeatedly against the same cursor store, like
// restarts of the service.
type Harness struct {
	t       testing.TB
	src     config.Source
	Cursors *collector.MemoryCursors
	// StreamFor bounds streaming collectors' passes; default 2s.
	StreamFor time.Duration
}

// New returns a harness for the source described by srcYAML.
func New(t testing.TB, srcYAML string) *Harness {
	t.Helper()
	return &Harness{t: t, src: Source(t, srcYAML), Cursors: &collector.MemoryCursors{}, StreamFor: 2 * time.Second}
}

// Pass runs one pass and returns the mentions published and the stats.
func (h *Harness) Pass(ctx context.Context) ([]*mention.Mention, collector.Stats) {
	h.t.Helper()
	pub := &Publisher{}
	r, err := collector.NewRunner([]config.Source{h.src}, collector.Options{
		Publisher: pub, Cursors: h.Cursors, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		h.t.Fatalf("build collector: %v", err)
	}
	stats, err := r.RunOnce(ctx, h.StreamFor)
	if err != nil {
		h.t.Fatal(err)
	}
	return pub.Mentions, stats[0]
}

// Cursor returns the stored cursor of the source.
func (h *Harness) Cursor() []byte {
	c, _ := h.Cursors.Get(context.Background(), h.src.DisplayName(0))
	return c
}

// ServeJSON serves body as JSON to every request on a loopback server that
// the test closes, and returns its URL.
func ServeJSON(t testing.TB, body []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
