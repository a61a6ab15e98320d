package web

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store/storetest"
)

// browser starts headless Debian chromium (CHROMIUM_PATH overrides) with a
// fresh profile and collects console errors, exceptions and CSP reports.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newBrowser(t testing.TB, width, height int) *browser {
	t.Helper()
	path := os.Getenv("CHROMIUM_PATH")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(width, height),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true)}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{ctx: ctx}
	// Console subscribes at once; a goroutine drains it for the browser's life.
	messages := chromedp.Console(ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium (%s): %v", path, err)
	}
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				b.mu.Lock()
				b.errors = append(b.errors, m.String()+" "+m.Source+" "+m.URL)
				b.mu.Unlock()
			}
		}
	}()
	return b
}

func (b *browser) takeErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.errors
	b.errors = nil
	return e
}

// noErrors fails t with the console errors, exceptions and CSP reports
// collected since the last look.
func (b *browser) noErrors(t testing.TB) {
	t.Helper()
	if errs := b.takeErrors(); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}

func (b *browser) run(t testing.TB, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// eval runs JavaScript and decodes its JSON result (opts:
// chromedp.EvalAwaitPromise for the value of a promise).
func eval[T any](t testing.TB, b *browser, js string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition (across navigations) until it holds.
func (b *browser) waitFor(t testing.TB, cond string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+cond+")"))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", cond)
}

