package collector

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/netguard"
)

func testHTTP(t *testing.T, allow ...string) *HTTP {
	t.Helper()
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Name: "t", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), metrics: m}
	h, err := env.HTTP(HTTPOptions{AllowNetworks: allow, MaxBodyBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHTTPRefusesLoopbackWithoutAllowList(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var v any
	_, err := testHTTP(t).GetJSON(context.Background(), srv.URL, nil, &v)
	if !errors.Is(err, netguard.ErrBlocked) {
		t.Fatalf("got %v, want ErrBlocked", err)
	}
}

func TestGetJSONErrorsNameURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/html":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<!doctype html><h1>Maintenance</h1>")
		case "/truncated":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"items": [{"id": 1`)
		case "/huge":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `["`+strings.Repeat("x", 10000)+`"]`)
		case "/500":
			http.Error(w, "upstream broke", 500)
		case "/empty":
		case "/spaced":
			io.WriteString(w, "\n  {\"ok\": true} \r\n")
		default:
			io.WriteString(w, `{"ok": true}`)
		}
	}))
	defer srv.Close()
	h := testHTTP(t, "127.0.0.1")
	for path, want := range map[string]string{
		"/html":      "got an HTML or XML page (text/html), want JSON",
		"/truncated": "malformed JSON",
		"/huge":      "exceeds the size limit",
		"/500":       "HTTP 500: upstream broke",
		"/empty":     "empty body",
	} {
		// A raw message, which gets the body uncopied, is checked alike.
		var v any
		var raw json.RawMessage
		for _, dst := range []any{&v, &raw} {
			_, err := h.GetJSON(context.Background(), srv.URL+path+"?key=s3cret", nil, dst)
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), srv.URL+path) {
				t.Errorf("%s into %T: got %v, want %q with the URL", path, dst, err, want)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("%s: secret leaked in %v", path, err)
			}
		}
	}
	var ok struct{ OK bool }
	if _, err := h.GetJSON(context.Background(), srv.URL+"/ok", nil, &ok); err != nil || !ok.OK {
		t.Fatalf("ok: %v %v", ok, err)
	}
	var raw json.RawMessage
	if _, err := h.GetJSON(context.Background(), srv.URL+"/spaced", nil, &raw); err != nil || string(raw) != `{"ok": true}` {
		t.Fatalf("raw: %q %v", raw, err)
	}
}

func TestHTTPRateLimits(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/429":
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/429-reset":
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", strconv.FormatInt(time.Now().Add(10*time.Minute).Unix(), 10))
			w.WriteHeader(http.StatusTooManyRequests)
		case "/exhausted":
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
			io.WriteString(w, `{}`)
		case "/soon":
			w.Header().Set("X-Ratelimit-Remaining", "0.0")
			w.Header().Set("X-Ratelimit-Reset", "1") // Reddit: seconds from now
			io.WriteString(w, `{}`)
		default:
			io.WriteString(w, `{}`)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	var v any

	h := testHTTP(t, "127.0.0.0/8")
	_, err := h.GetJSON(ctx, srv.URL+"/429", nil, &v)
	d, ok := RetryAfter(err, time.Now())
	if !ok || d < 110*time.Second || d > 121*time.Second {
		t.Fatalf("429: err %v, retry after %v", err, d)
	}

	// A 429 without Retry-After waits for RateLimit-Reset (Bluesky).
	h = testHTTP(t, "127.0.0.0/8")
	_, err = h.GetJSON(ctx, srv.URL+"/429-reset", nil, &v)
	if d, ok := RetryAfter(err, time.Now()); !ok || d < 9*time.Minute || d > 10*time.Minute {
		t.Fatalf("429 with RateLimit-Reset: err %v, retry after %v", err, d)
	}

	h = testHTTP(t, "127.0.0.0/8")
	if _, err := h.GetJSON(ctx, srv.URL+"/exhausted", nil, &v); err != nil {
		t.Fatal(err)
	}
	before := hits.Load()
	_, err = h.GetJSON(ctx, srv.URL+"/next", nil, &v)
	if d, ok := RetryAfter(err, time.Now()); !ok || d < 59*time.Minute {
		t.Fatalf("after exhausting the quota: err %v", err)
	}
	if hits.Load() != before {
		t.Fatal("request sent although the quota was exhausted")
	}

	h = testHTTP(t, "127.0.0.0/8")
	if _, err := h.GetJSON(ctx, srv.URL+"/soon", nil, &v); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := h.GetJSON(ctx, srv.URL+"/next", nil, &v); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 800*time.Millisecond {
		t.Fatalf("waited only %v for a 1s reset", waited)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"30":                            30 * time.Second,
		"0":                             0,
		"1.5":                           1500 * time.Millisecond,
		"Fri, 20 Nov 2026 08:02:00 GMT": 2 * time.Minute,
		"Fri, 20 Nov 2026 07:00:00 GMT": 0,
	} {
		if got, ok := ParseRetryAfter(in, now); !ok || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "soon", "-5"} {
		if _, ok := ParseRetryAfter(in, now); ok {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestRateLimitResetForms(t *testing.T) {
	now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	cases := []struct {
		h    http.Header
		want time.Time
		ok   bool
	}{
		{h("X-RateLimit-Remaining", "5", "X-RateLimit-Reset", "60"), time.Time{}, false},
		{h("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "2026-11-20T08:05:00.000Z"), now.Add(5 * time.Minute), true},
		{h("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1795161600"), time.Unix(1795161600, 0), true},
		{h("X-Ratelimit-Remaining", "0.0", "X-Ratelimit-Reset", "42"), now.Add(42 * time.Second), true},
		{h("X-RateLimit-Remaining", "0"), now.Add(time.Minute), true},
		// Bluesky: IETF-draft names, reset as Unix seconds.
		{h("RateLimit-Limit", "3000", "RateLimit-Remaining", "0", "RateLimit-Reset", "1795161600", "RateLimit-Policy", "3000;w=300"), time.Unix(1795161600, 0), true},
		{h(), time.Time{}, false},
	}
	for i, c := range cases {
		got, ok := rateLimitReset(c.h, now)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("case %d: %v %v, want %v %v", i, got, ok, c.want, c.ok)
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: time.Second, Max: time.Minute}
	for attempt, hi := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		for range 50 {
			d := b.Delay(attempt, 0)
			if d < hi/2 || d > hi {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, d, hi/2, hi)
			}
		}
	}
	if d := b.Delay(100, 0); d < 30*time.Second || d > time.Minute {
		t.Errorf("capped delay %v", d)
	}
	if d := b.Delay(0, 10*time.Minute); d < 10*time.Minute || d > 11*time.Minute {
		t.Errorf("Retry-After not honoured: %v", d)
	}
}

func TestHTMLToText(t *testing.T) {
	for in, want := range map[string]string{
		`<p>Hello <b>world</b> &amp; friends</p><p>Second<br>line</p>`:                             "Hello world & friends\n\nSecond\nline",
		`<p>Tilaus <a href="https://x/tags/tk" class="mention hashtag">#<span>TK</span></a> 😀</p>`: "Tilaus #TK 😀",
		`plain   text
with   spaces`: "plain text\nwith spaces",
		`<script>alert(1)</script><style>p{}</style>ok`: "ok",
		`Fish &amp; chips &lt;3 &#x1F600; &nbsp;x`:      "Fish & chips <3 😀 x",
		`<ul><li>один</li><li>二</li></ul>`:              "один\n\n二",
		`unclosed <b>bold <i>text`:                      "unclosed bold text",
		"bad \xff utf8":                                 "bad \uFFFD utf8",
		"":                                              "",
		// Escaped twice and three times (Reddit's feeds): peeled to text.
		`&lt;!-- SC_OFF --&gt;&lt;div class=&quot;md&quot;&gt;&lt;p&gt;Hyvä &amp;amp; halpa&lt;/p&gt;&lt;/div&gt;`: "Hyvä & halpa",
		`&amp;lt;p&amp;gt;Toimitus myöhässä&amp;lt;/p&amp;gt;`:                                                     "Toimitus myöhässä",
		// Markup shown as text inside real tags, or text that merely starts
		// with "<", stays readable.
		`<p>Käytä <code>&lt;div class="x"&gt;</code> tässä</p>`: `Käytä <div class="x"> tässä`,
		`<pre><code>&lt;html&gt;&lt;/html&gt;</code></pre>`:     "<html></html>",
		`&lt;3 rakastan tätä kauppaa`:                           "<3 rakastan tätä kauppaa",
	} {
		if got := HTMLToText(in); got != want {
			t.Errorf("HTMLToText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClip(t *testing.T) {
	if got := Clip("ääää", 6); got != "ä…" {
		t.Errorf("Clip = %q", got)
	}
	if got := Clip("abc", 3); got != "abc" {
		t.Errorf("Clip = %q", got)
	}
	got := Clip(strings.Repeat("ä", 100), 50)
	if len(got) > 50 || !strings.HasSuffix(got, "…") {
		t.Errorf("Clip = %q (%d bytes)", got, len(got))
	}
}

func TestSeenAndIDs(t *testing.T) {
	s := NewSeen([]string{"a", "b"}, 3)
	s.Add("c")
	s.Add("a")
	s.Add("d")
	if s.Has("a") || !s.Has("b") || !s.Has("d") || strings.Join(s.Keys(), "") != "bcd" {
		t.Errorf("seen = %v", s.Keys())
	}
	if !IDLess("99", "100") || IDLess("100", "99") || !IDLess("", "1") || MaxID("109", "0110") != "0110" {
		t.Error("IDLess orders numerically")
	}
}

func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{"<p>a</p>", "<script>", "&amp;&#0;", "<<>>", "\xff<b>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := HTMLToText(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 in %q", out)
		}
		// Invalid bytes become U+FFFD (3 bytes); nothing else grows.
		if len(out) > 3*len(s)+2 {
			t.Fatalf("output grew: %d → %d", len(s), len(out))
		}
		if strings.Contains(out, "\n\n\n") {
			t.Fatalf("more than one blank line in %q", out)
		}
	})
}

