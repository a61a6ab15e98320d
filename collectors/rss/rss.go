// Package rss collects RSS 0.9x/1.0/2.0, Atom and JSON Feed entries, with
// presets for Google Alerts, YouTube channels, Reddit and Discourse feeds.
package rss

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

func init() { collector.RegisterTyped("rss", New) }

// Options are the rss source's keys.
type Options struct {
	collector.HTTPOptions `yaml:",inline"`
	// URL of the feed. Presets can build it from the keys below instead.
	URL string `yaml:"url"`
	// Preset adapts URL building and normalisation: google_alerts, youtube,
	// reddit, discourse.
	Preset    string `yaml:"preset"`
	ChannelID string `yaml:"channel_id"` // youtube
	Subreddit string `yaml:"subreddit"`  // reddit
	Query     string `yaml:"query"`      // reddit, discourse: search feed
	Tag       string `yaml:"tag"`        // discourse
	BaseURL   string `yaml:"base_url"`   // youtube, reddit, discourse: instance or test server
	// Source overrides the mention "source" label (default: the preset, else "rss").
	Source string `yaml:"source"`
	// Remember is how many entry ids the cursor keeps to skip entries
	// already seen (default 2000).
	Remember int `yaml:"remember"`
}

// Preset names.
const (
	PresetGoogleAlerts = "google_alerts"
	PresetYouTube      = "youtube"
	PresetReddit       = "reddit"
	PresetDiscourse    = "discourse"
)

// Collector polls one feed.
type Collector struct {
	http     *collector.HTTP
	url      string
	norm     Normaliser
	remember int
}

// New builds a feed collector.
func New(env *collector.Env, o Options) (*Collector, error) {
	feedURL, err := o.feedURL()
	if err != nil {
		return nil, err
	}
	h, err := env.HTTP(o.HTTPOptions)
	if err != nil {
		return nil, err
	}
	u, err := h.CheckURL(feedURL)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	source := o.Source
	if source == "" {
		source = o.Preset
	}
	if source == "" {
		source = "rss"
	}
	if o.Remember <= 0 {
		o.Remember = 2000
	}
	return &Collector{http: h, url: u.String(), norm: Normaliser{Source: source, Preset: o.Preset}, remember: o.Remember}, nil
}

func (o Options) feedURL() (string, error) {
	base := func(def string) string {
		if o.BaseURL != "" {
			return strings.TrimRight(o.BaseURL, "/")
		}
		return def
	}
	switch o.Preset {
	case "", PresetGoogleAlerts:
		if o.URL == "" {
			return "", errors.New("url: required (the feed's address)")
		}
		return o.URL, nil
	case PresetYouTube:
		if o.URL != "" {
			return o.URL, nil
		}
		if o.ChannelID == "" {
			return "", errors.New("channel_id: required for the youtube preset (or set url)")
		}
		return base("https://www.youtube.com") + "/feeds/videos.xml?channel_id=" + url.QueryEscape(o.ChannelID), nil
	case PresetReddit:
		switch {
		case o.URL != "":
			return o.URL, nil
		case o.Query != "" && o.Subreddit != "":
			return base("https://www.reddit.com") + "/r/" + url.PathEscape(o.Subreddit) + "/search.rss?restrict_sr=on&sort=new&q=" + url.QueryEscape(o.Query), nil
		case o.Query != "":
			return base("https://www.reddit.com") + "/search.rss?sort=new&q=" + url.QueryEscape(o.Query), nil
		case o.Subreddit != "":
			return base("https://www.reddit.com") + "/r/" + url.PathEscape(o.Subreddit) + "/new/.rss", nil
		}
		return "", errors.New("subreddit or query: required for the reddit preset (or set url)")
	case PresetDiscourse:
		switch {
		case o.URL != "":
			return o.URL, nil
		case o.BaseURL == "":
			return "", errors.New("base_url: required for the discourse preset (the forum's address)")
		case o.Query != "":
			return base("") + "/search.rss?q=" + url.QueryEscape(o.Query), nil
		case o.Tag != "":
			return base("") + "/tag/" + url.PathEscape(o.Tag) + ".rss", nil
		}
		return base("") + "/latest.rss", nil
	}
	return "", fmt.Errorf("preset: %q is not one of google_alerts, youtube, reddit, discourse", o.Preset)
}

