package alert_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/alert"
	"github.com/ewom/ewom/internal/alert/synth"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/proctest"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
	"github.com/ewom/ewom/internal/terms"
)

var (
	histFrom   = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	spikeStart = histFrom.Add(22*24*time.Hour + 14*time.Hour)
)

// seedStore writes three weeks of a brand's mentions and a delivery
// complaint wave starting at spikeStart.
func seedStore(t *testing.T, st store.Store) {
	t.Helper()
	var rows []store.Row
	n := 0
	ext, err := terms.New([]config.Brand{{Name: "Koijarit"}})
	if err != nil {
		t.Fatal(err)
	}
	ann, err := terms.NewAnnotator(ext, nil)
	if err != nil {
		t.Fatal(err)
	}
	add := func(r alert.RollupRow, text string) {
		n++
		rows = append(rows, store.Row{MentionID: fmt.Sprintf("m%d", n), Brand: r.Brand, Source: r.Source, SourceID: fmt.Sprint(n),
			URL: fmt.Sprintf("https://example.org/%s/%d", r.Source, n), Text: text, AuthorHandle: fmt.Sprintf("@user%d", n%97),
			PublishedAt: r.Bucket.Add(time.Duration(n%300) * time.Second), IngestedAt: r.Bucket, Lang: "fi",
			Sentiment: r.Sentiment, Touchpoint: r.Touchpoint, JourneyStage: r.JourneyStage, Brands: []string{r.Brand},
			Likes: uint64(n % 7)})
		ann.Annotate(&mention.Mention{Text: text}, rows[len(rows)-1].MentionID, rows[len(rows)-1:])
	}
	synth.Generate(synth.Config{From: histFrom, To: spikeStart.Add(30 * time.Minute), Seed: 3,
		Brands: []synth.Brand{{Name: "Koijarit", PerDay: 300, NegShare: 0.2}}}, func(r alert.RollupRow) {
		add(r, "Koijarit kannettava ok, hinta "+r.Sentiment)
	})
	for b := spikeStart; b.Before(spikeStart.Add(30 * time.Minute)); b = b.Add(alert.Bucket) {
		for i := range 8 {
			add(alert.RollupRow{Bucket: b, Brand: "Koijarit", Source: []string{"mastodon", "reddit"}[i%2], Touchpoint: "earned",
				JourneyStage: "delivery", Sentiment: "negative"}, "Koijarit toimitus myöhässä, asiakaspalvelu ei vastaa #toimitus")
		}
	}
	for i := 0; i < len(rows); i += 5000 {
		if err := st.Insert(context.Background(), rows[i:min(len(rows), i+5000)]); err != nil {
			t.Fatal(err)
		}
	}
}

type hookRecorder struct {
	mu     sync.Mutex
	bodies []alert.WebhookPayload
	fail   int // fail this many requests first
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fail > 0 {
		h.fail--
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write([]byte(r.Header.Get("X-Ewom-Timestamp") + "." + string(body)))
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); r.Header.Get("X-Ewom-Signature") != want {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p alert.WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.bodies = append(h.bodies, p)
}

func (h *hookRecorder) events(typ string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, b := range h.bodies {
		if b.Event == typ {
			n++
		}
	}
	return n
}

func (h *hookRecorder) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.bodies)
}

// hooked returns the default alerting config with a signed webhook to a
// recorder that fails its first fail requests.
func hooked(t *testing.T, fail int) (*hookRecorder, config.Alerts) {
	t.Helper()
	t.Setenv("HOOK_SECRET", "s3cret")
	hook := &hookRecorder{fail: fail}
	srv := httptest.NewServer(hook)
	t.Cleanup(srv.Close)
	cfg := config.Default().Alerts
	cfg.Notify = []config.Notifier{{Type: "webhook", URL: srv.URL, SecretEnv: "HOOK_SECRET", AllowNetworks: loopback}}
	return hook, cfg
}

