package web

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ewom/ewom/internal/store/storetest"
)

// TestTopicsPage draws the Topics page of the crisis week in headless
// Chromium: the crisis phrases are emerging, each links to its mentions,
// and the copy-paste wave is the largest story.
func TestTopicsPage(t *testing.T) {
	s := storetest.Embedded(t)
	fx := newTopicFixture(t)
	if err := s.Insert(context.Background(), fx.rows); err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, s)
	b := newBrowser(t, 1366, 900)
	b.signIn(t, ts.URL, "viewer", "viewer-pass")
	b.open(t, ts.URL+"/topics?brand=TietokoneKoijarit&"+week)
	emerging := eval[[]string](t, b, `[...document.querySelectorAll("#topics-emerging tbody a.term")].map(a => a.textContent)`)
	for _, want := range []string{"toimitus myöhässä", "asiakaspalvelu ei vastaa"} {
		if !slices.Contains(emerging, want) {
			t.Errorf("%q not among the emerging terms %q", want, emerging)
		}
	}
	if n := eval[string](t, b, `document.getElementById("topics-stories").textContent`); n != "7" {
		t.Errorf("stories %q, want 7", n)
	}
	story := eval[string](t, b, `document.querySelector("#topics-story-list li .meta").textContent`)
	if !strings.HasPrefix(story, "12 mentions") {
		t.Errorf("largest story: %q", story)
	}
	brands := eval[string](t, b, `document.querySelector("#topics-compare thead").textContent`)
	if !strings.Contains(brands, "TietokoneKoijarit") || !strings.Contains(brands, "Rival") {
		t.Errorf("brands compared: %q", brands)
	}
	if problem := eval[string](t, b, xssInert); problem != "" {
		t.Errorf("XSS: %s", problem)
	}
	b.screenshot(t, "desktop-light-topics")

	// The emerging phrase leads to its 30 mentions, with the filters kept.
	href := eval[string](t, b, `[...document.querySelectorAll("#topics-emerging tbody a.term")].find(a => a.textContent === "toimitus myöhässä").getAttribute("href")`)
	if !strings.Contains(href, "term=toimitus+my%C3%B6h%C3%A4ss%C3%A4") || !strings.Contains(href, "brand=TietokoneKoijarit") {
		t.Errorf("emerging phrase links to %s", href)
	}
	b.run(t, chromedp.Navigate(ts.URL+href), chromedp.WaitVisible(`body[data-ready="1"]`))
	texts := eval[[]string](t, b, `[...document.querySelectorAll("#mention-list li.mention")].map(li => li.textContent)`)
	if len(texts) != 25 {
		t.Errorf("%d mentions on the first page, want 25 of 30", len(texts))
	}
	for _, text := range texts {
		if !strings.Contains(strings.ToLower(text), "toimitus") {
			t.Errorf("mention without the phrase: %q", text)
		}
	}
	b.noErrors(t)
}

// TestBrowserTopicsEmptyState: a search that matches nothing leaves every
// Topics table and the stories empty, each saying so with a "Clear
// filters" link that keeps the brand and the period; following it fills
// the tables again. On a desktop and a 390 px phone (no sideways scroll).
func TestBrowserTopicsEmptyState(t *testing.T) {
	s := storetest.Embedded(t)
	fx := newTopicFixture(t)
	if err := s.Insert(context.Background(), fx.rows); err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, s)
	clear := "/topics?brand=TietokoneKoijarit&" + strings.NewReplacer(":", "%3A").Replace(week)
	widths(t, ts.URL, "viewer", func(t *testing.T, b *browser, width string) {
		b.open(t, ts.URL+"/topics?brand=TietokoneKoijarit&q=zebra&"+week)
		for _, c := range []struct{ id, text string }{
			{"topics-emerging", "Nothing for these filters. Clear filters"},
			{"topics-phrases", "Nothing for these filters. Clear filters"},
			{"topics-words", "Nothing for these filters. Clear filters"},
			{"topics-compare", "Nothing for these filters. Clear filters"},
			{"topics-story-list", "No story was told twice. Clear filters"},
		} {
			got := eval[[]string](t, b, fmt.Sprintf(`(() => { const n = document.getElementById(%q); const a = n.querySelector("a.clear-filters");
				const body = n.querySelector("tbody") || n; return [body.textContent, a ? a.getAttribute("href") : ""] })()`, c.id))
			if got[0] != c.text || got[1] != clear {
				t.Errorf("%s: %q, Clear filters to %q; want %q to %q", c.id, got[0], got[1], c.text, clear)
			}
		}
		if eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Error("the page scrolls sideways")
		}
		b.screenshot(t, width+"-light-topics-empty")
		clickOn(t, b, "#topics-emerging a.clear-filters")
		b.waitFor(t, `!location.search.includes("q=") && document.body.dataset.ready === "1"`)
		if n := eval[int](t, b, `document.querySelectorAll("#topics-emerging tbody a.term").length`); n == 0 ||
			eval[int](t, b, `document.querySelectorAll("a.clear-filters").length`) != 0 {
			t.Errorf("after Clear filters: %d emerging terms, page %s", n, eval[string](t, b, `location.search`))
		}
		b.noErrors(t)
	})
}
