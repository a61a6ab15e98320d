package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// phoneBrowser is a browser emulating a 390 px wide phone (chromium's
// window cannot be narrower than about 500 px).
func phoneBrowser(t *testing.T) *browser {
	t.Helper()
	b := newBrowser(t, 500, 844) // as high as the phone: scrolling follows the window
	b.run(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulatePortrait))
	return b
}

// chartTarget is what a test clicks on a chart: where (viewport pixels),
// the element's value, and the drill-down it should open.
type chartTarget struct {
	X, Y  float64
	Value float64
	Want  map[string]string // URL parameters the click must set
}

// Scripts that find a chart element, scroll it into view and return a
// chartTarget; c is the chart (node.ewomChart), r the node's client rect
// after scrolling. The element picked is the largest of its kind.
const targetPrelude = `(() => { const node = document.getElementById(%q); node.scrollIntoView({block: "center"});
  const c = node.ewomChart, r = node.getBoundingClientRect(), opt = c.getOption();
  const at = (xy, value, want) => ({X: r.left + xy[0], Y: r.top + xy[1], Value: value, Want: want});
  const argmax = (a, f) => a.reduce((best, x, i) => f(x) > f(a[best]) ? i : best, 0);
  const stackBase = (ids, upTo, i) => ids.slice(0, ids.indexOf(upTo)).reduce((s, id) => s + (opt.series.find(x => x.id === id).data[i] || 0), 0);
  %s })()`

var chartTargets = map[string]string{
	// The volume chart's largest negative bar: its hour and sentiment.
	"chart-volume": `const si = opt.series.findIndex(s => s.id === "negative"), d = opt.series[si].data, i = argmax(d, p => p[1]);
	  const base = opt.series[0].data[i][1] + opt.series[1].data[i][1];
	  return at(c.convertToPixel({seriesIndex: si}, [d[i][0], base + d[i][1] / 2]), d[i][1], {sentiment: "negative", from: new Date(d[i][0]).toISOString().replace(".000Z", "Z")});`,
	// The net sentiment line at its busiest bucket: every sentiment.
	"chart-net": `const v = opt.series.filter(s => ["positive", "neutral", "negative"].includes(s.id)); const vol = document.getElementById("chart-volume").ewomChart.getOption().series;
	  const tot = vol[0].data.map((p, i) => p[1] + vol[1].data[i][1] + vol[2].data[i][1]), i = argmax(tot, x => x), tm = vol[0].data[i][0];
	  return at(c.convertToPixel({seriesIndex: 0}, [tm, 0]), tot[i], {from: new Date(tm).toISOString().replace(".000Z", "Z"), sentiment: ""});`,
	// Pie slices: the largest.
	"pie": `const d = c.getModel().getSeriesByIndex(0).getData(), i = argmax([...Array(d.count()).keys()], j => d.get("value", j)), l = d.getItemLayout(i);
	  const a = (l.startAngle + l.endAngle) / 2, rr = (l.r + l.r0) / 2;
	  return at([l.cx + Math.cos(a) * rr, l.cy + Math.sin(a) * rr], d.get("value", i), {[node.id === "chart-sov" ? "brand" : "touchpoint"]: d.getName(i)});`,
	// Horizontal stacked bars (sources, languages): the largest negative one.
	"hbars": `const ids = opt.series.map(s => s.id), si = ids.indexOf("negative"), d = opt.series[si].data, i = argmax(d, x => x), key = opt.yAxis[0].data[i].code;
	  return at(c.convertToPixel({seriesIndex: si}, [stackBase(ids, "negative", i) + d[i] / 2, i]), d[i], {[node.id === "chart-sources" ? "source" : "lang"]: key, sentiment: "negative"});`,
	// Vertical stacked bars (touchpoint × stage): the largest segment.
	"vbars": `let best = null; opt.series.forEach((s, si) => s.data.forEach((v, i) => { if (!best || v > best.v) best = {v, si, i}; }));
	  const ids = opt.series.map(s => s.id), key = opt.xAxis[0].data[best.i].code;
	  return at(c.convertToPixel({seriesIndex: best.si}, [best.i, stackBase(ids, ids[best.si], best.i) + best.v / 2]), best.v, {journey_stage: key, touchpoint: ids[best.si]});`,
	// Heatmap: the largest cell.
	"heatmap": `const d = opt.series[0].data, i = argmax(d, x => x[2]);
	  return at(c.convertToPixel({seriesIndex: 0}, [d[i][0], d[i][1]]), d[i][2], {sentiment: opt.xAxis[0].data[d[i][0]], journey_stage: opt.yAxis[0].data[d[i][1]]});`,
	// Sankey: the largest node of step 2, in the middle of its bar.
	"sankey-node": `const d = c.getModel().getSeriesByIndex(0).getData(); const idx = [...Array(d.count()).keys()].filter(j => opt.series[0].data[j].step === 2);
	  const i = idx[argmax(idx, j => d.getItemLayout(j).value)], el = d.getItemGraphicEl(i), s = el.shape, n = opt.series[0].data[i];
	  const g = el.transformCoordToGlobal(s.x + s.width / 2, s.y + s.height / 2);
	  return at(g, d.getItemLayout(i).value, {node: n.step + ":" + n.stage});`,
	// Sankey: the thickest link of the last step, in the middle of its band.
	"sankey-link": `const e = c.getModel().getSeriesByIndex(0).getEdgeData(), links = opt.series[0].links; const last = Math.max(...links.map(l => l.step));
	  const idx = links.map((l, j) => j).filter(j => links[j].step === last), i = idx[argmax(idx, j => links[j].value)], s = e.getItemGraphicEl(i).shape;
	  const mid = (a, b, p, q) => 0.125 * a + 0.375 * b + 0.375 * p + 0.125 * q;
	  const g = e.getItemGraphicEl(i).transformCoordToGlobal(mid(s.x1, s.cpx1, s.cpx2, s.x2), mid(s.y1, s.cpy1, s.cpy2, s.y2) + s.extent / 2);
	  return at(g, links[i].value, {transition: links[i].step + ":" + links[i].from + ":" + links[i].to});`,
}

