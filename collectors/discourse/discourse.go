// Package discourse collects new topics (/latest.json) and posts matching
// searches (/search.json) from a Discourse forum.
package discourse

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

func init() { collector.RegisterTyped("discourse", New) }

// Options are the discourse source's keys.
type Options struct {
	collector.HTTPOptions `yaml:",inline"`
	BaseURL               string `yaml:"base_url"`
	// Latest emits every new topic (default true when no queries are given).
	Latest  *bool    `yaml:"latest"`
	Queries []string `yaml:"queries"`
	// APIKeyEnv and APIUsername authenticate on private forums.
	APIKeyEnv   string `yaml:"api_key_env"`
	APIUsername string `yaml:"api_username"`
	MaxPages    int    `yaml:"max_pages"`
}

// Collector polls one forum.
type Collector struct {
	http     *collector.HTTP
	base     *url.URL
	latest   bool
	queries  []string
	header   http.Header
	maxPages int
}

// New builds a Discourse collector.
func New(env *collector.Env, o Options) (*Collector, error) {
	if o.BaseURL == "" {
		return nil, errors.New("base_url: required (the forum's address)")
	}
	h, base, err := env.HTTPAt(o.HTTPOptions, o.BaseURL)
	if err != nil {
		return nil, err
	}
	c := &Collector{http: h, base: base, queries: o.Queries, header: http.Header{}, maxPages: o.MaxPages}
	c.latest = len(o.Queries) == 0
	if o.Latest != nil {
		c.latest = *o.Latest
	}
	if !c.latest && len(c.queries) == 0 {
		return nil, errors.New("queries: give search queries, or set latest: true")
	}
	if c.maxPages <= 0 {
		c.maxPages = 5
	}
	if o.APIKeyEnv != "" {
		key := os.Getenv(o.APIKeyEnv)
		if key == "" || o.APIUsername == "" {
			return nil, fmt.Errorf("api_key_env: $%s must be set, with api_username", o.APIKeyEnv)
		}
		c.header.Set("Api-Key", key)
		c.header.Set("Api-Username", o.APIUsername)
	}
	return c, nil
}

// cursor keeps the highest topic id seen in /latest and the highest post id
// per search query (both grow with creation).
type cursor struct {
	Topic  string            `json:"topic,omitempty"`
	Search map[string]string `json:"search,omitempty"`
}

// Collect fetches new topics and search results.
func (c *Collector) Collect(ctx context.Context, raw []byte, out collector.Output) error {
	var cur cursor
	if err := collector.LoadCursor(raw, &cur); err != nil {
		return err
	}
	if cur.Search == nil {
		cur.Search = map[string]string{}
	}
	var errs []error
	if c.latest {
		next, err := c.walk(ctx, out, cur.Topic, func(page int) (string, []item, error) {
			var res latestResponse
			u := c.base.JoinPath("latest.json")
			u.RawQuery = url.Values{"page": {strconv.Itoa(page)}}.Encode()
			if _, err := c.http.GetJSON(ctx, u.String(), c.header, &res); err != nil {
				return "", nil, err
			}
			return u.String(), res.items(c.base), nil
		})
		if next != cur.Topic {
			cur.Topic = next
			if err := collector.CheckpointJSON(out, &cur); err != nil {
				return err
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("latest: %w", err))
		}
	}
	for _, q := range c.queries {
		since := cur.Search[q]
		next, err := c.walk(ctx, out, since, func(page int) (string, []item, error) {
			var res searchResponse
			u := c.base.JoinPath("search.json")
			u.RawQuery = url.Values{"q": {q + " order:latest"}, "page": {strconv.Itoa(page + 1)}}.Encode()
			if _, err := c.http.GetJSON(ctx, u.String(), c.header, &res); err != nil {
				return "", nil, err
			}
			return u.String(), res.items(c.base), nil
		})
		if next != since {
			cur.Search[q] = next
			if err := collector.CheckpointJSON(out, &cur); err != nil {
				return err
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("search %q: %w", q, err))
		}
	}
	return errors.Join(errs...)
}

// item is a topic or post with its numeric id for the cursor.
type item struct {
	id string
	m  *mention.Mention
}

