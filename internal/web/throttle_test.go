package web

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store/storetest"
)

// signInFrom posts the sign-in form from the TCP source address src (any
// loopback address) with an X-Forwarded-For header when xff is set, and
// returns the status (303 when signed in).
func signInFrom(t testing.TB, base, src, xff, user, password string) int {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c := &http.Client{Jar: jar, Transport: &http.Transport{DialContext: dialer.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer c.CloseIdleConnections()
	do := func(req *http.Request) (int, string) {
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	req, _ := http.NewRequest("GET", base+"/login", nil)
	_, page := do(req)
	tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if tok == nil {
		t.Fatalf("no sign-in form: %s", page)
	}
	form := url.Values{"user": {user}, "password": {password}, "csrf": {tok[1]}, "next": {"/"}}
	req, _ = http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	code, _ := do(req)
	return code
}

// Behind a reverse proxy every request comes from the proxy's address:
// with the proxy trusted, one user's wrong passwords throttle that user
// (and that client's address), not everyone else signing in.
func TestOneUsersFailuresDoNotLockOutOthersBehindAProxy(t *testing.T) {
	ts := newTestServer(t, storetest.Embedded(t), func(c *config.Config) { c.HTTP.TrustedProxies = []string{"127.0.0.1"} })
	perAccount := config.Default().HTTP.AuthThrottle.PerAccount
	for range perAccount {
		if code := signInFrom(t, ts.URL, "127.0.0.1", "203.0.113.5", "viewer", "guess"); code != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", code)
		}
	}
	if code := signInFrom(t, ts.URL, "127.0.0.1", "198.51.100.7", "admin", "admin-pass"); code != http.StatusSeeOther {
		t.Fatalf("another user from another client behind the proxy: %d, want 303", code)
	}
	if code := signInFrom(t, ts.URL, "127.0.0.1", "198.51.100.7", "viewer", "viewer-pass"); code != http.StatusTooManyRequests {
		t.Fatalf("the guessed account, right password, from elsewhere: %d, want 429", code)
	}
}

// Guessing one account's password from ever new addresses is throttled
// per account.
func TestRotatingAddressesDoNotEvadeTheThrottle(t *testing.T) {
	ts := newTestServer(t, storetest.Embedded(t))
	perAccount := config.Default().HTTP.AuthThrottle.PerAccount
	for i := range perAccount {
		if code := signInFrom(t, ts.URL, "127.0.0."+strconv.Itoa(10+i), "", "admin", "guess"); code != http.StatusUnauthorized {
			t.Fatalf("wrong password from address %d: %d", i, code)
		}
	}
	if code := signInFrom(t, ts.URL, "127.0.0.99", "", "admin", "admin-pass"); code != http.StatusTooManyRequests {
		t.Fatalf("after %d failures from as many addresses: %d, want 429", perAccount, code)
	}
}

// A client that is not a trusted proxy cannot pick its address with
// X-Forwarded-For: its failures count against its own address.
func TestForwardedForFromAnUntrustedPeerIsIgnored(t *testing.T) {
	ts := newTestServer(t, storetest.Embedded(t))
	perAddress := config.Default().HTTP.AuthThrottle.PerAddress
	for i := range perAddress {
		// A new user name each time: only the address can throttle.
		if code := signInFrom(t, ts.URL, "127.0.0.1", "192.0.2."+strconv.Itoa(i), "nobody"+strconv.Itoa(i), "guess"); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, code)
		}
	}
	if code := signInFrom(t, ts.URL, "127.0.0.1", "192.0.2.200", "admin", "admin-pass"); code != http.StatusTooManyRequests {
		t.Fatalf("after %d failures from one peer: %d, want 429", perAddress, code)
	}
	if code := signInFrom(t, ts.URL, "127.0.0.2", "", "admin", "admin-pass"); code != http.StatusSeeOther {
		t.Fatalf("from another address: %d, want 303", code)
	}
}

