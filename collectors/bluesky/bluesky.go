// Package bluesky follows Bluesky posts through Jetstream, matching keywords
// and hashtags on our side, with a time_us cursor for resuming, and
// optionally backfills through app.bsky.feed.searchPosts with an app
// password.
package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

func init() { collector.RegisterTyped("bluesky", New) }

// Options are the bluesky source's keys.
type Options struct {
	collector.HTTPOptions `yaml:",inline"`
	// JetstreamURL is the Jetstream instance (default
	// wss://jetstream2.us-east.bsky.network); /subscribe is appended.
	JetstreamURL string   `yaml:"jetstream_url"`
	Keywords     []string `yaml:"keywords"`
	Hashtags     []string `yaml:"hashtags"`
	// Langs keeps only posts tagged with one of these languages (all when empty).
	Langs []string `yaml:"langs"`
	// CheckpointEvery is how often the cursor is saved (default 5s).
	CheckpointEvery time.Duration `yaml:"checkpoint_every"`
	// Rewind replays this much before the stored cursor on reconnect, as
	// Jetstream recommends (default 5s; duplicates are removed by the bus).
	Rewind time.Duration `yaml:"rewind"`

	// Identifier (handle, DID or email) turns on the searchPosts backfill,
	// logging in with the app password in $AppPasswordEnv (default
	// EWOM_BLUESKY_APP_PASSWORD).
	Identifier     string `yaml:"identifier"`
	AppPasswordEnv string `yaml:"app_password_env"`
	// ServiceURL is the PDS or entryway for sessions (default https://bsky.social).
	ServiceURL string `yaml:"service_url"`
	// AppViewURL receives searchPosts (default ServiceURL, which proxies it
	// to the Bluesky AppView).
	AppViewURL string `yaml:"appview_url"`
	// Backfill is how far back the first search reaches (default 24h).
	Backfill time.Duration `yaml:"backfill"`
	// SearchMaxPages bounds searchPosts requests per query and connection
	// (default 10); the rest follows on the next one.
	SearchMaxPages int `yaml:"search_max_pages"`
}

const postCollection = "app.bsky.feed.post"

// maxMessageBytes bounds one Jetstream message (posts are at most a few KB).
const maxMessageBytes = 1 << 20

// Collector streams Jetstream until its context ends, after a searchPosts
// backfill when configured.
type Collector struct {
	http            *collector.HTTP
	log             *slog.Logger
	subscribe       *url.URL
	match           Matcher
	checkpointEvery time.Duration
	rewind          time.Duration
	search          *searcher // nil without an identifier
}

