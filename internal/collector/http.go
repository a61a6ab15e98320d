package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ewom/ewom/internal/netguard"
)

// HTTP is a source's guarded HTTP client. It counts requests by status,
// honours rate-limit headers (waiting briefly, or failing with a
// *RateLimitError the runner turns into a backoff) and turns bad responses
// into errors that name the URL.
type HTTP struct {
	client  *http.Client
	policy  *netguard.Policy
	source  string
	metrics *Metrics
	// maxWait is the longest a request waits for a rate limit to reset
	// before giving up with a *RateLimitError.
	maxWait time.Duration

	mu        sync.Mutex
	notBefore time.Time
}

// Client returns the underlying guarded *http.Client (for libraries such as
// WebSocket dialers that take one).
func (h *HTTP) Client() *http.Client { return h.client }

// CheckURL validates a configured URL against the SSRF policy up front, so
// configuration mistakes are reported when the collector is built.
func (h *HTTP) CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if err := h.policy.CheckURL(u); err != nil {
		return nil, err
	}
	return u, nil
}

// CheckBaseURL is CheckURL for the configured base URL of an API, trailing
// slashes dropped; a refusal is reported under the configuration key.
func (h *HTTP) CheckBaseURL(key, raw string) (*url.URL, error) {
	u, err := h.CheckURL(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return u, nil
}

// Throttle makes the next request wait at least d (Stack Exchange's
// "backoff" field and similar in-body hints).
func (h *HTTP) Throttle(d time.Duration) {
	h.deferUntil(time.Now().Add(d))
}

func (h *HTTP) deferUntil(t time.Time) {
	h.mu.Lock()
	if t.After(h.notBefore) {
		h.notBefore = t
	}
	h.mu.Unlock()
}

func (h *HTTP) wait(ctx context.Context, target string) error {
	h.mu.Lock()
	until := h.notBefore
	h.mu.Unlock()
	d := time.Until(until)
	if d <= 0 {
		return nil
	}
	if d > h.maxWait {
		return &RateLimitError{URL: target, Until: until, Reason: "rate limit exhausted"}
	}
	return Sleep(ctx, d)
}

// Do sends req after any rate-limit wait. A 2xx or 304 response is returned
// for the caller to read and close; other statuses become a *StatusError (or
// a *RateLimitError for 429 and 503 with Retry-After) and the body is closed.
func (h *HTTP) Do(req *http.Request) (*http.Response, error) {
	target := RedactURL(req.URL)
	if err := h.wait(req.Context(), target); err != nil {
		return nil, err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.metrics.request(h.source, "error")
		return nil, fmt.Errorf("%s %s: %w", req.Method, target, unwrapURLError(err))
	}
	h.metrics.request(h.source, strconv.Itoa(resp.StatusCode))
	reset, limited := rateLimitReset(resp.Header, time.Now())
	if limited {
		h.deferUntil(reset)
	}
	if resp.StatusCode/100 == 2 || resp.StatusCode == http.StatusNotModified {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok || limited || resp.StatusCode == http.StatusTooManyRequests {
			until := time.Now().Add(d)
			if limited && reset.After(until) {
				// A 429 with RateLimit-Reset but no Retry-After (Bluesky).
				until = reset
			}
			h.deferUntil(until)
			return nil, &RateLimitError{URL: target, Until: until, Reason: resp.Status}
		}
	}
	return nil, &StatusError{Method: req.Method, URL: target, Status: resp.StatusCode,
		Body: oneLine(raw[:min(len(raw), 512)]), Raw: raw, Header: resp.Header}
}

// maxErrorBody bounds how much of an error response is kept for the
// caller to read an API's error object from (StatusError.Raw).
const maxErrorBody = 8 << 10

// Get is Do for a GET with extra headers.
func (h *HTTP) Get(ctx context.Context, rawURL string, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return h.Do(req)
}

// GetJSON fetches rawURL and decodes the JSON body into v. Responses that
// are not JSON (an HTML error page served with 200, say) or do not decode are
// errors naming the URL. It returns the response headers.
func (h *HTTP) GetJSON(ctx context.Context, rawURL string, header http.Header, v any) (http.Header, error) {
	if header == nil {
		header = http.Header{}
	}
	if header.Get("Accept") == "" {
		header.Set("Accept", "application/json")
	}
	resp, err := h.Get(ctx, rawURL, header)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return resp.Header, DecodeJSON(resp, v)
}

// PostJSON sends in as a JSON body (none when in is nil) to rawURL with
// extra headers and decodes the JSON response into out, with the checks
// GetJSON does.
func (h *HTTP) PostJSON(ctx context.Context, rawURL string, header http.Header, in, out any) error {
	var body io.Reader = http.NoBody
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("POST %s: %w", rawURL, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, body)
	if err != nil {
		return fmt.Errorf("POST %s: %w", rawURL, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return DecodeJSON(resp, out)
}

// DecodeJSON reads a JSON response body into v with the checks GetJSON does.
// A *json.RawMessage gets the body itself, checked but not copied, for a
// parser that reads it in one pass (DecodeItems).
func DecodeJSON(resp *http.Response, v any) error {
	target := resp.Request.Method + " " + RedactURL(resp.Request.URL)
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s: reading body: %w", target, err)
	}
	if err := checkJSONBody(resp.Header.Get("Content-Type"), body); err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	if raw, ok := v.(*json.RawMessage); ok && json.Valid(body) {
		*raw = bytes.TrimSpace(body)
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s: malformed JSON: %w", target, err)
	}
	return nil
}

func checkJSONBody(contentType string, body []byte) error {
	mt, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff")
	switch {
	case len(trimmed) == 0:
		return errors.New("empty body, want JSON")
	case mt == "text/html" || mt == "application/xhtml+xml" || trimmed[0] == '<':
		return fmt.Errorf("got an HTML or XML page (%s), want JSON: %q", orUnknown(mt), oneLine(trimmed[:min(len(trimmed), 120)]))
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "no content type"
	}
	return s
}

// StatusError is an unexpected HTTP status.
type StatusError struct {
	Method string
	URL    string
	Status int
	// Body is the start of the response body on one line.
	Body string
	// Raw is the response body, up to 8 KiB, for APIs whose error object
	// says more than the status (Graph's error.code, YouTube's reason);
	// Header is the response's.
	Raw    []byte
	Header http.Header
}

func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("%s %s: HTTP %d", e.Method, e.URL, e.Status)
	}
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.URL, e.Status, e.Body)
}