func TestServiceLifecycle(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			seedStore(t, e.Store)
			hook, cfg := hooked(t, 1)
			log := proctest.NewLog()
			newService := func() *alert.Service {
				s, err := alert.New(alert.Deps{Store: e.Store, Config: cfg, Brands: []config.Brand{{Name: "Koijarit"}},
					Logger: log.Logger})
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			s := newService()
			var fired *alert.Alert
			evaluations := 0
			for at := spikeStart.Add(-10 * time.Minute); at.Before(spikeStart.Add(30*time.Minute)) && fired == nil; at = at.Add(alert.Bucket) {
				evs, err := s.Evaluate(ctx, at)
				if err != nil {
					t.Fatalf("evaluate %s: %v", at, err)
				}
				evaluations++
				for _, ev := range evs {
					if ev.Type == alert.EventFiring {
						fired = &ev.Alert
					}
				}
			}
			if fired == nil {
				t.Fatal("no alert for the delivery complaint wave")
			}
			// One line an evaluation; the last one's alert is firing.
			lines := regexp.MustCompile(`(?m)^.*msg="alert evaluation" at=\S+ brands=1 windows="\[[^]]+\]" duration=\S+ firing=(\d) events=(\d)$`).
				FindAllStringSubmatch(log.String(), -1)
			if len(lines) != evaluations || lines[0][1] != "0" || lines[len(lines)-1][1] != "1" || lines[len(lines)-1][2] != "1" {
				t.Errorf("%d evaluations logged %d lines:\n%s", evaluations, len(lines), log)
			}
			if d := fired.FiredAt.Sub(spikeStart); d > 15*time.Minute {
				t.Errorf("fired %s after the wave began", d)
			}
			x := fired.Explanation
			if x == nil {
				t.Fatal("alert has no explanation")
			}
			if x.JourneyStage != "delivery" || len(x.Mentions) < 3 || len(x.Mentions) > 5 || !strings.HasPrefix(x.Mentions[0].URL, "https://example.org/") ||
				x.Mentions[0].Lang != "fi" {
				t.Errorf("explanation stage %q, %d mentions %+v", x.JourneyStage, len(x.Mentions), x.Mentions)
			}
			// The complaint's phrases grew; the everyday words did not.
			// Words inside them, as frequent there, are left out.
			grown := map[string]bool{}
			for _, nc := range append(x.Phrases, x.TopTerms...) {
				grown[nc.Name] = true
			}
			if !grown["toimitus myöhässä"] || !grown["asiakaspalvelu ei vastaa"] || grown["ei vastaa"] || grown["toimitus"] ||
				grown["hinta"] || grown["koijarit"] {
				t.Errorf("phrases %v, terms %v: want the complaint's phrases", x.Phrases, x.TopTerms)
			}
			// Its posts are copies of one text: the largest story.
			if len(x.Stories) == 0 || len(x.Phrases) == 0 || x.Stories[0].Size != x.Phrases[0].Count || !strings.HasPrefix(x.Stories[0].Text, "Koijarit toimitus myöhässä") {
				t.Errorf("stories %+v: want the complaint's copies first (phrases %v)", x.Stories, x.Phrases)
			}
			if len(x.TopSources) == 0 || fired.Observed <= fired.Expected || fired.PValue >= 1e-5 || fired.Window == "" {
				t.Errorf("alert numbers: %+v", fired)
			}
			// The first delivery failed with 503 and was retried.
			if hook.count() != 1 || hook.bodies[0].Event != "firing" || hook.bodies[0].Alert.Explanation == nil {
				t.Fatalf("webhook got %d deliveries", hook.count())
			}
			// A restarted service keeps the alert and does not re-send it.
			s2 := newService()
			if _, err := s2.Evaluate(ctx, fired.FiredAt.Add(alert.Bucket)); err != nil {
				t.Fatal(err)
			}
			if n := hook.events("firing"); n != 1 {
				t.Errorf("restart re-sent the alert: %d firing deliveries", n)
			}
			// The API lists it as firing.
			api := httptest.NewServer(mux(s2))
			defer api.Close()
			var list struct{ Alerts []alert.Alert }
			getJSON(t, api.URL+"/api/v1/alerts", &list)
			if len(list.Alerts) != 1 || list.Alerts[0].ID != fired.ID || list.Alerts[0].State != "firing" || list.Alerts[0].Explanation == nil {
				t.Fatalf("GET /api/v1/alerts = %+v", list.Alerts)
			}
			// After the wave it resolves, once, and history shows it.
			resolved := false
			for at := spikeStart.Add(35 * time.Minute); at.Before(spikeStart.Add(3*time.Hour)) && !resolved; at = at.Add(alert.Bucket) {
				evs, err := s2.Evaluate(ctx, at)
				if err != nil {
					t.Fatal(err)
				}
				for _, ev := range evs {
					resolved = resolved || ev.Type == alert.EventResolved
				}
			}
			if !resolved || hook.events("firing") != 1 || hook.events("resolved") != 1 {
				t.Fatalf("resolved %v, deliveries %+v", resolved, hook.bodies)
			}
			getJSON(t, api.URL+"/api/v1/alerts?state=resolved&limit=1", &list)
			if len(list.Alerts) != 1 || list.Alerts[0].ResolvedAt == nil {
				t.Errorf("history = %+v", list.Alerts)
			}
			getJSON(t, api.URL+"/api/v1/alerts", &list)
			if len(list.Alerts) != 0 {
				t.Errorf("still firing: %+v", list.Alerts)
			}
			// The backtest over the stored rollup finds the same wave.
			cfgNS := cfg.NegativeSpike
			series, err := alert.LoadSeries(ctx, e.Store, nil, cfgNS.Segments, histFrom, spikeStart.Add(3*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			var bt []alert.Event
			alert.Backtest(alert.NewDetector(cfgNS), alert.NewEngine(cfgNS), series, spikeStart.Add(-2*time.Hour), spikeStart.Add(3*time.Hour),
				cfgNS.Interval, func(ev alert.Event) {
					if ev.Type != alert.EventEscalated {
						bt = append(bt, ev)
					}
				})
			if len(bt) != 2 || bt[0].Alert.FiredAt != fired.FiredAt || bt[1].Type != alert.EventResolved {
				t.Errorf("backtest events %+v", bt)
			}
		})
	}
}

