// Package mention defines the mention contract shared by the ingest API, import
// files, collectors and the bus payload (see docs/architecture.md).
package mention

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Author is the person or account behind a mention.
type Author struct {
	Handle    string `json:"handle,omitempty"`
	Name      string `json:"name,omitempty"`
	URL       string `json:"url,omitempty"`
	Followers int64  `json:"followers,omitempty"`
}

// Engagement counts reactions to a mention at collection time.
type Engagement struct {
	Likes   int64 `json:"likes,omitempty"`
	Reposts int64 `json:"reposts,omitempty"`
	Replies int64 `json:"replies,omitempty"`
}

// Mention is one post, review or article naming (or possibly naming) a brand.
// Fields not in the contract are kept in Extra and survive a round trip.
type Mention struct {
	Source      string     `json:"source"`
	ID          string     `json:"id,omitempty"`
	URL         string     `json:"url,omitempty"`
	Title       string     `json:"title,omitempty"`
	Text        string     `json:"text,omitempty"`
	Author      Author     `json:"author,omitzero"`
	PublishedAt time.Time  `json:"published_at"`
	Lang        string     `json:"lang,omitempty"`
	Rating      *float64   `json:"rating,omitempty"`
	Engagement  Engagement `json:"engagement,omitzero"`
	ParentURL   string     `json:"parent_url,omitempty"`

	// Extra holds unknown top-level fields verbatim.
	Extra map[string]json.RawMessage `json:"-"`
}

// ExtraByBrand is the extra field a collector sets to true on a mention
// written by the brand itself where the platform says so: the Page answering
// on its Facebook posts, the brand's YouTube channel, the Instagram business
// account, the app developer's or the reviewed business's reply to a review
// (Google Play's developerComment, Trustpilot's companyReply, Google Business
// Profile's reviewReply). The classifier takes it as owned, and a brand's
// reply (with a parent_url) as the service stage.
const ExtraByBrand = "by_brand"

// Limits on field sizes; larger values are rejected rather than truncated so
// that nothing is silently lost.
const (
	MaxTextBytes  = 64 << 10
	MaxTitleBytes = 4 << 10
	MaxFieldBytes = 2 << 10
)

var knownFields = map[string]bool{
	"source": true, "id": true, "url": true, "title": true, "text": true, "author": true,
	"published_at": true, "lang": true, "rating": true, "engagement": true, "parent_url": true,
}

// Parse decodes one mention from JSON, keeping unknown fields, and validates it.
func Parse(data []byte) (Mention, error) {
	m, err := Decode(data)
	if err != nil {
		return m, err
	}
	if err := m.Validate(); err != nil {
		return m, err
	}
	return m, nil
}

// Decode decodes one mention from JSON, keeping unknown fields, without
// validating it (Parse does both). Its errors are malformed-payload
// ValidationErrors (IsMalformed).
func Decode(data []byte) (Mention, error) {
	var m Mention
	if !utf8.Valid(data) {
		return m, &ValidationError{Field: "", Reason: "invalid UTF-8 in the JSON text"}
	}
	if !decodeFast(data, &m) {
		m = Mention{}
		if err := json.Unmarshal(data, &m); err != nil {
			return m, &ValidationError{Reason: "invalid JSON: " + err.Error()}
		}
	}
	return m, nil
}