// New builds a Bluesky collector.
func New(env *collector.Env, o Options) (*Collector, error) {
	if len(o.Keywords) == 0 && len(o.Hashtags) == 0 {
		return nil, errors.New("keywords: give keywords or hashtags to match (Jetstream carries every post)")
	}
	if o.JetstreamURL == "" {
		o.JetstreamURL = "wss://jetstream2.us-east.bsky.network"
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = 5 * time.Second
	}
	if o.Rewind < 0 {
		return nil, errors.New("rewind: must not be negative")
	}
	if o.Rewind == 0 {
		o.Rewind = 5 * time.Second
	}
	h, err := env.HTTP(o.HTTPOptions)
	if err != nil {
		return nil, err
	}
	base, err := h.CheckBaseURL("jetstream_url", o.JetstreamURL)
	if err != nil {
		return nil, err
	}
	c := &Collector{
		http:            h,
		log:             env.Logger,
		subscribe:       base.JoinPath("subscribe"),
		match:           NewMatcher(o.Keywords, o.Hashtags, o.Langs),
		checkpointEvery: o.CheckpointEvery,
		rewind:          o.Rewind,
	}
	if o.Identifier != "" {
		if c.search, err = newSearcher(h, env.Logger, o, c.match); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func newSearcher(h *collector.HTTP, log *slog.Logger, o Options, match Matcher) (*searcher, error) {
	env := o.AppPasswordEnv
	if env == "" {
		env = "EWOM_BLUESKY_APP_PASSWORD"
	}
	password := os.Getenv(env)
	if password == "" {
		return nil, fmt.Errorf("identifier: the searchPosts backfill needs an app password in $%s (set app_password_env to use another variable)", env)
	}
	if o.ServiceURL == "" {
		o.ServiceURL = "https://bsky.social"
	}
	if o.AppViewURL == "" {
		o.AppViewURL = o.ServiceURL
	}
	if o.Backfill < 0 {
		return nil, errors.New("backfill: must not be negative")
	}
	if o.Backfill == 0 {
		o.Backfill = 24 * time.Hour
	}
	if o.SearchMaxPages <= 0 {
		o.SearchMaxPages = 10
	}
	service, err := h.CheckBaseURL("service_url", o.ServiceURL)
	if err != nil {
		return nil, err
	}
	appview, err := h.CheckBaseURL("appview_url", o.AppViewURL)
	if err != nil {
		return nil, err
	}
	return &searcher{
		http: h, log: log, service: service, appview: appview,
		identifier: o.Identifier, password: password,
		queries: searchQueries(o.Keywords, o.Hashtags), backfill: o.Backfill, maxPages: o.SearchMaxPages, match: match,
	}, nil
}

// Streaming marks the collector as a streamer for the runner.
func (c *Collector) Streaming() bool { return true }

type cursor struct {
	TimeUS int64                 `json:"time_us"`
	Search map[string]*searchPos `json:"search,omitempty"`
}

// Collect runs the searchPosts backfill when configured, then connects to
// Jetstream, resuming just before the stored time_us (or, on the first run
// with a backfill, from when the backfill started), and processes events
// until ctx ends or the connection fails (the runner reconnects).
//
// A failing backfill does not keep the stream from running: it is logged,
// and reported when the stream ends, without its rate-limit wait, so that
// a search quota does not delay reconnecting the stream.
func (c *Collector) Collect(ctx context.Context, raw []byte, out collector.Output) error {
	var cur cursor
	if err := collector.LoadCursor(raw, &cur); err != nil {
		return err
	}
	var backfillErr error
	if c.search != nil {
		start := time.Now()
		if err := c.search.run(ctx, &cur, out); err != nil {
			if ctx.Err() != nil {
				return err
			}
			c.log.Warn("searchPosts backfill failed; streaming anyway", "err", err)
			// %v, not %w: the runner must not wait out the search's rate
			// limit before reconnecting the stream.
			backfillErr = fmt.Errorf("searchPosts backfill: %v", err)
		}
		if cur.TimeUS == 0 {
			cur.TimeUS = start.UnixMicro()
		}
	}
	err := c.stream(ctx, &cur, out)
	if backfillErr != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		// The stream stopping (shutdown, the end of --once) is no error;
		// the failed backfill still is.
		return backfillErr
	}
	return errors.Join(err, backfillErr)
}

// stream reads Jetstream from cur until ctx ends or the connection fails.
func (c *Collector) stream(ctx context.Context, cur *cursor, out collector.Output) error {
	u := *c.subscribe
	q := url.Values{"wantedCollections": {postCollection}}
	if cur.TimeUS > 0 {
		q.Set("cursor", strconv.FormatInt(cur.TimeUS-c.rewind.Microseconds(), 10))
	}
	u.RawQuery = q.Encode()
	target := collector.RedactURL(&u)
	conn, _, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPClient: c.http.Client()})
	if err != nil {
		return fmt.Errorf("connect %s: %w", target, err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxMessageBytes)

	last := cur.TimeUS
	checkpoint := func() error {
		if last <= cur.TimeUS {
			return nil
		}
		cur.TimeUS = last
		return collector.CheckpointJSON(out, cur)
	}
	lastSave := time.Now()
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			// Everything read so far has been emitted (and published):
			// save the position before handing back to the runner.
			cerr := checkpoint()
			if ctx.Err() != nil {
				return errors.Join(ctx.Err(), cerr)
			}
			return errors.Join(fmt.Errorf("reading %s: %w", target, err), cerr)
		}
		ev, err := c.match.Event(data, time.Now())
		if err := deliver(out, ev, err); err != nil {
			return err
		}
		if ev.TimeUS > last {
			last = ev.TimeUS
		}
		if time.Since(lastSave) >= c.checkpointEvery {
			if err := checkpoint(); err != nil {
				return err
			}
			lastSave = time.Now()
		}
	}
}

