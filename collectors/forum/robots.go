package forum

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"time"
)

// robots are the rules of one host's robots.txt (RFC 9309) that apply to
// the collector: the groups naming its product token, else the "*" groups.
type robots struct {
	rules []robotsRule
	// delay is the group's Crawl-delay (not in RFC 9309, widely used); the
	// collector waits at least this long between requests to the host.
	delay time.Duration
}

type robotsRule struct {
	pattern string // normalised, may hold * and a final $
	allow   bool
}

// maxRobotsBytes is how much of a robots.txt is read (RFC 9309 asks for at
// least 500 KiB).
const maxRobotsBytes = 512 << 10

// allowAll is the answer for a host without a robots.txt (4xx).
var allowAll = &robots{}

// disallowAll is the answer for a host whose robots.txt cannot be read
// (5xx, network errors): RFC 9309 §2.3.1.4 treats it as a complete
// disallow.
var disallowAll = &robots{rules: []robotsRule{{pattern: "/", allow: false}}}

// parseRobots reads a robots.txt for the product token agent (lower case).
func parseRobots(body []byte, agent string) *robots {
	if len(body) > maxRobotsBytes {
		body = body[:maxRobotsBytes]
	}
	type group struct {
		agents []string
		r      robots
	}
	var (
		groups  []*group
		cur     *group
		inRules bool // a rule line ended the user-agent lines of cur
	)
	sc := bufio.NewScanner(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff"))))
	sc.Buffer(make([]byte, 0, 4096), maxRobotsBytes)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val = strings.TrimSpace(val)
		switch key {
		case "user-agent":
			if cur == nil || inRules {
				cur = &group{}
				groups = append(groups, cur)
				inRules = false
			}
			token, _, _ := strings.Cut(val, "/")
			cur.agents = append(cur.agents, strings.ToLower(strings.TrimSpace(token)))
		case "allow", "disallow":
			if cur == nil {
				continue // rules before any user-agent line belong to no group
			}
			inRules = true
			if val == "" {
				continue // "Disallow:" with no path allows everything
			}
			cur.r.rules = append(cur.r.rules, robotsRule{pattern: normalisePath(val), allow: key == "allow"})
		case "crawl-delay":
			if cur == nil {
				continue
			}
			inRules = true
			if secs, err := strconv.ParseFloat(val, 64); err == nil && secs > 0 && secs < 86400 {
				cur.r.delay = max(cur.r.delay, time.Duration(secs*float64(time.Second)))
			}
		}
	}
	// The groups that name the agent win over "*"; several groups for the
	// same agent are merged.
	merge := func(name string) (*robots, bool) {
		var out robots
		found := false
		for _, g := range groups {
			for _, a := range g.agents {
				if a == name {
					found = true
					out.rules = append(out.rules, g.r.rules...)
					out.delay = max(out.delay, g.r.delay)
					break
				}
			}
		}
		return &out, found
	}
	if r, ok := merge(agent); ok {
		return r
	}
	if r, ok := merge("*"); ok {
		return r
	}
	return allowAll
}

// allowed reports whether the path and query of a URL (escaped, as
// url.URL.RequestURI gives them) may be fetched: the longest matching rule
// decides, and Allow wins a tie (RFC 9309 §2.2.2). /robots.txt is always
// allowed.
func (r *robots) allowed(requestURI string) bool {
	if requestURI == "/robots.txt" {
		return true
	}
	p := normalisePath(requestURI)
	best, allow := -1, true
	for _, rule := range r.rules {
		if !matchRobots(rule.pattern, p) {
			continue
		}
		if n := len(rule.pattern); n > best || n == best && rule.allow {
			best, allow = n, rule.allow
		}
	}
	return allow
}

// matchRobots matches a path against a pattern with * (any run of
// characters) and a final $ (the end of the path); without $ a pattern is a
// prefix.
func matchRobots(pattern, path string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	if anchored {
		pattern = pattern[:len(pattern)-1]
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(path, parts[0]) {
		return false
	}
	rest := path[len(parts[0]):]
	for i, part := range parts[1:] {
		last := i == len(parts)-2
		if last && anchored {
			return strings.HasSuffix(rest, part)
		}
		at := strings.Index(rest, part)
		if at < 0 {
			return false
		}
		rest = rest[at+len(part):]
	}
	return !anchored || rest == ""
}

// normalisePath percent-encodes bytes outside printable ASCII and writes
// existing escapes in upper case, so "/ä", "/%c3%a4" and "/%C3%A4" compare
// equal.
func normalisePath(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte('%')
			b.WriteByte(upperHex(s[i+1]))
			b.WriteByte(upperHex(s[i+2]))
			i += 2
		case c <= ' ' || c >= 0x7f:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func upperHex(c byte) byte {
	if 'a' <= c && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}