// RateLimitError means the source asked us to slow down until Until.
type RateLimitError struct {
	URL    string
	Until  time.Time
	Reason string
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("GET %s: %s; retry after %s", e.URL, e.Reason, e.Until.UTC().Format(time.RFC3339))
}

// RetryAfter reports how long err asks the caller to wait, if it does.
func RetryAfter(err error, now time.Time) (time.Duration, bool) {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return max(rl.Until.Sub(now), 0), true
	}
	return 0, false
}

// ParseRetryAfter parses a Retry-After value: delay seconds or an HTTP date.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// rateLimitReset reads the X-RateLimit-Remaining/Reset family of headers
// (Mastodon, Reddit, GitHub-like APIs) and, when the quota is used up,
// returns when it resets. Reset may be an RFC 3339 time (Mastodon), Unix
// seconds, or seconds from now (Reddit).
func rateLimitReset(h http.Header, now time.Time) (time.Time, bool) {
	rem := firstHeader(h, "X-RateLimit-Remaining", "X-Rate-Limit-Remaining", "RateLimit-Remaining")
	if rem == "" {
		return time.Time{}, false
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(rem), 64)
	if err != nil || n >= 1 {
		return time.Time{}, false
	}
	reset := strings.TrimSpace(firstHeader(h, "X-RateLimit-Reset", "X-Rate-Limit-Reset", "RateLimit-Reset"))
	if t, err := time.Parse(time.RFC3339Nano, reset); err == nil {
		return t, true
	}
	if secs, err := strconv.ParseFloat(reset, 64); err == nil && secs >= 0 {
		if secs > 1e9 {
			return time.Unix(int64(secs), 0), true
		}
		return now.Add(time.Duration(secs * float64(time.Second))), true
	}
	// Exhausted with no usable reset: a minute is the common window.
	return now.Add(time.Minute), true
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// secretParams are query parameters redacted from URLs in errors and logs.
var secretParams = []string{"key", "api_key", "apikey", "access_token", "token", "client_secret", "password", "sig", "signature"}

// RedactURL renders u for errors and logs with credentials removed.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	q := u.Query()
	changed := false
	for _, p := range secretParams {
		if q.Has(p) {
			q.Set(p, "REDACTED")
			changed = true
		}
	}
	if !changed {
		return u.Redacted()
	}
	c := *u
	c.RawQuery = q.Encode()
	return c.Redacted()
}

// unwrapURLError drops the *url.Error wrapper, which repeats the unredacted URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func oneLine(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	return Clip(s, 200)
}

// Sleep waits d, or until ctx ends (its error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// LinkURL returns the target of the Link header entry with the given rel
// (RFC 8288), resolved against base, or nil.
func LinkURL(h http.Header, base *url.URL, rel string) *url.URL {
	for _, v := range h.Values("Link") {
		for part := range strings.SplitSeq(v, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			target = strings.TrimSpace(target)
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for p := range strings.SplitSeq(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "rel") && slices.Contains(strings.Fields(strings.Trim(val, `"`)), rel) {
					u, err := base.Parse(target[1 : len(target)-1])
					if err != nil {
						return nil
					}
					return u
				}
			}
		}
	}
	return nil
}
