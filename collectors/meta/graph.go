package meta

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/ewom/ewom/internal/collector"
)

// graph calls the Graph API with the page access token.
type graph struct {
	http  *collector.HTTP
	base  *url.URL // base URL with the version: https://graph.facebook.com/v21.0
	token collector.Secret
	proof string // appsecret_proof, when an app secret is configured
}

// list is a Graph API collection: its items, read one by one, and the
// query of its next page ("" when there is none).
type list struct {
	Data   []json.RawMessage `json:"data"`
	Paging struct {
		Cursors struct {
			After string `json:"after"`
		} `json:"cursors"`
		Next string `json:"next"`
	} `json:"paging"`
}

// nextQuery is the query of the list's next page, nil at the end. The
// next link's own host is not followed: its parameters are sent to the
// configured base URL, without the access token it carries.
func (l *list) nextQuery() url.Values {
	if l.Paging.Next == "" {
		return nil
	}
	if u, err := url.Parse(l.Paging.Next); err == nil {
		q := u.Query()
		q.Del("access_token")
		q.Del("appsecret_proof")
		return q
	}
	if l.Paging.Cursors.After != "" {
		return url.Values{"after": {l.Paging.Cursors.After}}
	}
	return nil
}

// get fetches path (an id and an edge) with the query q and decodes the
// body into v, turning Graph's error object into what it means.
func (g *graph) get(ctx context.Context, path string, q url.Values, v any) error {
	u := g.base.JoinPath(path)
	q.Set("access_token", g.token.Value())
	if g.proof != "" {
		q.Set("appsecret_proof", g.proof)
	}
	u.RawQuery = q.Encode()
	target := collector.RedactURL(u)
	h, err := g.http.GetJSON(ctx, u.String(), nil, v)
	var se *collector.StatusError
	if errors.As(err, &se) {
		return g.graphError(target, se)
	}
	if err != nil {
		return err
	}
	if d := regainIn(h); d > 0 {
		g.http.Throttle(d)
	}
	return nil
}

// Error is Graph's error object.
type Error struct {
	Message   string `json:"message"`
	Type      string `json:"type"`
	Code      int    `json:"code"`
	Subcode   int    `json:"error_subcode"`
	Transient bool   `json:"is_transient"`
	TraceID   string `json:"fbtrace_id"`
}

func (e *Error) Error() string {
	s := fmt.Sprintf("Graph API error %d", e.Code)
	if e.Subcode != 0 {
		s += fmt.Sprintf(" (subcode %d)", e.Subcode)
	}
	return s + ": " + e.Message
}

// rateLimitCodes are Graph's throttling errors: application (4), user
// (17), Page (32), an API's own limit (613), and the business use case
// limits of Pages, Instagram and ads (80001–80014).
func rateLimited(code int) bool {
	return code == 4 || code == 17 || code == 32 || code == 613 || code >= 80001 && code <= 80014
}

// graphError reads the error object of a failed call: rate limits become
// a *collector.RateLimitError (until the business use case header says
// access comes back, else an hour, Graph's rolling window), an invalid or
// expired token (190, 102) an error naming the key it came from.
func (g *graph) graphError(target string, se *collector.StatusError) error {
	var body struct {
		Error *Error `json:"error"`
	}
	if json.Unmarshal(se.Raw, &body) != nil || body.Error == nil {
		return se
	}
	e := body.Error
	wrapped := fmt.Errorf("GET %s: HTTP %d: %w", target, se.Status, e)
	switch {
	case rateLimited(e.Code):
		wait := regainIn(se.Header)
		if wait <= 0 {
			wait = time.Hour
		}
		return &collector.RateLimitError{URL: target, Until: time.Now().Add(wait), Reason: e.Error()}
	case e.Code == 190 || e.Code == 102:
		return g.token.Refused(fmt.Errorf("invalid or expired page access token: %w", wrapped))
	}
	return wrapped
}

// regainIn reads the longest estimated_time_to_regain_access (minutes) of
// the X-Business-Use-Case-Usage header, which Graph sends with calls on
// Pages and Instagram accounts as their limits near.
func regainIn(h http.Header) time.Duration {
	raw := h.Get("X-Business-Use-Case-Usage")
	if raw == "" {
		return 0
	}
	var usage map[string][]struct {
		Minutes float64 `json:"estimated_time_to_regain_access"`
	}
	if json.Unmarshal([]byte(raw), &usage) != nil {
		return 0
	}
	var longest float64
	for _, uses := range usage {
		for _, u := range uses {
			longest = max(longest, u.Minutes)
		}
	}
	return time.Duration(longest * float64(time.Minute))
}

// appSecretProof is the HMAC-SHA256 of the token keyed by the app secret,
// which apps that require it must send with every call.
func appSecretProof(token, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// graphTime parses Graph's times ("2021-08-10T18:45:03+0000").
func graphTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