// onDevices runs fn in a signed-in desktop browser and a phone's.
func onDevices(t *testing.T, base string, fn func(t *testing.T, dev string, b *browser)) {
	for _, dev := range []struct {
		name string
		b    func(*testing.T) *browser
	}{{"desktop", func(t *testing.T) *browser { return newBrowser(t, 1366, 900) }}, {"phone", phoneBrowser}} {
		t.Run(dev.name, func(t *testing.T) {
			b := dev.b(t)
			b.signIn(t, base, "viewer", "viewer-pass")
			fn(t, dev.name, b)
		})
	}
}

// drillCase is one chart element to click.
type drillCase struct{ page, chart, target string }

var drillCases = []drillCase{
	{"/", "chart-volume", "chart-volume"}, {"/", "chart-net", "chart-net"}, {"/", "chart-sov", "pie"}, {"/", "chart-peso", "pie"},
	{"/", "chart-sources", "hbars"}, {"/", "chart-langs", "hbars"},
	{"/journey", "chart-stage-sentiment", "heatmap"}, {"/journey", "chart-touchpoint-stage", "vbars"},
	{"/journey", "chart-flow", "sankey-node"}, {"/journey", "chart-flow", "sankey-link"},
}

// listedCount reads, in the page, how many mentions the list API names for
// the page's filters (all of them on one page of up to 500), and for the
// journey flow how many authors.
const listedCount = `fetch("/api/v1/mentions?limit=500&" + new URLSearchParams(location.search)).then(r => r.json()).then(l =>
  new URLSearchParams(location.search).has("node") || new URLSearchParams(location.search).has("transition")
    ? new Set(l.mentions.map(m => m.author.handle)).size : l.mentions.length)`

