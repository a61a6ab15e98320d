// Package x collects posts from X (Twitter) through the API v2 recent
// search (GET /2/tweets/search/recent) with an app bearer token; the
// queries are built from the brand names, handles and hashtags configured.
package x

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/collector"
)

func init() { collector.RegisterTyped("x", New) }

// Options are the x source's keys.
type Options struct {
	collector.HTTPOptions `yaml:",inline"`
	// BaseURL of the API (default https://api.x.com).
	BaseURL string `yaml:"base_url"`
	// BearerTokenEnv names the variable holding the app's bearer token
	// (default EWOM_X_BEARER_TOKEN).
	BearerTokenEnv string `yaml:"bearer_token_env"`
	// Keywords are brand names and other words to search for; names of
	// several words are searched as exact phrases.
	Keywords []string `yaml:"keywords"`
	// Handles are the brand's own X accounts (with or without @): posts
	// mentioning them and posts from them are searched, and the latter
	// are the brand's own (owned).
	Handles  []string `yaml:"handles"`
	Hashtags []string `yaml:"hashtags"`
	// Langs keeps posts X detected in these languages (lang:fi).
	Langs []string `yaml:"langs"`
	// Operators are appended to every query (default "-is:retweet";
	// "" for none).
	Operators *string `yaml:"operators"`
	// MaxQueryLength is the longest query the access tier accepts:
	// 512 characters (default), 4096 on Pro and Enterprise.
	MaxQueryLength int `yaml:"max_query_length"`
	// MaxPages bounds the pages per query and pass (default 5).
	MaxPages int `yaml:"max_pages"`
	// MaxResults is the page size, 10 to 100 (default 100).
	MaxResults int `yaml:"max_results"`
}

const (
	tweetFields = "created_at,lang,public_metrics,conversation_id,referenced_tweets,author_id"
	userFields  = "username,name,public_metrics"
)

// Collector runs the recent search for each query.
type Collector struct {
	http       *collector.HTTP
	search     *url.URL
	token      collector.Secret
	queries    []string
	handles    map[string]bool
	maxPages   int
	maxResults int
}

// New builds an X collector.
func New(env *collector.Env, o Options) (*Collector, error) {
	if o.BaseURL == "" {
		o.BaseURL = "https://api.x.com"
	}
	if o.MaxPages <= 0 {
		o.MaxPages = 5
	}
	if o.MaxResults == 0 {
		o.MaxResults = 100
	}
	if o.MaxResults < 10 || o.MaxResults > 100 {
		return nil, fmt.Errorf("max_results: %d is outside 10–100", o.MaxResults)
	}
	queries, err := Queries(o)
	if err != nil {
		return nil, err
	}
	token, err := collector.LoadSecret("bearer_token_env", o.BearerTokenEnv, "EWOM_X_BEARER_TOKEN")
	if err != nil {
		return nil, err
	}
	h, base, err := env.HTTPAt(o.HTTPOptions, o.BaseURL)
	if err != nil {
		return nil, err
	}
	c := &Collector{http: h, search: base.JoinPath("2/tweets/search/recent"), token: token, queries: queries,
		handles: map[string]bool{}, maxPages: o.MaxPages, maxResults: o.MaxResults}
	for _, hd := range o.Handles {
		c.handles[strings.ToLower(strings.TrimPrefix(strings.TrimSpace(hd), "@"))] = true
	}
	return c, nil
}

// Queries builds the search queries of o: its keywords, hashtags, @handles
// and from:handles joined by OR into as few queries as fit
// max_query_length, each followed by the operators and language filter.
func Queries(o Options) ([]string, error) {
	if o.MaxQueryLength == 0 {
		o.MaxQueryLength = 512
	}
	var terms []string
	for _, k := range o.Keywords {
		terms = append(terms, collector.SearchTerm(k))
	}
	for i, tag := range o.Hashtags {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "#")
		if tag == "" || strings.ContainsAny(tag, " #") {
			return nil, fmt.Errorf("hashtags[%d]: %q is not a hashtag", i, o.Hashtags[i])
		}
		terms = append(terms, "#"+tag)
	}
	for i, hd := range o.Handles {
		hd = strings.TrimPrefix(strings.TrimSpace(hd), "@")
		if hd == "" || strings.ContainsFunc(hd, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_')
		}) {
			return nil, fmt.Errorf("handles[%d]: %q is not an X handle (letters, digits and _)", i, o.Handles[i])
		}
		terms = append(terms, "@"+hd, "from:"+hd)
	}
	if len(terms) == 0 {
		return nil, errors.New("keywords: give the brand's names, handles or hashtags to search for")
	}
	suffix := "-is:retweet"
	if o.Operators != nil {
		suffix = strings.TrimSpace(*o.Operators)
	}
	var langs []string
	for _, l := range o.Langs {
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" {
			langs = append(langs, "lang:"+l)
		}
	}
	switch {
	case len(langs) == 1:
		suffix = strings.TrimSpace(suffix + " " + langs[0])
	case len(langs) > 1:
		suffix = strings.TrimSpace(suffix + " (" + strings.Join(langs, " OR ") + ")")
	}
	f := collector.QueryFormat{Or: " OR ", Group: true, Suffix: suffix, MaxLen: o.MaxQueryLength}
	qs, err := f.OrQueries(terms)
	if err != nil {
		return nil, fmt.Errorf("max_query_length: %w", err)
	}
	return qs, nil
}

