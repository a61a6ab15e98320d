// Package mastodon collects statuses from hashtag timelines on one or more
// Mastodon (or API-compatible) instances, and optionally from authenticated
// full-text search.
package mastodon

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
	"strings"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

func init() { collector.RegisterTyped("mastodon", New) }

// Options are the mastodon source's keys.
type Options struct {
	collector.HTTPOptions `yaml:",inline"`
	Instance              string   `yaml:"instance"`
	Instances             []string `yaml:"instances"`
	Tags                  []string `yaml:"tags"`
	// Search runs /api/v2/search for each query; it needs an access token.
	Search []string `yaml:"search"`
	// AccessTokenEnv names the environment variable holding the token
	// (default EWOM_MASTODON_TOKEN).
	AccessTokenEnv string `yaml:"access_token_env"`
	// MaxPages bounds the pages fetched per timeline and pass (default 10).
	MaxPages int `yaml:"max_pages"`
}

const pageLimit = 40 // the API's maximum

// Collector polls hashtag timelines and searches.
type Collector struct {
	http     *collector.HTTP
	feeds    []feed
	token    string
	maxPages int
}

// feed is one timeline on one instance.
type feed struct {
	key      string // cursor key
	instance *url.URL
	url      *url.URL // first page, without min_id
	auth     bool
}

// New builds a Mastodon collector.
func New(env *collector.Env, o Options) (*Collector, error) {
	instances := o.Instances
	if o.Instance != "" {
		instances = append([]string{o.Instance}, instances...)
	}
	if len(instances) == 0 {
		return nil, errors.New("instance: required (e.g. https://mastodon.social)")
	}
	if len(o.Tags) == 0 && len(o.Search) == 0 {
		return nil, errors.New("tags: give at least one hashtag (or search queries)")
	}
	h, err := env.HTTP(o.HTTPOptions)
	if err != nil {
		return nil, err
	}
	c := &Collector{http: h, maxPages: o.MaxPages}
	if c.maxPages <= 0 {
		c.maxPages = 10
	}
	if len(o.Search) > 0 {
		name := o.AccessTokenEnv
		if name == "" {
			name = "EWOM_MASTODON_TOKEN"
		}
		if c.token = os.Getenv(name); c.token == "" {
			return nil, fmt.Errorf("search: needs an access token in $%s (set access_token_env to use another variable)", name)
		}
	}
	for i, inst := range instances {
		base, err := h.CheckBaseURL(fmt.Sprintf("instances[%d]", i), inst)
		if err != nil {
			return nil, err
		}
		for j, tag := range o.Tags {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "#")
			if tag == "" || strings.ContainsAny(tag, " /?#") {
				return nil, fmt.Errorf("tags[%d]: %q is not a hashtag", j, o.Tags[j])
			}
			u := base.JoinPath("api/v1/timelines/tag", tag)
			u.RawQuery = url.Values{"limit": {strconv.Itoa(pageLimit)}}.Encode()
			c.feeds = append(c.feeds, feed{key: base.Host + " #" + strings.ToLower(tag), instance: base, url: u})
		}
		for _, q := range o.Search {
			u := base.JoinPath("api/v2/search")
			u.RawQuery = url.Values{"q": {q}, "type": {"statuses"}, "resolve": {"false"}, "limit": {strconv.Itoa(pageLimit)}}.Encode()
			c.feeds = append(c.feeds, feed{key: base.Host + " search " + q, instance: base, url: u, auth: true})
		}
	}
	return c, nil
}

// cursor maps each feed to the newest status id seen there.
type cursor struct {
	Since map[string]string `json:"since"`
}

// Collect fetches every feed. A failing feed does not stop the others; the
// errors are returned together.
func (c *Collector) Collect(ctx context.Context, raw []byte, out collector.Output) error {
	var cur cursor
	if err := collector.LoadCursor(raw, &cur); err != nil {
		return err
	}
	if cur.Since == nil {
		cur.Since = map[string]string{}
	}
	var errs []error
	for _, f := range c.feeds {
		if err := c.collectFeed(ctx, f, &cur, out); err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, fmt.Errorf("%s: %w", f.key, err))
		}
	}
	return errors.Join(errs...)
}

