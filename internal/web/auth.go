package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ewom/ewom/internal/api"
	"github.com/ewom/ewom/internal/config"
)

// Roles. Viewers read; admins also correct labels.
const (
	roleViewer = "viewer"
	roleAdmin  = "admin"
)

const (
	sessionCookie = "ewom_session"
	loginCookie   = "ewom_login" // double-submit CSRF token of the sign-in form
	csrfHeader    = "X-CSRF-Token"
)

// account is a user who may sign in.
type account struct {
	name, role string
	secret     string // bcrypt hash or plain text
}

// hashed reports whether the secret is a bcrypt hash.
func (a account) hashed() bool {
	return strings.HasPrefix(a.secret, "$2a$") || strings.HasPrefix(a.secret, "$2b$") || strings.HasPrefix(a.secret, "$2y$")
}

func (a account) check(password string) bool {
	if a.hashed() {
		return bcrypt.CompareHashAndPassword([]byte(a.secret), []byte(password)) == nil
	}
	// Compare digests so the comparison takes the same time whatever the lengths.
	x, y := sha256.Sum256([]byte(a.secret)), sha256.Sum256([]byte(password))
	return subtle.ConstantTimeCompare(x[:], y[:]) == 1
}

// dummyAccount is what an unknown user name is checked against: a bcrypt
// hash of a random secret at the highest cost among the accounts' hashes
// when any has one, else a random plain secret.
func dummyAccount(accts map[string]account) (account, error) {
	cost := 0
	for _, a := range accts {
		if a.hashed() {
			c, err := bcrypt.Cost([]byte(a.secret))
			if err != nil {
				return account{}, fmt.Errorf("web: user %s: password hash: %w", a.name, err)
			}
			cost = max(cost, c)
		}
	}
	if cost == 0 {
		return account{secret: randomToken()}, nil
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(randomToken()), cost)
	if err != nil {
		return account{}, fmt.Errorf("web: dummy password hash: %w", err)
	}
	return account{secret: string(hash)}, nil
}

// verify checks a sign-in. Every attempt costs about the same: an unknown
// name is checked against the dummy account, and a plain-text password is
// checked against the dummy's hash as well, so that how long a refusal
// takes does not tell which names exist.
func (s *Server) verify(user, password string) (account, bool) {
	a, known := s.accounts[user]
	if !known {
		a = s.dummy
	}
	ok := a.check(password)
	if !a.hashed() && s.dummy.hashed() {
		s.dummy.check(password)
	}
	return a, ok && known
}

// accounts resolves the configured users' secrets. Without users, "admin"
// signs in with the API token so a fresh install is usable at once.
func accounts(cfg config.Config) (map[string]account, error) {
	out := map[string]account{}
	for i, u := range cfg.Web.Users {
		p, err := u.Password()
		if err != nil {
			return nil, fmt.Errorf("web.users[%d] (%s): password: %w", i, u.Name, err)
		}
		out[u.Name] = account{name: u.Name, role: u.Role, secret: p}
	}
	if len(out) == 0 && cfg.HTTP.Token != "" {
		out["admin"] = account{name: "admin", role: roleAdmin, secret: cfg.HTTP.Token}
	}
	return out, nil
}

// session is a signed-in browser.
type session struct {
	user, role string
	csrf       string
	expires    time.Time // slides with activity, up to ends
	ends       time.Time // the absolute end, however active
}

// slide moves the session's expiry to ttl from now, but never past its end.
func (s *session) slide(now time.Time, ttl time.Duration) {
	s.expires = now.Add(ttl)
	if s.expires.After(s.ends) {
		s.expires = s.ends
	}
}

// sessions are kept in memory: a restart signs everyone out, which is
// acceptable for a dashboard and avoids storing bearer secrets on disk.
type sessions struct {
	mu     sync.Mutex
	ttl    time.Duration // without activity (web.session_ttl)
	maxAge time.Duration // after sign-in (web.session_max_age)
	m      map[string]*session
	now    func() time.Time
}

func newSessions(ttl, maxAge time.Duration) *sessions {
	return &sessions{ttl: ttl, maxAge: maxAge, m: map[string]*session{}, now: time.Now}
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *sessions) create(a account) string {
	id := randomToken()
	now := s.now()
	sess := &session{user: a.name, role: a.role, csrf: randomToken(), ends: now.Add(s.maxAge)}
	sess.slide(now, s.ttl)
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m { // sweep expired sessions; the map stays small
		if now.After(v.expires) {
			delete(s.m, k)
		}
	}
	s.m[id] = sess
	return id
}

// get returns a live session and slides its expiry.
func (s *sessions) get(id string) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.m[id]
	if !ok {
		return session{}, false
	}
	now := s.now()
	if now.After(sess.expires) {
		delete(s.m, id)
		return session{}, false
	}
	sess.slide(now, s.ttl)
	return *sess, true
}

func (s *sessions) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

type ctxKey struct{}

// principal is who makes a request: a session's user or the API token.
type principal struct {
	user, role string
	csrf       string // empty for token requests, which need no CSRF token
}

func principalFrom(ctx context.Context) principal {
	p, _ := ctx.Value(ctxKey{}).(principal)
	return p
}

func (s *Server) secure(r *http.Request) bool {
	switch s.cfg.Web.SecureCookies {
	case "always":
		return true
	case "never":
		return false
	}
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
}

// sessionOf returns the request's live session, if any.
func (s *Server) sessionOf(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return session{}, false
	}
	return s.sessions.get(c.Value)
}