func mux(s *alert.Service) http.Handler {
	m := http.NewServeMux()
	s.Register(m, func(h http.HandlerFunc) http.HandlerFunc { return h })
	return m
}

func getJSON(t testing.TB, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// TestSaveManyAlerts: a cycle's changes are saved however many there are —
// here 1,000 alerts with full explanations, several times the engines'
// query size limit in one call — and read back whole, on both engines.
func TestSaveManyAlerts(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			at := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
			var alerts []alert.Alert
			for i := range 1000 {
				x := &alert.Explanation{Summary: fmt.Sprintf("alert %d", i), TopTerms: []alert.NameCount{{Name: "toimitus", Count: 3}}}
				for j := range 5 {
					x.Mentions = append(x.Mentions, alert.Sample{ID: fmt.Sprintf("m%d-%d", i, j), Source: "rss",
						Text: strings.Repeat("myöhässä ", 31)})
				}
				fired := at.Add(time.Duration(i) * time.Minute)
				alerts = append(alerts, alert.Alert{ID: fmt.Sprintf("a%04d", i), Kind: alert.KindNegativeSpike, Brand: "Koijarit",
					SegmentKind: "all", State: alert.StateFiring, Severity: "major", StartedAt: fired, FiredAt: fired, UpdatedAt: fired,
					Window: "15m0s", Explanation: x})
			}
			repo := alert.NewRepo(e.Store)
			if err := repo.Save(ctx, alerts...); err != nil {
				t.Fatal(err)
			}
			got, err := repo.List(ctx, alert.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(alerts) {
				t.Fatalf("%d alerts read back, want %d", len(got), len(alerts))
			}
			summaries := map[string]string{}
			for _, a := range alerts {
				summaries[a.ID] = a.Explanation.Summary
			}
			for _, a := range got {
				if a.Explanation == nil || len(a.Explanation.Mentions) != 5 || a.Explanation.Summary != summaries[a.ID] {
					t.Fatalf("alert %s read back as %+v", a.ID, a.Explanation)
				}
			}
		})
	}
}
