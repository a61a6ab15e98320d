package config

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Web configures the dashboard UI and its users.
type Web struct {
	// Users who may sign in to the UI. With none configured, "admin" signs in
	// with the API token (http.token_file, EWOM_TOKEN or data_dir/api-token).
	Users []WebUser `yaml:"users"`
	// SessionTTL is how long a sign-in lasts without activity.
	SessionTTL time.Duration `yaml:"session_ttl"`
	// SessionMaxAge is how long a sign-in lasts at most, however active.
	SessionMaxAge time.Duration `yaml:"session_max_age"`
	// SecureCookies: "auto" marks cookies Secure when the request came over
	// TLS (or X-Forwarded-Proto: https from a proxy), "always" or "never".
	SecureCookies string `yaml:"secure_cookies"`
	// Chromium is the headless browser that renders PDF exports of pages
	// (GET /export/view.pdf); default /usr/bin/chromium.
	Chromium string `yaml:"chromium"`
	// TimelineAuthors caps the authors listed on the journey page.
	TimelineAuthors int `yaml:"timeline_authors"`
	// MaxFilterValues caps the values one filter (brand, source, lang,
	// touchpoint, sentiment, journey_stage) takes in a request.
	MaxFilterValues int `yaml:"max_filter_values"`
}

// WebUser is one UI account. The password is a secret: it comes from the
// environment variable PasswordEnv or the file PasswordFile, never from the
// YAML itself; it may be a bcrypt hash ($2a$/$2b$/$2y$) or the plain text.
type WebUser struct {
	Name         string `yaml:"name"`
	Role         string `yaml:"role"` // viewer or admin
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
}

// WebRoles are the roles a web user can have; admin may also correct labels.
var WebRoles = []string{"viewer", "admin"}

func defaultWeb() Web {
	return Web{SessionTTL: 12 * time.Hour, SessionMaxAge: 24 * time.Hour, SecureCookies: "auto", TimelineAuthors: 50, MaxFilterValues: 200}
}

// Password reads the user's secret from its environment variable or file.
func (u WebUser) Password() (string, error) {
	if u.PasswordEnv != "" {
		if v := os.Getenv(u.PasswordEnv); v != "" {
			return v, nil
		}
		if u.PasswordFile == "" {
			return "", fmt.Errorf("environment variable %s is empty", u.PasswordEnv)
		}
	}
	b, err := os.ReadFile(u.PasswordFile)
	if err != nil {
		return "", err
	}
	p := strings.TrimSpace(string(b))
	if p == "" {
		return "", fmt.Errorf("%s is empty", u.PasswordFile)
	}
	return p, nil
}

// UserNames are the names people sign in with: the configured users', or
// "admin" (who signs in with the API token) when there are none.
func (w Web) UserNames() []string {
	if len(w.Users) == 0 {
		return []string{"admin"}
	}
	names := make([]string, len(w.Users))
	for i, u := range w.Users {
		names[i] = u.Name
	}
	return names
}

func (w *Web) validate(bad badFunc) {
	if w.SessionTTL < time.Minute {
		bad("web.session_ttl", "%s is below 1m", w.SessionTTL)
	}
	if w.SessionMaxAge < w.SessionTTL {
		bad("web.session_max_age", "%s is below web.session_ttl (%s)", w.SessionMaxAge, w.SessionTTL)
	}
	if !contains([]string{"auto", "always", "never"}, w.SecureCookies) {
		bad("web.secure_cookies", "%q is not one of auto, always, never", w.SecureCookies)
	}
	if w.TimelineAuthors < 1 || w.TimelineAuthors > 1000 {
		bad("web.timeline_authors", "must be 1..1000")
	}
	if w.MaxFilterValues < 1 || w.MaxFilterValues > 10000 {
		bad("web.max_filter_values", "%d is outside 1..10000", w.MaxFilterValues)
	}
	seen := map[string]int{}
	for i, u := range w.Users {
		p := fmt.Sprintf("web.users[%d]", i)
		if strings.TrimSpace(u.Name) == "" || strings.ContainsAny(u.Name, " \t\r\n:") {
			bad(p+".name", "%q: want a non-empty name without spaces or colons", u.Name)
		} else if j, dup := seen[u.Name]; dup {
			bad(p+".name", "%q is already web.users[%d]", u.Name, j)
		}
		seen[u.Name] = i
		if !contains(WebRoles, u.Role) {
			bad(p+".role", "%q is not one of %s", u.Role, strings.Join(WebRoles, ", "))
		}
		if u.PasswordEnv == "" && u.PasswordFile == "" {
			bad(p, "set password_env or password_file (the password is a secret and never in this file)")
		} else if _, err := u.Password(); err != nil {
			bad(p+".password", "%v", err)
		}
	}
}