// Matcher decides which Jetstream post events are mentions.
type Matcher struct {
	keywords []string
	hashtags map[string]bool
	langs    map[string]bool
}

// NewMatcher matches posts whose text contains a keyword (case-insensitive)
// or that carry a hashtag, optionally only in the given languages.
func NewMatcher(keywords, hashtags, langs []string) Matcher {
	m := Matcher{hashtags: map[string]bool{}, langs: map[string]bool{}}
	for _, k := range keywords {
		if k = strings.ToLower(strings.TrimSpace(k)); k != "" {
			m.keywords = append(m.keywords, k)
		}
	}
	for _, h := range hashtags {
		if h = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "#")); h != "" {
			m.hashtags[h] = true
		}
	}
	for _, l := range langs {
		m.langs[strings.ToLower(l)] = true
	}
	return m
}

// Event is the outcome for one Jetstream message or search result: a
// mention, or the reason it was skipped. TimeUS is a Jetstream event's
// cursor position.
type Event struct {
	TimeUS  int64
	Mention *mention.Mention
	Skip    string
	// Estimated says why Mention's time is the network's and not the
	// post's createdAt (nil when createdAt was used).
	Estimated error
}

// deliver hands one Jetstream event or search result, read with err, to
// out: a post that cannot be read is skipped and counted, never fatal.
func deliver(out collector.Output, ev Event, err error) error {
	switch {
	case err != nil:
		out.SkipBad(err)
	case ev.Mention == nil:
		out.Skip(ev.Skip)
	default:
		if ev.Estimated != nil {
			out.Warn("estimated_time", ev.Estimated)
		}
		return out.Emit(ev.Mention)
	}
	return nil
}

type jetstreamEvent struct {
	DID    string `json:"did"`
	TimeUS int64  `json:"time_us"`
	Kind   string `json:"kind"`
	Commit *struct {
		Operation  string     `json:"operation"`
		Collection string     `json:"collection"`
		RKey       string     `json:"rkey"`
		Record     postRecord `json:"record"`
	} `json:"commit"`
}

type postRecord struct {
	Type      string   `json:"$type"`
	Text      string   `json:"text"`
	CreatedAt string   `json:"createdAt"`
	Langs     []string `json:"langs"`
	Facets    []struct {
		Features []struct {
			Type string `json:"$type"`
			Tag  string `json:"tag"`
		} `json:"features"`
	} `json:"facets"`
	Reply *struct {
		Parent struct {
			URI string `json:"uri"`
		} `json:"parent"`
	} `json:"reply"`
	Tags []string `json:"tags"`
}

// Event parses one Jetstream message, received at the given time.
// Identity and account events, other collections, updates and deletes are
// skipped with a reason. A post of the wrong shape (a field of another
// JSON type) is an error only if it would be kept: the fields that could be
// read decide, so the stream's odd records that do not concern us cost
// nothing. A post's time is its createdAt, else the relay's time_us, else
// received.
func (m Matcher) Event(data []byte, received time.Time) (Event, error) {
	var ev jetstreamEvent
	shapeErr := json.Unmarshal(data, &ev)
	if _, ok := errors.AsType[*json.UnmarshalTypeError](shapeErr); shapeErr != nil && !ok {
		return Event{}, fmt.Errorf("malformed Jetstream event: %w", shapeErr)
	}
	out := Event{TimeUS: ev.TimeUS}
	switch {
	case ev.Kind != "commit" || ev.Commit == nil:
		out.Skip = "not a commit"
	case ev.Commit.Collection != postCollection:
		out.Skip = "not a post"
	case ev.Commit.Operation == "delete":
		out.Skip = "delete"
	case ev.Commit.Operation != "create":
		out.Skip = "update"
	case ev.DID == "" || ev.Commit.RKey == "":
		return out, errors.New("post event without did or rkey")
	case !m.langOK(ev.Commit.Record.Langs):
		out.Skip = "language"
	case !m.matches(&ev.Commit.Record):
		out.Skip = "no match"
	case shapeErr != nil:
		return out, fmt.Errorf("post %s: %w", postURI(ev.DID, ev.Commit.RKey), shapeErr)
	default:
		seen, what := received, "the time received"
		if ev.TimeUS > 0 {
			seen, what = time.UnixMicro(ev.TimeUS), "the relay's time"
		}
		var terr error
		if out.Mention, terr = normalise(ev.DID, ev.Commit.RKey, &ev.Commit.Record, seen); terr != nil {
			out.Estimated = fmt.Errorf("post %s: %w; stored with %s", out.Mention.ID, terr, what)
		}
	}
	return out, nil
}

