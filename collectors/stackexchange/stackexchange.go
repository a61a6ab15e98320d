// Package stackexchange collects questions matching searches on Stack
// Exchange sites (/2.3/search/advanced), respecting the API's quota and
// backoff.
package stackexchange

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

func init() { collector.RegisterTyped("stackexchange", New) }

// Options are the stackexchange source's keys.
type Options struct {
	collector.HTTPOptions `yaml:",inline"`
	// BaseURL of the API (default https://api.stackexchange.com).
	BaseURL string `yaml:"base_url"`
	// Site is the API site parameter (default stackoverflow; e.g. superuser).
	Site    string   `yaml:"site"`
	Queries []string `yaml:"queries"`
	// Tagged restricts to questions with these tags.
	Tagged []string `yaml:"tagged"`
	// KeyEnv names the variable holding an app key (optional; raises the
	// daily quota from 300 to 10,000).
	KeyEnv   string `yaml:"key_env"`
	MaxPages int    `yaml:"max_pages"`
}

const pageSize = 100

// Collector polls search/advanced for each query.
type Collector struct {
	http     *collector.HTTP
	search   *url.URL
	site     string
	queries  []string
	tagged   string
	key      string
	maxPages int
}

// New builds a Stack Exchange collector.
func New(env *collector.Env, o Options) (*Collector, error) {
	if len(o.Queries) == 0 {
		return nil, errors.New("queries: give at least one search query")
	}
	if o.BaseURL == "" {
		o.BaseURL = "https://api.stackexchange.com"
	}
	if o.Site == "" {
		o.Site = "stackoverflow"
	}
	if o.MaxPages <= 0 {
		o.MaxPages = 5
	}
	h, base, err := env.HTTPAt(o.HTTPOptions, o.BaseURL)
	if err != nil {
		return nil, err
	}
	c := &Collector{http: h, search: base.JoinPath("2.3/search/advanced"), site: o.Site, queries: o.Queries,
		tagged: strings.Join(o.Tagged, ";"), maxPages: o.MaxPages}
	if o.KeyEnv != "" {
		if c.key = os.Getenv(o.KeyEnv); c.key == "" {
			return nil, fmt.Errorf("key_env: $%s is not set", o.KeyEnv)
		}
	}
	return c, nil
}

type cursor struct {
	Queries map[string]collector.Watermark `json:"queries"`
}

// Collect runs every query; one failing query does not stop the others, but
// an exhausted quota stops the pass.
func (c *Collector) Collect(ctx context.Context, raw []byte, out collector.Output) error {
	var cur cursor
	if err := collector.LoadCursor(raw, &cur); err != nil {
		return err
	}
	if cur.Queries == nil {
		cur.Queries = map[string]collector.Watermark{}
	}
	var errs []error
	for _, q := range c.queries {
		if err := c.collectQuery(ctx, q, &cur, out); err != nil {
			if _, limited := collector.RetryAfter(err, time.Now()); limited || ctx.Err() != nil {
				return errors.Join(append(errs, err)...)
			}
			errs = append(errs, fmt.Errorf("query %q: %w", q, err))
		}
	}
	return errors.Join(errs...)
}

func (c *Collector) collectQuery(ctx context.Context, q string, cur *cursor, out collector.Output) error {
	pos := cur.Queries[q]
	var items []Question
	for page := 1; page <= c.maxPages; page++ {
		res, err := c.fetch(ctx, q, pos.Since, page)
		if err != nil {
			return err
		}
		items = append(items, res.Questions...)
		if !res.HasMore || pos.Since == 0 {
			break // the first run takes the newest page only
		}
	}
	slices.SortStableFunc(items, func(a, b Question) int { return cmp.Compare(a.CreationDate, b.CreationDate) })
	next := collector.Watermark{Since: pos.Since, IDs: slices.Clone(pos.IDs)}
	moved := false
	for _, it := range items {
		id := strconv.FormatInt(it.QuestionID, 10)
		dated := it.CreationDate > 0
		if dated && pos.Seen(it.CreationDate, id) {
			out.Skip("seen")
			continue
		}
		if it.Err != nil {
			out.SkipBad(fmt.Errorf("query %q: %w", q, it.Err))
		} else {
			if !dated {
				out.Warn("estimated_time", fmt.Errorf("query %q: question %s has no creation_date; stored with the fetch time", q, id))
			}
			if err := out.Emit(it.Mention(c.site)); err != nil {
				return err
			}
		}
		// A question that cannot be read moves the mark too when it has a
		// date, so that it is reported once; one without a date has no
		// place in it.
		if dated {
			next.Advance(it.CreationDate, id)
			moved = true
		}
	}
	if !moved {
		return nil
	}
	cur.Queries[q] = next
	return collector.CheckpointJSON(out, cur)
}

var throttleSeconds = regexp.MustCompile(`available in (\d+) seconds`)

