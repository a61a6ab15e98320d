package config

import (
	"fmt"
	"net/mail"
	"os"
	"regexp"
	"strings"
	"time"
)

// Digests configures the scheduled email digests (docs/digests.md): the
// SMTP server they are sent through and the lists that receive them.
type Digests struct {
	SMTP  SMTP     `yaml:"smtp"`
	Lists []Digest `yaml:"lists"`
	// Retries is how many times a digest is tried again, with doubling
	// backoff, before its period is given up (default 5).
	Retries int `yaml:"retries"`
}

// SMTP is the mail server digests are submitted to.
type SMTP struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"` // default 587 (starttls) or 465 (implicit)
	// TLS is starttls (default), implicit (TLS from the first byte), or
	// none, allowed only towards a loopback address.
	TLS      string `yaml:"tls"`
	Username string `yaml:"username"`
	// PasswordEnv names the environment variable holding the password; it
	// is never in this file and never logged.
	PasswordEnv string `yaml:"password_env"`
	From        string `yaml:"from"`
	// CAFile is a PEM bundle trusted for the server's certificate besides
	// the system roots (a private CA).
	CAFile  string        `yaml:"ca_file"`
	Timeout time.Duration `yaml:"timeout"` // per delivery attempt; default 30s
	// Password is read from PasswordEnv.
	Password string `yaml:"-"`
}

// Digest is one scheduled digest: who gets it, about which brands, when
// and in which language.
type Digest struct {
	Name string `yaml:"name"`
	// Schedule is daily (the previous local day) or weekly (the previous
	// Monday–Sunday).
	Schedule string `yaml:"schedule"`
	// At is the local time of day it is sent, "HH:MM" (default 07:00).
	At string `yaml:"at"`
	// Timezone is an IANA zone name (default UTC); days and weeks are
	// counted in it.
	Timezone string `yaml:"timezone"`
	// Language is fi, en or sv (default en).
	Language   string   `yaml:"language"`
	Brands     []string `yaml:"brands"` // empty: every configured brand
	Recipients []string `yaml:"recipients"`
	// TopPosts is how many negative posts are listed (default 5).
	TopPosts int `yaml:"top_posts"`
}

// Location returns the digest's time zone.
func (d Digest) Location() (*time.Location, error) {
	if d.Timezone == "" {
		return time.UTC, nil
	}
	return time.LoadLocation(d.Timezone)
}

// SendTime returns the digest's local hour and minute.
func (d Digest) SendTime() (hour, minute int, err error) {
	if !clockRE.MatchString(d.At) {
		return 0, 0, fmt.Errorf("%q is not a time of day HH:MM", d.At)
	}
	_, err = fmt.Sscanf(d.At, "%d:%d", &hour, &minute)
	return hour, minute, err
}

var clockRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// WithDefaults fills unset options.
func (d Digests) WithDefaults() Digests {
	if d.Retries == 0 {
		d.Retries = 5
	}
	s := &d.SMTP
	if s.TLS == "" {
		s.TLS = "starttls"
	}
	if s.Port == 0 {
		s.Port = 587
		if s.TLS == "implicit" {
			s.Port = 465
		}
	}
	if s.Timeout == 0 {
		s.Timeout = 30 * time.Second
	}
	lists := make([]Digest, len(d.Lists))
	for i, l := range d.Lists {
		if l.At == "" {
			l.At = "07:00"
		}
		if l.Language == "" {
			l.Language = "en"
		}
		if l.TopPosts == 0 {
			l.TopPosts = 5
		}
		lists[i] = l
	}
	d.Lists = lists
	return d
}

func (d *Digests) applyEnv() error {
	if d.SMTP.PasswordEnv == "" {
		return nil
	}
	d.SMTP.Password = os.Getenv(d.SMTP.PasswordEnv)
	if d.SMTP.Password == "" && len(d.Lists) > 0 {
		return fmt.Errorf("digests.smtp.password_env: environment variable %s is empty", d.SMTP.PasswordEnv)
	}
	return nil
}

func (d *Digests) validate(brands []Brand, bad badFunc) {
	if len(d.Lists) == 0 {
		return
	}
	w := d.WithDefaults()
	s := w.SMTP
	if s.Host == "" {
		bad("digests.smtp.host", "required when digests are configured")
	}
	if !contains([]string{"starttls", "implicit", "none"}, s.TLS) {
		bad("digests.smtp.tls", "%q is not one of starttls, implicit, none", s.TLS)
	}
	if s.TLS == "none" && s.Host != "localhost" && !strings.HasPrefix(s.Host, "127.") && s.Host != "::1" {
		bad("digests.smtp.tls", "none is allowed only towards a loopback address, not %q", s.Host)
	}
	if s.Port < 1 || s.Port > 65535 {
		bad("digests.smtp.port", "%d is not a port", s.Port)
	}
	if s.Username != "" && s.PasswordEnv == "" {
		bad("digests.smtp.password_env", "required with a username (the password is a secret and never in this file)")
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		bad("digests.smtp.from", "%q is not an email address", s.From)
	}
	if w.Retries < 0 || s.Timeout < 0 {
		bad("digests", "retries and timeout must not be negative")
	}
	var known []string
	for _, b := range brands {
		known = append(known, b.Name)
	}
	names := map[string]bool{}
	for i, l := range w.Lists {
		p := fmt.Sprintf("digests.lists[%d]", i)
		if l.Name == "" || names[l.Name] || !nameRE.MatchString(l.Name) {
			bad(p+".name", "%q is empty, used twice, or not letters, digits, - and _", l.Name)
		}
		names[l.Name] = true
		if l.Schedule != "daily" && l.Schedule != "weekly" {
			bad(p+".schedule", "%q is not daily or weekly", l.Schedule)
		}
		if _, _, err := l.SendTime(); err != nil {
			bad(p+".at", "%v", err)
		}
		if _, err := l.Location(); err != nil {
			bad(p+".timezone", "%v", err)
		}
		if !contains([]string{"fi", "en", "sv"}, l.Language) {
			bad(p+".language", "%q is not fi, en or sv", l.Language)
		}
		for j, b := range l.Brands {
			if !contains(known, b) {
				bad(fmt.Sprintf("%s.brands[%d]", p, j), "%q is not a configured brand", b)
			}
		}
		if len(l.Recipients) == 0 {
			bad(p+".recipients", "at least one recipient is needed")
		}
		for j, r := range l.Recipients {
			if a, err := mail.ParseAddress(r); err != nil || a.Name != "" {
				bad(fmt.Sprintf("%s.recipients[%d]", p, j), "%q is not a bare email address", r)
			}
		}
		if l.TopPosts < 0 || l.TopPosts > 50 {
			bad(p+".top_posts", "%d is not between 0 and 50", l.TopPosts)
		}
	}
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
