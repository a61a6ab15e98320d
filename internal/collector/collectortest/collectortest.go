// Package collectortest runs collectors through the real runner in tests,
// with an in-memory publisher and cursor store.
package collectortest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
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
	// Published holds every mention published over all passes.
	Published []*mention.Mention
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
	r, err := runner(h.src, pub, h.Cursors)
	if err != nil {
		h.t.Fatalf("build collector: %v", err)
	}
	stats, err := r.RunOnce(ctx, h.StreamFor)
	if err != nil {
		h.t.Fatal(err)
	}
	h.Published = append(h.Published, pub.Mentions...)
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

// BuildError builds the source described by srcYAML as the service would
// and returns the configuration error, nil when it builds.
func BuildError(t testing.TB, srcYAML string) error {
	t.Helper()
	_, err := runner(Source(t, srcYAML), &Publisher{}, &collector.MemoryCursors{})
	return err
}

// runner builds the runner of one source, logging nowhere.
func runner(src config.Source, pub *Publisher, cursors *collector.MemoryCursors) (*collector.Runner, error) {
	return collector.NewRunner([]config.Source{src}, collector.Options{
		Publisher: pub, Cursors: cursors, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

// CheckReviewPage fails the test unless every item of a parsed review page
// keeps the contract the ReviewFeed relies on: an unreadable item has no
// mention; a readable one has a mention of source with the item's id and
// a time, At unset exactly when the time is estimated; a review's rating is
// 1–5 and a reply, and only a reply, is marked by_brand.
func CheckReviewPage(t testing.TB, pg collector.ReviewPage, source string) {
	t.Helper()
	for _, it := range pg.Items {
		if it.Err != nil {
			if it.Mention != nil {
				t.Fatalf("unreadable item with a mention %+v", it)
			}
			continue
		}
		m := it.Mention
		if m == nil || m.ID != it.ID || m.Source != source || it.At.IsZero() != (it.Estimated != nil) || m.PublishedAt.IsZero() || m.Text == "" && m.Title == "" {
			t.Fatalf("bad item %+v", it)
		}
		if it.Reply != (string(m.Extra[mention.ExtraByBrand]) == "true") || !it.Reply && (m.Rating == nil || *m.Rating < 1 || *m.Rating > 5) {
			t.Fatalf("bad review or reply %+v", m)
		}
	}
}

// SplitItems lists the ids of a page's readable and unreadable items.
func SplitItems(pg collector.ReviewPage) (good, bad []string) {
	for _, it := range pg.Items {
		if it.Err != nil {
			bad = append(bad, it.ID)
		} else {
			good = append(good, it.ID)
		}
	}
	return good, bad
}

// PublishedOnce fails the test unless the passes so far published want
// mentions, none twice.
func (h *Harness) PublishedOnce(want int) {
	h.t.Helper()
	ids := IDs(h.Published)
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			h.t.Errorf("%s published twice", id)
		}
		seen[id] = true
	}
	if len(ids) != want {
		h.t.Errorf("%d published, want %d: %v", len(ids), want, ids)
	}
}

// BenchmarkPage builds a page of n items for a parser benchmark: the items
// of the array key of the testdata files, repeated, each given a distinct
// id by prefixing the value of its first idKey field with its index, under
// key beside the other fields.
func BenchmarkPage(b *testing.B, key, idKey string, n int, other map[string]any, files ...string) []byte {
	b.Helper()
	var fixture []json.RawMessage
	for _, f := range files {
		var doc map[string]json.RawMessage
		var items []json.RawMessage
		if err := json.Unmarshal(Fixture(b, f), &doc); err != nil || json.Unmarshal(doc[key], &items) != nil || len(items) == 0 {
			b.Fatalf("%s: no %q array (%v)", f, key, err)
		}
		fixture = append(fixture, items...)
	}
	items := make([]json.RawMessage, n)
	for i := range items {
		items[i] = bytes.Replace(fixture[i%len(fixture)], []byte(`"`+idKey+`": "`), fmt.Appendf(nil, `"%s": "%03d-`, idKey, i), 1)
	}
	page := map[string]any{key: items}
	maps.Copy(page, other)
	body, err := json.Marshal(page)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// FuzzReviews fuzzes a review page parser, seeded with the testdata
// files: every page it reads must pass CheckReviewPage.
func FuzzReviews(f *testing.F, source string, parse func(body []byte) (collector.ReviewPage, error), files ...string) {
	for _, n := range files {
		f.Add(Fixture(f, n))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if pg, err := parse(body); err == nil {
			CheckReviewPage(t, pg, source)
		}
	})
}

// BenchmarkReviews measures a review page parser on body, a page of
// reviews that parses into items items, and reports reviews per second.
func BenchmarkReviews(b *testing.B, body []byte, reviews, items int, parse func(body []byte) (collector.ReviewPage, error)) {
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		pg, err := parse(body)
		if err != nil || len(pg.Items) != items {
			b.Fatal(err, len(pg.Items))
		}
	}
	b.ReportMetric(float64(reviews*b.N)/b.Elapsed().Seconds(), "reviews/s")
}

// CheckResume runs two passes of h: the first must publish n mentions, the
// second, a restart with the stored cursor, none, reading one page only
// (requests counts the requests the server answered).
func CheckResume(t testing.TB, h *Harness, n int, requests func() int) {
	t.Helper()
	ctx := context.Background()
	if ms, st := h.Pass(ctx); st.Err != nil || len(ms) != n {
		t.Fatalf("first pass: %v, %d mentions, want %d", st.Err, len(ms), n)
	}
	before := requests()
	if ms, st := h.Pass(ctx); st.Err != nil || len(ms) != 0 || requests() != before+1 {
		t.Fatalf("after a restart: %v, %d mentions, %d requests", st.Err, len(ms), requests()-before)
	}
}

// CheckRateLimited runs two passes of h, whose server answers one request
// of the first with 429 and Retry-After: wait. The first must fail as a
// rate limit asking for about wait, publish nothing and store no cursor;
// the second must publish n mentions.
func CheckRateLimited(t testing.TB, h *Harness, wait time.Duration, n int) {
	t.Helper()
	ctx := context.Background()
	ms, st := h.Pass(ctx)
	d, ok := collector.RetryAfter(st.Err, time.Now())
	if !ok || d < wait-10*time.Second || d > wait || len(ms) != 0 || h.Cursor() != nil {
		t.Fatalf("limited pass: %v (retry after %v), %d mentions, cursor %s", st.Err, d, len(ms), h.Cursor())
	}
	if ms, st = h.Pass(ctx); st.Err != nil || len(ms) != n {
		t.Fatalf("after the limit: %v, %d mentions, want %d", st.Err, len(ms), n)
	}
}
