package web

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chromedp/chromedp"

	"github.com/ewom/ewom/internal/store/storetest"
)

// uiTextJS collects what a person reads on the page: every text node of
// the document (hidden ones too: a message shown later is on the page
// already), the title, and the aria-label, title, placeholder and alt
// attributes. Left out, as data rather than the UI's words: what is marked
// with another language than the page's (posts, and each language's name in
// the switch), authors (.author), terms found in posts (.term) and code.
const uiTextJS = `(() => {
  const ui = document.documentElement.lang;
  const data = (e) => { const l = e.closest('[lang]'); return (l && l.lang !== ui) || !!e.closest('.author, .term, code, script, style'); };
  const out = [document.title];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (n.parentElement && !data(n.parentElement) && n.textContent.trim()) out.push(n.textContent.trim());
  }
  for (const e of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
    if (data(e)) continue;
    for (const a of ['aria-label', 'title', 'placeholder', 'alt']) if (e.getAttribute(a)) out.push(e.getAttribute(a));
  }
  return out;
})()`

// switchLang chooses lang with the switch in the page's header and waits
// for the page it returns to, in lang, to meet then (JavaScript).
func (b *browser) switchLang(t testing.TB, lang, then string) {
	t.Helper()
	// Clicked after the evaluation returns: the page goes away under it.
	b.run(t, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`setTimeout(() => document.querySelector('.lang-switch button[value=%q]').click(), 0)`, lang)))
	b.waitFor(t, fmt.Sprintf(`document.documentElement.lang === %q && (%s)`, lang, then))
}

// postsWithoutLang lists the posts' texts (in lists, details, timelines,
// stories and alert examples) that have no lang.
const postsWithoutLang = `[...document.querySelectorAll('.mention > .linklike, .mention > a, .mention > .text, #detail .fulltext, ' +
  '.examples .text, #timeline li.event > a')].filter((e) => !e.lang).map((e) => e.textContent.slice(0, 40))`

// englishUIWords are English words a UI commonly shows, beyond the
// catalogs' own (a string written in English outside the catalogs is
// caught by them too).
var englishUIWords = strings.Fields(`the and with for from this that these all none not yes select show hide loading load could
	error failed save saved delete remove cancel close open next previous more less new search filter filters apply sign out
	name shared mention mentions alert alerts sentiment positive negative neutral reach followers author authors source sources
	language languages stage stages journey touchpoint touchpoints topics stories story details original link theme dark light
	download export page nothing unknown corrected person classifier evidence recorded period week day days hour hours minute
	minutes seconds today yesterday ago since until about over time custom last brand brands net share voice volume mix top
	growth change expected emerging phrase phrases word words term terms timeline returning path summary overview acknowledge
	acknowledged assign assigned assignee comment comments snooze snoozed resolve resolved firing history actions example
	examples nobody warning critical major spike awareness consideration purchase delivery usage service loyalty churn owned
	earned paid note correct labels label user password token`)

// urlRE matches links shown as text.
var urlRE = regexp.MustCompile(`https?://\S+`)

// wordRE splits text into words (letters of any script).
var wordRE = regexp.MustCompile(`\p{L}+`)

// words are a text's words of three letters or more, lower-cased.
func words(s string) []string {
	var out []string
	for _, w := range wordRE.FindAllString(s, -1) {
		if utf8.RuneCountInString(w) >= 3 {
			out = append(out, strings.ToLower(w))
		}
	}
	return out
}

// englishDetector finds English in a UI said to be in lang: whole strings
// that are English catalog texts (unless lang has the same text on purpose,
// sameAsEnglish), and English words — of the English catalogs and
// englishUIWords, less the words of the other languages' texts that no
// English text has, and those of texts the same on purpose. A text left
// in English in the fi or sv catalog is caught either way.
type englishDetector struct {
	texts map[string]bool
	words map[string]bool
	data  []string // data shown as it is (brands, authors, payloads), cut out before looking
}

// sharedWords are words every language's texts use: technical terms,
// Swedish words spelt as in English, and the English search hint's Finnish
// example. Sources' names (SOURCE_NAMES in strings.js) are added to them.
var sharedWords = strings.Fields("ewom pdf csv excel peso api token data dir admin learn pseudonym per period toimitus")

