// Package collectortest runs collectors through the real runner in tests,
// with an in-memory publisher and cursor store.
package collectortest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
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

// Fixture reads testdata/name of the package under test.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// IDs lists the mentions' ids in order.
func IDs(ms []*mention.Mention) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// ByID maps the mentions by id.
func ByID(ms []*mention.Mention) map[string]*mention.Mention {
	out := make(map[string]*mention.Mention, len(ms))
	for _, m := range ms {
		out[m.ID] = m
	}
	return out
}

// ExtraString reads a string extra field of m ("" when it is absent or
// not a string).
func ExtraString(m *mention.Mention, key string) string {
	var s string
	json.Unmarshal(m.Extra[key], &s)
	return s
}

// Page writes n items, taken in turn from items, comma-separated between
// prefix and suffix: a page of realistic items for a parser benchmark.
func Page(prefix string, items []json.RawMessage, n int, suffix string) []byte {
	var b bytes.Buffer
	b.WriteString(prefix)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(items[i%len(items)])
	}
	b.WriteString(suffix)
	return b.Bytes()
}

// API is a loopback server standing in for a platform's API: it answers
// with a handler, one request at a time, and records the requests.
type API struct {
	URL      string
	mu       sync.Mutex
	requests []*url.URL
}

// NewAPI starts an API that answers with handle; the test closes it.
func NewAPI(t testing.TB, handle http.HandlerFunc) *API {
	t.Helper()
	a := &API{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.requests = append(a.requests, r.URL)
		handle(w, r)
	}))
	t.Cleanup(srv.Close)
	a.URL = srv.URL
	return a
}

// Calls counts the requests for path.
func (a *API) Calls(path string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, u := range a.requests {
		if u.Path == path {
			n++
		}
	}
	return n
}

// Queries returns the query strings of the requests so far, in order.
func (a *API) Queries() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]string, len(a.requests))
	for i, u := range a.requests {
		out[i] = u.RawQuery
	}
	return out
}

// Do runs f while no request is being answered, for tests that change
// what the handler answers between passes.
func (a *API) Do(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f()
}
