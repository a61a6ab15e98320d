package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ewom/ewom/internal/alert"
	"github.com/ewom/ewom/internal/api"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// crisisAlerts stores a firing critical alert of the own brand inside the
// seeded week, with examples, sources, stages and phrases; a firing alert
// of the competitor (no banner for it); and a resolved one.
func crisisAlerts(t testing.TB, s store.Store) alert.Alert {
	t.Helper()
	fired := weekStart.Add(5*24*time.Hour + 10*time.Hour)
	x := &alert.Explanation{Summary: "TietokoneKoijarit: 16 negative mentions in 1h0m0s", From: fired.Add(-time.Hour), To: fired,
		TopTerms:   []alert.NameCount{{Name: "toimitus", Count: 9}},
		Phrases:    []alert.NameCount{{Name: "toimitus myöhässä", Count: 9}, {Name: xssCorpus[1], Count: 2}},
		TopSources: []alert.NameCount{{Name: "mastodon", Count: 10}, {Name: "reddit", Count: 6}},
		Stages:     []alert.NameCount{{Name: "delivery", Count: 12}, {Name: "service", Count: 4}}, JourneyStage: "delivery",
		Mentions: []alert.Sample{{ID: "m0", Source: "mastodon", URL: "https://social.example/@u0/0", Author: "@u0", PublishedAt: fired.Add(-30 * time.Minute),
			Text: "TietokoneKoijarit: tilasin läppärin, toimitus myöhässä jo viikon", Lang: "fi"}, {ID: "xss0", Source: "rss", URL: xssCorpus[5],
			PublishedAt: fired.Add(-20 * time.Minute), Text: xssCorpus[0], Lang: "en"}}}
	own := alert.Alert{ID: "own-1", Fingerprint: "own", Kind: alert.KindNegativeSpike, Brand: "TietokoneKoijarit", SegmentKind: "all",
		State: alert.StateFiring, Severity: "critical", StartedAt: fired.Add(-15 * time.Minute), FiredAt: fired, UpdatedAt: fired.Add(time.Hour),
		Window: "1h0m0s", Observed: 16, Expected: 0.4, Ratio: 40, PValue: 1e-12, Score: 12, Share: 0.7, ExpectedShare: 0.2, Explanation: x}
	rival := alert.Alert{ID: "rival-1", Fingerprint: "rival", Kind: alert.KindNegativeSpike, Brand: "Rival", SegmentKind: "all",
		State: alert.StateFiring, Severity: "major", StartedAt: fired, FiredAt: fired, UpdatedAt: fired, Window: "15m0s", Observed: 9, Expected: 1}
	done := weekStart.Add(26 * time.Hour)
	old := alert.Alert{ID: "old-1", Fingerprint: "old", Kind: alert.KindNegativeSpike, Brand: "TietokoneKoijarit", SegmentKind: "source",
		SegmentValue: "reddit", State: alert.StateResolved, Severity: "warning", StartedAt: weekStart.Add(24 * time.Hour),
		FiredAt: weekStart.Add(24 * time.Hour), UpdatedAt: done, ResolvedAt: &done, Window: "15m0s", Observed: 5, Expected: 1}
	if err := alert.NewRepo(s).Save(context.Background(), own, rival, old); err != nil {
		t.Fatal(err)
	}
	return own
}