func (c *Collector) fetch(ctx context.Context, q string, since int64, page int) (*Response, error) {
	u := *c.search
	v := url.Values{"site": {c.site}, "q": {q}, "sort": {"creation"}, "order": {"desc"}, "filter": {"withbody"},
		"page": {strconv.Itoa(page)}, "pagesize": {strconv.Itoa(pageSize)}}
	if since > 0 {
		v.Set("fromdate", strconv.FormatInt(since, 10))
	}
	if c.tagged != "" {
		v.Set("tagged", c.tagged)
	}
	if c.key != "" {
		v.Set("key", c.key)
	}
	u.RawQuery = v.Encode()
	var body json.RawMessage
	_, err := c.http.GetJSON(ctx, u.String(), nil, &body)
	var se *collector.StatusError
	if errors.As(err, &se) && strings.Contains(se.Body, "throttle_violation") {
		wait := time.Minute
		if m := throttleSeconds.FindStringSubmatch(se.Body); m != nil {
			secs, _ := strconv.Atoi(m[1])
			wait = time.Duration(secs) * time.Second
		}
		return nil, &collector.RateLimitError{URL: se.URL, Until: time.Now().Add(wait), Reason: "throttle_violation"}
	}
	if err != nil {
		return nil, err
	}
	res, err := Parse(body, time.Now())
	if err != nil {
		return nil, fmt.Errorf("GET %s: malformed page: %w", collector.RedactURL(&u), err)
	}
	if res.ErrorID != 0 {
		return nil, fmt.Errorf("GET %s: API error %d %s: %s", collector.RedactURL(&u), res.ErrorID, res.ErrorName, res.ErrorMessage)
	}
	// "backoff" must be honoured before the next call to the same method.
	if res.Backoff > 0 {
		c.http.Throttle(time.Duration(res.Backoff) * time.Second)
	}
	// An exhausted daily quota resets at midnight UTC: later requests fail
	// fast with a *RateLimitError until then.
	if res.QuotaMax > 0 && res.QuotaRemaining <= 0 {
		c.http.Throttle(time.Until(time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)))
	}
	return res, nil
}

// Response is the common wrapper of Stack Exchange API responses, with its
// items read by Parse.
type Response struct {
	HasMore        bool   `json:"has_more"`
	QuotaMax       int    `json:"quota_max"`
	QuotaRemaining int    `json:"quota_remaining"`
	Backoff        int    `json:"backoff"`
	ErrorID        int    `json:"error_id"`
	ErrorName      string `json:"error_name"`
	ErrorMessage   string `json:"error_message"`
	// Questions are the items.
	Questions []Question `json:"-"`
}

// Parse reads a search page, each item on its own, so that one that cannot
// be read (a field of the wrong JSON type, no question_id) costs that
// question, not the page: it is returned with Err, keeping the fields that
// could be read, its creation_date among them, so that it still moves the
// cursor and is reported once. A question without creation_date gets
// fetched as its time (Mention flags it). A body that is not such a page is
// an error.
func Parse(body []byte, fetched time.Time) (*Response, error) {
	var r Response
	qs, errs, err := collector.DecodeItems[Question](body, "items", &r)
	if err != nil {
		return nil, err
	}
	for i := range qs {
		q := &qs[i]
		q.Fetched = fetched
		q.CreationDate = max(q.CreationDate, 0)
		switch {
		case errs[i] != nil:
			q.Err = fmt.Errorf("item %d (question_id %d): %w", i, q.QuestionID, errs[i])
		case q.QuestionID <= 0:
			q.Err = fmt.Errorf("item %d has no question_id", i)
		}
	}
	r.Questions = qs
	return &r, nil
}

// Question is one search result.
type Question struct {
	QuestionID   int64    `json:"question_id"`
	Title        string   `json:"title"`
	Body         string   `json:"body"`
	Link         string   `json:"link"`
	CreationDate int64    `json:"creation_date"`
	Score        int64    `json:"score"`
	AnswerCount  int64    `json:"answer_count"`
	Tags         []string `json:"tags"`
	Owner        struct {
		UserID      int64  `json:"user_id"`
		DisplayName string `json:"display_name"`
		Link        string `json:"link"`
		Reputation  int64  `json:"reputation"`
	} `json:"owner"`

	// Set by Parse, not sent by Stack Exchange.

	// Err says why the question cannot be stored.
	Err error `json:"-"`
	// Fetched is when the page was fetched: the time of a question
	// without creation_date.
	Fetched time.Time `json:"-"`
}

// Mention normalises a question read by Parse without error
// (titles and names arrive HTML-escaped). A question without creation_date
// gets the fetch time, flagged.
func (q Question) Mention(site string) *mention.Mention {
	m := &mention.Mention{
		Source:      "stackexchange",
		ID:          site + "/q/" + strconv.FormatInt(q.QuestionID, 10),
		URL:         q.Link,
		Title:       collector.HTMLToText(q.Title),
		Text:        collector.HTMLToText(q.Body),
		PublishedAt: time.Unix(q.CreationDate, 0).UTC(),
		Author:      mention.Author{Name: collector.HTMLToText(q.Owner.DisplayName), URL: q.Owner.Link},
		Engagement:  mention.Engagement{Likes: max(q.Score, 0), Replies: max(q.AnswerCount, 0)},
	}
	if q.CreationDate <= 0 {
		collector.EstimatePublished(m, q.Fetched)
	}
	if q.Owner.UserID > 0 {
		m.Author.Handle = strconv.FormatInt(q.Owner.UserID, 10)
	}
	if m.Extra == nil {
		m.Extra = map[string]json.RawMessage{}
	}
	m.Extra["site"], _ = json.Marshal(site)
	if len(q.Tags) > 0 {
		m.Extra["tags"], _ = json.Marshal(q.Tags)
	}
	return m
}