// An unknown user name takes as long to refuse as a wrong password of a
// user whose password is a bcrypt hash, so timing does not tell which
// names exist.
func TestUnknownUsersTakeAsLongAsKnownOnes(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("viewer-pass"), 11)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("EWOM_TEST_VIEWER_HASH", string(hash))
	ts := newTestServer(t, storetest.Embedded(t), func(c *config.Config) { c.Web.Users[0].PasswordEnv = "EWOM_TEST_VIEWER_HASH" })
	// The fastest of five refusals each, taken in turns: the machine's load
	// slows some tries, never speeds one up.
	users := []string{"viewer", "nobody", "admin"} // a bcrypt hash, unknown, plain text
	best := map[string]time.Duration{}
	for range 5 {
		for _, u := range users {
			start := time.Now()
			if code := signInFrom(t, ts.URL, "127.0.0.1", "", u, "guess"); code != http.StatusUnauthorized {
				t.Fatalf("%s: %d", u, code)
			}
			if d := time.Since(start); best[u] == 0 || d < best[u] {
				best[u] = d
			}
		}
	}
	known, unknown, plain := best["viewer"], best["nobody"], best["admin"]
	t.Logf("fastest refusal: bcrypt user %s, unknown user %s, plain-text user %s", known, unknown, plain)
	// Before the dummy check an unknown name took 0.5 ms against 130: a
	// tenth leaves room for a loaded machine's noise.
	if unknown < known/10 || plain < known/10 {
		t.Fatalf("an unknown user (%s) or a plain-text user (%s) is refused much faster than a bcrypt user (%s)", unknown, plain, known)
	}
}

// Signing out ends the session on the server, also when the form's CSRF
// field is missing (the cookie used to be cleared while the session stayed
// valid for whoever held it).
func TestSignOutEndsTheSession(t *testing.T) {
	ts := newTestServer(t, storetest.Embedded(t))
	for _, form := range []string{"", "csrf=wrong"} {
		viewer := login(t, ts.URL, "viewer", "viewer-pass")
		u, _ := url.Parse(ts.URL)
		var cookie string
		for _, c := range viewer.http.Jar.Cookies(u) {
			if c.Name == sessionCookie {
				cookie = c.Value
			}
		}
		resp := viewer.do("POST", "/logout", strings.NewReader(form), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		resp.Body.Close()
		stolen := &client{t: t, base: ts.URL, http: http.DefaultClient}
		resp = stolen.do("GET", "/api/v1/meta", nil, map[string]string{"Cookie": sessionCookie + "=" + cookie})
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("session after signing out with form %q: %d, want 401", form, resp.StatusCode)
		}
	}
}

// A session ends web.session_max_age after sign-in however active it is.
func TestSessionsHaveAnAbsoluteLifetime(t *testing.T) {
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	s := newSessions(time.Hour, 3*time.Hour)
	s.now = func() time.Time { return now }
	id := s.create(account{name: "viewer", role: roleViewer})
	for now.Before(time.Date(2026, 11, 20, 2, 59, 0, 0, time.UTC)) {
		if _, ok := s.get(id); !ok {
			t.Fatalf("active session ended at %s", now.Format(time.Kitchen))
		}
		now = now.Add(30 * time.Minute)
	}
	now = now.Add(30 * time.Minute) // 3:30, active all along
	if _, ok := s.get(id); ok {
		t.Fatal("session lives past its maximum age")
	}
}

// The page a sign-in returns to never carries control characters into
// Location: browsers drop tabs and line breaks from URLs, so "/\t/evil"
// would lead off the site.
func TestSignInRedirectStaysOnTheSite(t *testing.T) {
	ts := newTestServer(t, storetest.Embedded(t))
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, next := range []string{"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example"} {
		resp, err := c.Get(ts.URL + "/login")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
		resp, err = c.PostForm(ts.URL+"/login", url.Values{"user": {"viewer"}, "password": {"viewer-pass"}, "csrf": {string(tok[1])},
			"next": {next}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("next %q: %d, Location %q, want /", next, resp.StatusCode, loc)
		}
	}
}
