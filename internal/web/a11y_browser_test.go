package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/ewom/ewom/internal/store/storetest"
)

// axeSource is axe-core's dist file (MPL-2.0, testdata/axe-core; NOTICE).
// The tests inject it into the page they check; it is never served.
func axeSource(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/axe-core/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// axe runs axe-core's rules (WCAG 2 A and AA, best practices) on the page
// as it stands and returns its violations, one line each with the nodes.
func (b *browser) axe(t testing.TB, src string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](src+";true")); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, { resultTypes: ["violations"] }).then((r) =>
		r.violations.map((v) => v.id + " (" + v.impact + "): " + v.help + "\n    " +
			v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " — " + (n.failureSummary || "").replace(/\s+/g, " ")).join("\n    ")))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	return v
}

// emulatePhone makes the page's viewport a 390 × 844 phone (chromium's
// window cannot be narrower than about 500 px).
func (b *browser) emulatePhone(t testing.TB) {
	t.Helper()
	b.run(t, chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile))
}

// setTheme stores the theme the pages open in (theme.js reads it).
func (b *browser) setTheme(t testing.TB, theme string) {
	t.Helper()
	eval[bool](t, b, `localStorage.setItem("ewom-theme", "`+theme+`"), true`)
}

// TestBrowserAxe runs axe-core on every page — Overview, Mentions (with a
// mention open in the drawer), Journey, Topics, Competitors, Alerts and the sign-in page — in the light
// and the dark theme, at desktop width and on a 390 px phone, with the own
// brand's alert firing (the crisis banner shown): no violation is allowed.
func TestBrowserAxe(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 300)
	crisisAlerts(t, s)
	ts := alertServer(t, s)
	src := axeSource(t)
	pages := []struct{ name, path string }{{"overview", "/?" + week}, {"mentions", "/mentions?mention=m1&" + week},
		{"journey", "/journey?" + week}, {"topics", "/topics?" + week}, {"competitors", "/competitors?" + week}, {"alerts", "/alerts"}}
	for _, width := range []string{"desktop", "phone"} {
		t.Run(width, func(t *testing.T) {
			b := newBrowser(t, 1366, 900)
			if width == "phone" {
				b = newBrowser(t, 500, 900)
				b.emulatePhone(t)
			}
			b.run(t, chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible("#user"))
			check := func(t *testing.T, page, theme string) {
				if got := eval[string](t, b, `document.documentElement.dataset.theme`); got != theme {
					t.Fatalf("%s opened in the %s theme, want %s", page, got, theme)
				}
				if v := b.axe(t, src); len(v) > 0 {
					b.screenshot(t, "axe-"+width+"-"+theme+"-"+page)
					t.Errorf("%s, %s, %s theme: %d axe violations:\n%s", page, width, theme, len(v), strings.Join(v, "\n"))
				}
				if errs := b.takeErrors(); len(errs) > 0 {
					t.Logf("console (the sign-in page's 401s are expected):\n%s", strings.Join(errs, "\n"))
				}
			}
			for _, theme := range []string{"light", "dark"} {
				b.setTheme(t, theme)
				b.run(t, chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible("#user"))
				check(t, "login", theme)
			}
			b.signIn(t, ts.URL, "admin", "admin-pass")
			for _, theme := range []string{"light", "dark"} {
				b.setTheme(t, theme)
				for _, p := range pages {
					b.open(t, ts.URL+p.path)
					if p.name == "mentions" {
						b.run(t, chromedp.WaitVisible("#mention-drawer form.correct"))
					}
					check(t, p.name, theme)
				}
			}
		})
	}
}

// interceptAPI pauses the browser's requests whose URL matches pattern
// (fetch's wildcards) and hands each to the returned channel; answer it
// with fail or pass. stop ends the interception. The page shown before is
// left for a blank one first: a request it still had under way would be
// paused, then cancelled by the next navigation ("Invalid InterceptionId"
// when answered; the page a sign-in lands on is still loading).
type intercepted struct {
	target *chromedp.Target
	ctx    context.Context
	paused chan fetch.EventRequestPaused
}