// artifacts is where screenshots go: EWOM_ARTIFACTS_DIR (CI uploads it) or
// a directory under the system temp dir.
func artifacts(t testing.TB) string {
	dir := os.Getenv("EWOM_ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "ewom-web-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func (b *browser) screenshot(t testing.TB, name string) {
	t.Helper()
	b.shoot(t, name, chromedp.FullScreenshot(100))
}

// viewportShot saves what the viewport shows (a modal over the page as
// the user sees it).
func (b *browser) viewportShot(t testing.TB, name string) {
	t.Helper()
	b.shoot(t, name, chromedp.CaptureScreenshot())
}

func (b *browser) shoot(t testing.TB, name string, shot chromedp.Action[[]byte]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artifacts(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

func (b *browser) signIn(t testing.TB, base, user, password string) {
	t.Helper()
	b.run(t, chromedp.Navigate(base+"/login"), chromedp.WaitVisible("#user"), chromedp.SetValue("#user", user),
		chromedp.SetValue("#password", password), chromedp.Submit("#password"), chromedp.WaitVisible("body[data-page]"))
}

// open loads a page and waits until every chart and list has been drawn.
func (b *browser) open(t testing.TB, url string) time.Duration {
	t.Helper()
	start := time.Now()
	b.run(t, chromedp.Navigate(url), chromedp.WaitVisible(`body[data-ready="1"]`))
	return time.Since(start)
}

// xssInert checks no payload ran or added active markup.
const xssInert = `(() => {
  if (window.__xss) return "a payload ran";
  const bad = document.querySelectorAll(['main', '#mention-drawer'].flatMap((r) => ['script', 'iframe', 'img', 'svg', 'style', '[onerror]', '[onload]']
    .map((x) => r + ' ' + x)).join(', ') + ', a[href^="javascript:"]');
  if (bad.length) return "injected: " + bad[0].outerHTML;
  for (const a of document.querySelectorAll('a[target="_blank"]')) {
    if (a.rel !== "noopener noreferrer" || !/^https?:/.test(a.href)) return "unsafe link: " + a.outerHTML;
  }
  return "";
})()`

func TestBrowser(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 300)
	ts := newTestServer(t, s)
	b := newBrowser(t, 1366, 900)
	b.signIn(t, ts.URL, "admin", "admin-pass")
	charts := map[string][]string{
		"overview": {"chart-volume", "chart-net", "chart-sov", "chart-peso", "chart-sources", "chart-langs"},
		"journey":  {"chart-stage-sentiment", "chart-touchpoint-stage", "chart-flow"},
	}
	for _, p := range []struct{ name, path string }{{"overview", "/"}, {"mentions", "/mentions?q=Koijarit"},
		{"journey", "/journey"}, {"alerts", "/alerts"}, {"mention-detail-xss", "/mentions?id=xss1&q=script"}} {
		t.Run(p.name, func(t *testing.T) {
			b.open(t, ts.URL+p.path+sep(p.path)+week)
			if p.name == "mention-detail-xss" {
				b.run(t, chromedp.WaitVisible("#detail .fulltext"))
				if text := eval[string](t, b, `document.getElementById("detail").textContent`); strings.Contains(text, "null") ||
					strings.Contains(text, "undefined") || !strings.Contains(text, xssCorpus[1]) {
					t.Errorf("detail text: %q", text)
				}
			}
			for _, id := range charts[p.name] {
				drawn := eval[bool](t, b, fmt.Sprintf(`document.getElementById(%q).dataset.drawn === "1" && !!document.querySelector("#%s canvas")`, id, id))
				if !drawn {
					t.Errorf("chart %s not drawn", id)
				}
			}
			problem := eval[string](t, b, xssInert)
			if problem != "" {
				t.Errorf("XSS: %s", problem)
			}
			b.screenshot(t, "desktop-light-"+p.name)
			b.noErrors(t)
		})
	}
	t.Run("alerts", func(t *testing.T) {
		b.open(t, ts.URL+"/alerts")
		active := eval[string](t, b, `document.getElementById("alerts-active").textContent`)
		past := eval[string](t, b, `document.getElementById("alerts-past").textContent`)
		if !strings.Contains(active, "TietokoneKoijarit (journey_stage=delivery)") || !strings.Contains(past, "Rival") || strings.Contains(active, "Rival") {
			t.Errorf("alerts page: active %q, past %q", active, past)
		}
		href := eval[string](t, b, `document.querySelector("#alerts-active a").getAttribute("href")`)
		if !strings.HasPrefix(href, "/mentions?") || !strings.Contains(href, "journey_stage=delivery") || !strings.Contains(href, "sentiment=negative") {
			t.Errorf("alert links to %s", href)
		}
	})
	t.Run("xss-text-shown-literally", func(t *testing.T) {
		b.open(t, ts.URL+"/mentions?q=onerror&"+week)
		text := eval[string](t, b, `document.getElementById("mention-list").textContent`)
		if !strings.Contains(text, `<img src=x onerror="window.__xss=1">`) {
			t.Errorf("payload not shown as text: %q", text)
		}
	})
	t.Run("correct-label", func(t *testing.T) {
		// An admin corrects m1 ("Really happy…", positive) in the detail view;
		// the page sends the CSRF token and the correction shows on reload.
		b.open(t, ts.URL+"/mentions?id=m1&"+week)
		b.run(t, chromedp.WaitVisible("#detail form.correct"))
		// The form says how many corrections the next `ewom learn` will use.
		note := `document.querySelector("#detail form.correct .learning").textContent`
		if got := eval[string](t, b, note); !strings.Contains(got, "will use 0 corrections made since the shipped classifier (0 in all") {
			t.Errorf("learning note before: %q", got)
		}
		eval[bool](t, b, `(() => { const f = document.querySelector("#detail form.correct"); f.elements.sentiment.value = "negative";
			f.elements.note.value = "sarcasm"; f.requestSubmit(); return true })()`)
		b.waitFor(t, `document.querySelector("#detail form.correct [role=status]").textContent.startsWith("Saved")`)
		b.waitFor(t, note+`.includes("will use 1 correction made since the shipped classifier (1 in all")`)
		b.screenshot(t, "desktop-light-correction-form")
		b.open(t, ts.URL+"/mentions?id=m1&"+week)
		b.run(t, chromedp.WaitVisible("#detail .fulltext"))
		b.waitFor(t, `document.getElementById("detail").textContent.includes("Corrected by a person")`)
		b.noErrors(t)
	})
	t.Run("post-per-brand", func(t *testing.T) {
		// A post naming two brands with different labels is one row with a
		// chip per brand.
		if err := s.Insert(context.Background(), postRows("two", "@two@x.example", weekStart.Add(30*time.Minute), 7,
			brandLabel{"TietokoneKoijarit", "negative", -0.7, "churn"}, brandLabel{"Rival", "positive", 0.6, "purchase"})); err != nil {
			t.Fatal(err)
		}
		b.open(t, ts.URL+"/mentions?q=post%20two&"+week)
		rows := eval[[][]string](t, b, `[...document.querySelectorAll("#mention-list li.mention")].map(li =>
			[...li.querySelectorAll(".brand-label")].map(c => c.textContent))`)
		if len(rows) != 1 || len(rows[0]) != 2 || rows[0][0] != "Rivalpositivepurchase" || rows[0][1] != "TietokoneKoijaritnegativechurn" {
			t.Fatalf("post naming two brands: %q", rows)
		}
		b.screenshot(t, "desktop-light-post-per-brand")
		b.noErrors(t)
	})
	t.Run("filters", func(t *testing.T) {
		b.open(t, ts.URL+"/mentions?"+week)
		// Choosing a filter updates the URL (shareable) and the data.
		eval[bool](t, b, `(() => { const s = document.querySelector('select[name="sentiment"]'); s.value = "negative";
			s.dispatchEvent(new Event("change")); return true })()`)
		b.waitFor(t, `location.search.includes("sentiment=negative") && document.body.dataset.ready === "1"`)
		loc := eval[string](t, b, `location.search`)
		chips := eval[[]string](t, b, `[...document.querySelectorAll("#mention-list .brand-label:not(.other) .chip.sentiment")].map(c => c.textContent)`)
		if !strings.Contains(loc, "sentiment=negative") || len(chips) == 0 {
			t.Fatalf("filter not applied: %s %v", loc, chips)
		}
		for _, c := range chips {
			if !strings.HasPrefix(c, "negative") {
				t.Fatalf("non-negative mention after filtering: %v", chips)
			}
		}
		sel := eval[string](t, b, `document.querySelector('select[name="sentiment"]').value`)
		if sel != "negative" {
			t.Fatalf("filter control shows %q after reload", sel)
		}
		b.open(t, ts.URL+"/?brand=Rival&"+week)
		rival := eval[string](t, b, `document.getElementById("kpi-mentions").textContent`)
		b.open(t, ts.URL+"/?brand=TietokoneKoijarit&"+week)
		own := eval[string](t, b, `document.getElementById("kpi-mentions").textContent`)
		if rival == own || rival == "–" {
			t.Fatalf("brand filter did not change the data: %s vs %s", rival, own)
		}
	})
	t.Run("accessibility", func(t *testing.T) {
		b.open(t, ts.URL+"/?"+week)
		// Every control has a label; the first Tab reaches the skip link.
		unlabelled := eval[[]string](t, b, `[...document.querySelectorAll("select, input:not([type=hidden]), button")].filter(e =>
			!(e.labels && e.labels.length) && !e.getAttribute("aria-label") && !e.textContent.trim()).map(e => e.outerHTML)`)
		if len(unlabelled) > 0 {
			t.Errorf("controls without a label: %v", unlabelled)
		}
		b.run(t, chromedp.KeyEvent("\t"))
		focused := eval[string](t, b, `document.activeElement.className`)
		if focused != "skip" {
			t.Errorf("first Tab focused %q, want the skip link", focused)
		}
		if n := eval[int](t, b, `document.querySelectorAll("h1").length`); n != 1 {
			t.Errorf("%d <h1> on the page, want one", n)
		}
		// Arrow keys step through a filter's choices without reloading the
		// page at each step; Enter applies the choice.
		eval[bool](t, b, `(document.querySelector('#filters select[name="sentiment"]').focus(), true)`)
		b.run(t, chromedp.KeyEvent(kb.ArrowDown))
		time.Sleep(500 * time.Millisecond)
		if got := eval[[]any](t, b, `[location.search.includes("sentiment="), document.querySelector('#filters select[name="sentiment"]').value]`); got[0] != false || got[1] == "" {
			t.Fatalf("after ↓ on the sentiment filter: navigated %v, value %q; want no navigation and a new value", got[0], got[1])
		}
		b.run(t, chromedp.KeyEvent(kb.Enter))
		b.waitFor(t, `location.search.includes("sentiment=") && document.body.dataset.ready === "1"`)
		b.open(t, ts.URL+"/?"+week)
		for _, theme := range []string{"light", "dark"} {
			ratios := eval[map[string]float64](t, b, `document.documentElement.dataset.theme = "`+theme+`"; (`+contrastJS+`)()`)
			for pair, r := range ratios {
				if r < 4.5 {
					t.Errorf("%s theme: contrast of %s is %.2f, below 4.5", theme, pair, r)
				}
			}
		}
		b.run(t, chromedp.Click("#theme"), chromedp.Sleep(300*time.Millisecond))
		b.screenshot(t, "desktop-dark-overview")
		b.noErrors(t)
	})
	t.Run("phone", func(t *testing.T) {
		phone := newBrowser(t, 390, 844)
		phone.signIn(t, ts.URL, "viewer", "viewer-pass")
		for _, p := range []string{"overview", "mentions", "journey"} {
			path := map[string]string{"overview": "/", "mentions": "/mentions", "journey": "/journey"}[p]
			phone.open(t, ts.URL+path+"?"+week)
			overflow := eval[bool](t, phone, `document.documentElement.scrollWidth > window.innerWidth + 1`)
			if overflow {
				t.Errorf("%s scrolls sideways on a phone", p)
			}
			phone.screenshot(t, "phone-"+p)
		}
		phone.noErrors(t)
	})
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// contrastJS computes WCAG contrast ratios of the theme's text colours.
const contrastJS = `() => {
  const v = (n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim();
  const lum = (hex) => {
    const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((x) => (x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4)));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const ratio = (a, b) => { const [x, y] = [lum(v(a)), lum(v(b))].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const out = {};
  for (const [f, b] of [["--text", "--bg"], ["--text", "--card"], ["--muted", "--card"], ["--muted", "--bg"], ["--accent", "--card"],
      ["--accent-text", "--accent"], ["--negative", "--card"], ["--positive", "--card"], ["--neutral", "--card"],
      ["--text", "--heat-lo"], ["--text", "--heat-hi"]]) out[f + " on " + b] = ratio(f, b);
  return out;
}`

// The sign-in page in a browser: a next page with a tab in it lands on this
// site (browsers drop tabs from a URL, so "/\t/evil.example" led away), sign
// out ends the session, and the throttle's refusal is shown on the form.
func TestBrowserSignInAndOut(t *testing.T) {
	ts := newTestServer(t, storetest.Embedded(t))
	b := newBrowser(t, 1366, 900)
	b.run(t, chromedp.Navigate(ts.URL+"/login?next="+url.QueryEscape("/\t/evil.example")), chromedp.WaitVisible("#user"),
		chromedp.SetValue("#user", "viewer"), chromedp.SetValue("#password", "viewer-pass"), chromedp.Submit("#password"),
		chromedp.WaitVisible("body[data-page]"))
	// The origin and path: the Overview may add its default period to the
	// query at once (crisis.js, applyDefaults).
	if loc := eval[string](t, b, `location.origin + location.pathname`); loc != ts.URL+"/" {
		t.Fatalf("signed in to %s, want %s/", loc, ts.URL)
	}
	// Submitted from script after the evaluation returns, and awaited
	// across the navigation by waitFor: a click's mouse events could still
	// be looking for the button when its page was already gone ("Could not
	// find node with given id").
	b.run(t, chromedp.Evaluate[chromedp.Void](`setTimeout(() => document.querySelector('form[action="/logout"]').requestSubmit(), 0)`))
	b.waitFor(t, `location.pathname === "/login" && document.querySelector("#user")`)
	b.run(t, chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible("#user"))
	if loc := eval[string](t, b, `location.pathname`); loc != "/login" {
		t.Fatalf("after signing out / shows %s, want the sign-in form", loc)
	}
	fail := func(password string) string {
		b.run(t, chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible("#user"), chromedp.SetValue("#user", "viewer"),
			chromedp.SetValue("#password", password), chromedp.Submit("#password"), chromedp.WaitVisible(".error"))
		return eval[string](t, b, `document.querySelector(".error").textContent`)
	}
	for range config.Default().HTTP.AuthThrottle.PerAccount {
		if msg := fail("guess"); msg != tr("en", "login.bad") {
			t.Fatalf("wrong password: %q", msg)
		}
	}
	if msg := fail("viewer-pass"); msg != "Too many failed sign-ins; try again in 5 minutes." {
		t.Fatalf("throttled sign-in shows %q", msg)
	}
	b.screenshot(t, "sign-in-throttled")
	if errs := b.takeErrors(); len(errs) > 0 {
		t.Logf("console messages (the 401 and 429 answers):\n%s", strings.Join(errs, "\n"))
	}
}
