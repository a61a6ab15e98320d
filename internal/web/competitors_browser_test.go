package web

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// benchmarkMismatches compares the Competitors page's brand cards with
// GET /api/v1/competitors for the page's own period and comparison: every
// figure as shown, its change (sign and number) and the comparison's value.
// It lists what differs ("" for each brand that agrees).
const benchmarkMismatches = `(async () => {
  const q = new URLSearchParams(location.search);
  q.delete("brand");
  const api = await (await fetch("/api/v1/competitors?" + q)).json();
  const nums = (s) => (s.replace(/,/g, "").match(/[+-]?\d+(\.\d+)?/g) || []).map(Number);
  const round = (v, k) => k === "mentions" ? v : Math.round(v * 10) / 10;
  const out = [];
  const cards = [...document.querySelectorAll("#benchmarks .benchmark")];
  if (cards.length !== api.brands.length) out.push(cards.length + " cards for " + api.brands.length + " brands");
  if (cards.length && !cards[0].classList.contains("own")) out.push("the first card is not the own brand's");
  for (const b of api.brands) {
    const card = cards.find((c) => c.dataset.brand === b.brand);
    if (!card) { out.push("no card for " + b.brand); continue; }
    if (card.classList.contains("own") !== b.own) out.push(b.brand + ": own highlight " + card.classList.contains("own"));
    for (const k of ["mentions", "net_sentiment", "share_of_voice", "negative_share"]) {
      const dd = card.querySelector('dd[data-metric="' + k + '"]');
      const value = nums(dd.querySelector(".value").textContent)[0];
      const delta = dd.querySelector(".delta").textContent;
      const [change] = nums(delta);
      const was = nums(delta.split(/was /)[1] || "")[0];
      const sign = delta.startsWith("▲") ? 1 : delta.startsWith("▼") ? -1 : 0;
      if (value !== round(b.current[k], k) || change !== round(b.change[k], k) || was !== round(b.comparison[k], k) ||
          sign !== Math.sign(b.change[k])) {
        out.push(b.brand + " " + k + ": shows " + JSON.stringify([value, delta]) + ", API " + JSON.stringify([b.current[k], b.change[k], b.comparison[k]]));
      }
    }
    if (b.change.mentions_percent !== null) {
      const pct = nums(card.querySelector('dd[data-metric="mentions"] .delta').textContent)[1];
      if (pct !== round(b.change.mentions_percent, "")) out.push(b.brand + ": change " + pct + " %, API " + b.change.mentions_percent);
    }
  }
  return out;
})()`

