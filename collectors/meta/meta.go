// Package meta collects comments on a brand's own Facebook Page posts and
// Instagram business account media through the Graph API with a page
// access token: customers' comments and the brand's own replies (owned),
// visitors' posts on the Page, posts and media the brand is tagged in,
// and comments on the Page's ads where the API lists them (paid).
package meta

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/ewom/ewom/internal/collector"
)

func init() { collector.RegisterTyped("meta", New) }

// Options are the meta source's keys.
type Options struct {
	collector.HTTPOptions `yaml:",inline"`
	// BaseURL of the Graph API (default https://graph.facebook.com).
	BaseURL string `yaml:"base_url"`
	// GraphVersion is the API version called (default v21.0).
	GraphVersion string `yaml:"graph_version"`
	// AccessTokenEnv names the variable holding the Page access token
	// (default EWOM_META_PAGE_TOKEN).
	AccessTokenEnv string `yaml:"access_token_env"`
	// AppSecretEnv names a variable holding the app secret, for apps that
	// require appsecret_proof (optional).
	AppSecretEnv string `yaml:"app_secret_env"`
	// PageID is the Facebook Page; InstagramID the Instagram professional
	// account (its IG user id) linked to it. Either or both.
	PageID      string `yaml:"page_id"`
	InstagramID string `yaml:"instagram_id"`
	// Ads also reads the Page's ads_posts (ads, dark posts included); it
	// needs the ads_management and pages_manage_ads permissions.
	Ads bool `yaml:"ads"`
	// Tags reads the Page's tagged posts and the media the Instagram
	// account is tagged in (default true).
	Tags *bool `yaml:"tags"`
	// Lookback is how long after publishing a post or media has its
	// comments read (default 14 days); AdsLookback the same for ads
	// (default 60 days).
	Lookback    time.Duration `yaml:"lookback"`
	AdsLookback time.Duration `yaml:"ads_lookback"`
	// MaxPosts bounds the posts (and media) read per list and pass
	// (default 25); MaxPages the pages of comments per post and pass
	// (default 10).
	MaxPosts int `yaml:"max_posts"`
	MaxPages int `yaml:"max_pages"`
}

var graphVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// Collector reads one Page and/or Instagram account.
type Collector struct {
	g           *graph
	pageID      string
	igID        string
	ads, tags   bool
	lookback    time.Duration
	adsLookback time.Duration
	maxPosts    int
	maxPages    int
}

// New builds a Meta collector.
func New(env *collector.Env, o Options) (*Collector, error) {
	if o.PageID == "" && o.InstagramID == "" {
		return nil, errors.New("page_id: give the Facebook Page's id, the Instagram account's (instagram_id), or both")
	}
	for key, id := range map[string]string{"page_id": o.PageID, "instagram_id": o.InstagramID} {
		if _, err := strconv.ParseUint(id, 10, 64); id != "" && err != nil {
			return nil, fmt.Errorf("%s: %q is not a numeric Graph API id", key, id)
		}
	}
	if o.Ads && o.PageID == "" {
		return nil, errors.New("ads: needs page_id")
	}
	o.BaseURL = cmp.Or(o.BaseURL, "https://graph.facebook.com")
	o.GraphVersion = cmp.Or(o.GraphVersion, "v21.0")
	if !graphVersion.MatchString(o.GraphVersion) {
		return nil, fmt.Errorf("graph_version: %q is not a version such as v21.0", o.GraphVersion)
	}
	c := &Collector{pageID: o.PageID, igID: o.InstagramID, ads: o.Ads, tags: o.Tags == nil || *o.Tags,
		lookback: cmp.Or(o.Lookback, 14*24*time.Hour), adsLookback: cmp.Or(o.AdsLookback, 60*24*time.Hour),
		maxPosts: cmp.Or(o.MaxPosts, 25), maxPages: cmp.Or(o.MaxPages, 10)}
	if c.lookback < 0 || c.adsLookback < 0 || c.maxPosts < 1 || c.maxPages < 1 {
		return nil, errors.New("lookback, ads_lookback, max_posts and max_pages must be positive")
	}
	token, err := collector.LoadSecret("access_token_env", o.AccessTokenEnv, "EWOM_META_PAGE_TOKEN")
	if err != nil {
		return nil, err
	}
	h, base, err := env.HTTPAt(o.HTTPOptions, o.BaseURL)
	if err != nil {
		return nil, err
	}
	c.g = &graph{http: h, base: base.JoinPath(o.GraphVersion), token: token}
	if o.AppSecretEnv != "" {
		secret, err := collector.LoadSecret("app_secret_env", o.AppSecretEnv, "")
		if err != nil {
			return nil, err
		}
		c.g.proof = appSecretProof(token.Value(), secret.Value())
	}
	return c, nil
}

