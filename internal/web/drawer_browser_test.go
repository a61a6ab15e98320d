package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ewom/ewom/internal/store/storetest"
)

// phone makes b a 390 px wide phone (chromium's window cannot be made
// narrower than about 500 px, so the viewport is emulated).
func (b *browser) phone(t testing.TB) {
	t.Helper()
	b.run(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait, chromedp.EmulateScale(2)))
}

// looks runs f in a browser at desktop width and in one on a phone, each
// in the light and the dark theme, signed in as user (password
// user-pass); look is "desktop-light", "phone-dark"…
func looks(t *testing.T, base, user string, f func(t *testing.T, b *browser, look string)) {
	widths(t, base, user, func(t *testing.T, b *browser, width string) {
		for _, theme := range []string{"light", "dark"} {
			t.Run(theme, func(t *testing.T) {
				b.theme(t, theme)
				f(t, b, width+"-"+theme)
			})
		}
	})
}

// widths runs f (as subtest "desktop", then "phone") in a browser at
// desktop width and in one on a 390 px phone, signed in as user (password
// user-pass).
func widths(t *testing.T, base, user string, f func(t *testing.T, b *browser, width string)) {
	for _, width := range []string{"desktop", "phone"} {
		t.Run(width, func(t *testing.T) {
			b := newBrowser(t, 1366, 900)
			if width == "phone" {
				b.phone(t)
			}
			b.signIn(t, base, user, user+"-pass")
			f(t, b, width)
		})
	}
}

// theme sets the theme the next page opens in.
func (b *browser) theme(t testing.TB, theme string) {
	t.Helper()
	b.run(t, chromedp.Evaluate[chromedp.Void](`localStorage.setItem("ewom-theme", "`+theme+`")`))
}

const (
	drawerOpen = `(() => { const d = document.getElementById("mention-drawer"); return d && d.open && d.dataset.ready === "1" ? d.dataset.mention : "" })()`
	// drawerFits is "" when the open drawer lies within the viewport.
	drawerFits = `(() => { const r = document.getElementById("mention-drawer").getBoundingClientRect();
  return r.left >= 0 && r.top >= 0 && r.right <= window.innerWidth + 0.5 && r.bottom <= window.innerHeight + 0.5 && r.width > 300 && r.height > 300
    ? "" : JSON.stringify([r.left, r.top, r.right, r.bottom, window.innerWidth, window.innerHeight]) })()`
	focusInDrawer = `document.getElementById("mention-drawer").contains(document.activeElement)`
	mentionParam  = `new URLSearchParams(location.search).get("mention") || ""`
)

// openDrawer clicks the link to mention id in the list sel and waits for
// the drawer to show it.
func (b *browser) openDrawer(t testing.TB, sel, id string) {
	t.Helper()
	link := fmt.Sprintf(`%s a[data-mention=%q]`, sel, id)
	b.run(t, chromedp.ScrollIntoView(link), chromedp.Click(link))
	b.waitFor(t, drawerOpen+` === `+fmt.Sprintf("%q", id))
}