// evalAwait is eval of a script whose result is a promise.
func evalAwait[T any](t testing.TB, b *browser, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// TestBrowserDrillDown clicks an element of every chart kind, on a desktop
// and a phone, and checks the Mentions page it opens lists exactly the
// element's mentions (authors for the journey flow).
func TestBrowserDrillDown(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 300)
	if err := s.Insert(context.Background(), newTopicFixture(t).rows); err != nil { // rows with terms
		t.Fatal(err)
	}
	ts := newTestServer(t, s)
	onDevices(t, ts.URL, func(t *testing.T, dev string, b *browser) {
		for _, c := range drillCases {
			t.Run(c.chart+"/"+c.target, func(t *testing.T) {
				page := ts.URL + c.page + "?brand=TietokoneKoijarit&live=0&" + week
				if dev == "phone" && c.page == "/" {
					page += "&interval=1d" // bars a phone's finger can hit
				}
				b.open(t, page)
				script := chartTargets[c.target]
				tg := eval[chartTarget](t, b, fmt.Sprintf(targetPrelude, c.chart, script))
				if tg.Value <= 0 {
					t.Fatalf("nothing to click: %+v", tg)
				}
				b.run(t, chromedp.MouseClickXY(tg.X, tg.Y))
				b.waitFor(t, `location.pathname === "/mentions" && document.body.dataset.ready === "1"`)
				u, err := url.Parse(eval[string](t, b, `location.href`))
				if err != nil {
					t.Fatal(err)
				}
				q := u.Query()
				for k, v := range tg.Want {
					if q.Get(k) != v {
						t.Errorf("clicked %s: %s=%q, want %q (%s)", c.target, k, q.Get(k), v, u.RawQuery)
					}
				}
				n := evalAwait[float64](t, b, listedCount)
				if n != tg.Value {
					t.Errorf("%s: %v listed, the chart shows %v (%s)", c.target, n, tg.Value, u.RawQuery)
				}
				shown := eval[float64](t, b, `document.querySelectorAll("#mention-list li.mention").length`)
				if shown != min(tg.Value, 25) && !strings.HasPrefix(c.target, "sankey") {
					t.Errorf("%s: the page shows %v mentions, want %v", c.target, shown, min(tg.Value, 25))
				}
				if strings.HasPrefix(c.target, "sankey") && eval[string](t, b, `document.getElementById("flow-drill")?.textContent || ""`) == "" {
					t.Error("no note on whose mentions the flow lists")
				}
				b.screenshot(t, dev+"-drill-"+c.chart+"-"+c.target)
			})
		}
		// Topics rows link to their mentions: the row's count is the list's.
		t.Run("topics", func(t *testing.T) {
			b.open(t, ts.URL+"/topics?brand=TietokoneKoijarit&live=0&"+week)
			row := eval[[]string](t, b, `(() => { const tr = document.querySelector("#topics-words tbody tr"); const a = tr.querySelector("a.term");
				  a.scrollIntoView({block: "center"}); return [a.textContent, tr.cells[1].textContent]; })()`)
			clickOn(t, b, `#topics-words tbody tr a.term`)
			b.waitFor(t, `location.pathname === "/mentions" && document.body.dataset.ready === "1"`)
			if n := evalAwait[float64](t, b, listedCount); fmt.Sprint(n) != row[1] {
				t.Errorf("term %s: %v listed, the row shows %s", row[0], n, row[1])
			}
		})
		b.noErrors(t)
	})
}

// clickOn clicks the middle of an element with the mouse, scrolled into
// view first (on the emulated phone, chromedp's Click misses).
func clickOn(t *testing.T, b *browser, selector string) {
	t.Helper()
	xy := eval[[]float64](t, b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.scrollIntoView({block: "center"});
	  const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`, selector))
	b.run(t, chromedp.MouseClickXY(xy[0], xy[1]))
}

// choose sets a form field's value as a person would, with its change event.
func choose(t *testing.T, b *browser, selector, value string) {
	t.Helper()
	b.run(t, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q;
	  e.dispatchEvent(new Event("change", {bubbles: true})); })()`, selector, value)))
}