// collectFeed pages forward from the stored id: min_id returns the statuses
// just after it, and the Link header's rel="prev" continues towards the
// newest. Without a stored id only the newest page is taken (no backfill).
func (c *Collector) collectFeed(ctx context.Context, f feed, cur *cursor, out collector.Output) error {
	since := cur.Since[f.key]
	firstRun := since == ""
	next := *f.url
	if since != "" {
		q := next.Query()
		q.Set("min_id", since)
		next.RawQuery = q.Encode()
	}
	header := http.Header{}
	if f.auth {
		header.Set("Authorization", "Bearer "+c.token)
	}
	for page := 0; page < c.maxPages; page++ {
		var body json.RawMessage
		respHeader, err := c.http.GetJSON(ctx, next.String(), header, &body)
		if err != nil {
			return err
		}
		statuses, err := Parse(body, f.instance, f.auth)
		if err != nil {
			return fmt.Errorf("GET %s: %w", collector.RedactURL(&next), err)
		}
		if len(statuses) == 0 {
			return nil
		}
		// Oldest first, so a checkpoint covers everything before it.
		slices.SortFunc(statuses, func(a, b Status) int { return collector.CompareIDs(a.ID, b.ID) })
		for _, s := range statuses {
			if since != "" && !collector.IDLess(since, s.ID) {
				out.Skip("seen")
				continue
			}
			if err := out.Emit(s.Mention); err != nil {
				return err
			}
		}
		newest := statuses[len(statuses)-1].ID
		if !collector.IDLess(since, newest) {
			return nil
		}
		since = newest
		cur.Since[f.key] = since
		if err := collector.CheckpointJSON(out, cur); err != nil {
			return err
		}
		if firstRun {
			return nil // newest page only: no backfill of the whole tag
		}
		prev := collector.LinkURL(respHeader, &next, "prev")
		if prev == nil {
			prev = &next
			q := prev.Query()
			q.Del("max_id")
			q.Set("min_id", since)
			prev.RawQuery = q.Encode()
		}
		next = *prev
	}
	return nil
}

// Status is a normalised status with the id used for paging.
type Status struct {
	ID      string
	Mention *mention.Mention
}

// apiStatus is the part of the Mastodon Status entity we use.
type apiStatus struct {
	ID              string     `json:"id"`
	URI             string     `json:"uri"`
	URL             *string    `json:"url"`
	CreatedAt       string     `json:"created_at"`
	Content         string     `json:"content"`
	SpoilerText     string     `json:"spoiler_text"`
	Language        *string    `json:"language"`
	InReplyToID     *string    `json:"in_reply_to_id"`
	InReplyToAcctID *string    `json:"in_reply_to_account_id"`
	RepliesCount    int64      `json:"replies_count"`
	ReblogsCount    int64      `json:"reblogs_count"`
	FavouritesCount int64      `json:"favourites_count"`
	Account         apiAccount `json:"account"`
	Reblog          *apiStatus `json:"reblog"`
	Mentions        []struct {
		ID   string `json:"id"`
		Acct string `json:"acct"`
	} `json:"mentions"`
	Tags []struct {
		Name string `json:"name"`
	} `json:"tags"`
}

type apiAccount struct {
	ID             string `json:"id"`
	Acct           string `json:"acct"`
	Username       string `json:"username"`
	DisplayName    string `json:"display_name"`
	URL            string `json:"url"`
	FollowersCount int64  `json:"followers_count"`
}

