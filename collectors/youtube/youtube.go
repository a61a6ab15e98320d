// Package youtube collects comments and replies under configured channels'
// videos and under videos found by search terms, through the YouTube Data
// API v3 with an API key, spending at most a daily budget of quota units.
package youtube

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the quota resets at midnight Pacific time, wherever ewom runs

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/collector"
)

func init() { collector.RegisterTyped("youtube", New) }

// Options are the youtube source's keys.
type Options struct {
	collector.HTTPOptions `yaml:",inline"`
	// BaseURL of the API (default https://www.googleapis.com/youtube/v3).
	BaseURL string `yaml:"base_url"`
	// KeyEnv names the variable holding the API key (default
	// EWOM_YOUTUBE_API_KEY).
	KeyEnv string `yaml:"key_env"`
	// Channels are channel ids (UC…) whose videos' comments are read.
	Channels []string `yaml:"channels"`
	// OwnChannels are the brand's own channels: read like Channels, and
	// what they write anywhere is the brand's (owned).
	OwnChannels []string `yaml:"own_channels"`
	// Search terms find videos (search.list, type=video, newest first)
	// whose comments are then read.
	Search []string `yaml:"search"`
	// SearchEvery is how often the searches run (default 6h: a search
	// costs 100 units).
	SearchEvery       time.Duration `yaml:"search_every"`
	RelevanceLanguage string        `yaml:"relevance_language"`
	RegionCode        string        `yaml:"region_code"`
	// MaxVideos bounds the videos found by search whose comments are
	// read (default 20, the newest kept).
	MaxVideos int `yaml:"max_videos"`
	// VideoMaxAge drops videos found by search this long after they were
	// published (default 30 days).
	VideoMaxAge time.Duration `yaml:"video_max_age"`
	// DailyQuota is the budget of quota units a day (Pacific time) this
	// source spends (default 10000, a project's default quota).
	DailyQuota int `yaml:"daily_quota"`
	// MaxPages bounds the pages of 100 threads, and of 100 replies, read
	// per feed or thread and pass (default 5).
	MaxPages int `yaml:"max_pages"`
	// ReplyLookback is how far below the newest comment read a walk goes
	// on to find new replies in older threads (default 72h).
	ReplyLookback time.Duration `yaml:"reply_lookback"`
}

// Quota costs of the calls used, in units.
const (
	costSearch = 100
	costList   = 1
)

// Collector reads comment threads feed by feed within a daily budget.
type Collector struct {
	http     *collector.HTTP
	log      *slog.Logger
	spent    prometheus.Counter
	base     *url.URL
	key      collector.Secret
	channels []string
	own      map[string]bool
	searches []string
	o        Options
	pacific  *time.Location
}

// New builds a YouTube collector.
func New(env *collector.Env, o Options) (*Collector, error) {
	if len(o.Channels) == 0 && len(o.OwnChannels) == 0 && len(o.Search) == 0 {
		return nil, errors.New("channels: give channels, own_channels or search terms")
	}
	if o.BaseURL == "" {
		o.BaseURL = "https://www.googleapis.com/youtube/v3"
	}
	o.SearchEvery = cmp.Or(o.SearchEvery, 6*time.Hour)
	o.MaxVideos = cmp.Or(o.MaxVideos, 20)
	o.VideoMaxAge = cmp.Or(o.VideoMaxAge, 30*24*time.Hour)
	o.DailyQuota = cmp.Or(o.DailyQuota, 10000)
	o.MaxPages = cmp.Or(o.MaxPages, 5)
	o.ReplyLookback = cmp.Or(o.ReplyLookback, 72*time.Hour)
	if o.DailyQuota < costList || o.MaxPages < 1 || o.MaxVideos < 1 || o.SearchEvery < 0 || o.VideoMaxAge < 0 || o.ReplyLookback < 0 {
		return nil, errors.New("daily_quota, max_pages, max_videos, search_every, video_max_age and reply_lookback must be positive")
	}
	key, err := collector.LoadSecret("key_env", o.KeyEnv, "EWOM_YOUTUBE_API_KEY")
	if err != nil {
		return nil, err
	}
	h, base, err := env.HTTPAt(o.HTTPOptions, o.BaseURL)
	if err != nil {
		return nil, err
	}
	pacific, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		return nil, fmt.Errorf("the quota's time zone: %w", err)
	}
	c := &Collector{http: h, log: env.Logger, spent: env.Quota(), base: base, key: key, own: map[string]bool{},
		o: o, pacific: pacific}
	for key, ids := range map[string][]string{"own_channels": o.OwnChannels, "channels": o.Channels} {
		for i, id := range ids {
			if !strings.HasPrefix(id, "UC") || len(id) != 24 {
				return nil, fmt.Errorf("%s[%d]: %q is not a channel id (UC followed by 22 characters)", key, i, id)
			}
		}
	}
	for _, id := range slices.Concat(o.OwnChannels, o.Channels) {
		if !slices.Contains(c.channels, id) {
			c.channels = append(c.channels, id)
		}
	}
	for _, id := range o.OwnChannels {
		c.own[id] = true
	}
	terms := make([]string, len(o.Search))
	for i, s := range o.Search {
		terms[i] = collector.SearchTerm(s)
	}
	// YouTube reads "a|b" as either term; a search costs 100 units, so
	// terms share queries.
	if c.searches, err = (collector.QueryFormat{Or: "|", MaxLen: 400}).OrQueries(terms); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return c, nil
}