// cursor is the source's state between passes.
type cursor struct {
	// Posts are the positions in the comments of each post and media,
	// keyed "facebook <id>" and "instagram <id>".
	Posts map[string]*postPos `json:"posts,omitempty"`
	// Visitors are the visitors' posts in the Page's feed.
	Visitors collector.TopDown `json:"visitors"`
	// Tagged are the Page's tagged posts, Tags the Instagram media the
	// account is tagged in.
	Tagged collector.TopDown `json:"tagged"`
	Tags   collector.TopDown `json:"tags"`
}

// postPos is where a post's comments were read to, and their count then:
// a post whose count has not changed is not read again.
type postPos struct {
	collector.TopDown
	Count int64 `json:"count"`
}

// pass is one Collect call's state.
type pass struct {
	c       *Collector
	cur     *cursor
	out     collector.Output
	ctx     context.Context
	fetched time.Time
	// read are the posts whose positions are kept.
	read map[string]bool
	errs []error
}

// step runs one part of the pass; an error that does not end the pass is
// kept and the pass goes on.
func (p *pass) step(what string, f func() error) bool {
	err := f()
	if err == nil {
		return true
	}
	if collector.EndsPass(p.ctx, err) {
		p.errs = append(p.errs, err)
		return false
	}
	p.errs = append(p.errs, fmt.Errorf("%s: %w", what, err))
	return true
}

// Collect reads the Page, then the Instagram account. A failing list or
// post does not stop the others; a rate limit or a refused token ends the
// pass (what was read is stored).
func (c *Collector) Collect(ctx context.Context, raw []byte, out collector.Output) error {
	var cur cursor
	if err := collector.LoadCursor(raw, &cur); err != nil {
		return err
	}
	if cur.Posts == nil {
		cur.Posts = map[string]*postPos{}
	}
	p := &pass{c: c, cur: &cur, out: out, ctx: ctx, fetched: time.Now(), read: map[string]bool{}}
	done := true
	if c.pageID != "" {
		done = p.facebook()
	}
	if done && c.igID != "" {
		done = p.instagram()
	}
	if done {
		for k := range cur.Posts {
			if !p.read[k] {
				delete(cur.Posts, k)
			}
		}
	}
	return errors.Join(append(p.errs, collector.CheckpointJSON(out, &cur))...)
}

const (
	facebookPostFields = "id,message,created_time,permalink_url,from{id,name},comments.filter(stream).limit(0).summary(true)"
	facebookComments   = "id,message,created_time,from{id,name},like_count,comment_count,permalink_url,parent{id}"
	instagramMedia     = "id,caption,timestamp,permalink,username,media_product_type,comments_count,like_count"
	instagramReply     = "id,text,timestamp,username,from{id,username},like_count"
	instagramComment   = instagramReply + ",replies{" + instagramReply + "}"
)

// facebook reads the Page's feed (and ads, and tagged posts): visitors'
// posts, and the comments of every post in the lookback window.
func (p *pass) facebook() bool {
	c := p.c
	var feed, ads []Post
	var end bool
	if !p.step("facebook feed", func() (err error) {
		feed, end, err = p.posts(c.pageID+"/feed", facebookPostFields, c.lookback, nil)
		return err
	}) {
		return false
	}
	var visitors []Post
	for _, post := range feed {
		if post.Err != nil || post.AuthorID != c.pageID {
			visitors = append(visitors, post)
		}
	}
	if !p.step("facebook visitor posts", func() error {
		return p.emitPosts(Facebook, "visitor_post", visitors, feed, end, &p.cur.Visitors)
	}) {
		return false
	}
	if c.ads && !p.step("facebook ads_posts", func() (err error) {
		ads, _, err = p.posts(c.pageID+"/ads_posts", facebookPostFields, c.adsLookback, nil)
		return err
	}) {
		return false
	}
	posts := mergeAds(feed, ads)
	for _, post := range posts {
		if post.Err != nil {
			continue
		}
		under := Under{Post: post, Owner: c.pageID, Own: post.AuthorID == c.pageID || post.Ad, Fetched: p.fetched}
		if !p.step("facebook post "+post.ID, func() error { return p.comments(Facebook, under, facebookComments, "", true) }) {
			return false
		}
	}
	if !c.tags {
		return true
	}
	var tagged []Post
	return p.step("facebook tagged", func() (err error) {
		if tagged, end, err = p.posts(c.pageID+"/tagged", "id,message,created_time,permalink_url,from{id,name}", c.lookback, &p.cur.Tagged); err != nil {
			return err
		}
		return p.emitPosts(Facebook, "tagged", tagged, tagged, end, &p.cur.Tagged)
	})
}

