// Package hackernews collects Hacker News stories and comments matching
// queries through the Algolia search API (search_by_date).
package hackernews

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
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

func init() {
	collector.Register("hackernews", func(src config.Source, env *collector.Env) (collector.Collector, error) {
		var o Options
		if err := src.Decode(&o); err != nil {
			return nil, err
		}
		return New(env, o)
	})
}

// Options are the hackernews source's keys.
type Options struct {
	collector.HTTPOptions `yaml:",inline"`
	// BaseURL of the Algolia HN API (default https://hn.algolia.com).
	BaseURL string   `yaml:"base_url"`
	Queries []string `yaml:"queries"`
	// Tags filters item types, Algolia syntax (default "(story,comment)").
	Tags string `yaml:"tags"`
	// MaxPages bounds the pages of 100 hits per query and pass (default 10).
	MaxPages int `yaml:"max_pages"`
}

const (
	hitsPerPage = 100
	itemURL     = "https://news.ycombinator.com/item?id="
	userURL     = "https://news.ycombinator.com/user?id="
)

// Collector polls Algolia for each query.
type Collector struct {
	http     *collector.HTTP
	search   *url.URL
	queries  []string
	tags     string
	maxPages int
}

// New builds a Hacker News collector.
func New(env *collector.Env, o Options) (*Collector, error) {
	if len(o.Queries) == 0 {
		return nil, errors.New("queries: give at least one search query")
	}
	if o.BaseURL == "" {
		o.BaseURL = "https://hn.algolia.com"
	}
	if o.Tags == "" {
		o.Tags = "(story,comment)"
	}
	if o.MaxPages <= 0 {
		o.MaxPages = 10
	}
	h, err := env.HTTP(o.HTTPOptions)
	if err != nil {
		return nil, err
	}
	base, err := h.CheckURL(strings.TrimRight(o.BaseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("base_url: %w", err)
	}
	return &Collector{http: h, search: base.JoinPath("api/v1/search_by_date"), queries: o.Queries, tags: o.Tags, maxPages: o.MaxPages}, nil
}

// cursor keeps, per query, the newest creation second seen and the ids seen
// at that second (Algolia filters by whole seconds, so >= plus these ids
// neither skips nor repeats).
type cursor struct {
	Queries map[string]collector.Watermark `json:"queries"`
}

// Collect runs every query; one failing query does not stop the others.
func (c *Collector) Collect(ctx context.Context, raw []byte, out collector.Output) error {
	cur := cursor{Queries: map[string]collector.Watermark{}}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &cur); err != nil {
			return fmt.Errorf("stored cursor is corrupt: %w", err)
		}
		if cur.Queries == nil {
			cur.Queries = map[string]collector.Watermark{}
		}
	}
	var errs []error
	for _, q := range c.queries {
		if err := c.collectQuery(ctx, q, &cur, out); err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, fmt.Errorf("query %q: %w", q, err))
		}
	}
	return errors.Join(errs...)
}

func (c *Collector) collectQuery(ctx context.Context, query string, cur *cursor, out collector.Output) error {
	pos := cur.Queries[query]
	var hits []Hit
	for page := 0; page < c.maxPages; page++ {
		u := *c.search
		v := url.Values{"query": {query}, "tags": {c.tags}, "hitsPerPage": {strconv.Itoa(hitsPerPage)}, "page": {strconv.Itoa(page)}}
		if pos.Since > 0 {
			v.Set("numericFilters", "created_at_i>="+strconv.FormatInt(pos.Since, 10))
		}
		u.RawQuery = v.Encode()
		var res Response
		if _, err := c.http.GetJSON(ctx, u.String(), nil, &res); err != nil {
			return err
		}
		hits = append(hits, res.Hits...)
		// The first pass takes only the newest page: no backfill.
		if pos.Since == 0 || page+1 >= res.NbPages || len(res.Hits) == 0 {
			break
		}
	}
	slices.SortStableFunc(hits, func(a, b Hit) int { return int(a.CreatedAtI - b.CreatedAtI) })
	next := collector.Watermark{Since: pos.Since, IDs: slices.Clone(pos.IDs)}
	emitted := 0
	for _, h := range hits {
		if pos.Seen(h.CreatedAtI, h.ObjectID) {
			out.Skip("seen")
			continue
		}
		m, err := h.Mention()
		if err != nil {
			out.Skip("malformed")
			continue
		}
		if err := out.Emit(m); err != nil {
			return err
		}
		next.Advance(h.CreatedAtI, h.ObjectID)
		emitted++
	}
	if emitted == 0 {
		return nil
	}
	cur.Queries[query] = next
	b, err := json.Marshal(cur)
	if err != nil {
		return err
	}
	return out.Checkpoint(b)
}

// Response is an Algolia search_by_date result page.
type Response struct {
	Hits    []Hit `json:"hits"`
	NbPages int   `json:"nbPages"`
}

// Hit is one story or comment.
type Hit struct {
	ObjectID    string   `json:"objectID"`
	CreatedAt   string   `json:"created_at"`
	CreatedAtI  int64    `json:"created_at_i"`
	Title       *string  `json:"title"`
	URL         *string  `json:"url"`
	Author      string   `json:"author"`
	Points      *int64   `json:"points"`
	StoryText   *string  `json:"story_text"`
	CommentText *string  `json:"comment_text"`
	NumComments *int64   `json:"num_comments"`
	StoryID     *int64   `json:"story_id"`
	StoryTitle  *string  `json:"story_title"`
	StoryURL    *string  `json:"story_url"`
	ParentID    *int64   `json:"parent_id"`
	Tags        []string `json:"_tags"`
}

// Mention normalises the hit.
func (h Hit) Mention() (*mention.Mention, error) {
	if h.ObjectID == "" {
		return nil, errors.New("hit without objectID")
	}
	m := &mention.Mention{
		Source: "hackernews",
		ID:     h.ObjectID,
		URL:    itemURL + url.QueryEscape(h.ObjectID),
		Title:  collector.HTMLToText(deref(h.Title)),
		Author: mention.Author{Handle: h.Author},
	}
	if h.Author != "" {
		m.Author.URL = userURL + url.QueryEscape(h.Author)
	}
	switch {
	case h.CreatedAtI > 0:
		m.PublishedAt = time.Unix(h.CreatedAtI, 0).UTC()
	default:
		t, err := mention.ParseTime(h.CreatedAt)
		if err != nil {
			return nil, fmt.Errorf("hit %s: created_at: %w", h.ObjectID, err)
		}
		m.PublishedAt = t
	}
	if h.CommentText != nil {
		m.Text = collector.HTMLToText(*h.CommentText)
		if m.Title == "" {
			m.Title = collector.HTMLToText(deref(h.StoryTitle))
		}
		if h.ParentID != nil {
			m.ParentURL = itemURL + strconv.FormatInt(*h.ParentID, 10)
		}
	} else {
		m.Text = collector.HTMLToText(deref(h.StoryText))
	}
	if h.Points != nil {
		m.Engagement.Likes = max(*h.Points, 0)
	}
	if h.NumComments != nil {
		m.Engagement.Replies = max(*h.NumComments, 0)
	}
	if link := deref(h.URL); link != "" {
		m.Extra = map[string]json.RawMessage{}
		m.Extra["link"], _ = json.Marshal(link)
	}
	return m, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
