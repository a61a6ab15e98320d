package app_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/app"
	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.StopShared()
	os.Exit(code)
}

var day = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

const token = "test-token-123"

func testConfig(t *testing.T) config.Config {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.HTTP.Token = token
	cfg.Store.FlushInterval = 50 * time.Millisecond
	cfg.Pipeline.Backoff = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}
	cfg.Brands = []config.Brand{{Name: "TietokoneKoijarit", Aliases: []string{"Koijarit"}}, {Name: "Rival"}}
	return cfg
}

// running is an app serving in the background.
type running struct {
	*app.App
	base string
	stop func()
}

func start(t *testing.T, cfg config.Config, s store.Store) *running {
	t.Helper()
	a, err := app.Start(context.Background(), cfg, testLogger(), app.WithStore(s))
	if err != nil {
		t.Fatal(err)
	}
	return run(t, a)
}

// run runs a started app in the background until the test ends.
func run(t *testing.T, a *app.App) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var stopped bool
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
	t.Cleanup(stop)
	return &running{App: a, base: "http://" + a.Addr(), stop: stop}
}

func mentionJSON(i int) string {
	texts := []string{"TietokoneKoijarit: tilasin läppärin, toimitus myöhässä jo viikon 😡",
		"Really happy with the Koijarit laptop, fast delivery!",
		"Rival customer service did not answer at all", "Ei ollut hyvä kokemus, en suosittele"}
	return fmt.Sprintf(`{"source":"test","id":"%d","text":%q,"published_at":%q,"author":{"handle":"@u%d"}}`,
		i, texts[i%len(texts)], day.Add(time.Duration(i)*time.Second).Format(time.RFC3339), i%7)
}

func post(t *testing.T, base, tok, contentType string, body []byte) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/mentions", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("answer %d is not JSON: %s", resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

func ndjson(from, to int) []byte {
	var sb strings.Builder
	for i := from; i < to; i++ {
		sb.WriteString(mentionJSON(i))
		sb.WriteByte('\n')
	}
	return []byte(sb.String())
}

func countAPI(t *testing.T, base string) uint64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/mentions/count?from="+day.Format(time.RFC3339)+"&to="+day.Add(48*time.Hour).Format(time.RFC3339), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ Count uint64 }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v.Count
}

// waitCount polls the count API until it reaches want or the deadline passes.
func waitCount(t *testing.T, base string, want uint64, within time.Duration) uint64 {
	t.Helper()
	deadline := time.Now().Add(within)
	var n uint64
	for time.Now().Before(deadline) {
		if n = countAPI(t, base); n >= want {
			// Hold on a little to see that nothing more (a duplicate) arrives.
			time.Sleep(300 * time.Millisecond)
			return countAPI(t, base)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return n
}

func TestMentionsStoredExactlyOnce(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			cfg := testConfig(t)
			r := start(t, cfg, e.Store)
			const n = 2000
			code, out := post(t, r.base, token, "application/x-ndjson", ndjson(0, n))
			if code != 200 || out["accepted"] != float64(n) {
				t.Fatalf("first post: %d %v", code, out)
			}
			// The same mentions again: within the bus's duplicate window.
			if code, out = post(t, r.base, token, "application/x-ndjson", ndjson(0, n)); code != 200 {
				t.Fatalf("second post: %d %v", code, out)
			}
			if got := waitCount(t, r.base, n, 30*time.Second); got != n {
				t.Fatalf("count = %d, want %d", got, n)
			}
			// And after the bus's duplicate window (simulated by a bus on fresh
			// storage, which remembers no ids): the store must catch them.
			r.stop()
			cfg.DataDir = t.TempDir()
			r2 := start(t, cfg, e.Store)
			if code, out = post(t, r2.base, token, "application/json", ndjson(n/2, n+100)); code != 200 {
				t.Fatalf("third post: %d %v", code, out)
			}
			if got := waitCount(t, r2.base, n+100, 30*time.Second); got != n+100 {
				t.Fatalf("count after re-post = %d, want %d", got, n+100)
			}
			// The rollup's rows are written by the same insert as the raw
			// rows, just after them: a reader may see the raw rows first, so
			// the figures are read until they agree (a row counted twice
			// never would).
			var raw, distinct, rollup uint64
			for end := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
				raw = queryUint(t, e.Store, "SELECT count() AS n FROM "+e.Store.Table("mentions"))
				distinct = queryUint(t, e.Store, "SELECT uniqExact(mention_id, brand) AS n FROM "+e.Store.Table("mentions"))
				rollup = queryUint(t, e.Store, "SELECT sum(mentions) AS n FROM "+e.Store.Table("mentions_5m"))
				if (raw == distinct && rollup == distinct) || time.Now().After(end) {
					break
				}
			}
			if raw != distinct || rollup != distinct {
				t.Fatalf("%d raw rows, %d rolled up, for %d distinct mention×brand pairs: something counted twice", raw, rollup, distinct)
			}
		})
	}
}