// mergeAds marks the feed's posts that are ads and adds the ads (dark
// posts) the feed does not show.
func mergeAds(feed, ads []Post) []Post {
	posts := slices.Clone(feed)
	for _, ad := range ads {
		if ad.Err != nil {
			continue
		}
		ad.Ad = true
		if i := slices.IndexFunc(posts, func(p Post) bool { return p.ID == ad.ID }); i >= 0 {
			posts[i].Ad = true
		} else {
			posts = append(posts, ad)
		}
	}
	return posts
}

// instagram reads the account's media and their comments, and the media
// it is tagged in.
func (p *pass) instagram() bool {
	c := p.c
	var media []Post
	if !p.step("instagram media", func() (err error) {
		media, _, err = p.posts(c.igID+"/media", instagramMedia, c.lookback, nil)
		return err
	}) {
		return false
	}
	for _, m := range media {
		if m.Err != nil {
			p.out.SkipBad(fmt.Errorf("instagram media: %w", m.Err))
			continue
		}
		under := Under{Post: m, Owner: m.AuthorName, Own: true, Fetched: p.fetched}
		if !p.step("instagram media "+m.ID, func() error { return p.comments(Instagram, under, instagramComment, instagramReply, false) }) {
			return false
		}
	}
	if !c.tags {
		return true
	}
	return p.step("instagram tags", func() error {
		tags, end, err := p.posts(c.igID+"/tags", instagramMedia, c.lookback, &p.cur.Tags)
		if err != nil {
			return err
		}
		return p.emitPosts(Instagram, "tagged", tags, tags, end, &p.cur.Tags)
	})
}

// posts lists an edge of posts or media, newest first, until one is older
// than the lookback (or, with pos, below its mark), max_posts are read or
// the list ends; end says the walk got that far.
func (p *pass) posts(edge, fields string, lookback time.Duration, pos *collector.TopDown) ([]Post, bool, error) {
	cutoff := p.fetched.Add(-lookback)
	q := url.Values{"fields": {fields}, "limit": {strconv.Itoa(min(p.c.maxPosts, 100))}}
	var out []Post
	for range p.c.maxPages {
		var l json.RawMessage
		if err := p.c.g.get(p.ctx, edge, q, &l); err != nil {
			return out, false, err
		}
		posts, next, err := ParsePosts(l)
		if err != nil {
			return out, false, fmt.Errorf("%s: %w", edge, err)
		}
		for _, post := range posts {
			if !post.Published.IsZero() && post.Published.Before(cutoff) || pos != nil && post.Err == nil && pos.Below(post.Stamp().T) {
				return out, true, nil
			}
			out = append(out, post)
			if len(out) >= p.c.maxPosts {
				return out, false, nil
			}
		}
		if next == nil {
			return out, true, nil
		}
		q = next
		q.Set("fields", fields)
	}
	return out, false, nil
}