func (b *browser) interceptAPI(t testing.TB, pattern string) *intercepted {
	t.Helper()
	ctx, cancel := context.WithCancel(b.ctx)
	t.Cleanup(cancel)
	ic := &intercepted{ctx: ctx, paused: make(chan fetch.EventRequestPaused, 8)}
	t.Cleanup(func() { cdp.Call(ctx, ic.target, fetch.Disable, cdp.Empty{}) })
	b.run(t, chromedp.Navigate("about:blank"), chromedp.Func(func(_ context.Context, tg *chromedp.Target) error {
		ic.target = tg
		events := cdp.Events(ctx, tg, fetch.RequestPaused)
		go func() {
			for ev, err := range events {
				if err != nil {
					return
				}
				ic.paused <- ev
			}
		}()
		_, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}})
		return err
	}))
	return ic
}

// next waits for the next paused request.
func (ic *intercepted) next(t testing.TB) fetch.EventRequestPaused {
	t.Helper()
	select {
	case ev := <-ic.paused:
		return ev
	case <-time.After(20 * time.Second):
		t.Fatal("no request was intercepted")
	}
	panic("unreachable")
}

// fail answers a paused request with status and a JSON error, as the API
// answers when the store is unavailable.
func (ic *intercepted) fail(t testing.TB, ev fetch.EventRequestPaused, status int, msg string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"error": msg})
	ic.answer(t, ev, status, body)
}

// answer answers a paused request with status and a JSON body.
func (ic *intercepted) answer(t testing.TB, ev fetch.EventRequestPaused, status int, body []byte) {
	t.Helper()
	if _, err := cdp.Call(ic.ctx, ic.target, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: int64(status),
		ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "application/json"}}, Body: body}); err != nil {
		t.Fatal(err)
	}
}