// alertServer serves the dashboards with the real alert service (its
// workflow writes through the dashboards' sessions and CSRF checks), the
// own brand configured own: true.
func alertServer(t testing.TB, s store.Store) *httptest.Server {
	t.Helper()
	ts := newTestServerAlerts(t, s, func(cfg config.Config) api.Routes {
		svc, err := alert.New(alert.Deps{Store: s, Config: cfg.Alerts, Brands: cfg.Brands, Users: cfg.Web.UserNames(),
			Logger: slog.New(slog.NewTextHandler(tWriter{t}, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}, nil, ownFirstBrand)
	return ts
}

// TestBrowserCrisisAndAlertWorkflow: while the own brand's alert fires,
// every page shows the banner (in plain words) and the Alerts badge, at
// desktop and phone widths, light and dark; the competitor's alert raises
// neither. The Overview opens on the own brand over the last day and
// shades the alert's window. On the Alerts page an admin acknowledges,
// assigns, comments, snoozes (the banner and badge go) and resolves the
// alert; each step shows in its state and history and is stored with who
// did it. A viewer sees the state but no actions, and the API refuses a
// viewer's action and one without the CSRF token.
func TestBrowserCrisisAndAlertWorkflow(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 300)
	own := crisisAlerts(t, s)
	base := alertServer(t, s).URL
	b := newBrowser(t, 1366, 900)
	b.signIn(t, base, "admin", "admin-pass")
	const banner = `(() => { const c = document.getElementById("crisis"); return c.hidden ? "" : c.textContent })()`
	const badge = `(document.querySelector('a[data-nav="alerts"] .badge') || {}).textContent || ""`

	for _, theme := range []string{"light", "dark"} {
		b.run(t, chromedp.Evaluate[chromedp.Void](`localStorage.setItem("ewom-theme", "`+theme+`")`))
		for _, p := range []string{"/mentions?" + week, "/journey?" + week, "/alerts"} {
			b.open(t, base+p)
			b.waitFor(t, `document.body.dataset.crisis !== undefined`)
			if got := eval[string](t, b, banner); !strings.Contains(got, "critical alert for TietokoneKoijarit") ||
				!strings.Contains(got, "16 negative mentions in an hour, usually under 1.") || strings.Contains(got, "Rival") ||
				!strings.Contains(got, "Nobody has acknowledged it yet") {
				t.Errorf("%s %s: banner %q", theme, p, got)
			}
			if got := eval[string](t, b, badge); got != "1" {
				t.Errorf("%s %s: badge %q, want 1 (the competitor's alert does not count)", theme, p, got)
			}
		}
		b.screenshot(t, "desktop-"+theme+"-crisis-alerts")
	}
	b.run(t, chromedp.Evaluate[chromedp.Void](`localStorage.setItem("ewom-theme", "light")`))

	t.Run("overview", func(t *testing.T) {
		// Opened without a brand or period: the own brand, the last 24 hours.
		b.open(t, base+"/")
		if q := eval[string](t, b, `location.search`); q != "?brand=TietokoneKoijarit&range=24h" {
			t.Errorf("the Overview opened on %q", q)
		}
		// A week with the alert in it shades its window on both time charts.
		b.open(t, base+"/?brand=TietokoneKoijarit&"+week)
		for _, id := range []string{"chart-volume", "chart-net"} {
			if n := eval[string](t, b, fmt.Sprintf(`document.getElementById(%q).dataset.alertWindows`, id)); n != "2" {
				t.Errorf("%s: %s alert windows, want 2 (the firing and the resolved alert of the brand)", id, n)
			}
		}
		// Drawn: a row near the plot's top holds the windows' tint (the
		// negative colour at 14 % on the transparent canvas) over about the
		// windows' share of the week: 2 h (the firing alert, from its
		// explanation's start to its last update) and 2¼ h (the resolved one,
		// from its first window's start) of 168.
		tinted := eval[float64](t, b, `(() => {
			const c = document.querySelector("#chart-volume canvas"), g = c.getContext("2d");
			const hex = getComputedStyle(document.documentElement).getPropertyValue("--negative").trim();
			const n = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
			const d = g.getImageData(0, Math.round(40 * devicePixelRatio), c.width, 1).data;
			let cols = 0;
			for (let x = 0; x < c.width; x++) if (Math.abs(d[4 * x + 3] - 36) <= 4 && n.every((w, i) => Math.abs(d[4 * x + i] - w) <= 12)) cols++;
			return cols / c.width })()`)
		if tinted < 0.01 || tinted > 0.05 {
			t.Errorf("the alert windows cover %.3f of the volume chart's width, want about 4¼/168 of its plot", tinted)
		}
		b.screenshot(t, "desktop-light-crisis-overview")
		// Choosing all brands is remembered for this user.
		eval[bool](t, b, `(() => { const s = document.querySelector('select[name="brand"]'); s.value = "";
			s.dispatchEvent(new Event("change")); return true })()`)
		b.waitFor(t, `!location.search.includes("brand=") && document.body.dataset.ready === "1"`)
		b.open(t, base+"/")
		if q := eval[string](t, b, `location.search`); q != "?range=24h" {
			t.Errorf("after choosing all brands the Overview opened on %q", q)
		}
	})

	t.Run("workflow", func(t *testing.T) {
		b.open(t, base+"/alerts#alert-"+own.ID)
		item := `document.getElementById("alert-` + own.ID + `")`
		text := eval[string](t, b, item+`.textContent`)
		for _, want := range []string{"16 negative mentions in an hour, usually under 1. Negative share 70%, usually 20%. Most mentioned: toimitus myöhässä, " + xssCorpus[1],
			"Phrases that grew: toimitus myöhässä", "Terms that grew: toimitus", "Sources: Mastodon (10), Reddit (6)", "Journey stages: delivery (12), service (4)",
			"tilasin läppärin, toimitus myöhässä", xssCorpus[0], "History (0)"} {
			if !strings.Contains(text, want) {
				t.Errorf("alert card lacks %q:\n%s", want, text)
			}
		}
		if problem := eval[string](t, b, xssInert); problem != "" {
			t.Errorf("XSS: %s", problem)
		}
		click := func(sel string) {
			t.Helper()
			eval[bool](t, b, `(() => { document.querySelector('#alert-`+own.ID+` `+sel+`').click(); return true })()`)
		}
		click(".act-acknowledge")
		b.waitFor(t, item+`.dataset.state === "acknowledged" && `+item+`.textContent.includes("History (1)")`)
		eval[bool](t, b, `(() => { `+item+`.querySelector('select[name="assignee"]').value = "viewer"; return true })()`)
		click(".act-assign")
		b.waitFor(t, item+`.textContent.includes("assigned to viewer") && `+item+`.textContent.includes("History (2)")`)
		eval[bool](t, b, `(() => { `+item+`.querySelector("textarea").value = "Kuriiri soitettu; vastaamme ketjuun"; return true })()`)
		click(".act-comment")
		b.waitFor(t, item+`.textContent.includes("History (3)") && `+item+`.textContent.includes("Kuriiri soitettu")`)
		b.screenshot(t, "desktop-light-alert-workflow")
		// Snoozing takes it out of the banner and the badge.
		click(".act-snooze")
		b.waitFor(t, item+`.textContent.includes("snoozed until") && document.body.dataset.crisis === "0"`)
		if got, bd := eval[string](t, b, banner), eval[string](t, b, badge); got != "" || bd != "" {
			t.Errorf("after the snooze: banner %q, badge %q", got, bd)
		}
		click(".act-resolve")
		b.waitFor(t, item+`.dataset.state === "resolved" && `+item+`.textContent.includes("resolved by admin")`)
		b.run(t, chromedp.Evaluate[chromedp.Void](`document.querySelector("#alert-`+own.ID+` details.history").open = true`))
		hist := eval[[]string](t, b, `[...`+item+`.querySelectorAll("details.history li")].map(li => li.textContent)`)
		wants := []string{"admin acknowledged", "admin assigned it to viewer", "admin commentedKuriiri soitettu; vastaamme ketjuun",
			"admin snoozed it until", "admin resolved it"}
		if len(hist) != len(wants) {
			t.Fatalf("history %q", hist)
		}
		for i, w := range wants {
			if !strings.Contains(hist[i], w) {
				t.Errorf("history[%d] = %q, want %q", i, hist[i], w)
			}
		}
		b.screenshot(t, "desktop-light-alert-resolved")
		b.noErrors(t)
		// Stored, with who did it.
		ws, err := alert.NewRepo(s).Workflows(context.Background(), []string{own.ID})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range ws[own.ID].History {
			got = append(got, h.Actor+" "+h.Action)
		}
		if strings.Join(got, ", ") != "admin acknowledge, admin assign, admin comment, admin snooze, admin resolve" {
			t.Errorf("stored actions: %v", got)
		}
	})

	t.Run("viewer-and-api", func(t *testing.T) {
		// The competitor's alert is still open: a viewer may read it but not act.
		viewer := login(t, base, "viewer", "viewer-pass")
		if code, body := viewer.post("/api/v1/alerts/rival-1/actions", `{"action":"acknowledge"}`, true); code != http.StatusForbidden {
			t.Errorf("a viewer's action: %d %s", code, body)
		}
		admin := login(t, base, "admin", "admin-pass")
		if code, body := admin.post("/api/v1/alerts/rival-1/actions", `{"action":"acknowledge"}`, false); code != http.StatusForbidden {
			t.Errorf("an action without the CSRF token: %d %s", code, body)
		}
		if code, body := admin.post("/api/v1/alerts/rival-1/actions", `{"action":"acknowledge"}`, true); code != http.StatusOK ||
			!strings.Contains(body, `"acknowledged_by":"admin"`) {
			t.Errorf("the admin's action: %d %s", code, body)
		}
		phone := newBrowser(t, 390, 844)
		phone.signIn(t, base, "viewer", "viewer-pass")
		for _, theme := range []string{"light", "dark"} {
			phone.run(t, chromedp.Evaluate[chromedp.Void](`localStorage.setItem("ewom-theme", "`+theme+`")`))
			phone.open(t, base+"/alerts")
			phone.waitFor(t, `document.body.dataset.crisis !== undefined`)
			if n := eval[int](t, phone, `document.querySelectorAll(".alert-actions").length`); n != 0 {
				t.Errorf("a viewer sees %d action forms", n)
			}
			if text := eval[string](t, phone, `document.getElementById("alerts-active").textContent`); !strings.Contains(text, "Acting on alerts needs the admin role.") ||
				!strings.Contains(text, "acknowledged") {
				t.Errorf("viewer's alerts page: %q", text)
			}
			if eval[bool](t, phone, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
				t.Errorf("%s: the alerts page scrolls sideways on a phone", theme)
			}
			phone.screenshot(t, "phone-"+theme+"-alerts")
		}
		phone.noErrors(t)
	})
}

// TestBrowserCrisisBannerOnPhone: the banner and badge on a phone, light and
// dark, without sideways scrolling.
func TestBrowserCrisisBannerOnPhone(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 100)
	crisisAlerts(t, s)
	base := alertServer(t, s).URL
	phone := newBrowser(t, 390, 844)
	phone.signIn(t, base, "viewer", "viewer-pass")
	for _, theme := range []string{"light", "dark"} {
		phone.run(t, chromedp.Evaluate[chromedp.Void](`localStorage.setItem("ewom-theme", "`+theme+`")`))
		phone.open(t, base+"/?"+week)
		phone.waitFor(t, `document.body.dataset.crisis === "1"`)
		box := eval[[]float64](t, phone, `(() => { const r = document.getElementById("crisis").getBoundingClientRect(); return [r.top, r.height, r.right - window.innerWidth] })()`)
		if box[0] > 200 || box[1] < 40 || box[2] > 0 {
			t.Errorf("%s: the banner at top %.0f, %.0f high, %.0f px past the right edge; want it near the top and readable", theme, box[0], box[1], box[2])
		}
		if got := eval[string](t, phone, `document.querySelector('a[data-nav="alerts"] .badge').textContent`); got != "1" {
			t.Errorf("%s: badge %q", theme, got)
		}
		if eval[bool](t, phone, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Errorf("%s: the Overview scrolls sideways on a phone", theme)
		}
		phone.screenshot(t, "phone-"+theme+"-crisis-overview")
	}
	phone.noErrors(t)
}

// TestBrowserAlertsCardError: on the Alerts page each list is a card of
// its own. When reading the past alerts fails, that card alone says so
// with a Retry button (the firing alerts are drawn, the page finishes),
// and Retry draws it, focus staying in the card. Where alerting does not
// run in the process (no alerts endpoint), both cards say there are no
// alerts, with no error. On a desktop and a 390 px phone.
func TestBrowserAlertsCardError(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 300)
	crisisAlerts(t, s)
	base := alertServer(t, s).URL
	plain := newTestServerAlerts(t, s, func(config.Config) api.Routes { return noAlerts{} }, nil).URL
	widths(t, base, "admin", func(t *testing.T, b *browser, width string) {
		ic := b.interceptAPI(t, "*/api/v1/alerts?state=resolved*")
		b.run(t, chromedp.Navigate(base+"/alerts"))
		held := ic.next(t)
		b.waitFor(t, `!!document.querySelector("#alerts-active #alert-own-1") && !!document.getElementById("alerts-past").closest("[aria-busy=true]")`)
		ic.fail(t, held, 503, "store unavailable")
		b.waitFor(t, `document.body.dataset.ready === "1"`)
		errs := eval[[]string](t, b, `[...document.querySelectorAll(".card-error")].map((e) => e.closest(".card").querySelector("ul").id + ": " + e.textContent + " " + e.getAttribute("role"))`)
		if len(errs) != 1 || errs[0] != "alerts-past: Could not load this: store unavailableRetry alert" {
			t.Fatalf("error notes: %q; want one, on the past alerts' card", errs)
		}
		if got := eval[[]any](t, b, `[document.getElementById("alerts-past").hidden, document.querySelectorAll("#alerts-active li.alert").length,
			document.querySelectorAll("[aria-busy]").length]`); got[0] != true || got[1] != float64(2) || got[2] != float64(0) {
			t.Errorf("past list hidden %v, firing alerts %v, busy cards %v", got[0], got[1], got[2])
		}
		if eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Error("the page scrolls sideways")
		}
		b.screenshot(t, width+"-light-alerts-card-error")
		ic.stop(t)
		b.run(t, chromedp.Click(".card-error button.retry"))
		b.waitFor(t, `!!document.querySelector("#alerts-past #alert-old-1") && !document.querySelector(".card-error")`)
		if got := eval[[]any](t, b, `(() => { const n = document.getElementById("alerts-past");
			return [n.hidden, n.closest(".card").hasAttribute("aria-busy"), document.activeElement === n.closest(".card")] })()`); got[0] != false || got[1] != false || got[2] != true {
			t.Errorf("after Retry: hidden %v, busy %v, focus in the card %v", got[0], got[1], got[2])
		}
		b.takeErrors() // the 503 is logged by the browser

		// Without alerting in the process: no alerts, no error.
		b.signIn(t, plain, "admin", "admin-pass")
		b.open(t, plain+"/alerts")
		if got := eval[[]string](t, b, `["alerts-active", "alerts-past"].map((id) => document.getElementById(id).textContent)`); got[0] != "No alerts." || got[1] != "No alerts." ||
			eval[int](t, b, `document.querySelectorAll(".card-error").length`) != 0 {
			t.Errorf("without alerting: %q, %d error notes", got, eval[int](t, b, `document.querySelectorAll(".card-error").length`))
		}
		b.takeErrors() // the missing endpoint's 404 is logged by the browser
	})
}

// noAlerts is the alert role's routes where alerting does not run in the
// process: none.
type noAlerts struct{}

func (noAlerts) Register(*http.ServeMux, func(http.HandlerFunc) http.HandlerFunc) {}