// Parse decodes a timeline page (a JSON array of statuses) or, when search
// is set, a v2 search result, and normalises the statuses. instance supplies
// the domain of local accounts' handles.
func Parse(body []byte, instance *url.URL, search bool) ([]Status, error) {
	var list []apiStatus
	if search {
		var res struct {
			Statuses []apiStatus `json:"statuses"`
		}
		if err := json.Unmarshal(body, &res); err != nil {
			return nil, fmt.Errorf("malformed search result: %w", err)
		}
		list = res.Statuses
	} else if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("malformed timeline: %w", err)
	}
	out := make([]Status, 0, len(list))
	for i := range list {
		s := &list[i]
		if s.ID == "" {
			return nil, fmt.Errorf("status %d has no id", i)
		}
		out = append(out, Status{ID: s.ID, Mention: normalise(s, instance)})
	}
	return out, nil
}

// normalise maps a status to a mention. A boost is attributed to the
// original post and author; the booster is kept in extra "boosted_by".
func normalise(s *apiStatus, instance *url.URL) *mention.Mention {
	var boostedBy string
	if s.Reblog != nil {
		boostedBy = handle(s.Account.Acct, instance)
		s = s.Reblog
	}
	m := &mention.Mention{
		Source: "mastodon",
		ID:     s.URI,
		Title:  collector.HTMLToText(s.SpoilerText),
		Text:   collector.HTMLToText(s.Content),
		Author: mention.Author{
			Handle:    handle(s.Account.Acct, instance),
			Name:      strings.TrimSpace(s.Account.DisplayName),
			URL:       s.Account.URL,
			Followers: max(s.Account.FollowersCount, 0),
		},
		Engagement: mention.Engagement{Likes: max(s.FavouritesCount, 0), Reposts: max(s.ReblogsCount, 0), Replies: max(s.RepliesCount, 0)},
	}
	if m.ID == "" {
		m.ID = instance.Host + "/" + s.ID
	}
	m.URL = s.URI
	if s.URL != nil && *s.URL != "" {
		m.URL = *s.URL
	}
	if s.Language != nil {
		m.Lang = *s.Language
	}
	if t, err := time.Parse(time.RFC3339Nano, s.CreatedAt); err == nil {
		m.PublishedAt = t.UTC()
	}
	extra := map[string]json.RawMessage{}
	if boostedBy != "" {
		extra["boosted_by"], _ = json.Marshal(boostedBy)
	}
	if s.InReplyToID != nil && *s.InReplyToID != "" {
		extra["in_reply_to_id"], _ = json.Marshal(*s.InReplyToID)
		m.ParentURL = parentURL(s, instance)
	}
	if len(s.Tags) > 0 {
		tags := make([]string, len(s.Tags))
		for i, t := range s.Tags {
			tags[i] = t.Name
		}
		extra["tags"], _ = json.Marshal(tags)
	}
	if len(extra) > 0 {
		m.Extra = extra
	}
	return m
}

// parentURL is the web page of the status s replies to, on the instance it
// was read from, when the replied-to account's acct is known: the author
// itself (a thread) or one of the accounts s mentions (Mastodon mentions the
// replied-to account). in_reply_to_id is that instance's own id for the
// parent, and Mastodon serves every status it knows at /@acct/id (acct with
// @domain for remote accounts), so no request is needed. Otherwise "".
func parentURL(s *apiStatus, instance *url.URL) string {
	if s.InReplyToAcctID == nil || *s.InReplyToAcctID == "" {
		return ""
	}
	acct := ""
	if *s.InReplyToAcctID == s.Account.ID {
		acct = s.Account.Acct
	} else {
		for _, mn := range s.Mentions {
			if mn.ID == *s.InReplyToAcctID {
				acct = mn.Acct
				break
			}
		}
	}
	acct = strings.TrimPrefix(acct, "@")
	if acct == "" {
		return ""
	}
	return strings.TrimRight(instance.String(), "/") + "/@" + url.PathEscape(acct) + "/" + url.PathEscape(*s.InReplyToID)
}

// handle renders an account as @user@domain; local accounts' acct lacks the
// domain.
func handle(acct string, instance *url.URL) string {
	acct = strings.TrimPrefix(acct, "@")
	if acct == "" {
		return ""
	}
	if !strings.Contains(acct, "@") {
		acct += "@" + instance.Hostname()
	}
	return "@" + acct
}