// The Competitors page at desktop and phone widths, light and dark: a card
// per brand, the own brand first and highlighted, whose figures, changes
// and comparison values are the API's; four charts drawn; side by side on
// a desktop, stacked on a phone without sideways scrolling; the
// comparison with a year earlier is chosen in the page and kept in its URL.
func TestBrowserCompetitors(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 300)
	base := newTestServer(t, s, ownFirstBrand).URL
	// The second half of the seeded week against the first.
	period := "/competitors?from=" + weekStart.Add(84*3600e9).Format("2006-01-02T15:04:05Z") + "&to=" + weekEnd.Format("2006-01-02T15:04:05Z")
	looks(t, base, "viewer", func(t *testing.T, b *browser, look string) {
		b.open(t, base+period)
		if bad := eval[[]string](t, b, benchmarkMismatches, chromedp.EvalAwaitPromise); len(bad) > 0 {
			t.Errorf("cards differ from the API:\n%s", strings.Join(bad, "\n"))
		}
		for _, m := range []string{"mentions", "net_sentiment", "share_of_voice", "negative_share"} {
			if !eval[bool](t, b, `document.getElementById("chart-comp-`+m+`").dataset.drawn === "1" && !!document.querySelector("#chart-comp-`+m+` canvas")`) {
				t.Errorf("chart of %s not drawn", m)
			}
		}
		sideBySide := eval[bool](t, b, `(() => { const c = document.querySelectorAll("#benchmarks .benchmark"); return c[0].offsetTop === c[1].offsetTop })()`)
		if sideBySide != strings.HasPrefix(look, "desktop") {
			t.Errorf("brand cards side by side: %v", sideBySide)
		}
		if eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Error("the page scrolls sideways")
		}
		if got := eval[string](t, b, `document.querySelector('nav a[aria-current="page"]').textContent`); got != "Competitors" {
			t.Errorf("current page in the navigation: %q", got)
		}
		b.screenshot(t, look+"-competitors")
		if look == "desktop-light" {
			// The comparison with a year earlier, chosen in the page.
			before := eval[string](t, b, `document.getElementById("compare-period").textContent`)
			b.run(t, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("compare"); s.value = "year"; s.dispatchEvent(new Event("change")) })()`))
			b.waitFor(t, `location.search.includes("compare=year") && document.body.dataset.ready === "1"`)
			if bad := eval[[]string](t, b, benchmarkMismatches, chromedp.EvalAwaitPromise); len(bad) > 0 {
				t.Errorf("a year earlier: cards differ from the API:\n%s", strings.Join(bad, "\n"))
			}
			if after := eval[string](t, b, `document.getElementById("compare-period").textContent`); after == before || !strings.Contains(after, "2025") {
				t.Errorf("comparison period %q, before %q", after, before)
			}
			// Nothing was stored a year earlier.
			if got := eval[string](t, b, `document.querySelector('#benchmarks dd[data-metric="mentions"] .delta').textContent`); !strings.Contains(got, "none before") {
				t.Errorf("mentions against an empty year: %q", got)
			}
		}
		b.noErrors(t)
	})
}

// TestBrowserCompetitorsLive: the Competitors page updates itself while
// open (live=2): a new mention of the own brand shows in its card and the
// cards agree with the API again, in the same document, scrolled where it
// was, the charts drawn. On a desktop and a 390 px phone.
func TestBrowserCompetitorsLive(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 300)
	base := newTestServer(t, s, ownFirstBrand).URL
	period := "/competitors?live=2&from=" + weekStart.Add(84*3600e9).Format("2006-01-02T15:04:05Z") + "&to=" + weekEnd.Format("2006-01-02T15:04:05Z")
	const own = `document.querySelector('#benchmarks .benchmark.own dd[data-metric="mentions"] .value').textContent`
	widths(t, base, "viewer", func(t *testing.T, b *browser, width string) {
		b.open(t, base+period)
		brand := eval[string](t, b, `document.querySelector("#benchmarks .benchmark.own").dataset.brand`)
		before := eval[string](t, b, own)
		b.run(t, chromedp.Evaluate[chromedp.Void](`window.__sameDocument = 1; window.scrollTo(0, 300)`))
		scroll := eval[float64](t, b, `window.scrollY`)
		id := "live-" + width
		at := weekEnd.Add(-time.Hour)
		if err := s.Insert(context.Background(), []store.Row{{MentionID: id, Source: "rss", SourceID: id, Text: "Koijarit live " + id,
			AuthorHandle: "@live", PublishedAt: at, IngestedAt: at, Lang: "en", Sentiment: "negative", SentimentScore: -0.8,
			Touchpoint: "earned", JourneyStage: "delivery", Brand: brand, Brands: []string{brand}, ClassifierVersion: "test", Raw: "{}"}}); err != nil {
			t.Fatal(err)
		}
		b.waitFor(t, own+` !== `+strconv.Quote(before))
		n, _ := strconv.Atoi(strings.ReplaceAll(before, ",", ""))
		if after := eval[string](t, b, own); strings.ReplaceAll(after, ",", "") != strconv.Itoa(n+1) {
			t.Errorf("own brand's mentions %s after one more (was %s)", after, before)
		}
		b.waitFor(t, `document.getElementById("live-status").textContent.startsWith("Updated")`)
		if bad := eval[[]string](t, b, benchmarkMismatches, chromedp.EvalAwaitPromise); len(bad) > 0 {
			t.Errorf("after the update the cards differ from the API:\n%s", strings.Join(bad, "\n"))
		}
		if got := eval[[]any](t, b, `[window.__sameDocument || 0, window.scrollY, document.querySelectorAll("#competitors .chart canvas").length,
			document.querySelectorAll("#benchmarks .benchmark").length]`); got[0] != float64(1) || got[1] != scroll || got[2] != float64(4) || got[3] != float64(2) {
			t.Errorf("after the update: same document %v, scrolled to %v (was %v), %v charts, %v cards", got[0], got[1], scroll, got[2], got[3])
		}
		b.noErrors(t)
	})
}
