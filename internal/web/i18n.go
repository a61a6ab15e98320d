package web

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The UI speaks English, Finnish and Swedish (issue #17, item 6). The
// server renders the pages' own words from the catalog below; the
// JavaScript writes everything else from dashboards/web/src/strings.js in
// the language of <html lang>. The language is the one chosen with the
// header's switch (a cookie), else the browser's (Accept-Language), else
// English. API values (labels, sources) stay English codes.

// uiLangs are the UI's languages, the default first.
var uiLangs = []string{"en", "fi", "sv"}

// langCookie holds the language chosen with the switch.
const langCookie = "ewom_lang"

// langOf is the request's UI language: the switch's choice, else the best
// of Accept-Language we speak, else English.
func langOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && slices.Contains(uiLangs, c.Value) {
		return c.Value
	}
	return acceptLanguage(r.Header.Get("Accept-Language"))
}

// acceptLanguage picks the language of an Accept-Language header with the
// highest q-value among ours (by primary subtag: fi-FI is fi; the first
// listed wins a tie); q=0 means not wanted. English when none.
func acceptLanguage(header string) string {
	best, bestQ := uiLangs[0], 0.0
	for part := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if !slices.Contains(uiLangs, primary) {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || f < 0 || f > 1 {
					f = 0 // a malformed weight does not count
				}
				q = f
			}
		}
		if q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best
}

// tr is the catalog's text for key in lang, {name} placeholders filled
// from pairs of name and value; English when lang lacks it (the catalog
// test keeps every key in every language).
func tr(lang, key string, pairs ...string) string {
	s, ok := catalog[lang][key]
	if !ok {
		s, ok = catalog["en"][key]
	}
	if !ok {
		return key
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		s = strings.ReplaceAll(s, "{"+pairs[i]+"}", pairs[i+1])
	}
	return s
}

// inWords says a wait for people: whole minutes rounded up, or seconds
// under a minute; one second or minute in the singular.
func inWords(lang string, d time.Duration) string {
	if d < time.Minute {
		if s := int(d.Seconds()) + 1; s > 1 {
			return tr(lang, "wait.seconds", "n", strconv.Itoa(s))
		}
		return tr(lang, "wait.second")
	}
	if m := int((d + time.Minute - 1) / time.Minute); m > 1 {
		return tr(lang, "wait.minutes", "n", strconv.Itoa(m))
	}
	return tr(lang, "wait.minute")
}

// handleLang stores the language chosen with the header's switch and goes
// back to the page it was chosen on. The form carries the session's CSRF
// token, or on the sign-in page the sign-in form's.
func (s *Server) handleLang(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "the form could not be read", http.StatusBadRequest)
		return
	}
	lang := r.PostForm.Get("lang")
	if !slices.Contains(uiLangs, lang) {
		http.Error(w, "unknown language "+strconv.Quote(lang)+"; choose one of "+strings.Join(uiLangs, ", "), http.StatusBadRequest)
		return
	}
	if !sameOrigin(r) || !s.validFormToken(r, r.PostForm.Get("csrf")) {
		http.Error(w, "missing or wrong CSRF token (field csrf); reload the page and try again", http.StatusForbidden)
		return
	}
	s.setCookie(w, r, langCookie, lang, 365*24*60*60)
	http.Redirect(w, r, localPath(r.PostForm.Get("next")), http.StatusSeeOther)
}

// langChoice is one button of the language switch.
type langChoice struct {
	Code, Name string
	Current    bool
}

// langChoices are the switch's buttons, each language named in itself.
func langChoices(cur string) []langChoice {
	out := make([]langChoice, len(uiLangs))
	for i, l := range uiLangs {
		out[i] = langChoice{Code: l, Name: catalog[l]["lang.name"], Current: l == cur}
	}
	return out
}

// validFormToken says whether a form's csrf field is the session's CSRF
// token or the sign-in form's (double-submitted in its cookie).
func (s *Server) validFormToken(r *http.Request, tok string) bool {
	if tok == "" {
		return false
	}
	if sess, ok := s.sessionOf(r); ok && subtle.ConstantTimeCompare([]byte(tok), []byte(sess.csrf)) == 1 {
		return true
	}
	c, err := r.Cookie(loginCookie)
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(tok)) == 1
}