func TestLinkURL(t *testing.T) {
	h := http.Header{}
	h.Add("Link", `<https://mastodon.example/api/v1/timelines/tag/tk?max_id=109>; rel="next", <https://mastodon.example/api/v1/timelines/tag/tk?min_id=115>; rel="prev"`)
	base, _ := url.Parse("https://mastodon.example/api/v1/timelines/tag/tk")
	if u := LinkURL(h, base, "prev"); u == nil || u.Query().Get("min_id") != "115" {
		t.Errorf("prev = %v", u)
	}
	if u := LinkURL(h, base, "next"); u == nil || u.Query().Get("max_id") != "109" {
		t.Errorf("next = %v", u)
	}
	if u := LinkURL(h, base, "last"); u != nil {
		t.Errorf("last = %v", u)
	}
	h.Set("Link", `</relative?page=2>; rel=next`)
	if u := LinkURL(h, base, "next"); u == nil || u.String() != "https://mastodon.example/relative?page=2" {
		t.Errorf("relative next = %v", u)
	}
}

func TestWatermark(t *testing.T) {
	var w Watermark
	w.Advance(10, "a")
	w.Advance(10, "b")
	w.Advance(10, "a")
	if w.Since != 10 || len(w.IDs) != 2 || !w.Seen(10, "b") || w.Seen(10, "c") || !w.Seen(9, "z") || w.Seen(11, "a") {
		t.Errorf("watermark %+v", w)
	}
	w.Advance(12, "c")
	if w.Since != 12 || len(w.IDs) != 1 || !w.Seen(10, "new-but-older") {
		t.Errorf("advanced %+v", w)
	}
}

// An error answer's body and headers stay readable for APIs whose error
// object says more than the status (Graph's code, YouTube's reason).
func TestStatusErrorKeepsBodyAndHeader(t *testing.T) {
	long := `{"error": {"message": "` + strings.Repeat("x", 600) + `", "code": 190}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Business-Use-Case-Usage", `{"1":[]}`)
		w.WriteHeader(400)
		io.WriteString(w, long)
	}))
	defer srv.Close()
	var v any
	_, err := testHTTP(t, "127.0.0.1").GetJSON(context.Background(), srv.URL, nil, &v)
	var se *StatusError
	if !errors.As(err, &se) || string(se.Raw) != long || se.Header.Get("X-Business-Use-Case-Usage") != `{"1":[]}` || len(se.Body) > 200 {
		t.Fatalf("%v: raw %d bytes", err, len(se.Raw))
	}
}
