// Package hackernews collects Hacker News stories and comments matching
// queries through the Algolia search API (search_by_date).
package hackernews

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

func init() { collector.RegisterTyped("hackernews", New) }

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
	log      *slog.Logger
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
	h, base, err := env.HTTPAt(o.HTTPOptions, o.BaseURL)
	if err != nil {
		return nil, err
	}
	return &Collector{http: h, log: env.Logger, search: base.JoinPath("api/v1/search_by_date"), queries: o.Queries, tags: o.Tags, maxPages: o.MaxPages}, nil
}

// cursor keeps a position per query.
type cursor struct {
	Queries map[string]position `json:"queries"`
}

// position is a query's cursor: the newest creation second emitted and the
// ids emitted in that second (Algolia filters by whole seconds, so >= plus
// these ids neither skips nor repeats), and, when a pass stopped at
// max_pages, the older range it had not reached yet.
type position struct {
	collector.Watermark
	Gap *window `json:"gap,omitempty"`
}

// window is a range of creation seconds still to fetch: from Lo (exclusive
// of the ids Lo records for its second) up to Hi (0: no upper bound; at Hi
// itself the ids in HiIDs were already emitted).
type window struct {
	Lo    collector.Watermark `json:"lo"`
	Hi    int64               `json:"hi,omitempty"`
	HiIDs []string            `json:"hi_ids,omitempty"`
}

func (w *window) contains(h *Hit) bool {
	if w.Lo.Seen(h.CreatedAtI, h.ObjectID) {
		return false
	}
	return w.Hi == 0 || h.CreatedAtI < w.Hi || h.CreatedAtI == w.Hi && !slices.Contains(w.HiIDs, h.ObjectID)
}