func (m Matcher) langOK(langs []string) bool {
	if len(m.langs) == 0 {
		return true
	}
	for _, l := range langs {
		base, _, _ := strings.Cut(strings.ToLower(l), "-")
		if m.langs[base] || m.langs[strings.ToLower(l)] {
			return true
		}
	}
	return false
}

func (m Matcher) matches(r *postRecord) bool {
	if len(m.keywords) > 0 {
		text := strings.ToLower(r.Text)
		for _, k := range m.keywords {
			if strings.Contains(text, k) {
				return true
			}
		}
	}
	if len(m.hashtags) == 0 {
		return false
	}
	for _, f := range r.Facets {
		for _, feat := range f.Features {
			if feat.Type == "app.bsky.richtext.facet#tag" && m.hashtags[strings.ToLower(feat.Tag)] {
				return true
			}
		}
	}
	for _, t := range r.Tags {
		if m.hashtags[strings.ToLower(t)] {
			return true
		}
	}
	return false
}

// normalise maps the post did/rkey to a mention, the same whether it came
// from Jetstream or searchPosts: seen is when the network saw it (the
// relay's time, or the AppView's indexedAt). The error says why the time is
// seen, flagged, rather than createdAt.
func normalise(did, rkey string, r *postRecord, seen time.Time) (*mention.Mention, error) {
	m := &mention.Mention{
		Source: "bluesky",
		ID:     postURI(did, rkey),
		URL:    "https://bsky.app/profile/" + did + "/post/" + rkey,
		Text:   r.Text,
		Author: mention.Author{Handle: did, URL: "https://bsky.app/profile/" + did},
	}
	if len(r.Langs) > 0 {
		m.Lang = strings.ToLower(r.Langs[0])
	}
	if r.Reply != nil {
		m.ParentURL = webURL(r.Reply.Parent.URI)
	}
	// createdAt is set by the client and can be anything; fall back to the
	// network's time when it is missing or implausible.
	t, err := time.Parse(time.RFC3339Nano, r.CreatedAt)
	switch {
	case err != nil:
		err = fmt.Errorf("createdAt %q is not an RFC 3339 time", r.CreatedAt)
	case t.Year() < 2022 || !t.Before(seen.Add(time.Hour)):
		err = fmt.Errorf("createdAt %s is implausible (before 2022, or over an hour after the network saw the post)", r.CreatedAt)
	default:
		m.PublishedAt = t.UTC()
		return m, nil
	}
	collector.EstimatePublished(m, seen)
	return m, err
}

// postURI is the at:// URI of a post.
func postURI(did, rkey string) string {
	return "at://" + did + "/" + postCollection + "/" + rkey
}

// webURL maps at://did/app.bsky.feed.post/rkey to its bsky.app page.
func webURL(atURI string) string {
	rest, ok := strings.CutPrefix(atURI, "at://")
	if !ok {
		return ""
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[1] != postCollection {
		return atURI
	}
	return "https://bsky.app/profile/" + parts[0] + "/post/" + parts[2]
}