func (ic *intercepted) stop(t testing.TB) {
	t.Helper()
	if _, err := cdp.Call(ic.ctx, ic.target, fetch.Disable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserCardStates: while the Sources card's request runs, that card
// is busy and drawn as a skeleton; when it fails, that card alone shows the
// error with a Retry button (every other card is drawn, the page finishes),
// and Retry loads it. A search that matches nothing shows empty states with
// a "Clear filters" link, which keeps the brand and the period.
func TestBrowserCardStates(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 300)
	ts := newTestServer(t, s)
	b := newBrowser(t, 1366, 900)
	b.signIn(t, ts.URL, "viewer", "viewer-pass")
	others := []string{"chart-volume", "chart-net", "chart-sov", "chart-peso", "chart-langs"}

	t.Run("error-and-retry", func(t *testing.T) {
		ic := b.interceptAPI(t, "*/api/v1/breakdown?by=source&*")
		b.run(t, chromedp.Navigate(ts.URL+"/?"+week))
		held := ic.next(t)
		for _, id := range others {
			b.waitFor(t, fmt.Sprintf(`document.getElementById(%q).dataset.drawn === "1"`, id))
		}
		skeleton := eval[[]string](t, b, `(() => { const n = document.getElementById("chart-sources");
			return [n.closest(".card").getAttribute("aria-busy") || "", getComputedStyle(n).animationName, String(n.childElementCount)] })()`)
		if skeleton[0] != "true" || skeleton[1] != "skeleton" || skeleton[2] != "0" {
			t.Errorf("loading Sources card: aria-busy %q, animation %q, %s children; want a busy skeleton", skeleton[0], skeleton[1], skeleton[2])
		}
		// The other cards finish; the held one stays busy.
		b.waitFor(t, `document.querySelectorAll("[aria-busy=true]").length === 1 && document.getElementById("chart-sources").closest("[aria-busy=true]")`)
		// (A full-page screenshot here would resize the page and lose the
		// held request.)
		ic.fail(t, held, 503, "store unavailable")
		b.waitFor(t, `document.body.dataset.ready === "1"`)
		errs := eval[[]string](t, b, `[...document.querySelectorAll(".card-error")].map((e) => e.closest(".card").querySelector("h2").textContent + ": " + e.textContent)`)
		if len(errs) != 1 || errs[0] != "Sources: Could not load this: store unavailableRetry" {
			t.Fatalf("error notes: %q; want one, on the Sources card", errs)
		}
		if got := eval[[]any](t, b, `(() => { const n = document.getElementById("chart-sources"); const c = n.closest(".card");
			return [n.hidden, c.hasAttribute("aria-busy"), c.querySelector(".card-error").getAttribute("role")] })()`); got[0] != true || got[1] != false || got[2] != "alert" {
			t.Errorf("failed card: chart hidden %v, busy %v, note role %v", got[0], got[1], got[2])
		}
		for _, id := range others {
			if !eval[bool](t, b, fmt.Sprintf(`document.getElementById(%q).dataset.drawn === "1" && !!document.querySelector("#%s canvas")`, id, id)) {
				t.Errorf("chart %s not drawn beside the failed card", id)
			}
		}
		if kpi := eval[string](t, b, `document.getElementById("kpi-mentions").textContent`); kpi == "–" {
			t.Error("key figures not filled beside the failed card")
		}
		b.screenshot(t, "desktop-light-card-error")
		ic.stop(t)
		b.run(t, chromedp.Click(".card-error button.retry"))
		b.waitFor(t, `document.getElementById("chart-sources").dataset.drawn === "1" && !document.querySelector(".card-error")`)
		if got := eval[[]any](t, b, `(() => { const n = document.getElementById("chart-sources");
			return [n.hidden, !!n.querySelector("canvas"), n.closest(".card").hasAttribute("aria-busy"), document.activeElement === n.closest(".card")] })()`); got[0] != false || got[1] != true || got[2] != false || got[3] != true {
			t.Errorf("after Retry: hidden %v, canvas %v, busy %v, focus in the card %v", got[0], got[1], got[2], got[3])
		}
		b.takeErrors() // the 503 is logged by the browser
	})

	// A chart whose options cannot be built from an answer (here the
	// comparison series holds a null) fails its card as a failed request
	// does: the error, said plainly, and Retry on that card, the page
	// finished (it never was before the chart's count was made idempotent).
	t.Run("chart-build-fails", func(t *testing.T) {
		ic := b.interceptAPI(t, "*/api/v1/timeseries?*")
		b.run(t, chromedp.Navigate(ts.URL+"/?"+week))
		held := ic.next(t)
		req, _ := http.NewRequest("GET", held.Request.URL, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, real := readResponse(t)(http.DefaultClient.Do(req))
		var answer map[string]any
		if err := json.Unmarshal(real, &answer); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("time series: %d %s, %v", resp.StatusCode, real, err)
		}
		if prev, ok := answer["previous"].([]any); !ok || len(prev) == 0 {
			t.Fatalf("time series without a comparison series: %v", answer["previous"])
		}
		answer["previous"] = []any{nil}
		body, _ := json.Marshal(answer)
		ic.answer(t, held, 200, body)
		b.waitFor(t, `document.body.dataset.ready === "1"`)
		ic.stop(t)
		if got := eval[[]any](t, b, `(() => { const c = document.getElementById("chart-volume").closest(".card");
			const note = c.querySelector(".card-error"); return [!!note, !!(note && note.querySelector("button.retry")), c.hasAttribute("aria-busy")] })()`); got[0] != true || got[1] != true || got[2] != false {
			t.Fatalf("volume card after a failed build: error note %v, Retry %v, busy %v", got[0], got[1], got[2])
		}
		if got := eval[string](t, b, `document.getElementById("chart-volume").closest(".card").querySelector(".card-error p").textContent`); got != "Could not load this: the chart could not be drawn from these figures" {
			t.Errorf("volume card's note: %q", got)
		}
		for _, id := range []string{"chart-sov", "chart-peso", "chart-sources", "chart-langs"} {
			if !eval[bool](t, b, fmt.Sprintf(`document.getElementById(%q).dataset.drawn === "1"`, id)) {
				t.Errorf("chart %s not drawn beside the failed one", id)
			}
		}
		b.run(t, chromedp.Click(`.card:has(#chart-volume) .card-error button.retry`))
		b.waitFor(t, `document.getElementById("chart-volume").dataset.drawn === "1" && !document.querySelector(".card:has(#chart-volume) .card-error")`)
		b.takeErrors()
	})

	// In Finnish the card says why in Finnish: the API's English message
	// is not shown, its HTTP status is.
	t.Run("error-in-finnish", func(t *testing.T) {
		b.open(t, ts.URL+"/?"+week)
		b.switchLang(t, "fi", `document.body.dataset.ready === "1"`)
		defer b.switchLang(t, "en", `document.body.dataset.ready === "1"`)
		ic := b.interceptAPI(t, "*/api/v1/breakdown?by=source&*")
		b.run(t, chromedp.Navigate(ts.URL+"/?"+week))
		held := ic.next(t)
		ic.fail(t, held, 503, "store unavailable")
		b.waitFor(t, `document.body.dataset.ready === "1"`)
		ic.stop(t)
		if got := eval[string](t, b, `document.querySelector(".card-error p").textContent`); got != "Tämän lataaminen epäonnistui: palvelu ei vastaa; yritä uudelleen" {
			t.Errorf("failed card in Finnish: %q", got)
		}
		b.takeErrors()
	})

	t.Run("empty-state", func(t *testing.T) {
		b.open(t, ts.URL+"/?brand=TietokoneKoijarit&q=zebra&"+week)
		for _, id := range []string{"chart-volume", "chart-peso", "chart-sources", "chart-langs"} {
			got := eval[[]string](t, b, fmt.Sprintf(`(() => { const n = document.getElementById(%q); const a = n.querySelector("a.clear-filters");
				return [n.textContent, a ? a.getAttribute("href") : "", n.getAttribute("role") || ""] })()`, id))
			if got[0] != "No mentions match these filters. Clear filters" || got[2] != "" {
				t.Errorf("%s: %q (role %q); want the empty state, not an image", id, got[0], got[2])
			}
			// The brand and the period stay; the search goes.
			if want := "/?brand=TietokoneKoijarit&" + strings.NewReplacer(":", "%3A").Replace(week); got[1] != want {
				t.Errorf("%s: Clear filters goes to %q", id, got[1])
			}
		}
		if text := eval[string](t, b, `document.getElementById("top-negative").textContent`); text != "No mentions match these filters. Clear filters" {
			t.Errorf("top negative mentions: %q", text)
		}
		b.screenshot(t, "desktop-light-empty")
		b.run(t, chromedp.Click("#chart-sources a.clear-filters"))
		b.waitFor(t, `!location.search.includes("q=") && document.body.dataset.ready === "1"`)
		if !eval[bool](t, b, `document.getElementById("chart-sources").dataset.drawn === "1" && new URLSearchParams(location.search).get("brand") === "TietokoneKoijarit"`) {
			t.Errorf("after Clear filters: %s", eval[string](t, b, `location.search`))
		}
		b.noErrors(t)
	})
}

// TestBrowserChartSummaries: every chart of the Overview, the Journey and
// the Competitors page is labelled for screen readers with its title and
// its figures, which agree with the API's; no NaN, no undefined, no epoch
// numbers.
func TestBrowserChartSummaries(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 300)
	ts := newTestServer(t, s)
	b := newBrowser(t, 1366, 900)
	b.signIn(t, ts.URL, "viewer", "viewer-pass")
	bad := regexp.MustCompile(`NaN|undefined|null|Infinity|\b1[0-9]{9,12}\b`)
	label := func(id string) string {
		return eval[string](t, b, fmt.Sprintf(`document.getElementById(%q).getAttribute("aria-label") || ""`, id))
	}
	b.open(t, ts.URL+"/?brand=TietokoneKoijarit&"+week)
	for _, id := range []string{"chart-volume", "chart-net", "chart-sov", "chart-peso", "chart-sources", "chart-langs"} {
		l := label(id)
		if bad.MatchString(l) || !regexp.MustCompile(`\d`).MatchString(l) {
			t.Errorf("%s: summary %q", id, l)
		}
		t.Logf("%s: %s", id, l)
	}
	// The volume's figures are the summary's, formatted as the page's locale
	// formats numbers; its dates are dates.
	c := login(t, ts.URL, "viewer", "viewer-pass")
	var sum struct {
		Current struct{ Mentions, Positive, Neutral, Negative float64 }
	}
	c.getJSON("/api/v1/summary?brand=TietokoneKoijarit&"+week, &sum)
	f := eval[[]string](t, b, fmt.Sprintf(`[%v, %v, %v, %v].map((n) => new Intl.NumberFormat().format(n))`,
		sum.Current.Mentions, sum.Current.Positive, sum.Current.Neutral, sum.Current.Negative))
	vol := label("chart-volume")
	want := fmt.Sprintf(": %s mentions, %s positive, %s neutral, %s negative. Most in one interval: ", f[0], f[1], f[2], f[3])
	if sum.Current.Mentions == 0 || !strings.HasPrefix(vol, "Volume and sentiment over time, 20 Nov 2026") || !strings.Contains(vol, want) {
		t.Errorf("volume summary:\n %q\nwant the title, dates and\n %q", vol, want)
	}
	if l := label("chart-net"); !strings.HasPrefix(l, "Net sentiment over time, 20 Nov 2026") || !strings.Contains(l, ": lowest ") {
		t.Errorf("net summary: %q", l)
	}
	var sov struct{ Rows []struct{ Key string } }
	c.getJSON("/api/v1/breakdown?by=brand&"+week, &sov)
	if l := label("chart-sov"); !strings.HasPrefix(l, "Share of voice: ") || len(sov.Rows) < 2 || !strings.Contains(l, sov.Rows[0].Key+" ") ||
		!strings.Contains(l, "%") {
		t.Errorf("share of voice summary %q, brands %v", l, sov.Rows)
	}
	if l := label("chart-sources"); !regexp.MustCompile(`^Sources: (Mastodon|Bluesky|RSS|Reddit) \d+ \(\d+ (positive|neutral|negative)[,)]`).MatchString(l) {
		t.Errorf("sources summary: %q", l)
	}
	b.open(t, ts.URL+"/journey?"+week)
	for _, id := range []string{"chart-stage-sentiment", "chart-touchpoint-stage", "chart-flow"} {
		if l := label(id); bad.MatchString(l) || !regexp.MustCompile(`\d`).MatchString(l) {
			t.Errorf("%s: summary %q", id, l)
		}
	}
	if l := label("chart-flow"); !regexp.MustCompile(`^How authors move between stages: \d+ authors; largest steps: 1\. \w+ → 2\. \w+ \d+`).MatchString(l) {
		t.Errorf("flow summary: %q", l)
	}
	// The Competitors page's lines: each brand's first and last value.
	b.open(t, ts.URL+"/competitors?"+week)
	for _, id := range []string{"chart-comp-mentions", "chart-comp-net_sentiment", "chart-comp-share_of_voice", "chart-comp-negative_share"} {
		if l := label(id); bad.MatchString(l) || !regexp.MustCompile(`^[^:]+ over time, 2\d Nov 2026.* – .*: TietokoneKoijarit [-+]?[\d.,]+( %)? → `).MatchString(l) {
			t.Errorf("%s: summary %q", id, l)
		}
	}
	b.open(t, ts.URL+"/journey?"+week)
	// In the dark theme the charts redraw with their summaries.
	b.run(t, chromedp.Click("#theme"))
	b.waitFor(t, `document.documentElement.dataset.theme === "dark"`)
	if l := label("chart-stage-sentiment"); !strings.HasPrefix(l, "Journey stage × sentiment: ") || bad.MatchString(l) {
		t.Errorf("heatmap summary in the dark theme: %q", l)
	}
	b.noErrors(t)
}