func newEnglishDetector(t *testing.T, lang string, data []string) englishDetector {
	d := englishDetector{texts: map[string]bool{}, words: map[string]bool{}, data: data}
	bare := func(s string) string { return strings.TrimSpace(placeholderRE.ReplaceAllString(s, "")) }
	inEnglish := map[string]bool{}
	for _, w := range englishUIWords {
		d.words[w] = true
	}
	cats := []map[string]map[string]string{catalog, jsStrings(t)}
	for _, cat := range cats {
		for _, v := range cat["en"] {
			d.texts[bare(v)] = true
			for _, w := range words(bare(v)) {
				d.words[w], inEnglish[w] = true, true
			}
		}
	}
	for _, w := range append(sharedWords, words(strings.Join(sourceNames(t), " "))...) {
		delete(d.words, w)
	}
	for _, cat := range cats {
		for l, texts := range cat {
			if l == "en" {
				continue
			}
			for k, v := range texts {
				same := sameOnPurpose(l, k)
				for _, w := range words(bare(v)) {
					if same || !inEnglish[w] {
						delete(d.words, w)
					}
				}
				if same && l == lang {
					delete(d.texts, bare(v))
				}
			}
		}
	}
	delete(d.texts, "")
	return d
}

// sourceNames are the names of SOURCE_NAMES in strings.js.
func sourceNames(t *testing.T) []string {
	src, err := os.ReadFile("../../dashboards/web/src/strings.js")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?s)const SOURCE_NAMES = \{(.*?)\n\};`).FindSubmatch(src)
	if block == nil {
		t.Fatal("strings.js: no SOURCE_NAMES")
	}
	var names []string
	for _, m := range regexp.MustCompile(`\w+: '([^']*)'`).FindAllSubmatch(block[1], -1) {
		names = append(names, string(m[1]))
	}
	return names
}

