// Package discourse collects new topics (/latest.json) and posts matching
// searches (/search.json) from a Discourse forum.
package discourse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"time"

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
		next, err := c.walk(ctx, out, cur.Topic, func(page int) (string, feedPage, error) {
			u := c.base.JoinPath("latest.json")
			u.RawQuery = url.Values{"page": {strconv.Itoa(page)}}.Encode()
			return c.get(ctx, u, parseLatest)
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
		next, err := c.walk(ctx, out, since, func(page int) (string, feedPage, error) {
			u := c.base.JoinPath("search.json")
			u.RawQuery = url.Values{"q": {q + " order:latest"}, "page": {strconv.Itoa(page + 1)}}.Encode()
			return c.get(ctx, u, parseSearch)
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

// get fetches the page at u and reads it with parse; it returns the URL
// for messages.
func (c *Collector) get(ctx context.Context, u *url.URL, parse func(body []byte, base *url.URL, fetched time.Time) (feedPage, error)) (string, feedPage, error) {
	var body json.RawMessage
	if _, err := c.http.GetJSON(ctx, u.String(), c.header, &body); err != nil {
		return "", feedPage{}, err
	}
	pg, err := parse(body, c.base, time.Now())
	if err != nil {
		return "", feedPage{}, fmt.Errorf("GET %s: malformed page: %w", u, err)
	}
	return u.String(), pg, nil
}

// item is a topic or post with its numeric id for the cursor.
type item struct {
	id string
	m  *mention.Mention // nil when err is set
	// err says why the item cannot be stored (unreadable, no id); id is
	// still set when it could be read, so the cursor moves past the item.
	err error
	// estimated says why m's time is the fetch time (nil when created_at was used).
	estimated error
}

// feedPage is one page of topics or search posts.
type feedPage struct {
	items []item
	// damaged are the users (and, for search, topics) the page lists for
	// its items that could not be read; the items go without them.
	damaged []error
}

// walk fetches pages until one has nothing newer than since, emits the new
// items oldest first and returns the new high-water id. An item that
// cannot be read is skipped and counted, without costing its page.
func (c *Collector) walk(ctx context.Context, out collector.Output, since string, fetch func(page int) (string, feedPage, error)) (string, error) {
	var fresh []item
	for page := 0; page < c.maxPages; page++ {
		target, pg, err := fetch(page)
		if err != nil {
			return since, err
		}
		for _, d := range pg.damaged {
			out.Warn("malformed", fmt.Errorf("GET %s: %w", target, d))
		}
		newOnPage := 0
		for _, it := range pg.items {
			if it.id != "" && since != "" && !collector.IDLess(since, it.id) {
				out.Skip("seen")
				continue
			}
			if it.err != nil {
				it.err = fmt.Errorf("GET %s: %w", target, it.err)
			}
			if it.estimated != nil {
				it.estimated = fmt.Errorf("GET %s: %w", target, it.estimated)
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
		if it.err != nil {
			out.SkipBad(it.err)
		} else {
			if it.estimated != nil {
				out.Warn("estimated_time", it.estimated)
			}
			if err := out.Emit(it.m); err != nil {
				return since, err
			}
		}
		next = collector.MaxID(next, it.id)
	}
	return next, nil
}

// readItems makes the items of the topics or posts of a page (what names
// them), as collector.DecodeItems read them each on its own, with errs
// saying why one could not be read — a field of the wrong JSON type — so
// that it costs only itself: it keeps the fields that could be read, its
// id among them, so that the cursor moves past it. One without an id
// cannot be stored either. norm makes the mention of one that can; one
// without a usable created_at gets fetched as its time, flagged.
func readItems[T any, P entry[T]](vs []T, errs []error, what string, fetched time.Time, norm func(P) *mention.Mention) []item {
	items := make([]item, len(vs))
	for i := range vs {
		v, err := P(&vs[i]), errs[i]
		id, createdAt := v.idAndTime()
		it := item{id: idString(id)}
		switch {
		case err != nil:
			it.err = fmt.Errorf("%s %d (id %d): %w", what, i, id, err)
		case it.id == "":
			it.err = fmt.Errorf("%s %d has no id", what, i)
		default:
			it.m = norm(v)
			if t, terr := mention.ParseTime(createdAt); terr == nil {
				it.m.PublishedAt = t
			} else {
				collector.EstimatePublished(it.m, fetched)
				it.estimated = fmt.Errorf("%s %s: created_at: %w; stored with the fetch time", what, it.id, terr)
			}
		}
		items[i] = it
	}
	return items
}

// entry is a topic or a search post as decoded.
type entry[T any] interface {
	*T
	idAndTime() (id int64, createdAt string)
}

// lookup reads a list a page's items refer to (users, topics) into a map by
// id. An entry that cannot be read is left out, and damaged says why; the
// items that refer to it go without it.
func lookup[T any](raws []json.RawMessage, what string, id func(*T) int64) (byID map[int64]T, damaged []error) {
	byID = make(map[int64]T, len(raws))
	for i, raw := range raws {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			damaged = append(damaged, fmt.Errorf("%s %d (id %d): %w", what, i, id(&v), err))
			continue
		}
		byID[id(&v)] = v
	}
	return byID, damaged
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

// parseLatest reads the topics of a /latest page; fetched dates a topic
// without created_at.
func parseLatest(body []byte, base *url.URL, fetched time.Time) (feedPage, error) {
	var r struct {
		Users []json.RawMessage `json:"users"`
	}
	topics, errs, err := collector.DecodeItems[topic](body, "topic_list.topics", &r)
	if err != nil {
		return feedPage{}, err
	}
	users, damaged := lookup(r.Users, "user", func(u *user) int64 { return u.ID })
	return feedPage{damaged: damaged, items: readItems(topics, errs, "topic", fetched,
		func(t *topic) *mention.Mention { return t.mention(base, users) })}, nil
}

func (t *topic) idAndTime() (int64, string) { return t.ID, t.CreatedAt }

// mention normalises a topic of /latest; users are the page's.
func (t *topic) mention(base *url.URL, users map[int64]user) *mention.Mention {
	m := &mention.Mention{
		Source:     "discourse",
		ID:         base.Host + "/t/" + strconv.FormatInt(t.ID, 10),
		URL:        base.JoinPath("t", t.Slug, strconv.FormatInt(t.ID, 10)).String(),
		Title:      collector.HTMLToText(t.Title),
		Text:       collector.HTMLToText(t.Excerpt),
		Engagement: mention.Engagement{Likes: max(t.LikeCount, 0), Replies: max(t.ReplyCount, t.PostsCount-1, 0)},
	}
	if len(t.Posters) > 0 {
		if u, ok := users[t.Posters[0].UserID]; ok {
			m.Author = author(base, u.Username, u.Name)
		}
	}
	return m
}

type post struct {
	ID         int64  `json:"id"`
	Username   string `json:"username"`
	Name       string `json:"name"`
	CreatedAt  string `json:"created_at"`
	LikeCount  int64  `json:"like_count"`
	Blurb      string `json:"blurb"`
	PostNumber int64  `json:"post_number"`
	TopicID    int64  `json:"topic_id"`
}

// parseSearch reads the posts of a search page; fetched dates a post
// without created_at.
func parseSearch(body []byte, base *url.URL, fetched time.Time) (feedPage, error) {
	var r struct {
		Topics []json.RawMessage `json:"topics"`
	}
	posts, errs, err := collector.DecodeItems[post](body, "posts", &r)
	if err != nil {
		return feedPage{}, err
	}
	topics, damaged := lookup(r.Topics, "topic", func(t *topic) int64 { return t.ID })
	return feedPage{damaged: damaged, items: readItems(posts, errs, "post", fetched,
		func(p *post) *mention.Mention { return p.mention(base, topics) })}, nil
}

func (p *post) idAndTime() (int64, string) { return p.ID, p.CreatedAt }

// mention normalises a search post; topics are the page's.
func (p *post) mention(base *url.URL, topics map[int64]topic) *mention.Mention {
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
	return m
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