// api wraps a JSON API handler: a bearer token (the admin machine token,
// checked by the API server's authenticate) or a session; state-changing
// requests from a session need its CSRF token; role is the minimum role.
func (s *Server) api(role string, authenticate func(http.HandlerFunc) http.HandlerFunc, h http.HandlerFunc) http.HandlerFunc {
	handler := h
	h = func(w http.ResponseWriter, r *http.Request) {
		// A saved query (saved=<id>) is expanded into the parameters it
		// stands for, so every endpoint that takes filters takes it.
		q, err := s.applySaved(r.Context(), principalFrom(r.Context()), r.URL.Query())
		if err == nil {
			err = checkLists(q, s.cfg.Web.MaxFilterValues)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if r.URL.Query().Has("saved") {
			r = r.Clone(r.Context())
			r.URL.RawQuery = q.Encode()
		}
		handler(w, r)
	}
	withToken := authenticate(func(w http.ResponseWriter, r *http.Request) {
		ctx := api.WithUser(context.WithValue(r.Context(), ctxKey{}, principal{user: api.TokenUser, role: roleAdmin}), api.TokenUser)
		h(w, r.WithContext(ctx))
	})
	return func(w http.ResponseWriter, r *http.Request) {
		apiHeaders(w)
		if r.Header.Get("Authorization") != "" {
			withToken(w, r)
			return
		}
		sess, ok := s.sessionOf(r)
		if !ok {
			writeError(w, http.StatusUnauthorized, "sign in at /login, or send 'Authorization: Bearer <token>'")
			return
		}
		if role == roleAdmin && sess.role != roleAdmin {
			writeError(w, http.StatusForbidden, "this needs the admin role")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if subtle.ConstantTimeCompare([]byte(r.Header.Get(csrfHeader)), []byte(sess.csrf)) != 1 || !sameOrigin(r) {
				writeError(w, http.StatusForbidden, "missing or wrong CSRF token (header "+csrfHeader+")")
				return
			}
		}
		ctx := api.WithUser(context.WithValue(r.Context(), ctxKey{}, principal{user: sess.user, role: sess.role, csrf: sess.csrf}), sess.user)
		h(w, r.WithContext(ctx))
	}
}

// sameOrigin rejects cross-site requests by the Fetch metadata and Origin
// headers browsers send; a defence in depth behind the CSRF token.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	// Under Referrer-Policy: no-referrer (set by the API server) browsers
	// send "Origin: null" on form posts; Sec-Fetch-Site and the token decide.
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}

// page wraps a UI page: without a session it redirects to the sign-in form.
func (s *Server) page(h func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, ok := s.sessionOf(r)
		if !ok {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		h(w, r, sess)
	}
}

// localPath keeps a post-login redirect on this site. Control characters
// are refused anywhere: browsers drop tabs and line breaks from a URL, so
// "/\t/evil.example" would become "//evil.example".
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "/"
	}
	return next
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	s.renderLogin(w, r, http.StatusOK, "")
}

// renderLogin shows the sign-in form, with the message of key (from the
// catalog, its placeholders filled from pairs) when it is not empty.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, code int, key string, pairs ...string) {
	tok := randomToken()
	s.setCookie(w, r, loginCookie, tok, 600)
	lang, msg := langOf(r), ""
	if key != "" {
		msg = tr(lang, key, pairs...)
	}
	s.render(w, code, "login.html", map[string]any{"CSRF": tok, "Next": localPath(r.FormValue("next")), "Error": msg,
		"TokenLogin": len(s.cfg.Web.Users) == 0, "Lang": lang, "Langs": langChoices(lang), "Title": tr(lang, "login.title")})
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.renderLogin(w, r, http.StatusBadRequest, "login.unreadable")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameOrigin(r) || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) != 1 {
		s.renderLogin(w, r, http.StatusForbidden, "login.expired")
		return
	}
	// Guessing is throttled per client address and per account: behind a
	// trusted proxy one client's failures do not lock out everyone, and
	// guessing one account from ever new addresses is still throttled.
	// Unknown names are counted like known ones, so the throttle does not
	// tell which exist.
	addr, user := s.proxies.ClientAddr(r), r.PostForm.Get("user")
	byAddr, byUser := s.byAddress.Wait(addr), s.byAccount.Wait(user)
	if wait := max(byAddr, byUser); wait > 0 {
		limit := "address"
		if byUser > 0 {
			limit = "account"
		}
		s.throttled.WithLabelValues(limit).Inc()
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.renderLogin(w, r, http.StatusTooManyRequests, "login.throttled", "wait", inWords(langOf(r), wait))
		return
	}
	a, ok := s.verify(user, r.PostForm.Get("password"))
	if !ok {
		s.byAddress.Fail(addr)
		s.byAccount.Fail(user)
		s.log.Warn("web: failed sign-in", "user", user, "client", addr)
		s.renderLogin(w, r, http.StatusUnauthorized, "login.bad")
		return
	}
	id := s.sessions.create(a)
	s.setCookie(w, r, loginCookie, "", -1)
	s.setCookie(w, r, sessionCookie, id, 0)
	s.log.Info("web: signed in", "user", a.name, "role", a.role)
	http.Redirect(w, r, localPath(r.PostForm.Get("next")), http.StatusSeeOther)
}

// handleLogout ends the session on the server and clears its cookie. It
// needs no CSRF token: the cookie is SameSite=Strict, so another site's form
// cannot send it, and a sign-out must never leave the session valid while
// the browser forgets it.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		s.sessions.drop(c.Value)
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