// TestBrowserPeriod drives the date picker (presets, a custom range, an
// alert's link), the comparison period, granularity and smoothing.
func TestBrowserPeriod(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 300)
	ts := newTestServer(t, s)
	c := login(t, ts.URL, "viewer", "viewer-pass")
	onDevices(t, ts.URL, func(t *testing.T, dev string, b *browser) {
		day2 := "from=" + weekStart.Add(24*time.Hour).Format(time.RFC3339) + "&to=" + weekStart.Add(48*time.Hour).Format(time.RFC3339)

		// A preset applies at once.
		b.open(t, ts.URL+"/?brand=TietokoneKoijarit&live=0&"+week)
		choose(t, b, `select[name="range"]`, "30d")
		b.waitFor(t, `new URLSearchParams(location.search).get("range") === "30d" && document.body.dataset.ready === "1"`)
		if got := eval[string](t, b, `location.search`); strings.Contains(got, "from=") {
			t.Errorf("a preset kept the custom range: %s", got)
		}
		// Yesterday, in the browser's time: a custom range of a day.
		choose(t, b, `select[name="range"]`, "yesterday")
		b.waitFor(t, `new URLSearchParams(location.search).has("from") && document.body.dataset.ready === "1"`)
		span := eval[float64](t, b, `(() => { const q = new URLSearchParams(location.search); return (Date.parse(q.get("to")) - Date.parse(q.get("from"))) / 36e5; })()`)
		if span < 23 || span > 25 || eval[string](t, b, `document.querySelector('select[name="range"]').value`) != "custom" {
			t.Errorf("yesterday: %v hours, range %q", span, eval[string](t, b, `location.search`))
		}

		// A custom range typed in: the KPIs count that window.
		b.open(t, ts.URL+"/?brand=TietokoneKoijarit&live=0&"+week)
		choose(t, b, `select[name="range"]`, "custom")
		if eval[bool](t, b, `document.getElementById("period-from").closest(".period-custom").hidden`) {
			t.Fatal("custom range inputs hidden")
		}
		local := func(tm time.Time) string {
			return eval[string](t, b, fmt.Sprintf(`(() => { const d = new Date(%q), p = n => String(n).padStart(2, "0");
				  return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes()); })()`, tm.Format(time.RFC3339)))
		}
		for id, tm := range map[string]time.Time{"period-from": weekStart.Add(24 * time.Hour), "period-to": weekStart.Add(48 * time.Hour)} {
			choose(t, b, "#"+id, local(tm))
		}
		if dev == "phone" { // typed in, then Enter
			b.run(t, chromedp.Evaluate[chromedp.Void](`document.getElementById("period-to").focus()`), chromedp.KeyEvent(kb.Enter))
		} else {
			clickOn(t, b, `#filters button[type="submit"]`)
		}
		b.waitFor(t, `new URLSearchParams(location.search).get("from") === "`+weekStart.Add(24*time.Hour).Format(time.RFC3339)+`" && document.body.dataset.ready === "1"`)
		var sum Summary
		c.getJSON("/api/v1/summary?brand=TietokoneKoijarit&"+day2, &sum)
		if got := eval[string](t, b, `document.getElementById("kpi-mentions").textContent`); got != fmt.Sprint(sum.Current.Mentions) {
			t.Errorf("custom range: %s mentions shown, the day has %d", got, sum.Current.Mentions)
		}
		// The comparison period: the day before, in the deltas and the volume chart.
		d := sum.Current.Mentions - sum.Previous.Mentions
		delta := eval[string](t, b, `document.getElementById("kpi-mentions-delta").textContent`)
		if !strings.Contains(delta, fmt.Sprint(max(d, -d))) || !strings.Contains(delta, "vs previous period") {
			t.Errorf("delta %q, want %d vs previous period", delta, d)
		}
		cmp := eval[float64](t, b, `document.getElementById("chart-volume").ewomChart.getOption().series.find(s => s.id === "comparison").data.reduce((s, p) => s + p[1], 0)`)
		if cmp != float64(sum.Previous.Mentions) {
			t.Errorf("comparison series %v, the previous day has %d", cmp, sum.Previous.Mentions)
		}
		if w := eval[string](t, b, `document.getElementById("period-window").textContent`); !strings.Contains(w, "compared with") {
			t.Errorf("window %q", w)
		}
		// The same dates a year before, and no comparison.
		b.open(t, ts.URL+"/?brand=TietokoneKoijarit&live=0&compare=year&"+day2)
		if w := eval[string](t, b, `document.getElementById("period-window").textContent`); !strings.Contains(w, "2025") {
			t.Errorf("compare=year: window %q", w)
		}
		b.open(t, ts.URL+"/?brand=TietokoneKoijarit&live=0&compare=none&"+day2)
		if eval[bool](t, b, `document.getElementById("chart-volume").ewomChart.getOption().series.some(s => s.id === "comparison")`) ||
			eval[string](t, b, `document.getElementById("kpi-mentions-delta").textContent`) != "" {
			t.Error("compare=none still compares")
		}

		// An alert's link: its window shows as a custom range.
		b.open(t, ts.URL+"/alerts")
		b.waitFor(t, `document.querySelector("a.mentions-link")`)
		href := eval[string](t, b, `document.querySelector("a.mentions-link").href`)
		b.open(t, href)
		au, _ := url.Parse(href)
		from, _ := time.Parse(time.RFC3339, au.Query().Get("from"))
		if eval[string](t, b, `document.querySelector('select[name="range"]').value`) != "custom" ||
			eval[string](t, b, `document.getElementById("period-from").value`) != local(from) ||
			!strings.Contains(eval[string](t, b, `document.getElementById("period-window").textContent`), "Showing") {
			t.Errorf("the alert's window %s is not shown: range %q, from %q, %q", au.RawQuery, eval[string](t, b, `document.querySelector('select[name="range"]').value`),
				eval[string](t, b, `document.getElementById("period-from").value`), eval[string](t, b, `document.getElementById("period-window").textContent`))
		}

		// Granularity and smoothing.
		b.open(t, ts.URL+"/?brand=TietokoneKoijarit&live=0&"+week)
		choose(t, b, `select[name="interval"]`, "1d")
		b.waitFor(t, `new URLSearchParams(location.search).get("interval") === "1d" && document.body.dataset.ready === "1"`)
		if n := eval[float64](t, b, `document.getElementById("chart-volume").ewomChart.getOption().series[0].data.length`); n != 7 {
			t.Errorf("1d over a week: %v bars", n)
		}
		choose(t, b, `select[name="smooth"]`, "3")
		b.waitFor(t, `new URLSearchParams(location.search).get("smooth") === "3" && document.body.dataset.ready === "1"`)
		var series Timeseries
		c.getJSON("/api/v1/timeseries?brand=TietokoneKoijarit&interval=1d&smooth=3&"+week, &series)
		drawn := eval[[]float64](t, b, `document.getElementById("chart-net").ewomChart.getOption().series.find(s => s.id === "smoothed").data.map(p => p[1])`)
		for i, p := range series.Points {
			if i >= len(drawn) || p.NetSmoothed == nil || fmt.Sprintf("%.1f", *p.NetSmoothed) != fmt.Sprintf("%.1f", drawn[i]) {
				t.Errorf("smoothed point %d: drawn %v, the API has %v", i, drawn, p.NetSmoothed)
				break
			}
		}
		if eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Error("the Overview scrolls sideways")
		}
		b.screenshot(t, dev+"-period-overview")
		b.noErrors(t)
	})
}

