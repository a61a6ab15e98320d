package forum

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/collector"
)

// clock is the time the collector paces its requests by; tests replace it.
type clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error { return collector.Sleep(ctx, d) }

// robotsTTL is how long a host's robots.txt is used before it is fetched
// again (RFC 9309 §2.4: no longer than 24 hours); robotsRetry is how long
// one that could not be read keeps the host closed before it is tried
// again.
const (
	robotsTTL   = 24 * time.Hour
	robotsRetry = 5 * time.Minute
)

// polite makes a collector's requests the way a well-behaved crawler does:
// it reads each host's robots.txt first (cached for robotsTTL) and skips
// what it disallows, and it spaces requests to a host by the configured
// interval or the host's Crawl-delay, whichever is longer. It lives as long
// as the collector, so the spacing holds across passes. Collect is never
// called concurrently for one source, so it needs no lock.
type polite struct {
	http  *collector.HTTP
	clock clock
	log   *slog.Logger
	// agent is the product token robots.txt groups are matched against.
	agent string
	every time.Duration
	last  map[string]time.Time // host → time of the last request
	hosts map[string]hostRobots
}

type hostRobots struct {
	rules   *robots
	err     error // why it could not be read
	fetched time.Time
}

// errDisallowed marks a URL robots.txt does not let the collector fetch.
var errDisallowed = errors.New("disallowed by robots.txt")

// get fetches u when robots.txt allows it, after the host's interval. It
// returns errDisallowed (wrapped) for a disallowed URL, and otherwise what
// collector.HTTP.Get returns.
func (p *polite) get(ctx context.Context, u *url.URL, header http.Header) (*http.Response, error) {
	rules, err := p.robots(ctx, u)
	if err != nil {
		return nil, err
	}
	if !rules.allowed(u.RequestURI()) {
		return nil, fmt.Errorf("%s: %w", collector.RedactURL(u), errDisallowed)
	}
	if err := p.pace(ctx, u.Host, rules.delay); err != nil {
		return nil, err
	}
	return p.http.Get(ctx, u.String(), header)
}

// pace waits until the host's interval since the last request has passed.
func (p *polite) pace(ctx context.Context, host string, crawlDelay time.Duration) error {
	every := max(p.every, crawlDelay)
	if last, ok := p.last[host]; ok {
		if d := last.Add(every).Sub(p.clock.Now()); d > 0 {
			if err := p.clock.Sleep(ctx, d); err != nil {
				return err
			}
		}
	}
	p.last[host] = p.clock.Now()
	return nil
}

// robots returns the rules for u's host, fetching its robots.txt when it
// is not cached or is older than robotsTTL. A robots.txt that is missing
// (4xx) allows everything; one that cannot be read (5xx, a network error)
// is an error, and nothing on the host is fetched for robotsRetry. A rate
// limit (429) is returned as such.
func (p *polite) robots(ctx context.Context, u *url.URL) (*robots, error) {
	host := strings.ToLower(u.Host)
	if h, ok := p.hosts[host]; ok {
		age := p.clock.Now().Sub(h.fetched)
		switch {
		case h.err != nil && age < robotsRetry:
			return nil, h.err
		case h.err == nil && age < robotsTTL:
			return h.rules, nil
		}
	}
	ru := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
	if err := p.pace(ctx, u.Host, 0); err != nil {
		return nil, err
	}
	rules, err := p.fetchRobots(ctx, ru)
	if _, limited := collector.RetryAfter(err, time.Now()); limited || ctx.Err() != nil {
		return nil, err
	}
	if err != nil {
		p.hosts[host] = hostRobots{err: err, fetched: p.clock.Now()}
		return nil, err
	}
	if rules.delay > p.every {
		p.log.Info("robots.txt asks for a longer crawl delay than rate; using it", "host", host, "crawl_delay", rules.delay)
	}
	p.hosts[host] = hostRobots{rules: rules, fetched: p.clock.Now()}
	return rules, nil
}

func (p *polite) fetchRobots(ctx context.Context, ru *url.URL) (*robots, error) {
	resp, err := p.http.Get(ctx, ru.String(), http.Header{"Accept": {"text/plain, */*;q=0.5"}})
	var se *collector.StatusError
	switch {
	case errors.As(err, &se) && se.Status >= 400 && se.Status < 500:
		return allowAll, nil
	case err != nil:
		if _, limited := collector.RetryAfter(err, time.Now()); limited {
			return nil, err
		}
		return nil, fmt.Errorf("robots.txt cannot be read, so nothing on %s is fetched for %v: %w", ru.Host, robotsRetry, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return allowAll, nil // never asked conditionally; a broken server
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRobotsBytes))
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading body: %w", collector.RedactURL(ru), err)
	}
	return parseRobots(body, p.agent), nil
}

// productToken is the User-Agent's first word, lower case: "ewom" for
// "ewom (+https://github.com/ewom/ewom)" or "ewom/1.2".
func productToken(userAgent string) string {
	end := strings.IndexFunc(userAgent, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	})
	if end < 0 {
		end = len(userAgent)
	}
	return strings.ToLower(userAgent[:end])
}
