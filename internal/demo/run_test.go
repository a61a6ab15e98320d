package demo

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/alert"
	"github.com/ewom/ewom/internal/app"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.StopShared()
	os.Exit(code)
}

func queryOne[T any](t *testing.T, s store.Store, q string) T {
	t.Helper()
	rows, err := s.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var v T
	if len(rows) != 1 {
		t.Fatalf("%s: %d rows", q, len(rows))
	}
	if err := json.Unmarshal(rows[0], &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDemoHeadless runs the README's demo path on the embedded defaults:
// the service starts, the week goes through the ingest API, bus and
// classifier into the store, the journey has multi-touch authors and the
// spike detector fires on the crisis.
func TestDemoHeadless(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Store.FlushInterval = 50 * time.Millisecond
	s := storetest.Embedded(t)
	ctx := context.Background()
	// The week is drawn hour by hour from the seed, so its posts depend on
	// the time of day it ends at: the test ends it at the last 12:00 UTC
	// (which posts lead the crisis otherwise changes with the clock CI runs
	// at; `ewom demo` ends it now).
	end := time.Now().UTC().Add(-12 * time.Hour).Truncate(24 * time.Hour).Add(12 * time.Hour)
	d, err := Start(ctx, Options{Config: cfg, Seed: 1, End: end, AppOptions: []app.Option{app.WithStore(s)}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := d.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	sc := d.Scenario
	t.Logf("%d mentions stored in %s; crisis %s, surge %s, end %s", len(sc.Items), d.Took, sc.CrisisStart.Format("Mon 15:04"), sc.SurgeStart.Format("Mon 15:04"), sc.End.Format("Mon 15:04"))
	if d.Sent.Accepted != len(sc.Items) {
		t.Fatalf("accepted %d of %d", d.Sent.Accepted, len(sc.Items))
	}
	mentions := s.Table("mentions")

	stored := queryOne[struct{ N uint64 }](t, s, "SELECT uniqExact(mention_id) AS n FROM "+mentions)
	if stored.N != uint64(len(sc.Items)) {
		t.Errorf("stored %d distinct mentions, sent %d", stored.N, len(sc.Items))
	}
	// Multi-touch authors: several posts at different journey stages.
	multi := queryOne[struct{ N uint64 }](t, s, "SELECT count() AS n FROM (SELECT author_handle FROM "+mentions+
		" WHERE author_handle != '' AND journey_stage != 'none' GROUP BY author_handle HAVING uniqExact(journey_stage) >= 3)")
	if multi.N < 15 {
		t.Errorf("%d authors with three or more journey stages, want at least 15", multi.N)
	}
	touch := queryOne[struct{ N uint64 }](t, s, "SELECT uniqExact(touchpoint) AS n FROM "+mentions)
	if touch.N != 4 {
		t.Errorf("%d touchpoints stored, want 4", touch.N)
	}
	// The spike: negative mentions of the retailer in the last hour against
	// the hourly average before the crisis.
	neg := func(from, to time.Time) float64 {
		v := queryOne[struct{ N float64 }](t, s, "SELECT toFloat64(uniqExact(mention_id)) AS n FROM "+mentions+
			" WHERE brand = "+store.Quote(Retailer)+" AND sentiment = 'negative' AND published_at >= "+store.Time(from)+" AND published_at < "+store.Time(to))
		return v.N / to.Sub(from).Hours()
	}
	before, peak := neg(sc.Start, sc.CrisisStart), neg(sc.End.Add(-time.Hour), sc.End.Add(time.Second))
	t.Logf("negative %s mentions an hour: %.2f before the crisis, %.1f in the last hour", Retailer, before, peak)
	if peak < 10*before || peak < 15 {
		t.Errorf("no negative spike: %.2f/h before, %.1f/h at the end", before, peak)
	}

	// What a user of the running service sees: the alert that the service's
	// own evaluator raised, and multi-touch authors in the journey view.
	var alerts struct {
		Alerts []struct {
			Brand       string             `json:"brand"`
			SegmentKind string             `json:"segment_kind"`
			State       string             `json:"state"`
			Explanation *alert.Explanation `json:"explanation"`
		} `json:"alerts"`
	}
	getJSON(t, d, "/api/v1/alerts?state=firing&brand="+url.QueryEscape(Retailer), &alerts)
	var crisis *alert.Explanation
	for _, a := range alerts.Alerts {
		if a.Brand == Retailer && a.SegmentKind == alert.KindAll {
			crisis = a.Explanation
		}
	}
	if crisis == nil {
		t.Fatalf("the running service shows no firing brand-wide alert for %s with an explanation: %+v", Retailer, alerts)
	}
	// The alert explains itself with what the crisis is about: phrases of
	// delivery and customer service, not function words or inflected forms.
	t.Logf("crisis alert: %s; stories %+v", crisis.Summary, crisis.Stories)
	about := func(words ...string) bool {
		return slices.ContainsFunc(crisis.Phrases, func(nc alert.NameCount) bool {
			return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(nc.Name, w) })
		})
	}
	// The phrases are about delivery or customer service, and each of the
	// two shows in a phrase or in the alert's journey stages.
	stage := func(name string) bool {
		return slices.ContainsFunc(crisis.Stages, func(nc alert.NameCount) bool { return nc.Name == name })
	}
	aboutDelivery := about("toimitu", "myöhässä", "late", "deliver", "paketti", "seuranta", "piti tulla")
	// Refunds and returns are after-sales service (docs/classifier.md).
	aboutService := about("asiakaspalvelu", "customer service", "support", "tuki", "rahat takaisin", "refund", "hyvity", "palautu")
	if !(aboutDelivery || aboutService) || !(aboutDelivery || stage("delivery")) || !(aboutService || stage("service")) {
		t.Errorf("crisis alert phrases %v, stages %v: want delivery and customer service", crisis.Phrases, crisis.Stages)
	}
	for _, nc := range append(crisis.Phrases, crisis.TopTerms...) {
		if slices.Contains([]string{"kannata", "viimeinen", "kukaan", "tilaan", "vastaa", "kerta", "ei", "on", "ja", "jo", "mun", "tietokonekoijarit"}, nc.Name) {
			t.Errorf("crisis alert term %q is a function word or the brand (%v, %v)", nc.Name, crisis.Phrases, crisis.TopTerms)
		}
	}
	if !strings.Contains(crisis.Summary, "phrases: ") || len(crisis.Stories) == 0 {
		t.Errorf("crisis alert: summary %q, %d stories", crisis.Summary, len(crisis.Stories))
	}
	// The Topics view of the crisis shows it as emerging.
	var topics struct {
		Emerging []struct {
			Term string `json:"term"`
			Form string `json:"form"`
		} `json:"emerging"`
	}
	crisisSpan := url.Values{"brand": {Retailer}, "from": {sc.CrisisStart.UTC().Format(time.RFC3339)},
		"to": {sc.End.Add(time.Minute).UTC().Format(time.RFC3339)}}
	getJSON(t, d, "/api/v1/topics?"+crisisSpan.Encode(), &topics)
	var emerging []string
	for _, e := range topics.Emerging {
		emerging = append(emerging, e.Term)
	}
	delivery := func(e string) bool {
		return slices.ContainsFunc([]string{"myöhässä", "toimitu", "late", "deliver", "paketti"}, func(w string) bool { return strings.Contains(e, w) })
	}
	if !slices.ContainsFunc(emerging, delivery) {
		t.Errorf("emerging on the Topics view: %v; want the late deliveries", emerging)
	}
	var journey struct {
		Authors []struct {
			Mentions int64 `json:"mentions"`
		} `json:"authors"`
	}
	window := url.Values{"from": {sc.Start.UTC().Format(time.RFC3339)}, "to": {sc.End.Add(time.Minute).UTC().Format(time.RFC3339)}}
	getJSON(t, d, "/api/v1/journey/authors?"+window.Encode(), &journey)
	multiTouch := 0
	for _, a := range journey.Authors {
		if a.Mentions >= 3 {
			multiTouch++
		}
	}
	if multiTouch < 15 {
		t.Fatalf("journey view lists %d authors with 3+ touchpoints, want at least 15", multiTouch)
	}

	// Then (after reading the service's own alerts: this loop writes to the
	// same alerts table) the detector, evaluated every 5 minutes over the
	// last day as the running service would, fires for the retailer during the surge and
	// not before the crisis began.
	svc, err := alert.New(alert.Deps{Store: s, Config: cfg.Alerts, Brands: Brands(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var brandWide *alert.Alert
	for at := sc.End.Add(-24 * time.Hour).Truncate(alert.Bucket); !at.After(sc.End.Add(alert.Bucket)); at = at.Add(alert.Bucket) {
		events, err := svc.Evaluate(ctx, at)
		if err != nil {
			t.Fatalf("evaluate at %s: %v", at, err)
		}
		for _, e := range events {
			a := e.Alert
			t.Logf("%s %s: %s %s %s=%s window %s observed %.0f expected %.1f", at.Format("Mon 15:04"), e.Type, a.Brand, a.Severity, a.SegmentKind, a.SegmentValue, a.Window, a.Observed, a.Expected)
			if e.Type == alert.EventFiring && at.Before(sc.CrisisStart) {
				t.Errorf("alert fired at %s, before the crisis began at %s", at, sc.CrisisStart)
			}
			if e.Type == alert.EventFiring && a.Brand == Retailer && a.SegmentKind == alert.KindAll && brandWide == nil {
				brandWide = &a
			}
		}
	}
	if brandWide == nil {
		t.Fatal("the spike detector did not fire for the retailer as a whole on the delivery crisis")
	}

	// Live mode reports each send's own rejections, not an earlier one.
	if err := d.send(ctx, []Item{{Mention: mention.Mention{Source: "demo"}}}); err == nil {
		t.Error("a mention without text and time was not reported as rejected")
	}
	good := sc.Items[len(sc.Items)-1]
	good.Mention.ID += "-live"
	if err := d.send(ctx, []Item{good}); err != nil {
		t.Errorf("a good send after a rejected one: %v", err)
	}
}

// getJSON reads an API endpoint of the running demo with its token.
func getJSON(t *testing.T, d *Demo, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, d.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+d.App.Config.HTTP.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}