// UnmarshalJSON decodes the contract fields and keeps the rest in Extra.
func (m *Mention) UnmarshalJSON(data []byte) error {
	type plain Mention
	var p struct {
		plain
		PublishedAt json.RawMessage `json:"published_at"`
		Rating      json.RawMessage `json:"rating"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*m = Mention(p.plain)
	if len(p.PublishedAt) > 0 && string(p.PublishedAt) != "null" {
		var s string
		if err := json.Unmarshal(p.PublishedAt, &s); err != nil {
			return fmt.Errorf("published_at: want an RFC 3339 string, got %s", truncate(string(p.PublishedAt), 40))
		}
		t, err := ParseTime(s)
		if err != nil {
			return fmt.Errorf("published_at: %w", err)
		}
		m.PublishedAt = t
	}
	if len(p.Rating) > 0 && string(p.Rating) != "null" {
		r, err := parseRating(p.Rating)
		if err != nil {
			return err
		}
		m.Rating = &r
	}
	// Most mentions carry only contract fields: a scan of the top-level keys
	// spares them a second decode into a map.
	if onlyKnownKeys(data) {
		return nil
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	for k, v := range all {
		if knownFields[k] {
			continue
		}
		if m.Extra == nil {
			m.Extra = make(map[string]json.RawMessage)
		}
		m.Extra[k] = v
	}
	return nil
}

func parseRating(raw json.RawMessage) (float64, error) {
	var f float64
	if err := json.Unmarshal(raw, &f); err == nil {
		return f, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if _, err := fmt.Sscanf(strings.TrimSpace(s), "%g", &f); err == nil {
			return f, nil
		}
	}
	return 0, fmt.Errorf("rating: want a number, got %s", truncate(string(raw), 40))
}

// MarshalJSON writes the contract fields followed by the kept unknown fields.
func (m Mention) MarshalJSON() ([]byte, error) {
	base, ok := m.appendJSON(make([]byte, 0, 256+len(m.Text)+len(m.Title)))
	if !ok {
		type plain Mention
		var err error
		if base, err = json.Marshal(plain(m)); err != nil {
			return nil, err
		}
	}
	if len(m.Extra) == 0 {
		return base, nil
	}
	return appendFields(base, m.Extra)
}

// appendFields adds extra keys (sorted, for stable output) to a JSON object.
func appendFields(obj []byte, extra map[string]json.RawMessage) ([]byte, error) {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := bytes.NewBuffer(make([]byte, 0, len(obj)+64*len(keys)))
	out.Write(obj[:len(obj)-1])
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		out.Write(kb)
		out.WriteByte(':')
		out.Write(extra[k])
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// ValidationError says which field of a mention is wrong and why.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

// IsMalformed reports whether an error from Parse means the payload could
// not be decoded at all, rather than decoded into a mention that fails
// validation.
func IsMalformed(err error) bool {
	var ve *ValidationError
	return errors.As(err, &ve) && ve.Field == ""
}

// Validate checks the contract's required fields and size limits.
func (m *Mention) Validate() error {
	var errs []error
	bad := func(field, reason string) { errs = append(errs, &ValidationError{Field: field, Reason: reason}) }
	if strings.TrimSpace(m.Source) == "" {
		bad("source", "required (e.g. \"rss\", \"mastodon\", \"import\")")
	}
	if strings.TrimSpace(m.Text) == "" && strings.TrimSpace(m.Title) == "" {
		bad("text", "text or title is required")
	}
	if m.PublishedAt.IsZero() {
		bad("published_at", "required, an RFC 3339 time such as 2026-11-20T08:15:00Z")
	} else if m.PublishedAt.Year() < 1990 || m.PublishedAt.After(time.Now().Add(48*time.Hour)) {
		bad("published_at", fmt.Sprintf("%s is outside the accepted range (1990 to now+48h)", m.PublishedAt.Format(time.RFC3339)))
	}
	if len(m.Text) > MaxTextBytes {
		bad("text", fmt.Sprintf("%d bytes is over the %d-byte limit", len(m.Text), MaxTextBytes))
	}
	if len(m.Title) > MaxTitleBytes {
		bad("title", fmt.Sprintf("%d bytes is over the %d-byte limit", len(m.Title), MaxTitleBytes))
	}
	type field struct{ name, value string }
	for _, f := range [...]field{{"source", m.Source}, {"id", m.ID}, {"url", m.URL}, {"parent_url", m.ParentURL},
		{"author.handle", m.Author.Handle}, {"author.name", m.Author.Name}, {"author.url", m.Author.URL}, {"lang", m.Lang}} {
		if len(f.value) > MaxFieldBytes {
			bad(f.name, fmt.Sprintf("%d bytes is over the %d-byte limit", len(f.value), MaxFieldBytes))
		}
	}
	for _, f := range [...]field{{"text", m.Text}, {"title", m.Title}, {"source", m.Source}, {"id", m.ID},
		{"author.handle", m.Author.Handle}, {"author.name", m.Author.Name}} {
		if !utf8.ValidString(f.value) {
			bad(f.name, "invalid UTF-8")
		}
	}
	if m.Rating != nil && (*m.Rating < 0 || *m.Rating > 10) {
		bad("rating", fmt.Sprintf("%g is outside 0..10", *m.Rating))
	}
	if m.Author.Followers < 0 {
		bad("author.followers", "must not be negative")
	}
	return errors.Join(errs...)
}

// Key returns the stable mention id: a hash of the source and the source's own
// id, else of the canonical URL, else of source, author, time and text. It is
// used as the JetStream Nats-Msg-Id and as the store's dedup key.
func (m *Mention) Key() string {
	var parts []string
	switch {
	case m.ID != "":
		parts = []string{"id", strings.ToLower(strings.TrimSpace(m.Source)), m.ID}
	case m.URL != "":
		parts = []string{"url", CanonicalURL(m.URL)}
	default:
		parts = []string{"content", strings.ToLower(m.Source), m.Author.Handle,
			m.PublishedAt.UTC().Format(time.RFC3339), m.Title, m.Text}
	}
	// The parts joined by NUL bytes, hashed in one call: a hash.Hash and
	// io.WriteString cost an allocation per part on the ingest hot path.
	var stack [128]byte
	buf := stack[:0]
	for i, p := range parts {
		if i > 0 {
			buf = append(buf, 0)
		}
		buf = append(buf, p...)
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:16])
}

// trackingParams are query parameters that do not change what a URL points at.
var trackingParams = map[string]bool{"fbclid": true, "gclid": true, "mc_cid": true, "mc_eid": true, "igshid": true, "ref_src": true}

// CanonicalURL lowercases scheme and host, drops the fragment, default ports
// and tracking parameters (utm_*, fbclid, …) so one article has one id.
func CanonicalURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return strings.TrimSpace(raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Host = strings.TrimSuffix(strings.TrimSuffix(u.Host, ":80"), ":443")
	u.Fragment = ""
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(strings.ToLower(k), "utm_") || trackingParams[strings.ToLower(k)] {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}

// ParseTime accepts RFC 3339 and a few common variants seen in exports.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time (e.g. 2026-11-20T08:15:00Z)", truncate(s, 40))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// onlyKnownKeys reports whether every top-level key of the JSON object data
// is a contract field. It assumes data is valid JSON (it was just decoded)
// and answers false when unsure, e.g. for keys with escapes.
func onlyKnownKeys(data []byte) bool {
	depth := 0
	expectKey := false
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{', '[':
			depth++
			expectKey = c == '{' && depth == 1
		case '}', ']':
			depth--
		case ',':
			expectKey = depth == 1
		case '"':
			end := i + 1
			for end < len(data) && data[end] != '"' {
				if data[end] == '\\' {
					if depth == 1 && expectKey {
						return false
					}
					end++
				}
				end++
			}
			if depth == 1 && expectKey {
				if !knownFields[string(data[i+1:end])] {
					return false
				}
				expectKey = false
			}
			i = end
		}
	}
	return true
}