// walk fetches pages until one has nothing newer than since, emits the new
// items oldest first and returns the new high-water id.
func (c *Collector) walk(ctx context.Context, out collector.Output, since string, fetch func(page int) (string, []item, error)) (string, error) {
	var fresh []item
	for page := 0; page < c.maxPages; page++ {
		target, items, err := fetch(page)
		if err != nil {
			return since, err
		}
		newOnPage := 0
		for _, it := range items {
			if it.id == "" || it.m.PublishedAt.IsZero() {
				return since, fmt.Errorf("GET %s: item without id or created_at", target)
			}
			if since != "" && !collector.IDLess(since, it.id) {
				out.Skip("seen")
				continue
			}
			newOnPage++
			fresh = append(fresh, it)
		}
		// The first run takes one page; later runs stop at a page of old items.
		if newOnPage == 0 || since == "" || ctx.Err() != nil {
			break
		}
	}
	slices.SortFunc(fresh, func(a, b item) int { return collector.CompareIDs(a.id, b.id) })
	next := since
	for _, it := range fresh {
		if err := out.Emit(it.m); err != nil {
			return since, err
		}
		next = collector.MaxID(next, it.id)
	}
	return next, nil
}

type user struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
}

type topic struct {
	ID         int64  `json:"id"`
	Title      string `json:"title"`
	Slug       string `json:"slug"`
	CreatedAt  string `json:"created_at"`
	Excerpt    string `json:"excerpt"`
	LikeCount  int64  `json:"like_count"`
	ReplyCount int64  `json:"reply_count"`
	PostsCount int64  `json:"posts_count"`
	Posters    []struct {
		UserID      int64  `json:"user_id"`
		Description string `json:"description"`
	} `json:"posters"`
}

type latestResponse struct {
	Users     []user `json:"users"`
	TopicList struct {
		Topics []topic `json:"topics"`
	} `json:"topic_list"`
}

func (r *latestResponse) items(base *url.URL) []item {
	users := map[int64]user{}
	for _, u := range r.Users {
		users[u.ID] = u
	}
	out := make([]item, 0, len(r.TopicList.Topics))
	for _, t := range r.TopicList.Topics {
		m := &mention.Mention{
			Source:     "discourse",
			ID:         base.Host + "/t/" + strconv.FormatInt(t.ID, 10),
			URL:        base.JoinPath("t", t.Slug, strconv.FormatInt(t.ID, 10)).String(),
			Title:      collector.HTMLToText(t.Title),
			Text:       collector.HTMLToText(t.Excerpt),
			Engagement: mention.Engagement{Likes: max(t.LikeCount, 0), Replies: max(t.ReplyCount, t.PostsCount-1, 0)},
		}
		m.PublishedAt, _ = mention.ParseTime(t.CreatedAt)
		if len(t.Posters) > 0 {
			if u, ok := users[t.Posters[0].UserID]; ok {
				m.Author = author(base, u.Username, u.Name)
			}
		}
		out = append(out, item{id: idString(t.ID), m: m})
	}
	return out
}

type searchResponse struct {
	Posts []struct {
		ID         int64  `json:"id"`
		Username   string `json:"username"`
		Name       string `json:"name"`
		CreatedAt  string `json:"created_at"`
		LikeCount  int64  `json:"like_count"`
		Blurb      string `json:"blurb"`
		PostNumber int64  `json:"post_number"`
		TopicID    int64  `json:"topic_id"`
	} `json:"posts"`
	Topics []topic `json:"topics"`
}

func (r *searchResponse) items(base *url.URL) []item {
	topics := map[int64]topic{}
	for _, t := range r.Topics {
		topics[t.ID] = t
	}
	out := make([]item, 0, len(r.Posts))
	for _, p := range r.Posts {
		t := topics[p.TopicID]
		slug := t.Slug
		if slug == "" {
			slug = "-"
		}
		m := &mention.Mention{
			Source:     "discourse",
			ID:         base.Host + "/p/" + strconv.FormatInt(p.ID, 10),
			URL:        base.JoinPath("t", slug, strconv.FormatInt(p.TopicID, 10), strconv.FormatInt(p.PostNumber, 10)).String(),
			Title:      collector.HTMLToText(t.Title),
			Text:       collector.HTMLToText(p.Blurb),
			Author:     author(base, p.Username, p.Name),
			Engagement: mention.Engagement{Likes: max(p.LikeCount, 0)},
		}
		if p.PostNumber > 1 {
			m.ParentURL = base.JoinPath("t", slug, strconv.FormatInt(p.TopicID, 10)).String()
		}
		m.PublishedAt, _ = mention.ParseTime(p.CreatedAt)
		out = append(out, item{id: idString(p.ID), m: m})
	}
	return out
}

func idString(id int64) string {
	if id <= 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func author(base *url.URL, username, name string) mention.Author {
	if username == "" {
		return mention.Author{Name: name}
	}
	return mention.Author{Handle: username, Name: name, URL: base.JoinPath("u", username).String()}
}