// cursor is the source's state between passes.
type cursor struct {
	Quota quota `json:"quota"`
	// Searched is when the searches last ran.
	Searched time.Time `json:"searched,omitzero"`
	// Found are the videos found by search, newest first.
	Found []Video `json:"found,omitempty"`
	// Titles are the titles of other videos comments were read under,
	// most recently added last.
	Titles []Video             `json:"titles,omitempty"`
	Feeds  map[string]*feedPos `json:"feeds,omitempty"`
	// Next is the feed the next pass starts with, so that a budget that
	// runs out does not always starve the same feeds.
	Next int `json:"next,omitempty"`
}

// maxTitles bounds the video titles a cursor keeps.
const maxTitles = 300

// quota is the units spent on one Pacific-time day.
type quota struct {
	Day  string `json:"day,omitempty"`
	Used int    `json:"used,omitempty"`
}

// feedPos is where a feed's walks stand, and how many replies were read
// of the threads it met last, so that a thread's replies are listed again
// only when it has new ones.
type feedPos struct {
	collector.TopDown
	Replies map[string]int64 `json:"replies,omitempty"`
}

// errBudget stops a pass whose daily budget is spent.
var errBudget = errors.New("the daily quota budget is spent")

// pass is one Collect call's state.
type pass struct {
	c   *Collector
	cur *cursor
	out collector.Output
	ctx context.Context
}

// feed is one list of comment threads.
type feed struct {
	key   string
	param string // allThreadsRelatedToChannelId or videoId
	id    string
	video Video // for a video feed
}

// Collect runs the searches when due, then reads every feed. The pass ends
// early, without error, when the daily budget is spent (the next pass
// after midnight Pacific time goes on where it stopped); a quotaExceeded
// answer or a refused key fails it.
func (c *Collector) Collect(ctx context.Context, raw []byte, out collector.Output) error {
	var cur cursor
	if err := collector.LoadCursor(raw, &cur); err != nil {
		return err
	}
	if cur.Feeds == nil {
		cur.Feeds = map[string]*feedPos{}
	}
	p := &pass{c: c, cur: &cur, out: out, ctx: ctx}
	if day := c.day(); cur.Quota.Day != day {
		cur.Quota = quota{Day: day}
	}
	var errs []error
	if err := p.search(); err != nil {
		// A budget too small for a search leaves it for a later pass; the
		// feeds cost less.
		if collector.EndsPass(ctx, err) {
			return p.stop(err)
		}
		if !errors.Is(err, errBudget) {
			errs = append(errs, fmt.Errorf("search: %w", err))
		}
	}
	feeds := c.feeds(&cur)
	for i := range feeds {
		n := (cur.Next + i) % len(feeds)
		if err := p.collectFeed(feeds[n]); err != nil {
			if errors.Is(err, errBudget) {
				cur.Next = n
				return p.stop(err)
			}
			if collector.EndsPass(ctx, err) {
				cur.Next = n
				return errors.Join(append(errs, p.stop(err))...)
			}
			errs = append(errs, fmt.Errorf("%s: %w", feeds[n].key, err))
		}
	}
	cur.Next = 0
	c.prune(&cur, feeds)
	return errors.Join(append(errs, collector.CheckpointJSON(out, &cur))...)
}

// stop checkpoints a pass that ends early; a spent budget is no error.
func (p *pass) stop(err error) error {
	if errors.Is(err, errBudget) {
		p.c.log.Info("YouTube quota budget spent; going on after midnight Pacific time",
			"used", p.cur.Quota.Used, "daily_quota", p.c.o.DailyQuota)
		err = nil
	}
	return errors.Join(err, collector.CheckpointJSON(p.out, p.cur))
}

// day is the quota day: YouTube's quota resets at midnight Pacific time.
func (c *Collector) day() string { return time.Now().In(c.pacific).Format(time.DateOnly) }

// nextReset is the next midnight Pacific time.
func (c *Collector) nextReset() time.Time {
	y, m, d := time.Now().In(c.pacific).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, c.pacific)
}

