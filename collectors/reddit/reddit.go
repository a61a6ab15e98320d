// Package reddit collects Reddit posts from subreddit listings and searches
// through the OAuth API with user-supplied credentials, falling back to the
// public .rss feeds without them.
package reddit

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ewom/ewom/collectors/rss"
	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

func init() { collector.RegisterTyped("reddit", New) }

// Options are the reddit source's keys.
type Options struct {
	collector.HTTPOptions `yaml:",inline"`
	Subreddits            []string `yaml:"subreddits"`
	// Queries search all of Reddit, or only Subreddits when restrict is set.
	Queries  []string `yaml:"queries"`
	Restrict bool     `yaml:"restrict"`
	// Credentials of a Reddit app (https://www.reddit.com/prefs/apps), from
	// the environment. Without them the public .rss feeds are used.
	ClientIDEnv     string `yaml:"client_id_env"`
	ClientSecretEnv string `yaml:"client_secret_env"`
	// Username and PasswordEnv use the password grant of a "script" app;
	// otherwise the app-only client_credentials grant is used.
	Username    string `yaml:"username"`
	PasswordEnv string `yaml:"password_env"`
	// AuthURL issues tokens (default https://www.reddit.com), APIURL serves
	// OAuth requests (default https://oauth.reddit.com) and BaseURL the
	// public feeds and permalinks (default https://www.reddit.com).
	AuthURL  string `yaml:"auth_url"`
	APIURL   string `yaml:"api_url"`
	BaseURL  string `yaml:"base_url"`
	MaxPages int    `yaml:"max_pages"`
}

// New builds the OAuth collector when credentials are present, else a
// combination of rss collectors with the reddit preset.
func New(env *collector.Env, o Options) (collector.Collector, error) {
	if len(o.Subreddits) == 0 && len(o.Queries) == 0 {
		return nil, errors.New("subreddits: give subreddits or queries")
	}
	if o.Restrict && (len(o.Subreddits) == 0 || len(o.Queries) == 0) {
		return nil, errors.New("restrict: needs both subreddits and queries")
	}
	defaultEnv(&o.ClientIDEnv, "EWOM_REDDIT_CLIENT_ID")
	defaultEnv(&o.ClientSecretEnv, "EWOM_REDDIT_CLIENT_SECRET")
	defaultEnv(&o.AuthURL, "https://www.reddit.com")
	defaultEnv(&o.APIURL, "https://oauth.reddit.com")
	defaultEnv(&o.BaseURL, "https://www.reddit.com")
	id, secret := os.Getenv(o.ClientIDEnv), os.Getenv(o.ClientSecretEnv)
	listings := o.listings()
	if id == "" || secret == "" {
		env.Logger.Info("no Reddit API credentials; using the public .rss feeds", "client_id_env", o.ClientIDEnv)
		parts := make([]collector.Part, 0, len(listings))
		for _, l := range listings {
			c, err := rss.New(env, rss.Options{HTTPOptions: o.HTTPOptions, Preset: rss.PresetReddit, BaseURL: o.BaseURL,
				Subreddit: l.subreddit, Query: l.query})
			if err != nil {
				return nil, err
			}
			parts = append(parts, collector.Part{Key: l.key(), C: c})
		}
		return collector.Combine(parts...), nil
	}
	h, err := env.HTTP(o.HTTPOptions)
	if err != nil {
		return nil, err
	}
	c := &Collector{http: h, clientID: id, secret: secret, username: o.Username, listings: listings, maxPages: o.MaxPages}
	if c.maxPages <= 0 {
		c.maxPages = 5
	}
	if o.Username != "" {
		if c.password = os.Getenv(o.PasswordEnv); o.PasswordEnv == "" || c.password == "" {
			return nil, errors.New("password_env: the password grant needs the password in this environment variable")
		}
	}
	for _, u := range []struct {
		key, raw string
		dst      **url.URL
	}{{"auth_url", o.AuthURL, &c.auth}, {"api_url", o.APIURL, &c.api}, {"base_url", o.BaseURL, &c.web}} {
		if *u.dst, err = h.CheckBaseURL(u.key, u.raw); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func defaultEnv(v *string, def string) {
	if *v == "" {
		*v = def
	}
}

// listing is a subreddit's new posts or a search.
type listing struct {
	subreddit, query string
}

func (l listing) key() string {
	switch {
	case l.query != "" && l.subreddit != "":
		return "r/" + l.subreddit + " search " + l.query
	case l.query != "":
		return "search " + l.query
	}
	return "r/" + l.subreddit
}

func (o Options) listings() []listing {
	var out []listing
	if o.Restrict {
		for _, s := range o.Subreddits {
			for _, q := range o.Queries {
				out = append(out, listing{subreddit: s, query: q})
			}
		}
		return out
	}
	for _, s := range o.Subreddits {
		out = append(out, listing{subreddit: strings.TrimPrefix(s, "r/")})
	}
	for _, q := range o.Queries {
		out = append(out, listing{query: q})
	}
	return out
}

// Collector reads listings through the OAuth API.
type Collector struct {
	http               *collector.HTTP
	auth, api, web     *url.URL
	clientID, secret   string
	username, password string
	listings           []listing
	maxPages           int
	token              string
	tokenExpiry        time.Time
}

type cursor struct {
	Listings map[string]collector.Watermark `json:"listings"`
}

// Collect reads every listing; one failing listing does not stop the others.
func (c *Collector) Collect(ctx context.Context, raw []byte, out collector.Output) error {
	var cur cursor
	if err := collector.LoadCursor(raw, &cur); err != nil {
		return err
	}
	if cur.Listings == nil {
		cur.Listings = map[string]collector.Watermark{}
	}
	var errs []error
	for _, l := range c.listings {
		if err := c.collectListing(ctx, l, &cur, out); err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, fmt.Errorf("%s: %w", l.key(), err))
		}
	}
	return errors.Join(errs...)
}