// TestBrowserLiveUpdate stores a mention while the Overview and the
// Mentions page (a mention open) are open: it appears without a reload,
// the scroll position and the open mention stay.
func TestBrowserLiveUpdate(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 300)
	ts := newTestServer(t, s)
	b := newBrowser(t, 1366, 700)
	b.signIn(t, ts.URL, "viewer", "viewer-pass")
	insert := func(id string, at time.Time) {
		t.Helper()
		r := store.Row{MentionID: id, Source: "rss", SourceID: id, Text: "Koijarit live update " + id, AuthorHandle: "@live", AuthorName: "Live",
			PublishedAt: at, IngestedAt: at, Lang: "en", Sentiment: "negative", SentimentScore: -0.8, Touchpoint: "earned",
			JourneyStage: "delivery", Brand: "TietokoneKoijarit", Brands: []string{"TietokoneKoijarit"}, ClassifierVersion: "test", Raw: "{}"}
		if err := s.Insert(context.Background(), []store.Row{r}); err != nil {
			t.Fatal(err)
		}
	}
	b.open(t, ts.URL+"/?brand=TietokoneKoijarit&live=2&"+week)
	before := eval[string](t, b, `document.getElementById("kpi-mentions").textContent`)
	b.run(t, chromedp.Evaluate[chromedp.Void](`window.__sameDocument = 1; window.scrollTo(0, 400)`))
	// Where the page stays is where a card shows in the window: the first
	// update's "Updated" line above it moves scrollY (the browser's scroll
	// anchoring keeps the content in place), not the card.
	const cardTop = `Math.round(document.getElementById("chart-net").getBoundingClientRect().top)`
	top := eval[float64](t, b, cardTop)
	insert("live1", weekEnd.Add(-time.Hour))
	b.waitFor(t, `document.getElementById("kpi-mentions").textContent !== `+fmt.Sprintf("%q", before))
	b.waitFor(t, `document.getElementById("live-status").textContent.startsWith("Updated")`)
	after := eval[string](t, b, `document.getElementById("kpi-mentions").textContent`)
	var n int
	fmt.Sscan(before, &n)
	if after != fmt.Sprint(n+1) || eval[float64](t, b, `window.__sameDocument || 0`) != 1 || eval[float64](t, b, cardTop) != top {
		t.Errorf("after an update: %s mentions (was %s), same document %v, the card at %v in the window (was %v)", after, before,
			eval[float64](t, b, `window.__sameDocument || 0`), eval[float64](t, b, cardTop), top)
	}

	// The Mentions page: the new mention joins the list, the open one stays.
	b.open(t, ts.URL+"/mentions?brand=TietokoneKoijarit&live=2&"+week)
	clickOn(t, b, `#mention-list li.mention:nth-child(3) a.mention-title`)
	b.run(t, chromedp.WaitVisible(`#detail .fulltext`))
	open := eval[string](t, b, `document.querySelector("#detail .fulltext").textContent`)
	b.run(t, chromedp.Evaluate[chromedp.Void](`window.__sameDocument = 2`))
	insert("live2", weekEnd.Add(-time.Minute))
	b.waitFor(t, `document.querySelector("#mention-list li.mention").textContent.includes("live update live2")`)
	if got := eval[string](t, b, `document.querySelector("dialog[open] #detail .fulltext")?.textContent || ""`); got != open || eval[float64](t, b, `window.__sameDocument || 0`) != 2 {
		t.Errorf("the open mention changed to %q (was %q) or the page reloaded", got, open)
	}
	b.noErrors(t)
}