// spend takes cost units from the day's budget, or reports errBudget.
func (p *pass) spend(cost int) error {
	if p.cur.Quota.Used+cost > p.c.o.DailyQuota {
		return errBudget
	}
	p.cur.Quota.Used += cost
	p.c.spent.Add(float64(cost))
	return nil
}

// feeds lists the channels' feeds, then those of videos found by search
// that are not on a channel read already.
func (c *Collector) feeds(cur *cursor) []feed {
	var fs []feed
	for _, ch := range c.channels {
		fs = append(fs, feed{key: "channel " + ch, param: "allThreadsRelatedToChannelId", id: ch})
	}
	for _, v := range cur.Found {
		if !slices.Contains(c.channels, v.ChannelID) {
			fs = append(fs, feed{key: "video " + v.ID, param: "videoId", id: v.ID, video: v})
		}
	}
	return fs
}

// prune forgets the positions of feeds no longer read.
func (c *Collector) prune(cur *cursor, feeds []feed) {
	for k := range cur.Feeds {
		if !slices.ContainsFunc(feeds, func(f feed) bool { return f.key == k }) {
			delete(cur.Feeds, k)
		}
	}
}

// search runs the search queries when due and keeps the newest videos
// found, forgetting those older than video_max_age.
func (p *pass) search() error {
	c, cur := p.c, p.cur
	now := time.Now()
	if len(c.searches) == 0 || now.Sub(cur.Searched) < c.o.SearchEvery {
		return nil
	}
	found := slices.Clone(cur.Found)
	// What the queries found so far is kept even when a later one fails;
	// the searches count as done only when all ran.
	defer func() {
		found = slices.DeleteFunc(found, func(v Video) bool { return !v.Published.IsZero() && now.Sub(v.Published) > c.o.VideoMaxAge })
		slices.SortStableFunc(found, func(a, b Video) int { return b.Published.Compare(a.Published) })
		cur.Found = found[:min(len(found), c.o.MaxVideos)]
	}()
	for _, q := range c.searches {
		v := url.Values{"part": {"snippet"}, "type": {"video"}, "order": {"date"}, "q": {q},
			"maxResults":     {strconv.Itoa(min(c.o.MaxVideos, 50))},
			"publishedAfter": {now.Add(-c.o.VideoMaxAge).UTC().Format(time.RFC3339)}}
		if c.o.RelevanceLanguage != "" {
			v.Set("relevanceLanguage", c.o.RelevanceLanguage)
		}
		if c.o.RegionCode != "" {
			v.Set("regionCode", c.o.RegionCode)
		}
		body, target, err := p.get("search", v)
		if err != nil {
			return err
		}
		videos, _, bad, err := ParseVideos(body)
		if err != nil {
			return fmt.Errorf("GET %s: %w", target, err)
		}
		if bad > 0 {
			p.out.Warn("malformed", fmt.Errorf("GET %s: %d search results that are not readable videos left out", target, bad))
		}
		for _, v := range videos {
			if i := slices.IndexFunc(found, func(f Video) bool { return f.ID == v.ID }); i >= 0 {
				found[i] = v
			} else {
				found = append(found, v)
			}
		}
	}
	cur.Searched = now
	return nil
}

// get calls an API method, spending its units first (YouTube charges
// failed calls too), and turns the errors YouTube answers with into what
// they mean.
func (p *pass) get(method string, v url.Values) ([]byte, string, error) {
	cost := costList
	if method == "search" {
		cost = costSearch
	}
	if err := p.spend(cost); err != nil {
		return nil, "", err
	}
	u := p.c.base.JoinPath(method)
	v.Set("key", p.c.key.Value())
	u.RawQuery = v.Encode()
	target := collector.RedactURL(u)
	var body json.RawMessage
	_, err := p.c.http.GetJSON(p.ctx, u.String(), nil, &body)
	var se *collector.StatusError
	if !errors.As(err, &se) {
		return body, target, err
	}
	switch reason := errorReason(se.Raw); {
	case reason == "quotaExceeded" || reason == "dailyLimitExceeded":
		// The project's quota is spent: nothing more until it resets.
		p.cur.Quota.Used = p.c.o.DailyQuota
		return nil, target, &collector.RateLimitError{URL: target, Until: p.c.nextReset(), Reason: "YouTube quota exceeded (" + reason + ")"}
	case reason == "rateLimitExceeded" || reason == "userRateLimitExceeded":
		return nil, target, &collector.RateLimitError{URL: target, Until: time.Now().Add(time.Minute), Reason: reason}
	case se.Status == http.StatusUnauthorized, reason == "keyInvalid", reason == "API_KEY_INVALID", reason == "keyExpired",
		reason == "accessNotConfigured", reason == "ipRefererBlocked", reason == "API_KEY_SERVICE_BLOCKED":
		return nil, target, p.c.key.Refused(err)
	}
	return nil, target, err
}