// find returns the English in texts, one line each.
func (d englishDetector) find(texts []string) []string {
	found := map[string]bool{}
	for _, s := range texts {
		for _, x := range d.data {
			s = strings.ReplaceAll(s, x, " ")
		}
		s = urlRE.ReplaceAllString(s, " ")
		s = strings.TrimSpace(s)
		if d.texts[s] {
			found[fmt.Sprintf("%q is an English catalog text", s)] = true
			continue
		}
		for _, w := range words(s) {
			if d.words[w] {
				found[fmt.Sprintf("%q in %q", w, s)] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(found))
}

// TestBrowserNoEnglishInFinnishAndSwedish visits every page in Finnish and
// in Swedish, chosen with the header's switch — the Overview, Mentions with
// a mention's details and its correction form, the Journey with an
// author's timeline, Topics, the Alerts with an alert acknowledged and
// commented (its workflow and history), the crisis banner, and the sign-in
// page — and fails on any English the page shows or names in its labels.
// The same detector on the English UI must find plenty, or it finds
// nothing anywhere.
func TestBrowserNoEnglishInFinnishAndSwedish(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 300)
	crisisAlerts(t, s)
	base := alertServer(t, s).URL
	// Data shown as it is: brands, user names, authors, payloads.
	data := append([]string{"TietokoneKoijarit", "Koijarit", "Rival", "admin", "viewer", "XED"}, xssCorpus...)
	for i := range 23 {
		data = append(data, fmt.Sprintf("@u%d@social.example", i), fmt.Sprintf("User %d", i))
	}
	slices.SortFunc(data, func(a, b string) int { return len(b) - len(a) }) // "User 12" before "User 1"

	b := newBrowser(t, 1366, 900)
	b.signIn(t, base, "admin", "admin-pass")
	type page struct{ name, path, ready string }
	pages := []page{
		{"overview", "/?brand=TietokoneKoijarit&" + week, ""},
		{"mentions", "/mentions?" + week, ""},
		{"mention-drawer", "/mentions?mention=m1&" + week, `document.querySelector("#mention-drawer[data-ready] form.correct")`},
		{"journey", "/journey?" + week, ""},
		{"topics", "/topics?" + week, ""},
		{"alerts", "/alerts", `document.querySelector("#alert-own-1 .alert-actions")`},
		{"competitors", "/competitors?" + week, ""},
	}
	visit := func(t *testing.T, lang string, p page) []string {
		t.Helper()
		b.open(t, base+p.path)
		if p.ready != "" {
			b.waitFor(t, p.ready)
		}
		b.waitFor(t, `document.body.dataset.crisis !== undefined`)
		switch p.name {
		case "journey": // an author's timeline
			b.run(t, chromedp.Evaluate[chromedp.Void](`document.querySelector("#journey-authors button").click()`))
			b.waitFor(t, `document.querySelector("#timeline li.event")`)
		case "alerts": // the history, opened
			b.run(t, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details.history").forEach((d) => d.open = true)`))
		}
		if got := eval[string](t, b, `document.documentElement.lang`); got != lang {
			t.Fatalf("%s: <html lang=%q>, want %q", p.name, got, lang)
		}
		// Each post's text says its language.
		if bare := eval[[]string](t, b, postsWithoutLang); len(bare) > 0 {
			t.Errorf("%s: posts without lang: %q", p.name, bare)
		}
		b.screenshot(t, "i18n-"+lang+"-"+p.name)
		return eval[[]string](t, b, uiTextJS)
	}

	// The English UI: the detector must see its English.
	en := newEnglishDetector(t, "fi", data)
	var english []string
	for _, p := range pages {
		english = append(english, en.find(visit(t, "en", p))...)
	}
	if len(english) < 100 {
		t.Fatalf("the detector found only %d English strings in the English UI: %v", len(english), english)
	}

	for _, lang := range []string{"fi", "sv"} {
		t.Run(lang, func(t *testing.T) {
			// The switch in the header, from whatever page.
			b.open(t, base+"/mentions?"+week)
			b.switchLang(t, lang, `location.pathname === "/mentions" && document.body.dataset.ready === "1"`)
			d := newEnglishDetector(t, lang, data)
			for _, p := range pages {
				if found := d.find(visit(t, lang, p)); len(found) > 0 {
					t.Errorf("%s in %s shows English:\n%s", p.name, lang, strings.Join(found, "\n"))
				}
			}
			// The classifier's explanations in the drawer are in the UI's
			// language too: nothing but the (English) post's own words is
			// marked English.
			b.open(t, base+"/mentions?mention=m1&"+week)
			b.waitFor(t, `document.querySelector("#mention-drawer[data-ready] ul.evidence li")`)
			if got := eval[[]string](t, b, `[...document.querySelectorAll("#mention-drawer [lang=en]:not(code, .fulltext, .drawer-post-title)")].map((e) => e.textContent)`); len(got) > 0 {
				t.Errorf("the mention drawer in %s shows the classifier's English: %q", lang, got)
			}
			// The alert workflow's own words: acknowledged with a comment
			// in Finnish, then commented and snoozed in Swedish.
			b.open(t, base+"/alerts")
			b.waitFor(t, `document.querySelector("#alert-own-1 .alert-actions")`)
			for _, act := range map[string][]string{"fi": {"act-acknowledge"}, "sv": {"act-comment", "act-snooze"}}[lang] {
				b.run(t, chromedp.Evaluate[chromedp.Void](`(() => { const li = document.getElementById("alert-own-1");
					li.querySelector("textarea").value = "Koijarit"; li.querySelector(".`+act+`").click(); })()`))
				b.waitFor(t, `document.querySelector("#alert-own-1 .saved")`)
			}
			b.run(t, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details.history").forEach((d) => d.open = true)`))
			if found := d.find(eval[[]string](t, b, uiTextJS)); len(found) > 0 {
				t.Errorf("alerts after an action in %s show English:\n%s", lang, strings.Join(found, "\n"))
			}
			b.screenshot(t, "i18n-"+lang+"-alert-acknowledged")
			b.noErrors(t)
		})
	}

	t.Run("sign-in", func(t *testing.T) {
		// Signed out, the sign-in page keeps the language chosen (sv, the
		// last) and shows its error messages in it.
		b.run(t, chromedp.Navigate(base+"/"), chromedp.WaitVisible("body[data-page]"),
			chromedp.Evaluate[chromedp.Void](`setTimeout(() => document.querySelector('form[action="/logout"]').requestSubmit(), 0)`))
		b.waitFor(t, `location.pathname === "/login" && document.querySelector("#user")`)
		b.run(t, chromedp.SetValue("#user", "viewer"), chromedp.SetValue("#password", "wrong"), chromedp.Submit("#password"),
			chromedp.WaitVisible(".error"))
		d := newEnglishDetector(t, "sv", data)
		texts := eval[[]string](t, b, uiTextJS)
		if found := d.find(texts); len(found) > 0 {
			t.Errorf("the sign-in page in sv shows English:\n%s", strings.Join(found, "\n"))
		}
		if !slices.Contains(texts, tr("sv", "login.bad")) {
			t.Errorf("the sign-in page's error in sv: %q", texts)
		}
		// Switched to Finnish there.
		b.switchLang(t, "fi", `document.querySelector("#user")`)
		if found := newEnglishDetector(t, "fi", data).find(eval[[]string](t, b, uiTextJS)); len(found) > 0 {
			t.Errorf("the sign-in page in fi shows English:\n%s", strings.Join(found, "\n"))
		}
		b.screenshot(t, "i18n-fi-sign-in")
	})

	t.Run("phone", func(t *testing.T) {
		// 390 px wide (device metrics emulation: a window cannot be that
		// narrow), light and dark: the switch and the longer Finnish and
		// Swedish words fit without sideways scrolling.
		phone := newBrowser(t, 1366, 900)
		phone.phone(t)
		phone.signIn(t, base, "viewer", "viewer-pass")
		for _, lang := range []string{"fi", "sv"} {
			phone.switchLang(t, lang, `document.body.dataset.ready === "1"`)
			for _, theme := range []string{"light", "dark"} {
				phone.theme(t, theme)
				for name, p := range map[string]string{"overview": "/?" + week, "alerts": "/alerts"} {
					phone.open(t, base+p)
					if w := eval[float64](t, phone, `window.innerWidth`); w != 390 {
						t.Fatalf("the page is %v px wide, want 390", w)
					}
					if eval[bool](t, phone, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
						t.Errorf("%s %s %s scrolls sideways on a phone", lang, theme, name)
					}
					if r := eval[float64](t, phone, `document.querySelector(".lang-switch").getBoundingClientRect().right`); r > 390 {
						t.Errorf("%s %s %s: the language switch reaches %v px, past the screen", lang, theme, name, r)
					}
					phone.screenshot(t, "i18n-phone-"+lang+"-"+theme+"-"+name)
				}
			}
		}
		phone.noErrors(t)
	})
}

// BenchmarkOverviewByLanguage: the Overview fully drawn (the browser
// test's 300 mentions and alerts, desktop Chromium) in English, Finnish and
// Swedish, loads alternating between the languages; reports each one's mean
// and Finnish's and Swedish's ratio to English's, measured in the same run.
func BenchmarkOverviewByLanguage(b *testing.B) {
	s := storetest.Embedded(b)
	seed(b, s, 300)
	crisisAlerts(b, s)
	base := alertServer(b, s).URL
	br := newBrowser(b, 1366, 900)
	br.signIn(b, base, "viewer", "viewer-pass")
	langs := []string{"en", "fi", "sv"}
	sum := map[string]float64{}
	loads := 0
	for range b.N {
		for _, lang := range langs {
			br.switchLang(b, lang, `document.body.dataset.ready === "1"`)
			br.open(b, base+"/?brand=TietokoneKoijarit&"+week) // a first load in the language, not counted
			for range 4 {
				br.open(b, base+"/?brand=TietokoneKoijarit&"+week)
				ms, err := strconv.ParseFloat(eval[string](b, br, `document.body.dataset.readyMs`), 64)
				if err != nil {
					b.Fatal(err)
				}
				sum[lang] += ms
			}
		}
		loads += 4
	}
	for _, lang := range langs {
		b.ReportMetric(sum[lang]/float64(loads), "overview-ms/"+lang)
	}
	b.ReportMetric(sum["fi"]/sum["en"], "fi/en")
	b.ReportMetric(sum["sv"]/sum["en"], "sv/en")
}
