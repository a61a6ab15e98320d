// Package appstore collects App Store customer reviews from Apple's public
// customer-reviews feed, per app and per country store.
package appstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

func init() { collector.RegisterTyped("appstore", New) }

// Options are the appstore source's keys.
type Options struct {
	collector.HTTPOptions `yaml:",inline"`
	// Apps are numeric App Store ids (the digits after "id" in the app's URL).
	Apps []string `yaml:"apps"`
	// Countries are two-letter store codes (default [us]).
	Countries []string `yaml:"countries"`
	// BaseURL of the feed (default https://itunes.apple.com).
	BaseURL string `yaml:"base_url"`
	// MaxPages per app and country (default 10, the feed's maximum).
	MaxPages int `yaml:"max_pages"`
}

var (
	appIDPattern   = regexp.MustCompile(`^[0-9]{1,15}$`)
	countryPattern = regexp.MustCompile(`^[a-z]{2}$`)
)

// Collector polls the review feeds.
type Collector struct {
	http     *collector.HTTP
	base     *url.URL
	stores   []store
	maxPages int
}

type store struct{ app, country string }

func (s store) key() string { return s.country + "/" + s.app }

// New builds an App Store collector.
func New(env *collector.Env, o Options) (*Collector, error) {
	if len(o.Apps) == 0 {
		return nil, errors.New("apps: give at least one numeric app id")
	}
	if len(o.Countries) == 0 {
		o.Countries = []string{"us"}
	}
	if o.BaseURL == "" {
		o.BaseURL = "https://itunes.apple.com"
	}
	if o.MaxPages <= 0 || o.MaxPages > 10 {
		o.MaxPages = 10
	}
	h, base, err := env.HTTPAt(o.HTTPOptions, o.BaseURL)
	if err != nil {
		return nil, err
	}
	c := &Collector{http: h, base: base, maxPages: o.MaxPages}
	for i, a := range o.Apps {
		a = strings.TrimPrefix(strings.TrimSpace(a), "id")
		if !appIDPattern.MatchString(a) {
			return nil, fmt.Errorf("apps[%d]: %q is not a numeric app id", i, o.Apps[i])
		}
		for j, cc := range o.Countries {
			cc = strings.ToLower(strings.TrimSpace(cc))
			if !countryPattern.MatchString(cc) {
				return nil, fmt.Errorf("countries[%d]: %q is not a two-letter store code", j, o.Countries[j])
			}
			c.stores = append(c.stores, store{app: a, country: cc})
		}
	}
	return c, nil
}

// cursor keeps the review ids seen per store (the feed has no "since").
type cursor struct {
	Seen map[string][]string `json:"seen"`
}

const rememberPerStore = 1000

// Collect reads every store's pages, newest first, until a page brings
// nothing new. One failing store does not stop the others.
func (c *Collector) Collect(ctx context.Context, raw []byte, out collector.Output) error {
	var cur cursor
	if err := collector.LoadCursor(raw, &cur); err != nil {
		return err
	}
	if cur.Seen == nil {
		cur.Seen = map[string][]string{}
	}
	var errs []error
	for _, s := range c.stores {
		if err := c.collectStore(ctx, s, &cur, out); err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, fmt.Errorf("app %s in %s: %w", s.app, s.country, err))
		}
	}
	return errors.Join(errs...)
}

func (c *Collector) collectStore(ctx context.Context, s store, cur *cursor, out collector.Output) error {
	seen := collector.NewSeen(cur.Seen[s.key()], rememberPerStore)
	var fresh []*mention.Mention
	for page := 1; page <= c.maxPages; page++ {
		u := c.base.JoinPath(s.country, "rss/customerreviews", "page="+strconv.Itoa(page), "id="+s.app, "sortby=mostrecent/json")
		var raw json.RawMessage
		if _, err := c.http.GetJSON(ctx, u.String(), nil, &raw); err != nil {
			return err
		}
		pg, err := Parse(raw, s.app, s.country, time.Now())
		if err != nil {
			return fmt.Errorf("GET %s: %w", u, err)
		}
		for _, bad := range pg.Bad {
			out.SkipBad(fmt.Errorf("GET %s: %w", u, bad))
		}
		for _, est := range pg.Estimated {
			out.Warn("estimated_time", fmt.Errorf("GET %s: review %s: %w", u, est.ID, est.Err))
		}
		newOnPage := 0
		for _, m := range pg.Reviews {
			if seen.Has(m.ID) {
				out.Skip("seen")
				continue
			}
			newOnPage++
			fresh = append(fresh, m)
		}
		if newOnPage == 0 || page >= pg.Last {
			break
		}
	}
	// Emit oldest first, then remember them all.
	for i := len(fresh) - 1; i >= 0; i-- {
		if err := out.Emit(fresh[i]); err != nil {
			return err
		}
		seen.Add(fresh[i].ID)
	}
	if len(fresh) == 0 {
		return nil
	}
	cur.Seen[s.key()] = seen.Keys()
	return collector.CheckpointJSON(out, cur)
}