// A burst is stored once the bus goes quiet, not after the flush interval.
func TestBurstIsStoredWhenTheBusGoesQuiet(t *testing.T) {
	cfg := testConfig(t)
	cfg.Store.FlushInterval = time.Hour
	r := start(t, cfg, storetest.Embedded(t))
	if code, out := post(t, r.base, token, "application/x-ndjson", ndjson(0, 50)); code != 200 {
		t.Fatalf("post: %d %v", code, out)
	}
	if got := waitCount(t, r.base, 50, 20*time.Second); got != 50 {
		t.Fatalf("count = %d, want 50 long before the hour's flush", got)
	}
}

func TestPoisonMessagesAreDeadLettered(t *testing.T) {
	cfg := testConfig(t)
	r := start(t, cfg, storetest.Embedded(t))
	ctx := context.Background()
	js := r.Bus.JetStream()
	for _, bad := range []string{`{not json`, `{"source":"x","text":"no time"}`, "\xff\xfe"} {
		if _, err := js.Publish(ctx, bus.Subject("poison"), []byte(bad)); err != nil {
			t.Fatal(err)
		}
	}
	if code, out := post(t, r.base, token, "application/json", ndjson(0, 10)); code != 200 {
		t.Fatalf("post: %d %v", code, out)
	}
	if got := waitCount(t, r.base, 10, 20*time.Second); got != 10 {
		t.Fatalf("good mentions behind the poison ones: count %d, want 10", got)
	}
	dl, err := r.Bus.DeadLetters(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dl) != 3 {
		t.Fatalf("%d dead letters, want 3: %+v", len(dl), dl)
	}
	kinds := map[string]int{}
	for _, d := range dl {
		if d.OriginalSubject != "ewom.mention.raw.poison" {
			t.Errorf("dead letter without its origin: %+v", d)
		}
		kind, _, _ := strings.Cut(d.Reason, ":")
		kinds[kind]++
	}
	// Broken JSON and invalid UTF-8 are unparseable; a missing time is invalid.
	if kinds["unparseable"] != 2 || kinds["invalid"] != 1 {
		t.Errorf("reasons by kind = %v, want 2 unparseable and 1 invalid", kinds)
	}
}

