package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/store/storetest"
)

// TestBrowserSearch searches with the query language in the UI: a bad
// query is explained under the search box with the caret where it is
// wrong; a good one filters the list; saving it puts it in the saved-query
// menu, which applies it on another page, and deleting it removes it.
func TestBrowserSearch(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 120)
	ts := newTestServer(t, s)
	b := newBrowser(t, 1366, 900)
	b.signIn(t, ts.URL, "admin", "admin-pass")

	b.open(t, ts.URL+"/mentions?q="+url.QueryEscape("toimitus (delivery")+"&"+week)
	b.waitFor(t, `document.getElementById("search-error").textContent !== ""`)
	if msg := eval[string](t, b, `document.getElementById("search-error").textContent`); msg != "at character 10: unclosed (" {
		t.Errorf("search error %q", msg)
	}
	if got := eval[[]any](t, b, `(() => { const i = document.querySelector('#filters input[name="q"]');
		return [i.getAttribute("aria-invalid"), i.selectionStart] })()`); got[0] != "true" || got[1] != float64(9) {
		t.Errorf("search box invalid, caret: %v, want true at 9", got)
	}
	// In Finnish and Swedish the error is said in the UI's language (the
	// API names it with a code), then back to English.
	for lang, want := range map[string]string{"fi": "merkin 10 kohdalla: sulkematon (", "sv": "vid tecken 10: ( stängs inte"} {
		b.switchLang(t, lang, `document.getElementById("search-error").textContent !== ""`)
		if msg := eval[string](t, b, `document.getElementById("search-error").textContent`); msg != want {
			t.Errorf("search error in %s %q, want %q", lang, msg, want)
		}
	}
	b.switchLang(t, "en", `document.getElementById("search-error").textContent !== ""`)
	// The browser logs the answers refused: those and nothing else.
	for _, e := range b.takeErrors() {
		if !strings.Contains(e, "status of 400") {
			t.Errorf("console error: %s", e)
		}
	}

	b.open(t, ts.URL+"/mentions?q="+url.QueryEscape("toimitus OR delivery")+"&"+week)
	texts := eval[[]string](t, b, `[...document.querySelectorAll("#mention-list li.mention")].map(li => li.textContent.toLowerCase())`)
	if len(texts) != 25 {
		t.Fatalf("%d mentions listed, want a full page of 25", len(texts))
	}
	for _, x := range texts {
		if !strings.Contains(x, "toimitus") && !strings.Contains(x, "delivery") {
			t.Errorf("listed without a match: %q", x)
		}
	}
	if got := eval[string](t, b, `document.getElementById("search-error").textContent`); got != "" {
		t.Errorf("search error for a good query: %q", got)
	}

	// Saved from the filter bar, it opens on the overview as the menu's choice.
	eval[bool](t, b, `(() => { document.getElementById("save-name").value = "Delivery talk";
		document.getElementById("save-query").click(); return true })()`)
	b.waitFor(t, `location.search.startsWith("?saved=") && document.body.dataset.ready === "1"`)
	menu := eval[[]string](t, b, `(() => { const m = document.getElementById("saved-menu"); return [m.value, m.selectedOptions[0].textContent] })()`)
	if menu[0] == "" || menu[1] != "Delivery talk" {
		t.Fatalf("saved-query menu %q", menu)
	}
	b.open(t, ts.URL+"/?saved="+url.QueryEscape(menu[0]))
	if got := eval[string](t, b, `document.getElementById("saved-menu").value`); got != menu[0] {
		t.Errorf("overview's menu %q, want %q", got, menu[0])
	}
	// The seed's texts 0 and 1 (of 8) match: 30 of the 120 posts, over
	// its week (the saved from and to, since the link names no time).
	if got := eval[string](t, b, `document.getElementById("kpi-mentions").textContent`); got != "30" {
		t.Errorf("overview's mentions with the saved query: %q, want 30", got)
	}
	eval[bool](t, b, `(() => { document.getElementById("delete-query").click(); return true })()`)
	b.waitFor(t, `!location.search.includes("saved=") && document.body.dataset.ready === "1"`)
	if n := eval[int](t, b, `document.getElementById("saved-menu").options.length`); n != 1 {
		t.Errorf("after deleting, the menu has %d options, want only None", n)
	}
	b.noErrors(t)
}
