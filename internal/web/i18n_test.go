package web

import (
	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/query"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/store/storetest"
)

var placeholderRE = regexp.MustCompile(`\{(\w+)\}`)

// placeholders are a text's {names}, sorted.
func placeholders(s string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

// sameAsEnglish are the keys whose text is the same in a language as in
// English, on purpose: words Swedish shares with English, and technical
// terms. Any other text equal to its English is an untranslated leftover.
// (Sources' names, the same everywhere, are outside the languages:
// SOURCE_NAMES in strings.js.)
var sameAsEnglish = map[string][]string{
	"fi": {"evidence_alias", "evidence_emoji", "tpw_podcast"},
	"sv": {"col.term", "f.sentiment", "term", "sentiment", "sentiment_neutral", "original", "originalLink", "evidence_alias", "evidence_emoji",
		"source_forum", "source_import", "ev_negation"},
}

// sameOnPurpose says whether key's text in lang may equal its English.
func sameOnPurpose(lang, key string) bool {
	return slices.Contains(sameAsEnglish[lang], key)
}

// checkComplete fails on a key missing or empty in a language, whose
// placeholders differ from English, or whose text is English's without
// sameOnPurpose.
func checkComplete(t *testing.T, what string, byLang map[string]map[string]string) {
	t.Helper()
	for _, l := range uiLangs[1:] {
		for k, v := range byLang[l] {
			// A text of placeholders and punctuation only has no language.
			same := v == byLang["en"][k] && regexp.MustCompile(`\pL`).MatchString(placeholderRE.ReplaceAllString(v, ""))
			switch {
			case same && !sameOnPurpose(l, k):
				t.Errorf("%s: %q is the same in %s as in English (%q); translate it, or list it in sameAsEnglish", what, k, l, v)
			case !same && sameOnPurpose(l, k):
				t.Errorf("%s: %q is listed in sameAsEnglish[%s] but differs from English", what, k, l)
			}
		}
	}
	for _, l := range uiLangs {
		if len(byLang[l]) == 0 {
			t.Fatalf("%s: no strings in %s", what, l)
		}
	}
	for _, l := range uiLangs {
		for _, other := range uiLangs {
			for k, v := range byLang[l] {
				w, ok := byLang[other][k]
				switch {
				case !ok:
					t.Errorf("%s: %q is in %s but not in %s", what, k, l, other)
				case strings.TrimSpace(w) == "":
					t.Errorf("%s: %q is empty in %s", what, k, other)
				case !slices.Equal(placeholders(v), placeholders(w)):
					t.Errorf("%s: %q has placeholders %v in %s, %v in %s", what, k, placeholders(v), l, placeholders(w), other)
				}
			}
		}
	}
}

func TestCatalogComplete(t *testing.T) {
	checkComplete(t, "i18n_catalog.go", catalog)
	if len(catalog) != len(uiLangs) {
		t.Errorf("the catalog has %d languages, the UI %d", len(catalog), len(uiLangs))
	}
}

// jsStrings reads dashboards/web/src/strings.js's STRINGS: per language
// block ("  en: {" … "  },"), its 'key: value' entries.
func jsStrings(t *testing.T) map[string]map[string]string {
	t.Helper()
	src, err := os.ReadFile("../../dashboards/web/src/strings.js")
	if err != nil {
		t.Fatal(err)
	}
	body, _, ok := strings.Cut(string(src), "\n};\n")
	if !ok {
		t.Fatal("strings.js: no end of STRINGS")
	}
	block := regexp.MustCompile(`(?m)^  (\w+): \{\n`)
	entry := regexp.MustCompile(`(\w+): '((?:[^'\\]|\\.)*)'`)
	out := map[string]map[string]string{}
	starts := block.FindAllStringSubmatchIndex(body, -1)
	for i, s := range starts {
		end := len(body)
		if i+1 < len(starts) {
			end = starts[i+1][0]
		}
		lang := body[s[2]:s[3]]
		out[lang] = map[string]string{}
		for _, m := range entry.FindAllStringSubmatch(body[s[1]:end], -1) {
			if _, dup := out[lang][m[1]]; dup {
				t.Errorf("strings.js: %q twice in %s", m[1], lang)
			}
			out[lang][m[1]] = strings.ReplaceAll(m[2], `\'`, `'`)
		}
	}
	return out
}

// TestExplanationPhrasesTranslated finds every phrase the API may name an
// explanation's English words with (classify.NoteKey and the kinds of post
// in touchpoint reasons), and every search query error code, in
// strings.js, and TestStringsComplete then in every language.
func TestExplanationPhrasesTranslated(t *testing.T) {
	en := jsStrings(t)["en"]
	keys := classify.PhraseKeys()
	keys = append(keys, query.ErrorCodes()...)
	for _, kind := range classify.PostKinds() {
		keys = append(keys, "tpw_"+strings.NewReplacer(" ", "_", "-", "_").Replace(kind))
	}
	for _, k := range keys {
		if _, ok := en[k]; !ok {
			t.Errorf("strings.js has no %s", k)
		}
	}
}

func TestStringsComplete(t *testing.T) {
	js := jsStrings(t)
	if len(js) != len(uiLangs) {
		t.Errorf("strings.js has languages %v, the UI %v", slices.Sorted(func(yield func(string) bool) {
			for l := range js {
				if !yield(l) {
					return
				}
			}
		}), uiLangs)
	}
	if len(js["en"]) < 100 {
		t.Fatalf("strings.js: read only %d English strings; has its layout changed?", len(js["en"]))
	}
	checkComplete(t, "strings.js", js)
}

func TestAcceptLanguage(t *testing.T) {
	for header, want := range map[string]string{
		"":                                "en",
		"fi":                              "fi",
		"fi-FI,fi;q=0.9,en-US;q=0.8":      "fi",
		"de-DE,sv-FI;q=0.8,fi;q=0.5":      "sv",
		"en-US;q=0.4, FI;q=0.6":           "fi",
		"sv;q=0, fi;q=0.1":                "fi",
		"sv;q=0":                          "en",
		"de, fr":                          "en",
		"fi;q=abc, sv;q=0.2":              "sv",
		"sv;q=0.5, fi;q=0.5":              "sv", // a tie: the first listed
		"*":                               "en",
		"fi-x-private ; q=0.7, en ;q=0.3": "fi",
	} {
		if got := acceptLanguage(header); got != want {
			t.Errorf("Accept-Language %q: %s, want %s", header, got, want)
		}
	}
}

var htmlLang = regexp.MustCompile(`<html lang="(\w+)">`)

// TestLangSwitch: the page's language follows Accept-Language until the
// switch's form (with the session's CSRF token) sets it; the sign-in page
// switches with its own form's token; a bad language or a missing token
// is refused and changes nothing.
func TestLangSwitch(t *testing.T) {
	ts := newTestServer(t, storetest.Embedded(t))
	c := login(t, ts.URL, "viewer", "viewer-pass")
	page := func(header map[string]string) (lang, body string) {
		t.Helper()
		resp := c.do("GET", "/mentions", nil, header)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		m := htmlLang.FindStringSubmatch(string(b))
		if resp.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("GET /mentions: %d\n%s", resp.StatusCode, b)
		}
		return m[1], string(b)
	}
	if l, body := page(nil); l != "en" || !strings.Contains(body, "<title>Mentions · ewom</title>") {
		t.Errorf("no cookie, no Accept-Language: lang %s", l)
	}
	if l, body := page(map[string]string{"Accept-Language": "sv-FI,sv;q=0.9,fi;q=0.8"}); l != "sv" ||
		!strings.Contains(body, "<title>Omnämnanden · ewom</title>") || !strings.Contains(body, ">Logga ut<") {
		t.Errorf("Accept-Language sv: lang %s", l)
	}
	switchTo := func(lang, csrf string) int {
		t.Helper()
		c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		defer func() { c.http.CheckRedirect = nil }()
		resp, err := c.http.PostForm(ts.URL+"/lang", url.Values{"lang": {lang}, "csrf": {csrf}, "next": {"/journey?range=30d"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") != "/journey?range=30d" {
			t.Errorf("the switch went to %s", resp.Header.Get("Location"))
		}
		return resp.StatusCode
	}
	if code := switchTo("fi", "wrong"); code != http.StatusForbidden {
		t.Errorf("switch with a wrong token: %d, want 403", code)
	}
	if code := switchTo("de", c.csrf); code != http.StatusBadRequest {
		t.Errorf("switch to de: %d, want 400", code)
	}
	if l, _ := page(nil); l != "en" {
		t.Errorf("after refused switches: lang %s, want en", l)
	}
	if code := switchTo("fi", c.csrf); code != http.StatusSeeOther {
		t.Fatalf("switch to fi: %d, want 303", code)
	}
	// The choice beats the browser's languages.
	if l, body := page(map[string]string{"Accept-Language": "sv"}); l != "fi" || !strings.Contains(body, "<title>Maininnat · ewom</title>") ||
		!strings.Contains(body, `<button type="submit" name="lang" value="fi" lang="fi" aria-pressed="true">Suomi</button>`) {
		t.Errorf("after switching to fi: lang %s", l)
	}

	// The sign-in page: a fresh browser, its form's token.
	jar, _ := cookiejar.New(nil)
	anon := &client{t: t, base: ts.URL, http: &http.Client{Jar: jar}}
	form := anon.text("GET", "/login", nil, http.StatusOK)
	tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(form)
	if tok == nil || !strings.Contains(form, `<html lang="en">`) {
		t.Fatalf("sign-in form:\n%s", form)
	}
	resp, err := anon.http.PostForm(ts.URL+"/lang", url.Values{"lang": {"sv"}, "csrf": {tok[1]}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `<html lang="sv">`) || !strings.Contains(string(b), ">Logga in</button>") {
		t.Errorf("sign-in form after switching to sv (%d):\n%s", resp.StatusCode, b)
	}
}