// serverStore opens database db on the ClickHouse server srv, migrated;
// it is closed when the test ends.
func serverStore(t *testing.T, srv *storetest.Server, db string) store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.OpenServer(ctx, srv.DSN(db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStoreOutageLosesNothing(t *testing.T) {
	srv := storetest.RunServer(t)
	s := serverStore(t, srv, "outage")
	cfg := testConfig(t)
	r := start(t, cfg, s)
	if code, out := post(t, r.base, token, "application/json", ndjson(0, 300)); code != 200 {
		t.Fatalf("post: %d %v", code, out)
	}
	if got := waitCount(t, r.base, 300, 20*time.Second); got != 300 {
		t.Fatalf("before outage: %d", got)
	}
	srv.Stop()
	// Ingest keeps accepting while the store is down: the bus holds the backlog.
	if code, out := post(t, r.base, token, "application/json", ndjson(300, 1300)); code != 200 {
		t.Fatalf("post during outage: %d %v", code, out)
	}
	time.Sleep(1500 * time.Millisecond) // several failed flushes and redeliveries
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if got := waitCount(t, r.base, 1300, 60*time.Second); got != 1300 {
		t.Fatalf("after outage: count %d, want 1300", got)
	}
}

func TestIngestRejectsBadInputClearly(t *testing.T) {
	cfg := testConfig(t)
	cfg.HTTP.MaxBodyBytes = 64 << 10
	r := start(t, cfg, storetest.Embedded(t))
	cases := []struct {
		name, body, tok string
		code            int
		wantErr         string
		accepted        float64
	}{
		{"wrong token", mentionJSON(1), "nope", 401, "bearer token", 0},
		{"invalid JSON array", `[{"source":`, token, 400, "not a valid JSON array", 0},
		{"empty", ``, token, 400, "empty body", 0},
		{"missing fields", `{"source":"x"}`, token, 422, "no valid mentions", 0},
		{"oversize", `[` + strings.Repeat(mentionJSON(1)+",", 1000) + mentionJSON(2) + `]`, token, 413, "larger than", 0},
		{"invalid UTF-8 item among good", mentionJSON(1) + "\n" + `{"source":"x","text":"bad \xff","published_at":"2026-11-20T00:00:00Z"}` + "\n" + mentionJSON(2), token, 200, "", 2},
		{"bad line among good", mentionJSON(3) + "\n{oops\n" + mentionJSON(4), token, 200, "", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out := post(t, r.base, c.tok, "application/json", []byte(c.body))
			if code != c.code {
				t.Fatalf("status %d, want %d: %v", code, c.code, out)
			}
			if c.wantErr != "" && !strings.Contains(fmt.Sprint(out["error"]), c.wantErr) {
				t.Fatalf("error %q does not say %q", out["error"], c.wantErr)
			}
			if c.code == 200 {
				rej := out["rejected"].([]any)
				if out["accepted"] != c.accepted || len(rej) != 1 {
					t.Fatalf("accepted %v, rejected %v", out["accepted"], rej)
				}
				first := rej[0].(map[string]any)
				if first["index"] != float64(1) || first["line"] != float64(2) || first["error"] == "" {
					t.Fatalf("rejection should name item 1 on line 2 and why: %v", first)
				}
			}
		})
	}
}

// testLogger logs to stderr when EWOM_TEST_LOG is set, else discards.
func testLogger() *slog.Logger {
	if os.Getenv("EWOM_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func queryUint(t *testing.T, s store.Store, q string) uint64 {
	t.Helper()
	rows, err := s.Query(context.Background(), q)
	if err != nil || len(rows) != 1 {
		t.Fatalf("%s: %v", q, err)
	}
	var v struct{ N uint64 }
	if err := json.Unmarshal(rows[0], &v); err != nil {
		t.Fatal(err)
	}
	return v.N
}

func TestPseudonymisedAuthorsNeverReachTheStore(t *testing.T) {
	t.Setenv("EWOM_PSEUDONYM_KEY", "a-test-key-of-enough-length")
	cfg := testConfig(t)
	cfg.Privacy.PseudonymizeAuthors = true
	s := storetest.Embedded(t)
	r := start(t, cfg, s)
	body := `{"source":"test","id":"p1","text":"Koijarit ok","published_at":"2026-11-20T10:00:00Z",` +
		`"author":{"handle":"@moona@mastodon.social","name":"Moona Meikäläinen","url":"https://mastodon.social/@moona"}}`
	if code, out := post(t, r.base, token, "application/json", []byte(body)); code != 200 {
		t.Fatalf("post: %d %v", code, out)
	}
	if got := waitCount(t, r.base, 1, 20*time.Second); got != 1 {
		t.Fatalf("count %d", got)
	}
	rows, err := s.Query(context.Background(), "SELECT author_handle, author_name, author_url, raw FROM "+s.Table("mentions"))
	if err != nil || len(rows) != 1 {
		t.Fatalf("%v %v", rows, err)
	}
	stored := string(rows[0])
	for _, secret := range []string{"moona", "Moona", "Meikäläinen"} {
		if strings.Contains(stored, secret) {
			t.Fatalf("stored row still identifies the author (%q): %s", secret, stored)
		}
	}
	if !strings.Contains(stored, `"author_handle":"anon:`) {
		t.Fatalf("no pseudonym stored: %s", stored)
	}
}

func TestSignedWebhookIngests(t *testing.T) {
	t.Setenv("EWOM_TEST_HOOK_SECRET", "webhook-secret-0123456789")
	cfg := testConfig(t)
	cfg.HTTP.Webhooks = []config.Webhook{{Name: "zendesk-export", SecretEnv: "EWOM_TEST_HOOK_SECRET", Scheme: "ewom"}}
	r := start(t, cfg, storetest.Embedded(t))
	body := []byte(mentionJSON(42))
	send := func(sig string, ts int64) int {
		req, _ := http.NewRequest(http.MethodPost, r.base+"/api/v1/webhooks/zendesk-export", bytes.NewReader(body))
		req.Header.Set("X-Ewom-Timestamp", fmt.Sprint(ts))
		req.Header.Set("X-Ewom-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	ts := time.Now().Unix()
	mac := hmac.New(sha256.New, []byte("webhook-secret-0123456789"))
	fmt.Fprintf(mac, "%d.%s", ts, body)
	good := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if code := send("sha256=00", ts); code != 401 {
		t.Fatalf("bad signature: %d, want 401", code)
	}
	if code := send(good, ts); code != 200 {
		t.Fatalf("good signature: %d, want 200", code)
	}
	if code := send(good, ts); code != 401 {
		t.Fatalf("replayed signature: %d, want 401", code)
	}
	if got := waitCount(t, r.base, 1, 20*time.Second); got != 1 {
		t.Fatalf("count %d, want the 1 signed mention", got)
	}
}

// TestRolesSplitAcrossProcessesOverExternalNATS runs ingest and
// classification as two apps: the API app's embedded NATS server listens on
// a port and the classifier app connects to it as an external server.
func TestRolesSplitAcrossProcessesOverExternalNATS(t *testing.T) {
	s := storetest.Embedded(t)

	apiCfg := testConfig(t)
	apiCfg.Roles = []string{"api"}
	apiCfg.NATS.Listen = "127.0.0.1:0" // the server picks the port: none to lose to another process
	apiNode := start(t, apiCfg, s)

	clsCfg := testConfig(t)
	clsCfg.Roles = []string{"classify"}
	clsCfg.NATS.URL = "nats://" + apiNode.Bus.ListenAddr()
	start(t, clsCfg, s)

	if code, out := post(t, apiNode.base, token, "application/json", ndjson(0, 500)); code != 200 {
		t.Fatalf("post: %d %v", code, out)
	}
	if got := waitCount(t, apiNode.base, 500, 30*time.Second); got != 500 {
		t.Fatalf("count %d, want 500 classified by the other app", got)
	}
	resp, err := http.Get(apiNode.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "ewom_bus_consumer_pending_messages 0") {
		t.Fatalf("metrics should report the drained consumer lag:\n%s", grep(string(b), "ewom_bus_consumer"))
	}
}

func grep(s, sub string) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TestCollectedFeedFlowsThroughThePipelineOnce runs serve with an RSS source
// on a local server: its entries are stored, and a restart (new process, same
// data) stores nothing twice.
func TestCollectedFeedFlowsThroughThePipelineOnce(t *testing.T) {
	feed := `<?xml version="1.0"?><rss version="2.0"><channel><title>Blogi</title><link>https://blogi.example.fi/</link>` +
		`<item><title>Koijarit: toimitus myöhässä</title><link>https://blogi.example.fi/1</link><guid>1</guid><pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate><description>Tilasin läppärin, ei vielä tullut.</description></item>` +
		`<item><title>Koijarit kiitos</title><link>https://blogi.example.fi/2</link><guid>2</guid><pubDate>Fri, 20 Nov 2026 09:00:00 GMT</pubDate><description>Hyvä palvelu!</description></item>` +
		`</channel></rss>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, feed)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "ewom.yaml")
	yaml := fmt.Sprintf("sources:\n  - {type: rss, name: blogi, url: %q, interval: 1h, allow_networks: [127.0.0.1/32]}\n", srv.URL+"/feed.xml")
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	loaded, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	s := storetest.Embedded(t)
	for range 2 {
		cfg := testConfig(t)
		cfg.DataDir = dir // same bus storage (cursors) across the restart
		cfg.Sources = loaded.Sources
		r := start(t, cfg, s)
		if got := waitCount(t, r.base, 2, 20*time.Second); got != 2 {
			t.Fatalf("count %d, want the feed's 2 entries", got)
		}
		r.stop()
	}
}

func TestGeneratedTokenGuardsTheAPI(t *testing.T) {
	cfg := testConfig(t)
	cfg.HTTP.Token = ""
	r := start(t, cfg, storetest.Embedded(t))
	tok, err := os.ReadFile(filepath.Join(cfg.DataDir, "api-token"))
	if err != nil || len(tok) < 32 {
		t.Fatalf("generated token: %q, %v", tok, err)
	}
	if code, _ := post(t, r.base, "", "application/json", []byte(mentionJSON(1))); code != 401 {
		t.Fatalf("no token: %d, want 401", code)
	}
	if code, out := post(t, r.base, string(tok), "application/json", []byte(mentionJSON(1))); code != 200 {
		t.Fatalf("generated token: %d %v", code, out)
	}
}

// TestServeMountsDashboardsAndAlerts checks what `ewom serve` exposes beside
// ingest: the UI (behind sign-in, with a strict CSP), the dashboard API and
// the alerts API, on data that went through the pipeline.
func TestServeMountsDashboardsAndAlerts(t *testing.T) {
	cfg := testConfig(t)
	r := start(t, cfg, storetest.Embedded(t))
	if code, out := post(t, r.base, token, "application/json", ndjson(0, 40)); code != 200 {
		t.Fatalf("post: %d %v", code, out)
	}
	waitCount(t, r.base, 40, 20*time.Second)

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(r.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("GET / without a session: %d → %q, want a redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = http.Get(r.base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); resp.StatusCode != 200 || !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("login page: %d, CSP %q", resp.StatusCode, csp)
	}
	get := func(path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, r.base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	window := "from=" + day.Format(time.RFC3339) + "&to=" + day.Add(48*time.Hour).Format(time.RFC3339)
	if code, body := get("/api/v1/summary?" + window); code != 200 || !strings.Contains(body, "40") {
		t.Fatalf("summary: %d %s", code, body)
	}
	if code, body := get("/api/v1/alerts?state=all"); code != 200 || !strings.Contains(body, "alerts") {
		t.Fatalf("alerts: %d %s", code, body)
	}
}

// A running service with the embedded defaults erases an author (and
// exports one) over its API: the CLI cannot open the engine meanwhile.
func TestForgetAndExportOverTheAPI(t *testing.T) {
	s := storetest.Embedded(t)
	r := start(t, testConfig(t), s)
	const n = 70 // ten mentions by each of @u0 … @u6
	if code, out := post(t, r.base, token, "application/x-ndjson", ndjson(0, n)); code != 200 {
		t.Fatalf("post: %d %v", code, out)
	}
	if got := waitCount(t, r.base, n, 20*time.Second); got != n {
		t.Fatalf("count %d, want %d", got, n)
	}
	call := func(path, tok, body string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodPost, r.base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if code, _ := call("/api/v1/authors/forget", "wrong", `{"author":"@u1"}`); code != http.StatusUnauthorized {
		t.Errorf("forget with a wrong token: %d", code)
	}
	if code, b := call("/api/v1/authors/forget", token, `{"who":"@u1"}`); code != http.StatusBadRequest || !strings.Contains(string(b), "author") {
		t.Errorf("forget without an author: %d %s", code, b)
	}
	code, b := call("/api/v1/authors/export", token, `{"author":"@u2"}`)
	var exp struct{ Mentions []json.RawMessage }
	if code != http.StatusOK || json.Unmarshal(b, &exp) != nil || len(exp.Mentions) != 10 {
		t.Fatalf("export @u2: %d, %d mention rows: %.200s", code, len(exp.Mentions), b)
	}
	code, b = call("/api/v1/authors/forget", token, `{"author":"@u1"}`)
	var rep struct {
		Author   string
		Mentions int
	}
	if code != http.StatusOK || json.Unmarshal(b, &rep) != nil || rep.Author != "@u1" || rep.Mentions != 10 {
		t.Fatalf("forget @u1: %d %s", code, b)
	}
	if left := queryUint(t, s, "SELECT count() AS n FROM "+s.Table("mentions")+" WHERE author_handle = '@u1'"); left != 0 {
		t.Errorf("%d rows of @u1 left", left)
	}
	if got := countAPI(t, r.base); got != n-10 {
		t.Errorf("count after erasure %d, want %d (only @u1's mentions gone)", got, n-10)
	}
}