type label struct {
	Label string `json:"label"`
}

type entry struct {
	ID      label `json:"id"`
	Title   label `json:"title"`
	Content label `json:"content"`
	Updated label `json:"updated"`
	Rating  label `json:"im:rating"`
	Version label `json:"im:version"`
	VoteSum label `json:"im:voteSum"`
	Author  struct {
		Name label `json:"name"`
		URI  label `json:"uri"`
	} `json:"author"`
	Link struct {
		Attributes struct {
			Href string `json:"href"`
		} `json:"attributes"`
	} `json:"link"`
}

// entries accepts the feed's single-object form (one review) and the array.
type entries []entry

func (e *entries) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var one entry
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*e = entries{one}
		return nil
	}
	return json.Unmarshal(b, (*[]entry)(e))
}

type link struct {
	Attributes struct {
		Rel  string `json:"rel"`
		Href string `json:"href"`
	} `json:"attributes"`
}

// links accepts one link object or an array.
type links []link

func (l *links) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var one link
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*l = links{one}
		return nil
	}
	return json.Unmarshal(b, (*[]link)(l))
}

var pageInHref = regexp.MustCompile(`/page=([0-9]+)/`)

// Page is one page of the reviews feed.
type Page struct {
	Reviews []*mention.Mention
	// Last is the last page number (from the rel="last" link; 1 when absent).
	Last int
	// Bad lists the entries that could not be read (no id, no rating);
	// they are not in Reviews.
	Bad []error
	// Estimated lists the reviews whose date was missing or unreadable:
	// they carry the feed's own time (or the fetch time), flagged.
	Estimated []Estimate
}

// Estimate names a review whose publication time was estimated, and why.
type Estimate struct {
	ID  string
	Err error
}

// Parse decodes one page of the reviews feed. One unreadable entry does not
// cost the page: it is listed in Bad and the rest are read. A review without
// a usable date gets the feed's updated time, else fetched.
func Parse(body []byte, app, country string, fetched time.Time) (Page, error) {
	var doc struct {
		Feed *struct {
			Entry   entries `json:"entry"`
			Link    links   `json:"link"`
			Updated label   `json:"updated"`
		} `json:"feed"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return Page{}, fmt.Errorf("malformed reviews feed: %w", err)
	}
	if doc.Feed == nil {
		return Page{}, errors.New("not a reviews feed: no \"feed\" object")
	}
	pg := Page{Last: 1}
	for _, l := range doc.Feed.Link {
		if l.Attributes.Rel == "last" {
			if m := pageInHref.FindStringSubmatch(l.Attributes.Href); m != nil {
				pg.Last, _ = strconv.Atoi(m[1])
			}
		}
	}
	fallback := fetched
	if t, err := mention.ParseTime(doc.Feed.Updated.Label); err == nil {
		fallback = t
	}
	pg.Reviews = make([]*mention.Mention, 0, len(doc.Feed.Entry))
	for i, e := range doc.Feed.Entry {
		if e.Rating.Label == "" {
			continue // the app's own entry in older feed versions
		}
		m, err := e.mention(app, country)
		if err != nil {
			pg.Bad = append(pg.Bad, fmt.Errorf("entry %d: %w", i, err))
			continue
		}
		if t, err := mention.ParseTime(e.Updated.Label); err == nil {
			m.PublishedAt = t
		} else {
			collector.EstimatePublished(m, fallback)
			pg.Estimated = append(pg.Estimated, Estimate{ID: m.ID, Err: fmt.Errorf("updated: %w", err)})
		}
		pg.Reviews = append(pg.Reviews, m)
	}
	return pg, nil
}

func (e entry) mention(app, country string) (*mention.Mention, error) {
	if e.ID.Label == "" {
		return nil, errors.New("review without id")
	}
	rating, err := strconv.ParseFloat(e.Rating.Label, 64)
	if err != nil || rating < 1 || rating > 5 {
		return nil, fmt.Errorf("review %s: rating %q is not 1-5", e.ID.Label, e.Rating.Label)
	}
	m := &mention.Mention{
		Source: "appstore",
		ID:     e.ID.Label,
		URL:    e.Link.Attributes.Href,
		Title:  strings.TrimSpace(e.Title.Label),
		Text:   strings.TrimSpace(e.Content.Label),
		Author: mention.Author{Name: strings.TrimSpace(e.Author.Name.Label), URL: e.Author.URI.Label},
		Rating: &rating,
	}
	if m.URL == "" {
		m.URL = "https://apps.apple.com/" + country + "/app/id" + app + "?see-all=reviews"
	}
	if votes, err := strconv.ParseInt(e.VoteSum.Label, 10, 64); err == nil {
		m.Engagement.Likes = max(votes, 0)
	}
	m.Extra = map[string]json.RawMessage{}
	m.Extra["app_id"], _ = json.Marshal(app)
	m.Extra["country"], _ = json.Marshal(country)
	if e.Version.Label != "" {
		m.Extra["app_version"], _ = json.Marshal(e.Version.Label)
	}
	return m, nil
}