// cursor keeps, per query, the newest post id read and, when a pass was
// cut short by max_pages, the range it did not reach.
type cursor struct {
	Queries map[string]*position `json:"queries"`
}

type position struct {
	SinceID string `json:"since_id,omitempty"`
	// Gap is (SinceID, UntilID): posts after the one and before the other
	// were not read yet.
	Gap *gap `json:"gap,omitempty"`
}

type gap struct {
	SinceID string `json:"since_id"`
	UntilID string `json:"until_id"`
}

// Collect runs every query. A failing query does not stop the others;
// a rate limit or a refused token stops the pass.
func (c *Collector) Collect(ctx context.Context, raw []byte, out collector.Output) error {
	var cur cursor
	if err := collector.LoadCursor(raw, &cur); err != nil {
		return err
	}
	if cur.Queries == nil {
		cur.Queries = map[string]*position{}
	}
	var errs []error
	for _, q := range c.queries {
		err := c.collectQuery(ctx, q, &cur, out)
		if err == nil {
			continue
		}
		if collector.EndsPass(ctx, err) {
			return errors.Join(append(errs, err)...)
		}
		errs = append(errs, fmt.Errorf("query %q: %w", q, err))
	}
	return errors.Join(errs...)
}

// collectQuery reads the gap a capped pass left first; only once it is
// closed does it read what is new since the newest post read.
func (c *Collector) collectQuery(ctx context.Context, q string, cur *cursor, out collector.Output) error {
	pos := cur.Queries[q]
	if pos == nil {
		pos = &position{}
		cur.Queries[q] = pos
	}
	if g := pos.Gap; g != nil {
		w, err := c.walk(ctx, q, g.SinceID, g.UntilID, false, out)
		if err != nil {
			return err
		}
		if w.complete {
			pos.Gap = nil
		} else {
			g.UntilID = w.oldest
		}
		if err := collector.CheckpointJSON(out, cur); err != nil || pos.Gap != nil {
			return err
		}
	}
	first := pos.SinceID == ""
	w, err := c.walk(ctx, q, pos.SinceID, "", first, out)
	if err != nil {
		return err
	}
	if !w.complete && !first {
		pos.Gap = &gap{SinceID: pos.SinceID, UntilID: w.oldest}
	}
	pos.SinceID = collector.MaxID(pos.SinceID, w.newest)
	return collector.CheckpointJSON(out, cur)
}

type walked struct {
	newest, oldest string
	complete       bool
}

// walk reads the posts between sinceID and untilID (either may be empty),
// newest first, page by page up to max_pages (one page when onePage), and
// emits them oldest first.
func (c *Collector) walk(ctx context.Context, q, sinceID, untilID string, onePage bool, out collector.Output) (walked, error) {
	var (
		w     walked
		posts []Post
		next  string
	)
	for page := 0; page < c.maxPages; page++ {
		p, target, err := c.fetch(ctx, q, sinceID, untilID, next)
		if err != nil {
			return w, err
		}
		for _, t := range p.Posts {
			if t.Err != nil {
				t.Err = fmt.Errorf("GET %s: %w", target, t.Err)
			}
			posts = append(posts, t)
		}
		w.newest = collector.MaxID(w.newest, p.Meta.NewestID)
		if p.Meta.OldestID != "" && (w.oldest == "" || collector.IDLess(p.Meta.OldestID, w.oldest)) {
			w.oldest = p.Meta.OldestID
		}
		next = p.Meta.NextToken
		if next == "" || onePage {
			w.complete = true
			break
		}
	}
	slices.SortStableFunc(posts, func(a, b Post) int { return collector.CompareIDs(a.ID, b.ID) })
	for _, t := range posts {
		w.newest = collector.MaxID(w.newest, t.ID)
		switch {
		case t.Err != nil:
			out.SkipBad(t.Err)
		case t.Mention == nil:
			out.Skip(t.Skip)
		default:
			if t.Estimated != nil {
				out.Warn("estimated_time", t.Estimated)
			}
			if err := out.Emit(t.Mention); err != nil {
				return w, err
			}
		}
	}
	return w, nil
}

func (c *Collector) fetch(ctx context.Context, q, sinceID, untilID, next string) (*Page, string, error) {
	u := *c.search
	v := url.Values{"query": {q}, "max_results": {strconv.Itoa(c.maxResults)}, "tweet.fields": {tweetFields},
		"expansions": {"author_id"}, "user.fields": {userFields}}
	if sinceID != "" {
		v.Set("since_id", sinceID)
	}
	if untilID != "" {
		v.Set("until_id", untilID)
	}
	if next != "" {
		v.Set("next_token", next)
	}
	u.RawQuery = v.Encode()
	target := collector.RedactURL(&u)
	resp, err := c.http.Get(ctx, u.String(), c.token.Bearer())
	if err != nil {
		return nil, target, collector.RefusedCredential(err, c.token.String())
	}
	defer resp.Body.Close()
	var body json.RawMessage
	if err := collector.DecodeJSON(resp, &body); err != nil {
		return nil, target, err
	}
	p, err := Parse(body, c.handles, time.Now())
	if err != nil {
		return nil, target, fmt.Errorf("GET %s: %w", target, err)
	}
	return p, target, nil
}