// cursor is what the feed collector stores between passes.
type cursor struct {
	ETag         string   `json:"etag,omitempty"`
	LastModified string   `json:"last_modified,omitempty"`
	Seen         []string `json:"seen,omitempty"`
}

// Collect fetches the feed (conditionally) and emits entries not seen before.
func (c *Collector) Collect(ctx context.Context, raw []byte, out collector.Output) error {
	var cur cursor
	if err := collector.LoadCursor(raw, &cur); err != nil {
		return err
	}
	h := http.Header{}
	h.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
	if cur.ETag != "" {
		h.Set("If-None-Match", cur.ETag)
	}
	if cur.LastModified != "" {
		h.Set("If-Modified-Since", cur.LastModified)
	}
	resp, err := c.http.Get(ctx, c.url, h)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return nil
	}
	target := collector.RedactURL(resp.Request.URL)
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("GET %s: reading body: %w", target, err)
	}
	fallback := time.Now().UTC()
	if t, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		fallback = t.UTC()
	}
	page, err := c.norm.Parse(body, resp.Header.Get("Content-Type"), resp.Request.URL, fallback)
	if err != nil {
		return fmt.Errorf("GET %s: %w", target, err)
	}
	if page.Damage != nil {
		out.Warn("damaged_feed", fmt.Errorf("GET %s: %w", target, page.Damage))
	}
	seen := collector.NewSeen(cur.Seen, c.remember)
	for _, m := range page.Mentions {
		k := m.Key()
		if seen.Has(k) {
			out.Skip("seen")
			continue
		}
		if err := out.Emit(m); err != nil {
			return err
		}
		seen.Add(k)
	}
	return collector.CheckpointJSON(out, cursor{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Seen: seen.Keys()})
}

// Normaliser turns feed documents into mentions.
type Normaliser struct {
	Source string
	Preset string
}

// ErrNotAFeed is returned for bodies that are not RSS, Atom or JSON Feed
// (HTML error pages served with 200, empty bodies).
var ErrNotAFeed = errors.New("not an RSS, Atom or JSON feed")

var (
	htmlStart     = regexp.MustCompile(`(?i)^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])`)
	shortLangCode = regexp.MustCompile(`^[a-zA-Z]{2,3}\b`)
)

// Page is what Parse read from one feed document.
type Page struct {
	Mentions []*mention.Mention
	// Damage is non-nil when the document broke (cut off, malformed) and
	// only the items before the break are in Mentions.
	Damage error
}

// Parse parses a feed body and normalises its entries. contentType is the
// HTTP Content-Type (its charset comes first, then the XML declaration's,
// then detection), feedURL resolves relative links and fallback is the
// publication time of entries without any date. A feed that breaks after
// some items yields those items and the damage; one that breaks before any
// is an error.
func (n Normaliser) Parse(body []byte, contentType string, feedURL *url.URL, fallback time.Time) (Page, error) {
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	if len(bytes.TrimSpace(body)) == 0 {
		return Page{}, fmt.Errorf("%w: empty body", ErrNotAFeed)
	}
	if htmlStart.Match(body[:min(len(body), 512)]) {
		mt, _, _ := mime.ParseMediaType(contentType)
		return Page{}, fmt.Errorf("%w: got an HTML page (%s)", ErrNotAFeed, mt)
	}
	var page Page
	if body[0] != '{' {
		var err error
		if body, err = toUTF8(body, contentType); err != nil {
			return Page{}, err
		}
		// The parser reads past some breaks and silently drops what
		// follows, and fails on others: either way, read up to the break.
		if fixed, items, cause := salvage(body); cause != nil && items > 0 {
			body = fixed
			page.Damage = fmt.Errorf("feed broken after its %d complete items (%v); they were read, the rest was not", items, cause)
		}
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return Page{}, fmt.Errorf("%w: %q…", ErrNotAFeed, firstLine(body))
		}
		return Page{}, fmt.Errorf("parsing feed: %w", err)
	}
	base := feedURL
	if feed.Link != "" {
		if l, err := resolve(feedURL, feed.Link); err == nil {
			base = l
		}
	}
	if t := firstTime(feed.UpdatedParsed, feed.PublishedParsed); !t.IsZero() {
		fallback = t
	}
	lang := ""
	if m := shortLangCode.FindString(feed.Language); m != "" {
		lang = strings.ToLower(m)
	}
	page.Mentions = make([]*mention.Mention, 0, len(feed.Items))
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		page.Mentions = append(page.Mentions, n.item(it, base, lang, fallback))
	}
	return page, nil
}