func (c *Collector) collectListing(ctx context.Context, l listing, cur *cursor, out collector.Output) error {
	pos := cur.Listings[l.key()]
	var posts []Post
	after := ""
	for page := 0; page < c.maxPages; page++ {
		res, err := c.get(ctx, l, after)
		if err != nil {
			return err
		}
		older := false
		for _, p := range res.Posts {
			posts = append(posts, p)
			older = older || p.dated() && p.second() < pos.Since
		}
		after = res.Data.After
		if pos.Since == 0 || older || after == "" {
			break // first run: newest page only; later: stop at old posts
		}
	}
	slices.SortStableFunc(posts, func(a, b Post) int { return cmp.Compare(a.second(), b.second()) })
	next := collector.Watermark{Since: pos.Since, IDs: slices.Clone(pos.IDs)}
	moved := false
	for _, p := range posts {
		if p.dated() && pos.Seen(p.second(), p.Name) {
			out.Skip("seen")
			continue
		}
		if p.Err != nil {
			out.SkipBad(fmt.Errorf("%s: %w", l.key(), p.Err))
		} else {
			if !p.dated() {
				out.Warn("estimated_time", fmt.Errorf("%s: post %s has no created_utc; stored with the fetch time", l.key(), p.Name))
			}
			if err := out.Emit(p.Mention(c.web)); err != nil {
				return err
			}
		}
		// An unreadable post with a time moves the mark too, so that it is
		// reported once; one without a time has no place in it.
		if p.dated() {
			next.Advance(p.second(), p.Name)
			moved = true
		}
	}
	if !moved {
		return nil
	}
	cur.Listings[l.key()] = next
	return collector.CheckpointJSON(out, cur)
}

func (c *Collector) get(ctx context.Context, l listing, after string) (*Listing, error) {
	var u *url.URL
	v := url.Values{"limit": {"100"}, "raw_json": {"1"}}
	switch {
	case l.query != "" && l.subreddit != "":
		u = c.api.JoinPath("r", l.subreddit, "search")
		v.Set("q", l.query)
		v.Set("sort", "new")
		v.Set("restrict_sr", "1")
	case l.query != "":
		u = c.api.JoinPath("search")
		v.Set("q", l.query)
		v.Set("sort", "new")
	default:
		u = c.api.JoinPath("r", l.subreddit, "new")
	}
	if after != "" {
		v.Set("after", after)
	}
	u.RawQuery = v.Encode()
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx)
		if err != nil {
			return nil, err
		}
		var body json.RawMessage
		_, err = c.http.GetJSON(ctx, u.String(), http.Header{"Authorization": {"Bearer " + tok}}, &body)
		var se *collector.StatusError
		if errors.As(err, &se) && se.Status == http.StatusUnauthorized && attempt == 0 {
			c.token = "" // expired or revoked: fetch a new one once
			continue
		}
		if err != nil {
			return nil, err
		}
		res, err := Parse(body, time.Now())
		if err != nil {
			return nil, fmt.Errorf("GET %s: malformed listing: %w", u, err)
		}
		if res.Kind != "Listing" {
			return nil, fmt.Errorf("GET %s: got %q, want a Listing", u, res.Kind)
		}
		return res, nil
	}
}

