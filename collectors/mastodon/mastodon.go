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
		statuses, err := Parse(body, f.instance, f.auth, time.Now())
		target := collector.RedactURL(&next)
		if err != nil {
			return fmt.Errorf("GET %s: %w", target, err)
		}
		if len(statuses) == 0 {
			return nil
		}
		// Oldest first, so a checkpoint covers everything before it.
		slices.SortFunc(statuses, func(a, b Status) int { return collector.CompareIDs(a.ID, b.ID) })
		for _, s := range statuses {
			switch {
			case s.ID != "" && since != "" && !collector.IDLess(since, s.ID):
				out.Skip("seen")
			case s.Err != nil:
				out.SkipBad(fmt.Errorf("GET %s: %w", target, s.Err))
			default:
				if s.Estimated != nil {
					out.Warn("estimated_time", fmt.Errorf("GET %s: %w", target, s.Estimated))
				}
				if err := out.Emit(s.Mention); err != nil {
					return err
				}
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

// Status is one status of a page: its id, used for paging, and the
// normalised mention — or, for a status that cannot be read, why (Err).
type Status struct {
	ID      string
	Mention *mention.Mention // nil when Err is set
	// Err says why the status is skipped (unreadable, no id); ID is still
	// set when it could be read, so paging moves past the status.
	Err error
	// Estimated says why Mention's time is the fetch time: created_at was
	// missing or unreadable (nil when it was used).
	Estimated error
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
// the domain of local accounts' handles. One status that cannot be read is
// returned with Err and does not cost the page; one without a usable
// created_at gets fetched as its time, flagged.
func Parse(body []byte, instance *url.URL, search bool, fetched time.Time) ([]Status, error) {
	list, err := decodePage[apiStatus](body, search)
	if err == nil {
		out := make([]Status, len(list))
		for i := range list {
			out[i] = readStatus(i, &list[i], nil, instance, fetched)
		}
		return out, nil
	}
	// A status of the wrong shape (a field of another JSON type) fails the
	// page's decoding: read the statuses one by one. Decoding each one on
	// its own always would double the cost of every page.
	raws, rerr := decodePage[json.RawMessage](body, search)
	if rerr != nil {
		return nil, rerr
	}
	out := make([]Status, len(raws))
	for i, raw := range raws {
		var s apiStatus
		err := json.Unmarshal(raw, &s)
		out[i] = readStatus(i, &s, err, instance, fetched)
	}
	return out, nil
}

// decodePage decodes the statuses of a timeline page (a JSON array) or of a
// search result (its "statuses").
func decodePage[T any](body []byte, search bool) ([]T, error) {
	if !search {
		var list []T
		if err := json.Unmarshal(body, &list); err != nil {
			return nil, fmt.Errorf("malformed timeline: %w", err)
		}
		return list, nil
	}
	var res struct {
		Statuses []T `json:"statuses"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return nil, fmt.Errorf("malformed search result: %w", err)
	}
	return res.Statuses, nil
}

// readStatus normalises the i-th status of a page, decoded with err. A
// status that did not fit keeps the fields that did (encoding/json goes on
// past a wrong type), its id among them, so that paging moves past it and
// it is reported once rather than on every pass.
func readStatus(i int, s *apiStatus, err error, instance *url.URL, fetched time.Time) Status {
	st := Status{ID: s.ID}
	switch {
	case err != nil:
		st.Err = fmt.Errorf("status %d (id %q): %w", i, s.ID, err)
	case s.ID == "":
		st.Err = fmt.Errorf("status %d has no id", i)
	default:
		var terr error
		if st.Mention, terr = normalise(s, instance); terr != nil {
			collector.EstimatePublished(st.Mention, fetched)
			st.Estimated = fmt.Errorf("status %s: created_at: %w; stored with the fetch time", s.ID, terr)
		}
	}
	return st
}

// normalise maps a status to a mention. A boost is attributed to the
// original post and author; the booster is kept in extra "boosted_by". The
// error says why the mention has no time: created_at did not parse.
func normalise(s *apiStatus, instance *url.URL) (*mention.Mention, error) {
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
	t, terr := mention.ParseTime(s.CreatedAt)
	m.PublishedAt = t
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
	return m, terr
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