func (n Normaliser) item(it *gofeed.Item, base *url.URL, lang string, fallback time.Time) *mention.Mention {
	m := &mention.Mention{Source: n.Source, Lang: lang}
	link := it.Link
	if link == "" && len(it.Links) > 0 {
		link = it.Links[0]
	}
	if link = strings.TrimSpace(link); link != "" {
		if u, err := resolve(base, link); err == nil {
			link = u.String()
		}
		if n.Preset == PresetGoogleAlerts {
			link = unwrapGoogleRedirect(link)
		}
		m.URL = link
	}
	m.Title = collector.HTMLToText(it.Title)
	body := it.Content
	if body == "" {
		body = it.Description
	}
	if body == "" && n.Preset == PresetYouTube {
		body = mediaDescription(it)
	}
	m.Text = collector.HTMLToText(body)
	if m.Text == m.Title {
		m.Text = ""
	}
	if len(it.Authors) > 0 && it.Authors[0] != nil {
		m.Author.Name = strings.TrimSpace(it.Authors[0].Name)
		if n.Preset == PresetReddit {
			m.Author.Handle = strings.TrimPrefix(m.Author.Name, "/u/")
		}
	}
	m.PublishedAt = firstTime(it.PublishedParsed, it.UpdatedParsed)
	if m.PublishedAt.IsZero() {
		m.PublishedAt = fallback
	}
	m.ID = strings.TrimSpace(it.GUID)
	if m.ID == "" && m.URL != "" {
		m.ID = mention.CanonicalURL(m.URL)
	}
	if m.ID == "" {
		h := sha256.Sum256([]byte(m.Title + "\x00" + m.Text + "\x00" + it.Published + "\x00" + it.Updated))
		m.ID = "sha256:" + hex.EncodeToString(h[:12])
	}
	return m
}

// unwrapGoogleRedirect turns https://www.google.com/url?…&url=TARGET&… into
// TARGET.
func unwrapGoogleRedirect(link string) string {
	u, err := url.Parse(link)
	if err != nil || !strings.HasSuffix(u.Hostname(), "google.com") || u.Path != "/url" {
		return link
	}
	for _, k := range []string{"url", "q"} {
		if t := u.Query().Get(k); strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://") {
			return t
		}
	}
	return link
}

// mediaDescription reads YouTube's <media:group><media:description>.
func mediaDescription(it *gofeed.Item) string {
	for _, g := range it.Extensions["media"]["group"] {
		for _, d := range g.Children["description"] {
			if d.Value != "" {
				return d.Value
			}
		}
	}
	return ""
}

func resolve(base *url.URL, ref string) (*url.URL, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return nil, err
	}
	if base == nil {
		return r, nil
	}
	return base.ResolveReference(r), nil
}

func firstTime(ts ...*time.Time) time.Time {
	for _, t := range ts {
		if t != nil && !t.IsZero() && t.Year() > 1970 {
			return t.UTC()
		}
	}
	return time.Time{}
}

func firstLine(b []byte) string {
	b = bytes.TrimSpace(b[:min(len(b), 80)])
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return string(bytes.ToValidUTF8(b, []byte("?")))
}