// emitPosts emits the posts that are mentions themselves (visitors',
// tagged), oldest first, that pos has not seen; met are all the posts the
// walk met, end whether it reached the mark or the list's end.
func (p *pass) emitPosts(n Network, kind string, posts, met []Post, end bool, pos *collector.TopDown) error {
	var stamps []collector.Stamp
	for _, m := range met {
		if m.ID != "" {
			stamps = append(stamps, m.Stamp())
		}
	}
	fresh := slices.Clone(posts)
	slices.SortStableFunc(fresh, func(a, b Post) int { return collector.CompareDated(a.Published, b.Published) })
	for _, post := range fresh {
		switch {
		case post.ID != "" && pos.Seen(post.Stamp()):
			p.out.Skip("seen")
		case post.Err != nil:
			p.out.SkipBad(fmt.Errorf("%s %s post: %w", n, kind, post.Err))
		case post.Text == "":
			p.out.Skip("no text")
		default:
			if post.Published.IsZero() {
				p.out.Warn("estimated_time", fmt.Errorf("%s %s post %s has no readable time; stored with the fetch time", n, kind, post.ID))
			}
			if err := p.out.Emit(post.Mention(n, kind, p.fetched)); err != nil {
				return err
			}
		}
	}
	first := pos.Since == 0 && len(pos.Above) == 0
	pos.Walked(stamps, end || first)
	return collector.CheckpointJSON(p.out, p.cur)
}

// comments reads a post's comments when their count changed since it was
// read last (or the list gave none), down to its mark when stopBelow
// (Facebook's filter=stream lists replies in time order with the rest),
// else all pages (Instagram nests replies under older comments), and
// emits the new ones oldest first.
func (p *pass) comments(n Network, u Under, fields, replyFields string, stopBelow bool) error {
	key := string(n) + " " + u.Post.ID
	p.read[key] = true
	pos := p.cur.Posts[key]
	if pos == nil {
		pos = &postPos{Count: -1}
		p.cur.Posts[key] = pos
	}
	if u.Post.Comments >= 0 && u.Post.Comments == pos.Count {
		return nil
	}
	q := url.Values{"fields": {fields}, "limit": {"100"}}
	if n == Facebook {
		q.Set("filter", "stream")
		q.Set("order", "reverse_chronological")
	}
	all, complete, err := p.commentPages(u.Post.ID+"/comments", q, replyFields, pos, stopBelow)
	if err != nil && len(all) == 0 {
		return err
	}
	var (
		met   []collector.Stamp
		fresh []Comment
	)
	for _, cm := range all {
		if cm.Err != nil {
			p.out.SkipBad(fmt.Errorf("%s post %s: %w", n, u.Post.ID, cm.Err))
			continue
		}
		st := cm.Stamp()
		met = append(met, st)
		switch {
		case pos.Seen(st):
			p.out.Skip("seen")
		case cm.Text == "":
			p.out.Skip("no text") // a sticker, photo or GIF alone
		default:
			fresh = append(fresh, cm)
		}
	}
	slices.SortStableFunc(fresh, func(a, b Comment) int { return collector.CompareDated(a.Published, b.Published) })
	for _, cm := range fresh {
		if cm.Published.IsZero() {
			p.out.Warn("estimated_time", fmt.Errorf("%s comment %s has no readable time; stored with the fetch time", n, cm.ID))
		}
		if err := p.out.Emit(cm.Mention(n, u)); err != nil {
			return err
		}
	}
	pos.Walked(met, complete && err == nil)
	if complete && err == nil {
		pos.Count = u.Post.Comments
	}
	return errors.Join(err, collector.CheckpointJSON(p.out, p.cur))
}

// commentPages reads a comments edge page by page, and the further pages
// of replies Instagram nests (with replyFields); it returns what it read
// before an error.
func (p *pass) commentPages(edge string, q url.Values, replyFields string, pos *postPos, stopBelow bool) ([]Comment, bool, error) {
	fields := q.Get("fields")
	var all []Comment
	for range p.c.maxPages {
		var l json.RawMessage
		if err := p.c.g.get(p.ctx, edge, q, &l); err != nil {
			return all, false, err
		}
		comments, next, more, err := ParseComments(l)
		if err != nil {
			return all, false, fmt.Errorf("%s: %w", edge, err)
		}
		all = append(all, comments...)
		for parent, rq := range more {
			rq.Set("fields", replyFields)
			replies, done, err := p.commentPages(parent+"/replies", rq, replyFields, pos, false)
			for i := range replies {
				replies[i].ParentID = cmp.Or(replies[i].ParentID, parent)
			}
			all = append(all, replies...)
			if err != nil || !done {
				return all, false, err
			}
		}
		below := stopBelow && slices.ContainsFunc(comments, func(c Comment) bool { return c.Err == nil && pos.Below(c.Stamp().T) })
		if next == nil || below {
			return all, true, nil
		}
		q = next
		q.Set("fields", fields)
	}
	return all, false, nil
}