// The mention drawer at desktop and phone widths, light and dark: a post
// naming two brands is one item of the list; clicked, it opens in the
// viewport with each brand's labels, the URL names it, focus is inside and
// stays there under Tab, Escape closes it and gives focus back to the
// link; Back closes it; the URL opens it again on reload. It opens from
// the Overview's top negative mentions, the Topics page's stories and the
// Alerts page's example posts too.
func TestBrowserMentionDrawer(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 300)
	if err := s.Insert(context.Background(), postRows("two", "@two@x.example", weekStart.Add(30*time.Minute), 7,
		brandLabel{"TietokoneKoijarit", "negative", -0.7, "churn"}, brandLabel{"Rival", "positive", 0.6, "purchase"})); err != nil {
		t.Fatal(err)
	}
	crisisAlerts(t, s)
	base := alertServer(t, s).URL
	list := base + "/mentions?q=post%20two&" + week

	looks(t, base, "admin", func(t *testing.T, b *browser, look string) {
		b.open(t, list)
		if strings.HasPrefix(look, "phone") {
			if w := eval[int](t, b, `window.innerWidth`); w != 390 {
				t.Fatalf("phone viewport %d px wide", w)
			}
		}
		items := eval[[]string](t, b, `[...document.querySelectorAll("#mention-list li.mention a[data-mention]")].map(a => a.dataset.mention)`)
		if len(items) != 1 || items[0] != "two" {
			t.Fatalf("the post naming two brands is listed as %q, want once", items)
		}
		b.openDrawer(t, "#mention-list", "two")
		if p := eval[string](t, b, drawerFits); p != "" {
			t.Errorf("drawer outside the viewport: %s", p)
		}
		if id := eval[string](t, b, mentionParam); id != "two" {
			t.Errorf("URL names mention %q", id)
		}
		if !eval[bool](t, b, focusInDrawer) {
			t.Error("focus is not in the drawer")
		}
		// Each brand's labels, once each.
		labels := eval[map[string]string](t, b, `Object.fromEntries([...document.querySelectorAll("#mention-drawer .brand-detail")].map(s =>
					[s.dataset.brand, [...s.querySelectorAll(".chip")].map(c => c.textContent).join(" ")]))`)
		if len(labels) != 2 || labels["TietokoneKoijarit"] != "negative earned churn" || labels["Rival"] != "positive earned purchase" {
			t.Errorf("labels per brand: %q", labels)
		}
		// The admin's correction form is there, with a brand to choose.
		if n := eval[int](t, b, `document.querySelectorAll('#mention-drawer form.correct select[name="brand"] option').length`); n != 2 {
			t.Errorf("correction form offers %d brands, want 2", n)
		}
		b.viewportShot(t, look+"-mention-drawer")
		// Tab goes round the drawer's controls and never leaves it.
		for i := range 40 {
			b.run(t, chromedp.KeyEvent(kb.Tab))
			if !eval[bool](t, b, focusInDrawer) {
				t.Fatalf("Tab %d left the drawer for %s", i+1, eval[string](t, b, `document.activeElement.outerHTML.slice(0, 120)`))
			}
		}
		b.run(t, chromedp.KeyEvent(kb.Escape))
		b.waitFor(t, `!document.getElementById("mention-drawer").open`)
		b.waitFor(t, mentionParam+` === ""`)
		if got := eval[string](t, b, `document.activeElement.dataset.mention || document.activeElement.tagName`); got != "two" {
			t.Errorf("after Escape the focus is on %s, want the mention's link", got)
		}
		// Back closes it.
		b.openDrawer(t, "#mention-list", "two")
		b.run(t, chromedp.Evaluate[chromedp.Void](`history.back()`))
		b.waitFor(t, `!document.getElementById("mention-drawer").open && location.search.indexOf("mention=") < 0`)
		// The URL opens it on reload; closed, the list is as it was.
		b.open(t, list+"&mention=two")
		b.waitFor(t, drawerOpen+` === "two"`)
		if p := eval[string](t, b, drawerFits); p != "" {
			t.Errorf("reloaded: drawer outside the viewport: %s", p)
		}
		if !eval[bool](t, b, focusInDrawer) {
			t.Error("reloaded: focus is not in the drawer")
		}
		b.run(t, chromedp.KeyEvent(kb.Escape))
		b.waitFor(t, `!document.getElementById("mention-drawer").open && `+mentionParam+` === ""`)
		if q := eval[string](t, b, `location.search`); !strings.Contains(q, "q=post+two") {
			t.Errorf("closed, the URL is %s", q)
		}
		b.noErrors(t)
	})

	t.Run("other-lists", func(t *testing.T) {
		b := newBrowser(t, 1366, 900)
		b.signIn(t, base, "viewer", "viewer-pass")
		for _, l := range []struct{ name, page, list string }{{"overview", "/?brand=TietokoneKoijarit&", "#top-negative"},
			{"topics", "/topics?", "#topics-story-list"}, {"alerts", "/alerts?", "#alerts-active .examples"}} {
			b.open(t, base+l.page+week)
			id := eval[string](t, b, `(document.querySelector("`+l.list+` a[data-mention]") || {dataset: {}}).dataset.mention || ""`)
			if id == "" {
				t.Fatalf("%s: no mention link in %s", l.page, l.list)
			}
			b.openDrawer(t, l.list, id)
			if p := eval[string](t, b, drawerFits); p != "" {
				t.Errorf("%s: drawer outside the viewport: %s", l.page, p)
			}
			if text := eval[string](t, b, `document.querySelector("#mention-drawer .fulltext").textContent`); text == "" {
				t.Errorf("%s: the drawer shows no text", l.page)
			}
			if problem := eval[string](t, b, xssInert); problem != "" {
				t.Errorf("%s: XSS: %s", l.page, problem)
			}
			b.viewportShot(t, "desktop-light-drawer-from-"+l.name)
			b.run(t, chromedp.KeyEvent(kb.Escape))
			b.waitFor(t, `!document.getElementById("mention-drawer").open`)
			if got := eval[string](t, b, `document.activeElement.dataset.mention || ""`); got != id {
				t.Errorf("%s: focus back on %q, want %q", l.page, got, id)
			}
		}
		// A mention that is not stored: the drawer says so.
		b.open(t, base+"/mentions?mention=nope&"+week)
		b.waitFor(t, drawerOpen+` === "nope"`)
		if got := eval[string](t, b, `document.querySelector("#mention-drawer [role=alert]").textContent`); got != "Could not load the mention: no mention with this id" {
			t.Errorf("unknown mention: %q", got)
		}
		if errs := b.takeErrors(); len(errs) > 0 {
			t.Logf("console messages (the 404 answer):\n%s", strings.Join(errs, "\n"))
		}
	})
}
