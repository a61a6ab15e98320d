// Package collectortest runs collectors through the real runner in tests,
// with an in-memory publisher and cursor store.
package collectortest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// TokenEndpoint is an OAuth 2.0 token endpoint on loopback: it issues a new
// access token (token-1, token-2, …) for every grant check accepts and
// answers 400 invalid_grant, with check's error as description, otherwise.
type TokenEndpoint struct {
	URL   string
	check func(form url.Values) error

	mu     sync.Mutex
	issued int
}

// NewTokenEndpoint starts a token endpoint that the test closes.
func NewTokenEndpoint(t testing.TB, check func(form url.Values) error) *TokenEndpoint {
	t.Helper()
	e := &TokenEndpoint{check: check}
	srv := httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(srv.Close)
	e.URL = srv.URL + "/token"
	return e
}

func (e *TokenEndpoint) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if err := e.check(r.PostForm); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": err.Error()})
		return
	}
	e.mu.Lock()
	e.issued++
	tok := fmt.Sprintf("token-%d", e.issued)
	e.mu.Unlock()
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "expires_in": 3599, "token_type": "Bearer"})
}

// Issued is the number of tokens issued so far.
func (e *TokenEndpoint) Issued() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.issued
}

// Authorized reports whether r bears the latest token issued.
func (e *TokenEndpoint) Authorized(r *http.Request) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.issued > 0 && r.Header.Get("Authorization") == fmt.Sprintf("Bearer token-%d", e.issued)
}