// accessToken returns a cached token, fetching one when needed.
func (c *Collector) accessToken(ctx context.Context) (string, error) {
	if c.token != "" && time.Now().Before(c.tokenExpiry) {
		return c.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if c.username != "" {
		form = url.Values{"grant_type": {"password"}, "username": {c.username}, "password": {c.password}}
	}
	u := c.auth.JoinPath("api/v1/access_token")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(c.clientID, c.secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("reddit token: %w", err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
	}
	if err := collector.DecodeJSON(resp, &tok); err != nil {
		return "", fmt.Errorf("reddit token: %w", err)
	}
	if tok.AccessToken == "" {
		return "", fmt.Errorf("reddit token: refused (%s); check the client id and secret", tok.Error)
	}
	c.token = tok.AccessToken
	c.tokenExpiry = time.Now().Add(time.Duration(max(tok.ExpiresIn-60, 60)) * time.Second)
	return c.token, nil
}

// Listing is Reddit's paged list wrapper, with its children read by
// Parse.
type Listing struct {
	Kind string `json:"kind"`
	Data struct {
		After string `json:"after"`
	} `json:"data"`
	// Posts are the children's data.
	Posts []Post `json:"-"`
}

// Parse reads a listing, each child on its own, so that one that cannot be
// read (a field of the wrong JSON type, no name) costs that post, not the
// page: it is returned with Err, keeping the fields that could be read, its
// time among them, so that it still moves the cursor and is reported once.
// A post without created_utc gets fetched as its time (Mention flags it). A
// body that is not such a listing is an error.
func Parse(body []byte, fetched time.Time) (*Listing, error) {
	var l Listing
	children, errs, err := collector.DecodeItems[struct {
		Data Post `json:"data"`
	}](body, "data.children", &l)
	if err != nil {
		return nil, err
	}
	l.Posts = make([]Post, len(children))
	for i, c := range children {
		p := &l.Posts[i]
		*p = c.Data
		p.Fetched = fetched
		switch {
		case errs[i] != nil:
			p.Err = fmt.Errorf("post %d (%q): %w", i, p.Name, errs[i])
		case p.Name == "":
			p.Err = fmt.Errorf("post %d has no name", i)
		}
	}
	return &l, nil
}

// Post is a link or self post (t3) or comment (t1).
type Post struct {
	Name        string  `json:"name"`
	Title       string  `json:"title"`
	Selftext    string  `json:"selftext"`
	Body        string  `json:"body"`
	Author      string  `json:"author"`
	Permalink   string  `json:"permalink"`
	URL         string  `json:"url"`
	CreatedUTC  float64 `json:"created_utc"`
	Score       int64   `json:"score"`
	NumComments int64   `json:"num_comments"`
	Subreddit   string  `json:"subreddit"`
	IsSelf      bool    `json:"is_self"`

	// Set by Parse, not sent by Reddit.

	// Err says why the post cannot be stored.
	Err error `json:"-"`
	// Fetched is when the page was fetched: the time of a post without one.
	Fetched time.Time `json:"-"`
}

// dated reports whether the post has a creation time.
func (p *Post) dated() bool { return p.CreatedUTC >= 1 }

// second is the post's creation second (0 without one).
func (p *Post) second() int64 {
	if !p.dated() {
		return 0
	}
	return int64(p.CreatedUTC)
}

// Mention normalises a post read by Parse without error; web is the
// site for permalinks. A post without created_utc gets the fetch time,
// flagged.
func (p Post) Mention(web *url.URL) *mention.Mention {
	text := p.Selftext
	if text == "" {
		text = p.Body
	}
	m := &mention.Mention{
		Source:      "reddit",
		ID:          p.Name,
		Title:       strings.TrimSpace(p.Title),
		Text:        strings.TrimSpace(text),
		PublishedAt: time.Unix(p.second(), 0).UTC(),
		Engagement:  mention.Engagement{Likes: max(p.Score, 0), Replies: max(p.NumComments, 0)},
	}
	if !p.dated() {
		collector.EstimatePublished(m, p.Fetched)
	}
	if p.Permalink != "" {
		m.URL = web.JoinPath(p.Permalink).String()
		if strings.HasSuffix(p.Permalink, "/") && !strings.HasSuffix(m.URL, "/") {
			m.URL += "/"
		}
	}
	if p.Author != "" && p.Author != "[deleted]" {
		m.Author = mention.Author{Handle: p.Author, URL: web.JoinPath("user", p.Author).String()}
	}
	if m.Extra == nil {
		m.Extra = map[string]json.RawMessage{}
	}
	if p.Subreddit != "" {
		m.Extra["subreddit"], _ = json.Marshal(p.Subreddit)
	}
	if !p.IsSelf && p.URL != "" && p.URL != m.URL {
		m.Extra["link"], _ = json.Marshal(p.URL)
	}
	return m
}