// Collect runs every query; one failing query does not stop the others.
func (c *Collector) Collect(ctx context.Context, raw []byte, out collector.Output) error {
	var cur cursor
	if err := collector.LoadCursor(raw, &cur); err != nil {
		return err
	}
	if cur.Queries == nil {
		cur.Queries = map[string]position{}
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

// collectQuery fetches, within max_pages, first the gap an earlier pass left
// (if any), then everything newer than the watermark, and emits the hits
// oldest first. Whatever it could not reach — the page budget ran out, or a
// request failed — stays in the cursor as the gap, so the next pass goes on
// from the oldest unfetched second instead of skipping it.
func (c *Collector) collectQuery(ctx context.Context, query string, cur *cursor, out collector.Output) error {
	pos := cur.Queries[query]
	firstRun := pos.Since == 0
	pages := c.maxPages
	if firstRun {
		pages = 1 // the first pass takes only the newest page: no backfill
	}
	var hits []Hit
	var err error
	if pos.Gap != nil {
		hits, pos.Gap, err = c.fetchWindow(ctx, query, *pos.Gap, &pages, out)
	}
	if err == nil && pos.Gap == nil && pages > 0 {
		var newer []Hit
		var rest *window
		newer, rest, err = c.fetchWindow(ctx, query, window{Lo: pos.Watermark}, &pages, out)
		if !firstRun {
			pos.Gap = rest
		}
		slices.SortStableFunc(newer, byTime)
		for _, h := range newer {
			if h.CreatedAtI > 0 {
				pos.Advance(h.CreatedAtI, h.ObjectID)
			}
		}
		hits = append(hits, newer...)
	}
	if pos.Gap != nil && err == nil {
		c.log.Info("max_pages reached; the older hits are fetched next pass", "query", query,
			"from", time.Unix(pos.Gap.Lo.Since, 0).UTC(), "to", time.Unix(pos.Gap.Hi, 0).UTC())
	}
	slices.SortStableFunc(hits, byTime)
	for _, h := range hits {
		if h.Err != nil {
			out.SkipBad(fmt.Errorf("query %q: %w", query, h.Err))
			continue
		}
		if h.CreatedAtI == 0 {
			out.Warn("estimated_time", fmt.Errorf("query %q: hit %s: no created_at_i, and created_at %q is not a time; stored with the fetch time",
				query, h.ObjectID, h.CreatedAt))
		}
		if eerr := out.Emit(h.Mention()); eerr != nil {
			return eerr
		}
	}
	cur.Queries[query] = pos
	return errors.Join(err, collector.CheckpointJSON(out, cur))
}

// byTime orders hits oldest first, by id within a second.
func byTime(a, b Hit) int {
	return cmp.Or(cmp.Compare(a.CreatedAtI, b.CreatedAtI), collector.CompareIDs(a.ObjectID, b.ObjectID))
}

// fetchWindow pages through w newest first, spending at most *pages
// requests. Algolia returns at most 1,000 hits per query however many
// match, so when a query's pages end before its nbHits, it is narrowed to
// the oldest second reached and paged again. It returns the hits in w and
// the part of w not reached (nil when all of it was).
func (c *Collector) fetchWindow(ctx context.Context, query string, w window, pages *int, out collector.Output) ([]Hit, *window, error) {
	var hits []Hit
	got := map[string]bool{}
	hi := w.Hi
	for {
		oldest := hi // the oldest second this query returned
		for page := 0; ; page++ {
			if *pages <= 0 {
				return hits, w.below(hits), nil
			}
			*pages--
			res, err := c.fetchPage(ctx, query, w.Lo.Since, hi, page)
			if err != nil {
				return hits, w.below(hits), err
			}
			for _, h := range res.Hits {
				if h.CreatedAtI > 0 && (oldest == 0 || h.CreatedAtI < oldest) {
					oldest = h.CreatedAtI
				}
				switch {
				case h.ObjectID != "" && got[h.ObjectID]: // again after narrowing
				case h.CreatedAtI > 0 && !w.contains(&h):
					out.Skip("seen")
				default:
					got[h.ObjectID] = true
					hits = append(hits, h)
				}
			}
			if len(res.Hits) == 0 || page+1 >= res.NbPages && (page+1)*hitsPerPage >= res.NbHits {
				return hits, nil, nil
			}
			if page+1 >= res.NbPages {
				break // Algolia's pagination limit: narrow the query
			}
		}
		if oldest == hi {
			// Over 1,000 hits in one second: step below it rather than
			// fetching the same pages again.
			c.log.Warn("more hits in one second than Algolia pages through; some are missed", "query", query, "second", hi)
			oldest--
		}
		if hi = oldest; hi < w.Lo.Since {
			return hits, nil, nil
		}
	}
}

// below is what remains of w under hits, the hits of w fetched so far
// (newest first, so the oldest second reached may be only partly fetched:
// the ids fetched at it are recorded). Hits without a time have no place
// in it.
func (w window) below(hits []Hit) *window {
	hits = slices.DeleteFunc(slices.Clone(hits), func(h Hit) bool { return h.CreatedAtI == 0 })
	if len(hits) == 0 {
		return &w
	}
	oldest := slices.MinFunc(hits, byTime).CreatedAtI
	r := window{Lo: w.Lo, Hi: oldest}
	if oldest == w.Hi {
		r.HiIDs = slices.Clone(w.HiIDs)
	}
	for _, h := range hits {
		if h.CreatedAtI == oldest {
			r.HiIDs = append(r.HiIDs, h.ObjectID)
		}
	}
	return &r
}

// fetchPage fetches one page of hits created in [since, hi] (hi 0: no bound).
func (c *Collector) fetchPage(ctx context.Context, query string, since, hi int64, page int) (*Page, error) {
	u := *c.search
	v := url.Values{"query": {query}, "tags": {c.tags}, "hitsPerPage": {strconv.Itoa(hitsPerPage)}, "page": {strconv.Itoa(page)}}
	var filters []string
	if since > 0 {
		filters = append(filters, "created_at_i>="+strconv.FormatInt(since, 10))
	}
	if hi > 0 {
		filters = append(filters, "created_at_i<="+strconv.FormatInt(hi, 10))
	}
	if len(filters) > 0 {
		v.Set("numericFilters", strings.Join(filters, ","))
	}
	u.RawQuery = v.Encode()
	var body json.RawMessage
	if _, err := c.http.GetJSON(ctx, u.String(), nil, &body); err != nil {
		return nil, err
	}
	pg, err := Parse(body, time.Now())
	if err != nil {
		return nil, fmt.Errorf("GET %s: malformed page: %w", collector.RedactURL(&u), err)
	}
	for i := range pg.Hits {
		if h := &pg.Hits[i]; h.Err != nil {
			h.Err = fmt.Errorf("GET %s: %w", collector.RedactURL(&u), h.Err)
		}
	}
	return pg, nil
}

// Page is an Algolia search_by_date result page, with its hits read by
// Parse.
type Page struct {
	Hits    []Hit `json:"-"`
	NbHits  int   `json:"nbHits"`
	NbPages int   `json:"nbPages"`
}

// Parse reads a result page, each hit on its own, so that one hit that
// cannot be read (a field of the wrong JSON type, no objectID) costs that
// hit, not the page: it is returned with Err, keeping the fields that could
// be read, its time among them, so that it still moves the cursor and is
// reported once. A hit without created_at_i takes its time from
// created_at; a hit with neither gets fetched as its time (Mention flags
// it). A body that is not such a page is an error.
func Parse(body []byte, fetched time.Time) (*Page, error) {
	var pg Page
	hits, errs, err := collector.DecodeItems[Hit](body, "hits", &pg)
	if err != nil {
		return nil, err
	}
	for i := range hits {
		h := &hits[i]
		h.Fetched = fetched
		if h.CreatedAtI <= 0 {
			h.CreatedAtI = 0
			if t, terr := mention.ParseTime(h.CreatedAt); terr == nil && t.Unix() > 0 {
				h.CreatedAtI = t.Unix()
			}
		}
		switch {
		case errs[i] != nil:
			h.Err = fmt.Errorf("hit %d (objectID %q): %w", i, h.ObjectID, errs[i])
		case h.ObjectID == "":
			h.Err = fmt.Errorf("hit %d has no objectID", i)
		}
	}
	pg.Hits = hits
	return &pg, nil
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

	// Set by Parse, not sent by Algolia.

	// Err says why the hit cannot be stored.
	Err error `json:"-"`
	// Fetched is when the page was fetched: the time of a hit without one.
	Fetched time.Time `json:"-"`
}

// Mention normalises a hit read by Parse without error. A hit
// without a time (created_at_i 0) gets the fetch time, flagged.
func (h Hit) Mention() *mention.Mention {
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
	if h.CreatedAtI > 0 {
		m.PublishedAt = time.Unix(h.CreatedAtI, 0).UTC()
	} else {
		collector.EstimatePublished(m, h.Fetched)
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
		if m.Extra == nil {
			m.Extra = map[string]json.RawMessage{}
		}
		m.Extra["link"], _ = json.Marshal(link)
	}
	return m
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
